"""The kill switch of straight-through rules: `muster stp list|on|off`, audited, administrators
only; a rule switched off decides nothing and its facts go to an officer; a flip during a batch
applies to the whole batch or to none of it."""

from __future__ import annotations

import getpass
import json
import threading
from datetime import date

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from muster.audit.access import AccessDenied
from muster.audit.models import AuditRecord
from muster.kernel.actor import Actor, Role
from muster.kernel.clock import today_in
from muster.partners import keys, stp_batch
from muster.partners import services as partners
from muster.partners.models import Partner, RegisterFact
from muster.policy import switches
from muster.registry.models import Person

ADMIN = Actor.officer("cli:admin")
FIELDS = ["code", "name", "kind", "ground", "source", "action", "on", "changed_by", "changed_at", "reason"]
STUDENT = {"status": "enrolled", "full_time": True, "level": "master", "expected_end": "2099-06-30"}


def _facts(count: int, facts: dict) -> None:
    partner = Partner.objects.filter(name="Education").first() or Partner.objects.create(name="Education",
                                                                                        kinds=["exit_ban"])
    now = timezone.now()
    people = [Person.objects.create(national_id=f"1000000{i:04d}", sex="M", birth_date=date(2004, 1, 1))
              for i in range(count)]
    RegisterFact.objects.bulk_create([RegisterFact(partner=partner, person=p, source="enrolment", facts=facts,
                                                   observed_at=now, received_at=now) for p in people])


@pytest.mark.django_db
def test_stp_list_off_and_on_on_the_command_line_are_audited(cli_run, ru):
    listed = cli_run("stp", "list", "--json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [r["code"] for r in rows] == ["study_enrolment", "study_ended", "medical_category_g", "it_days_employed",
                                         "it_recent_graduate", "it_left_accredited"]
    assert all(list(r) == FIELDS and r["on"] is True and r["changed_by"] is None for r in rows)
    off = cli_run("stp", "off", "study_enrolment", "--reason", "the education register is resending old data",
                  "--json")
    assert off.exit_code == 0, off.output
    row = json.loads(off.output)
    assert (row["code"], row["on"], row["changed_by"]) == ("study_enrolment", False, f"cli:{getpass.getuser()}")
    assert row["reason"] == "the education register is resending old data" and row["source"] == "enrolment"
    audit = AuditRecord.objects.get(action="stp.off")
    assert (audit.actor, audit.object_id) == (f"cli:{getpass.getuser()}", "ru/study_enrolment")
    assert "resending old data" in audit.purpose
    assert [r["on"] for r in json.loads(cli_run("stp", "list", "--json").output)][:2] == [False, True]
    back = cli_run("stp", "on", "study_enrolment", "--json")
    assert back.exit_code == 0 and json.loads(back.output)["on"] is True
    assert AuditRecord.objects.filter(action="stp.on", object_id="ru/study_enrolment").count() == 1
    text = cli_run("stp", "list")
    assert "study_enrolment [on] grant deferment/study from enrolment" in text.output
    ran = cli_run("stp", "run", "--json")
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.output) == {"sources": {s: {"batches": 0, "outcomes": {}, "rules": {}}
                                                  for s in ("enrolment", "medical", "employment")}, "decided": 0}


@pytest.mark.django_db
def test_an_unknown_rule_is_an_error_naming_the_known_ones_and_off_needs_a_reason(cli_run, ru):
    unknown = cli_run("stp", "off", "study_enrolmnt", "--reason", "x", "--json")
    assert unknown.exit_code == 4
    error = json.loads(unknown.stdout)["error"]
    assert "'study_enrolmnt'" in error and "study_enrolment" in error and "it_left_accredited" in error
    blank = cli_run("stp", "off", "study_enrolment", "--reason", "  ", "--json")
    assert blank.exit_code == 2 and "--reason" in json.loads(blank.stdout)["error"]
    assert cli_run("stp", "off", "study_enrolment").exit_code == 2  # --reason is required
    assert not AuditRecord.objects.filter(action__startswith="stp.").exists()
    assert switches.switched_off("ru") == frozenset()


