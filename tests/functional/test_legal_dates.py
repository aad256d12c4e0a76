"""No input moves a legal date (issue 11, A1, A2, A6): postal receipts and an officer's --at may
lie neither before the summons was placed nor after now plus the clock skew; excuses and
cancellations say why, with an excuse code of the policy; a campaign window is checked when it is
created. And `campaign show` reads as text."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from muster.campaigns import issuing
from muster.campaigns import services as campaigns
from muster.delivery.models import Delivery, DeliveryEvent
from muster.kernel.actor import Actor
from muster.measures.models import Measure
from muster.rules.notice_numbers import format_summons_number
from muster.summons import tick
from muster.summons.models import Summons
from tests.conftest import at

pytestmark = pytest.mark.django_db
PLACED = at("2023-04-20")
NOW = at("2026-03-02")


def _future() -> str:
    """A day well after the wall clock plus any skew, whenever the tests run."""
    return (timezone.now() + timedelta(days=30)).isoformat()


def _receipts(tmp_path, rows):
    path = tmp_path / "receipts.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["tracking_number", "event", "at"])
        writer.writerows(rows)
    return path


@pytest.fixture
def letters_2023(ru, people, cli_run, tmp_path):
    """Six summonses placed on 2023-04-20 (exit ban from service, under ru-2023-04-14); the three to
    people without an electronic account sent by post."""
    people(6)
    campaigns.create(ru, campaigns.CampaignRequest(code="SPRING-23", purpose="call_up", districts={"RU-RYA": 6},
                                                   appear_from=date(2023, 5, 2), appear_to=date(2023, 5, 10),
                                                   place="x"), actor=Actor.officer("t"), today=PLACED.date())
    issuing.issue(campaigns.get("SPRING-23"), PLACED, actor=Actor.officer("t"))
    result = cli_run("letters", "batch", "--now", PLACED.isoformat(), "--out", str(tmp_path / "out"), "--json")
    assert result.exit_code == 0, result.output
    return [d.provider_ref for d in Delivery.objects.filter(channel="post").order_by("id")]


def test_a_receipt_before_placement_or_in_the_future_is_rejected_and_back_dates_nothing(letters_2023, cli_run,
                                                                                        tmp_path):
    early, future, good = letters_2023
    path = _receipts(tmp_path, [[early, "refused", "2023-01-01T10:00:00+03:00"],
                                [future, "delivered", _future()],
                                [good, "delivered", "2023-04-24T12:00:00+03:00"]])
    errors = tmp_path / "errors.csv"
    result = cli_run("receipts", "import", str(path), "--errors", str(errors), "--json")
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert (data["applied"], data["rejected"]) == (1, 2)
    assert [(p["line"], p["column"]) for p in data["problems"]] == [(2, "at"), (3, "at")]
    assert "before the summons was placed" in data["problems"][0]["reason"]
    assert "in the future" in data["problems"][1]["reason"]
    with open(errors, encoding="utf-8") as f:
        assert "2023-01-01" not in f.read()  # the error file holds no values
    receipts = DeliveryEvent.objects.filter(event__in=("delivered", "refused"))
    assert list(receipts.values_list("delivery__provider_ref", flat=True)) == [good]
    tick.tick(at("2023-04-25"), actor=Actor.officer("t"))
    refused = Summons.objects.get(deliveries__provider_ref=early)
    assert refused.served_on is None and refused.status == "placed"  # not served on 2023-01-01
    assert not Measure.objects.filter(summons=refused).exists()  # no exit ban from 2023-01-01
    served = Summons.objects.get(deliveries__provider_ref=good)
    assert served.served_on == date(2023, 4, 24)
    assert Measure.objects.get(summons=served, kind="exit_ban").effective_from == date(2023, 4, 24)


@pytest.fixture
def issued(ru, people):
    people(4)
    campaigns.create(ru, campaigns.CampaignRequest(code="C", purpose="call_up", districts={"RU-RYA": 4},
                                                   appear_from=date(2026, 3, 10), appear_to=date(2026, 3, 12),
                                                   place="x"), actor=Actor.officer("t"), today=NOW.date())
    issuing.issue(campaigns.get("C"), NOW, actor=Actor.officer("t"))  # the exit ban in force from placement
    return [format_summons_number(s.number) for s in Summons.objects.order_by("id")]


@pytest.mark.parametrize(
    ("when", "message"),
    [(lambda: _future(), "is in the future"),
     (lambda: "2026-03-01T09:00:00+03:00", "is before"),
     (lambda: "1899-12-31T00:00:00+00:00", "is before")],
)
def test_record_and_hand_at_outside_placement_and_now_are_refused(issued, cli_run, when, message):
    number = issued[0]
    for args in (("record", number, "appeared"), ("hand", number, "signed")):
        result = cli_run("summons", *args, "--at", when(), "--json")
        assert result.exit_code == 2, result.output
        assert message in json.loads(result.stdout)["error"] and "--at" in result.stdout
    summons = Summons.objects.get(pk=Summons.objects.order_by("id")[0].pk)
    assert summons.status == "placed" and not summons.deliveries.filter(channel="in_person").exists()
    assert not Measure.objects.filter(summons=summons, status="lifted").exists()  # nothing lifted "in 2030"


@pytest.mark.parametrize(
    ("args", "message"),
    [(("excused", "--reason", "made-up-code"), "an excuse needs its code, one of illness, relative, force_majeure, other"),
     (("excused", "--excuse", "made-up-code", "--reason", "x"), "'made-up-code' is not an excuse of policy ru-2026-01-01"),
     (("excused", "--excuse", "illness"), "--reason: excused needs a reason"),
     (("excused", "--excuse", "illness", "--reason", "   "), "--reason: excused needs a reason"),
     (("cancelled",), "--reason: cancelled needs a reason"),
     (("appeal_accepted", "--reason", ""), "--reason: appeal accepted needs a reason"),
     (("appeared", "--excuse", "illness"), "only an excused summons has an excuse code")],
)
def test_excuses_and_cancellations_need_a_reason_and_a_known_excuse(issued, cli_run, args, message):
    result = cli_run("summons", "record", issued[0], *args, "--at", at("2026-04-06").isoformat(), "--json")
    assert result.exit_code == 2, result.output
    assert message in json.loads(result.stdout)["error"]
    assert Summons.objects.order_by("id")[0].status == "placed"


def test_an_excuse_by_code_with_its_reason_and_the_older_form(issued, cli_run):
    given = at("2026-04-06").isoformat()
    result = cli_run("summons", "record", issued[0], "excused", "--excuse", "illness", "--reason",
                     "hospital certificate 17", "--at", given, "--json")
    assert result.exit_code == 0, result.output
    older = cli_run("summons", "record", issued[1], "excused", "--reason", "relative", "--at", given, "--json")
    assert older.exit_code == 0, older.output
    cancelled = cli_run("summons", "record", issued[2], "cancelled", "--reason", "sent in error", "--at", given)
    assert cancelled.exit_code == 0, cancelled.output
    first, second, third = Summons.objects.order_by("id")[:3]
    assert first.closed_reason == ("excused on 2026-04-06: illness (Illness or injury with loss of capacity to work): "
                                   "hospital certificate 17")
    assert second.closed_reason == ("excused on 2026-04-06: relative (Serious illness or funeral of a close "
                                    "relative)")
    assert third.closed_reason == "cancelled on 2026-04-06: sent in error"


def test_a_window_further_out_than_the_policy_allows_is_refused_at_create(cli_run):
    def create(code, start):
        return cli_run("campaign", "create", "--code", code, "--pack", "ru", "--purpose", "call_up",
                       "--district", "RU-RYA:5", "--appear-from", (NOW.date() + timedelta(days=start)).isoformat(),
                       "--appear-to", (NOW.date() + timedelta(days=start + 2)).isoformat(), "--place", "x",
                       "--now", NOW.isoformat(), "--json")

    far = create("FAR", 90)
    assert far.exit_code == 2, far.output
    error = json.loads(far.stdout)["error"]
    assert "--appear-from: 2026-05-31 is 90 days after today (2026-03-02)" in error
    assert "at most 30 days after placement" in error and "ru-2026-01-01" in error
    assert not campaigns.Campaign.objects.filter(code="FAR").exists()
    near = create("NEAR", 20)
    assert near.exit_code == 0, near.output


def test_campaign_show_prints_readable_text(issued, cli_run):
    result = cli_run("campaign", "show", "C")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "{" not in text and "}" not in text and "'" not in text  # no Python dict
    assert "district RU-RYA" in text and "quota 4, issued 4" in text
    assert "4 placed" in text and "2026-03-10 to 2026-03-12, from 09:00" in text
    assert json.loads(cli_run("campaign", "show", "C", "--json").stdout)["status"]["placed"] == 4
