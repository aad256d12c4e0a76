"""Campaigns, issuing, the tick, outcomes: on the real database, through the CLI where it matters."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from muster.campaigns import issuing
from muster.campaigns import services as campaigns
from muster.kernel.actor import Actor
from muster.ledger.models import Event
from muster.measures.models import Measure
from muster.rules.notice_numbers import format_summons_number, parse_summons_number
from muster.summons import outcomes, tick
from muster.summons.models import Summons
from tests.conftest import at

pytestmark = pytest.mark.django_db

NOW = at("2026-03-02")
REQUEST = dict(code="SPRING-26", purpose="call_up", appear_from=date(2026, 3, 10), appear_to=date(2026, 3, 25),
               place="ул. Ленина, 1")


def _campaign(ru, **kw):
    data = {**REQUEST, "districts": {"RU-RYA": 250}, **kw}
    return campaigns.create(ru, campaigns.CampaignRequest(**data), actor=Actor.officer("t"), today=NOW.date())


def _create_cli(cli_run, *extra):
    return cli_run("campaign", "create", "--code", "SPRING-26", "--pack", "ru", "--purpose", "call_up",
                   "--appear-from", "2026-03-10", "--appear-to", "2026-03-25", "--place", "ул. Ленина, 1",
                   "--now", NOW.isoformat(), "--json", *extra)


def test_create_campaign_and_show(cli_run):
    result = _create_cli(cli_run, "--district", "RU-RYA:10", "--district", "RU-MOW:5")
    assert result.exit_code == 0, result.output
    shown = json.loads(cli_run("campaign", "show", "SPRING-26", "--json").stdout)
    assert shown["policy_version"] == "ru-2026-01-01"
    assert [d["district"] for d in shown["districts"]] == ["RU-MOW", "RU-RYA"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--district", "RU-XXX:10"], "unknown district 'RU-XXX'"),
        (["--district", "RU-RYA:ten"], "expected CODE:QUOTA"),
        (["--district", "RU-RYA:0"], "quota must be at least 1"),
    ],
)
def test_create_campaign_bad_districts(cli_run, args, message):
    result = _create_cli(cli_run, *args)
    assert result.exit_code == 2 and message in result.output


def test_window_that_breaks_the_policy_is_refused(cli_run):
    result = cli_run("campaign", "create", "--code", "LONG", "--purpose", "call_up", "--district", "RU-RYA:5",
                     "--appear-from", "2026-03-10", "--appear-to", "2026-04-30", "--place", "x",
                     "--now", NOW.isoformat(), "--json")
    assert result.exit_code == 2
    assert "at most 30 days after placement" in json.loads(result.stdout)["error"]


def test_unknown_campaign(cli_run):
    for args in (["campaign", "issue", "NOPE", "--json"], ["campaign", "show", "NOPE", "--json"]):
        result = cli_run(*args)
        assert result.exit_code == 4 and "no campaign 'NOPE'" in result.stdout


def test_issue_is_set_based_idempotent_and_spreads_by_capacity(ru, people, cli_run):
    people(300)  # RU-RYA: 100 a day
    _campaign(ru)
    dry = json.loads(cli_run("campaign", "issue", "SPRING-26", "--now", NOW.isoformat(), "--dry-run",
                             "--json").stdout)
    assert dry["would_issue"] == 250 and dry["issued"] == 0 and Summons.objects.count() == 0
    first = json.loads(cli_run("campaign", "issue", "SPRING-26", "--now", NOW.isoformat(), "--json").stdout)
    assert first["issued"] == 250 and first["shortfall"] == 0
    again = json.loads(cli_run("campaign", "issue", "SPRING-26", "--now", NOW.isoformat(), "--json").stdout)
    assert again["issued"] == 0
    per_day = {}
    for s in Summons.objects.all():
        assert date(2026, 3, 10) <= s.appearance_date <= date(2026, 3, 25)
        assert s.appearance_date <= s.placed_on + timedelta(days=30)
        per_day[s.appearance_date] = per_day.get(s.appearance_date, 0) + 1
        assert parse_summons_number(format_summons_number(s.number)) == s.number
    assert per_day == {date(2026, 3, 10): 100, date(2026, 3, 11): 100, date(2026, 3, 12): 50}


def test_oldest_are_picked_first(ru, people):
    ids = people(20)
    _campaign(ru, districts={"RU-RYA": 5})
    issuing.issue(campaigns.get("SPRING-26"), NOW, actor=Actor.officer("t"))
    from muster.registry.models import Person

    chosen = set(Summons.objects.values_list("person__national_id", flat=True))
    oldest = list(Person.objects.filter(national_id__in=ids).order_by("birth_date", "national_id")
                  .values_list("national_id", flat=True)[:5])
    assert chosen == set(oldest)


def test_quota_above_the_liable_issues_what_exists_and_reports_the_shortfall(ru, people):
    people(30)
    people(5, start=100, sex="F")  # not liable
    _campaign(ru, districts={"RU-RYA": 50})
    result = issuing.issue(campaigns.get("SPRING-26"), NOW, actor=Actor.officer("t")).as_dict()
    assert result["issued"] == 30 and result["shortfall"] == 20
    (district,) = result["districts"]
    assert district["shortfall_reasons"] == ["only 30 liable people not yet summoned"]
    assert district["not_liable"] == {"sex": 5}


def test_each_summons_gets_deliveries_events_and_the_exit_ban(ru, people):
    people(10)
    _campaign(ru, districts={"RU-RYA": 10})
    issuing.issue(campaigns.get("SPRING-26"), NOW, actor=Actor.officer("t"))
    for s in Summons.objects.select_related("person"):
        channels = set(s.deliveries.values_list("channel", flat=True))
        if s.person.electronic_account:
            assert channels == {"portal", "email", "sms"}
        else:
            assert channels == {"post", "email", "sms"}  # everyone gets a personal channel
        ban = Measure.objects.get(summons=s)
        assert (ban.kind, ban.status, ban.effective_from) == ("exit_ban", "active", s.placed_on)
        assert "437-FZ" in ban.legal_basis
    assert Event.objects.filter(type="summons.placed").count() == 10
    assert Event.objects.filter(type="measure.applied").count() == 10


def test_the_2023_policy_bans_exit_only_from_service(ru, people):
    people(4)
    old_now = at("2023-05-02")
    campaigns.create(ru, campaigns.CampaignRequest(code="OLD", purpose="medical_examination",
                                                   districts={"RU-RYA": 4}, appear_from=date(2023, 5, 10),
                                                   appear_to=date(2023, 5, 20), place="x"),
                     actor=Actor.officer("t"), today=old_now.date())
    issuing.issue(campaigns.get("OLD"), old_now, actor=Actor.officer("t"))
    assert Measure.objects.count() == 0
    tick.tick(old_now + timedelta(days=7), actor=Actor.officer("t"))
    bans = Measure.objects.filter(kind="exit_ban")
    assert bans.count() == 4
    assert {m.effective_from for m in bans} <= {date(2023, 5, 2), date(2023, 5, 9)}


def _numbers():
    return [format_summons_number(s.number) for s in Summons.objects.order_by("id")]


def test_tick_serves_misses_and_is_idempotent(ru, people, cli_run):
    people(4)
    _campaign(ru, districts={"RU-RYA": 4})
    issuing.issue(campaigns.get("SPRING-26"), NOW, actor=Actor.officer("t"))

    def run(now):
        result = cli_run("tick", "--now", now.isoformat(), "--no-send", "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    first = run(NOW)
    assert first["portal_posted"] == 2 and first["served"] == 2  # electronic accounts: served on posting
    assert set(run(NOW).values()) == {0}  # a second tick at the same time changes nothing
    later = run(NOW + timedelta(days=7))
    assert later["served"] == 2  # the others: deemed served on placement + 7
    s = Summons.objects.filter(served_how="deemed").first()
    assert s.served_on == date(2026, 3, 9) and s.served_evidence == "served: 7 days after placement on 2026-03-02"
    # Appearance 2026-03-10, grace 20 days: may appear up to 03-30, missed from 03-31.
    assert run(at("2026-03-30", 23))["missed"] == 0
    missed = run(at("2026-03-31", 0))
    assert missed["missed"] == 4 and missed["measures_applied"] == 4 * 6
    assert {m.effective_from for m in Measure.objects.exclude(kind="exit_ban")} == {date(2026, 3, 31)}
    assert set(run(at("2026-03-31", 0)).values()) == {0}
    back = cli_run("tick", "--now", NOW.isoformat(), "--json")
    assert back.exit_code == 2 and "earlier than the last tick" in back.stdout


def test_appearance_lifts_measures_the_same_day_even_when_late(ru, people, cli_run):
    people(2)
    _campaign(ru, districts={"RU-RYA": 2})
    issuing.issue(campaigns.get("SPRING-26"), NOW, actor=Actor.officer("t"))
    tick.tick(at("2026-04-05"), actor=Actor.officer("t"))
    late, other = _numbers()
    result = cli_run("summons", "record", late, "appeared", "--at", at("2026-04-06", 11).isoformat(), "--json")
    assert result.exit_code == 0, result.output
    assert sorted(json.loads(result.stdout)["measures_lifted"]) == sorted(
        ["exit_ban", "sole_proprietor_ban", "self_employed_ban", "real_estate_ban", "vehicle_registration_ban",
         "driving_ban", "credit_ban"])
    s = outcomes.find(late)
    assert s.status == "appeared"
    assert all(m.status == "lifted" and m.lifted_on == date(2026, 4, 6) for m in s.measures.all())
    assert Event.objects.filter(type="measure.lifted", summons_id=s.pk).count() == 7
    again = cli_run("summons", "record", late, "excused", "--json")
    assert again.exit_code == 2 and "already appeared" in again.stdout
    bad = cli_run("summons", "record", late[:-1] + str((int(late[-1]) + 1) % 10), "appeared", "--json")
    assert bad.exit_code == 2 and "check digits do not match" in bad.stdout
    excused = json.loads(cli_run("summons", "record", other, "excused", "--reason", "illness", "--at",
                                 at("2026-04-06").isoformat(), "--json").stdout)
    assert excused["status"] == "excused"


def test_summons_show_and_list_contracts(ru, people, cli_run):
    from muster.audit.models import AuditRecord

    (nid,) = people(1)
    _campaign(ru, districts={"RU-RYA": 1})
    issuing.issue(campaigns.get("SPRING-26"), NOW, actor=Actor.officer("t"))
    listed = json.loads(cli_run("summons", "list", "--person", nid, "--json").stdout)
    assert len(listed) == 1
    item = listed[0]
    assert {"number", "status", "placed_on", "served_on", "served_how", "appearance_date"} <= set(item)
    assert item["served_on"] is None and item["status"] == "placed"
    shown = json.loads(cli_run("summons", "show", item["number"], "--json").stdout)
    assert shown["number"] == item["number"] and shown["measures"][0]["kind"] == "exit_ban"
    assert AuditRecord.objects.filter(action="person.read").count() == 2


def test_summons_number_with_wrong_check_digit(cli_run):
    result = cli_run("summons", "show", "1234-5678-88", "--json")
    assert result.exit_code == 2 and "check digits" in result.stdout


def test_in_person_signature_serves_at_the_next_tick(ru, people, cli_run):
    people(2)
    _campaign(ru, districts={"RU-RYA": 2})
    issuing.issue(campaigns.get("SPRING-26"), NOW, actor=Actor.officer("t"))
    number = _numbers()[1]  # no electronic account: not served on posting
    result = cli_run("summons", "hand", number, "refused", "--at", at("2026-03-03").isoformat(), "--json")
    assert result.exit_code == 0, result.output
    again = cli_run("summons", "hand", number, "signed", "--json")
    assert again.exit_code == 2 and "already handed over" in again.stdout
    tick.tick(at("2026-03-04"), actor=Actor.officer("t"))
    s = outcomes.find(number)
    assert (s.status, s.served_on, s.served_how) == ("served", date(2026, 3, 3), "in_person:refused")


def test_worker_runs_the_tick(ru, people, cli_run):
    people(2)
    _campaign(ru, districts={"RU-RYA": 2})
    issuing.issue(campaigns.get("SPRING-26"), NOW, actor=Actor.officer("t"))
    result = cli_run("worker", "--iterations", "1", "--interval", "0")
    assert result.exit_code == 0
    assert tick.last_tick() is not None
    assert Summons.objects.filter(status__in=("served", "missed")).count() == 2  # the clock has moved on