@pytest.mark.django_db
def test_only_administrators_flip_a_switch_and_run_the_batch(ru):
    officer = Actor.officer("cli:alice", Role.REGISTRATION_OFFICER, frozenset({"RU-RYA"}))
    with pytest.raises(AccessDenied):
        partners.stp_switch(officer, ru, "study_enrolment", False, "no", timezone.now())
    with pytest.raises(AccessDenied):
        partners.stp_run(officer, ru, timezone.now(), today_in(ru, timezone.now()))
    with pytest.raises(AccessDenied):
        partners.stp_rules(Actor.partner(1, "Border", frozenset({"exit_ban"})), ru, date(2026, 3, 1))
    assert len(partners.stp_rules(officer, ru, date(2026, 3, 1))) == 6
    # the version in force on the day: 2025's has no rules from the employment register
    assert {r["source"] for r in partners.stp_rules(officer, ru, date(2025, 3, 1))} == {"enrolment", "medical"}


@pytest.mark.django_db
def test_a_rule_switched_off_decides_nothing_and_its_facts_go_to_an_officer(ru):
    keys.add("Education", ["exit_ban"], "", actor=ADMIN, submit=["enrolment"])
    _facts(3, STUDENT)
    partners.stp_switch(ADMIN, ru, "study_enrolment", False, "outage", timezone.now())
    today = today_in(ru, timezone.now())
    done = partners.stp_run(ADMIN, ru, timezone.now(), today)
    assert done["sources"]["enrolment"]["outcomes"] == {"officer": 3}
    fact = RegisterFact.objects.first()
    assert fact is not None and fact.switched_off == ["study_enrolment"]
    assert "study_enrolment (Full-time study confirmed by the education register): switched off, not applied" in (
        stp_batch.reasons_of(ru, fact))
    batch = AuditRecord.objects.get(action="stp.batch", object_id="enrolment")
    assert batch.actor == ADMIN.who and "officer 3" in batch.purpose and "switched off: study_enrolment" in batch.purpose


@pytest.mark.django_db(transaction=True)
def test_a_flip_during_a_batch_applies_to_the_whole_of_the_next_batch_and_none_of_this_one(packs):
    ru = packs.get_pack("ru")
    _facts(40, STUDENT)
    today = today_in(ru, timezone.now())
    flip: dict[str, object] = {}

    def flip_off() -> None:
        try:
            flip["row"] = switches.switch(ADMIN, ru, "study_enrolment", False, "outage", timezone.now())
        except OperationalError as exc:  # SQLite: the batch holds the only write lock
            flip["refused"] = str(exc)
        finally:
            connection.close()

    flipper = threading.Thread(target=flip_off)

    def during_batch() -> None:  # the batch has read the switches and holds them
        flipper.start()
        flipper.join(1.0)
        flip["waited"] = flipper.is_alive()

    first = stp_batch.process(ru, "enrolment", timezone.now(), today, limit=20, after_switches_read=during_batch)
    flipper.join(30)
    assert not flipper.is_alive()
    # The batch is whole with the rule on: the flip waited for it (PostgreSQL) or could not write (SQLite).
    assert first.counts == {"ready": 20} and first.switched_off == []
    if connection.vendor == "postgresql":
        assert flip["waited"] is True and "row" in flip
    else:
        assert flip.get("waited") or "refused" in flip
        if "refused" in flip:
            switches.switch(ADMIN, ru, "study_enrolment", False, "outage", timezone.now())
    second = stp_batch.process(ru, "enrolment", timezone.now(), today, limit=20)
    assert second.counts == {"officer": 20} and second.switched_off == ["study_enrolment"]
    outcomes = list(RegisterFact.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["ready"] * 20 + ["officer"] * 20
