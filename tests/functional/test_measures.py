"""Measures as an officer and a person meet them: `measures show`, the sign-off queue, being told."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest

from muster import engine
from muster.campaigns import issuing
from muster.campaigns import services as campaigns
from muster.delivery import messages as notify
from muster.delivery.models import PersonMessage
from muster.kernel.actor import Actor
from muster.measures.models import Measure
from muster.partners import keys
from muster.partners.models import FeedEntry
from muster.policy import loader
from muster.rules.notice_numbers import format_summons_number
from muster.summons import outcomes
from muster.summons.models import Summons
from tests.conftest import REPO, at, snils
from tests.functional.test_delivery_channels import smtp_server  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db
NOW = at("2026-03-02")
LATER = at("2026-04-05")


def _issue(ru, people, count=2):
    ids = people(count)
    campaigns.create(ru, campaigns.CampaignRequest(code="C", purpose="call_up", districts={"RU-RYA": count},
                                                   appear_from=date(2026, 3, 10), appear_to=date(2026, 3, 12),
                                                   place="x"), actor=Actor.officer("t"), today=NOW.date())
    issuing.issue(campaigns.get("C"), NOW, actor=Actor.officer("t"))
    return ids


def test_measures_show_lists_active_and_past_with_reasons(ru, people, cli_run):
    ids = _issue(ru, people)
    engine.turn(LATER, actor=Actor.officer("t"), send=False)
    summons = Summons.objects.get(person__national_id=ids[0])
    outcomes.record(format_summons_number(summons.number), "appeared", at("2026-04-07"), actor=Actor.officer("officer"))
    result = cli_run("measures", "show", ids[0], "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 7 and {r["status"] for r in rows} == {"lifted"}
    exit_ban = next(r for r in rows if r["kind"] == "exit_ban")
    assert exit_ban["effective_from"] == "2026-03-02" and exit_ban["lifted_on"] == "2026-04-07"
    assert exit_ban["reason"] == "summons appeared on 2026-04-07"
    assert exit_ban["number"] == format_summons_number(summons.number)
    other = json.loads(cli_run("measures", "show", ids[1], "--json").stdout)
    assert {r["status"] for r in other} == {"active"}
    credit = next(r for r in other if r["kind"] == "credit_ban")
    assert "not appeared by the end of the grace days" in credit["reason"] and "53-FZ" in credit["reason"]
    assert credit["lifted_on"] is None


@pytest.mark.parametrize(("national_id", "code", "message"), [("112-233-445 96", 2, "check"),
                                                              (snils(999), 4, "no person")])
def test_measures_show_bad_ids(ru, cli_run, national_id, code, message):
    result = cli_run("measures", "show", national_id, "--json")
    assert result.exit_code == code and message in json.loads(result.stdout)["error"]


@pytest.fixture
def signoff_pack(ru, tmp_path):
    """The ru pack, with the credit ban waiting for an officer under the 2026 version."""
    folder = tmp_path / "ru"
    shutil.copytree(REPO / "src" / "muster" / "packs" / "ru", folder)
    policy = folder / "policies" / "2026-01-01.toml"
    text = policy.read_text(encoding="utf-8")
    head, tail = text.split('kind = "credit_ban"', 1)
    policy.write_text(head + 'kind = "credit_ban"' + tail.replace("officer_signoff = false",
                                                                  "officer_signoff = true", 1), encoding="utf-8")
    # Installed versions are immutable once in force: install it as of before 2026, with nothing issued.
    pack, changed = loader.install(folder, now=at("2025-12-01"))
    assert changed
    return pack


def test_sign_off_queue_holds_the_measure_until_an_officer_signs(signoff_pack, people, cli_run):
    ids = _issue(signoff_pack, people)
    keys.add("Bureau", ["credit_ban"], "", actor=Actor.officer("t"))
    engine.turn(LATER, actor=Actor.officer("t"), send=False)
    queue = json.loads(cli_run("measures", "pending", "--json").stdout)
    assert [r["kind"] for r in queue] == ["credit_ban", "credit_ban"]
    assert not FeedEntry.objects.exists(), "a pending measure is not published"
    first, second = queue
    signed = json.loads(cli_run("measures", "sign", str(first["id"]), "--now", at("2026-04-06").isoformat(),
                                "--json").stdout)
    assert signed["status"] == "active" and signed["effective_from"] == "2026-04-06"  # not back-dated
    declined = cli_run("measures", "decline", str(second["id"]), "--reason", "excuse on file", "--json")
    assert json.loads(declined.stdout)["status"] == "declined"
    again = cli_run("measures", "sign", str(second["id"]), "--json")
    assert again.exit_code == 2 and "declined" in json.loads(again.stdout)["error"]
    assert cli_run("measures", "sign", "999999", "--json").exit_code == 4
    engine.turn(at("2026-04-06", 12), actor=Actor.officer("t"), send=False)
    entries = list(FeedEntry.objects.order_by("seq"))
    assert [(e.seq, e.type, e.payload["kind"]) for e in entries] == [(1, "measure.applied", "credit_ban")]
    assert json.loads(cli_run("measures", "pending", "--json").stdout) == []
    assert ids


def test_the_person_is_told_in_the_account_and_by_email_when_applied_and_lifted(
        ru, people, settings, smtp_server):  # noqa: F811 - the fixture
    controller, received = smtp_server
    settings.MUSTER_EMAIL_URL = f"smtp://127.0.0.1:{controller.port}"
    ids = _issue(ru, people, count=1)
    counts = engine.turn(NOW, actor=Actor.officer("t"))
    assert counts["messages"] == 1 and counts["message_email_sent"] == 1  # the exit ban, from placement
    summons = Summons.objects.get()
    outcomes.record(format_summons_number(summons.number), "excused", at("2026-03-05"), actor=Actor.officer("officer"),
                    reason="illness")
    counts = engine.turn(at("2026-03-05", 12), actor=Actor.officer("t"))
    assert counts["messages"] == 1 and counts["message_email_sent"] == 1
    messages = notify.messages_of(Measure.objects.get().person_id)
    assert [m["topic"] for m in messages] == ["measure.lifted", "measure.applied"]
    assert messages[0]["lifted_on"] == "2026-03-05" and "53-FZ" in messages[1]["legal_basis"]
    assert messages[1]["effective_from"] == "2026-03-02" and messages[1]["summons_number"] == summons.number
    assert messages[0]["reason"] == "summons excused on 2026-03-05" and messages[0]["kind"] == "exit_ban"
    from email.header import decode_header, make_header

    told = [m for m in received if "личном кабинете" in str(make_header(decode_header(m["Subject"])))]
    bodies = [m.get_payload(decode=True).decode() for m in told]
    assert len(bodies) == 2 and all(ids[0] not in b and "/portal/" in b for b in bodies)  # no details by email
    assert "применена" in bodies[0] and "снята" in bodies[1]  # in the pack's language
    assert engine.turn(at("2026-03-05", 13), actor=Actor.officer("t"))["messages"] == 0  # never told twice
    assert PersonMessage.objects.filter(email_state="sent").count() == 2


def test_an_accepted_appeal_annuls_the_summons_and_lifts_its_measures(ru, people, cli_run):
    ids = _issue(ru, people, count=1)
    engine.turn(LATER, actor=Actor.officer("t"), send=False)
    number = format_summons_number(Summons.objects.get().number)
    result = cli_run("summons", "record", number, "appeal_accepted", "--at", at("2026-04-10").isoformat(),
                     "--reason", "appeal 12/2026 upheld", "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["status"] == "cancelled" and len(answer["measures_lifted"]) == 7
    rows = json.loads(cli_run("measures", "show", ids[0], "--json").stdout)
    assert {r["reason"] for r in rows} == {"summons appeal accepted on 2026-04-10"}
    assert Summons.objects.get().closed_reason == "appeal accepted on 2026-04-10: appeal 12/2026 upheld"
