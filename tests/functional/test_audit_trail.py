"""Issue 11 C1/C2: the audit trail and the access log cannot be rewritten unseen, even by a database
superuser who recomputes the chain: the chain is keyed (an HMAC whose key is outside the database),
the access log is sealed into it, and signed checkpoints of the head are published to a file."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from muster.audit.models import AuditRecord, PartnerRead
from muster.registry.importer import import_persons
from muster.registry.models import Person
from muster.rules.audit_chain import chain_hash
from tests.conftest import person_row, snils, write_csv
from tests.functional.audit_attack import HASHERS, superuser_tampering, the_reviews_attack


@pytest.fixture
def trail(cli_run, tmp_path, ru):
    """25 records or so, the access log of a list sealed, and two checkpoints published."""
    import_persons(write_csv(tmp_path / "p.csv", [person_row(snils(i)) for i in range(1, 6)]), ru)
    for _ in range(4):
        for i in range(1, 6):
            assert cli_run("person", "show", snils(i), "--purpose", "appeal").exit_code == 0
    assert cli_run("liable", "--on", "2025-01-01", "--list").exit_code == 0
    assert cli_run("audit", "seal").exit_code == 0
    for i in range(1, 4):
        cli_run("person", "show", snils(i), "--purpose", "appeal")
    sealed = json.loads(cli_run("audit", "seal", "--json").stdout)
    assert sealed["checkpoint"] is not None
    return cli_run


def _verify(cli_run) -> tuple[int, dict]:
    result = cli_run("audit", "verify", "--json")
    return result.exit_code, json.loads(result.stdout)


def test_an_untouched_trail_verifies_with_its_seals_and_checkpoints(trail):
    code, report = _verify(trail)
    assert code == 0, report
    assert report["intact"] and report["checkpoints"] == 2 and report["sealed_rows"] == 5


@pytest.mark.parametrize("how", [None, "unkeyed", "wrong key"])
def test_the_reviews_attack_is_detected(trail, how):
    ids = list(AuditRecord.objects.order_by("id").values_list("id", flat=True))
    target = ids[18]  # the 19th record
    with superuser_tampering() as cur:
        the_reviews_attack(cur, target, how)
    code, report = _verify(trail)
    assert code == 2 and report["intact"] is False
    problems = "\n".join(report["problems"])
    assert f"broken at record {target if how is None else ids[0]}" in problems
    assert ("its fields were edited" if how is None else "none of the") in problems
    # The last checkpoint named a record that is gone: the deletion of the tail shows as well.
    assert f"record {ids[-1]}," in problems and "is missing" in problems
    human = trail("audit", "verify")
    assert human.exit_code == 2 and "NOT intact" in human.output and "broken at record" in human.output


def test_a_tail_deleted_after_a_checkpoint_shows_even_when_the_chain_is_recomputed_with_the_key(trail):
    ids = list(AuditRecord.objects.order_by("id").values_list("id", flat=True))
    key = bytes(settings.MUSTER_AUDIT_KEY)
    HASHERS["the key itself"] = lambda prev, fields: chain_hash(key, prev, fields)
    try:
        with superuser_tampering() as cur:
            cur.execute("DELETE FROM audit_auditrecord WHERE id >= %s", [ids[-3]])
            from tests.functional.audit_attack import recompute_chain

            recompute_chain(cur, "the key itself")
    finally:
        del HASHERS["the key itself"]
    code, report = _verify(trail)
    assert code == 2 and report["broken_at"] is None
    assert any(f"record {ids[-1]}," in p and "is missing" in p for p in report["problems"])


@pytest.mark.parametrize("edit", ["update", "delete"])
def test_an_access_log_row_changed_after_its_seal_shows(trail, edit):
    row = PartnerRead.objects.order_by("id").first()
    assert row is not None
    with superuser_tampering() as cur:
        if edit == "update":
            cur.execute("UPDATE audit_partnerread SET partner = 'nobody' WHERE id = %s", [row.id])
        elif edit == "delete":
            cur.execute("DELETE FROM audit_partnerread WHERE id = %s", [row.id])
    code, report = _verify(trail)
    assert code == 2
    assert any("audit_partnerread rows" in p and "do not match their seal" in p for p in report["problems"])


def test_a_forged_checkpoint_shows(trail):
    path = settings.MUSTER_AUDIT_CHECKPOINTS
    lines = path.read_text().splitlines()
    forged = json.loads(lines[-1])
    forged["id"] -= 1
    path.write_text("\n".join([*lines[:-1], json.dumps(forged)]) + "\n")
    code, report = _verify(trail)
    assert code == 2 and any(f"{path}:2: the signature does not hold" in p for p in report["problems"])


def test_access_log_rows_left_unsealed_too_long_are_a_problem_until_sealed(cli_run, tmp_path, ru):
    import_persons(write_csv(tmp_path / "p.csv", [person_row(snils(1))]), ru)
    person = Person.objects.get()
    PartnerRead.objects.create(at=timezone.now() - timedelta(hours=2), partner="Border Guard",
                               person_id=person.pk, purpose="check", role="partner")
    code, report = _verify(cli_run)
    assert code == 2 and any("unsealed for more than 3600 s" in p for p in report["problems"])
    assert cli_run("audit", "seal").exit_code == 0
    code, report = _verify(cli_run)
    assert code == 0 and report["sealed_rows"] == 1


def test_the_app_cannot_update_or_delete_audit_rows_on_postgresql(cli_run, tmp_path, ru):
    from django.db import DatabaseError, connection, transaction

    from muster.kernel.db import is_postgres

    if not is_postgres():
        pytest.skip("the append-only triggers are PostgreSQL's")
    import_persons(write_csv(tmp_path / "p.csv", [person_row(snils(1))]), ru)
    for sql in ("UPDATE audit_auditrecord SET purpose = 'x'", "DELETE FROM audit_auditrecord",
                "UPDATE audit_partnerread SET purpose = 'x'", "DELETE FROM audit_feedread"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)


def test_every_tick_seals_the_access_log_and_publishes_a_checkpoint(cli_run, tmp_path, ru):
    from muster.audit import sealing

    import_persons(write_csv(tmp_path / "p.csv", [person_row(snils(i)) for i in range(1, 4)]), ru)
    assert cli_run("liable", "--on", "2025-01-01", "--list").exit_code == 0
    top = PartnerRead.objects.order_by("-id").values_list("id", flat=True).first()
    assert top is not None and sealing.sealed_upto("audit_partnerread") == 0
    assert cli_run("tick", "--now", "2026-03-02T09:00").exit_code == 0
    assert sealing.sealed_upto("audit_partnerread") == top
    lines = settings.MUSTER_AUDIT_CHECKPOINTS.read_text().splitlines()
    assert json.loads(lines[-1])["id"] == AuditRecord.objects.order_by("-id").first().id
    code, report = _verify(cli_run)
    assert code == 0 and report["sealed_rows"] == 3 and report["checkpoints"] == 1


def test_a_turn_seals_a_batch_and_the_next_turns_the_rest(cli_run, tmp_path, ru, monkeypatch):
    """A long backlog (a burst of checks) is sealed over several turns, so no turn holds up its
    notices and webhooks; `muster audit seal` seals everything at once."""
    from muster.audit import sealing

    monkeypatch.setattr(sealing, "TURN_BATCH", 2)
    import_persons(write_csv(tmp_path / "p.csv", [person_row(snils(i)) for i in range(1, 6)]), ru)
    assert cli_run("liable", "--on", "2025-01-01", "--list").exit_code == 0
    ids = list(PartnerRead.objects.order_by("id").values_list("id", flat=True))
    assert len(ids) == 5
    assert cli_run("tick", "--now", "2026-03-02T09:00").exit_code == 0
    assert sealing.sealed_upto("audit_partnerread") == ids[1]
    assert cli_run("tick", "--now", "2026-03-02T09:01").exit_code == 0
    assert sealing.sealed_upto("audit_partnerread") == ids[3]
    assert cli_run("audit", "seal").exit_code == 0
    assert sealing.sealed_upto("audit_partnerread") == ids[4]
    code, report = _verify(cli_run)
    assert code == 0 and report["sealed_rows"] == 5


@pytest.mark.django_db(transaction=True)
def test_a_seal_waits_for_a_writer_that_holds_a_lower_id(tmp_path):
    """PostgreSQL hands out ids before commit: a row committed late with a lower id than one already
    visible must not fall inside a seal made meanwhile."""
    import psycopg

    from muster.audit import sealing
    from muster.kernel.db import is_postgres
    from muster.measures.serving import connect

    if not is_postgres():
        pytest.skip("SQLite has one writer at a time")
    insert = ("INSERT INTO audit_partnerread (at, partner, role, person_id, purpose) "
              "VALUES (now(), %s, 'partner', 1, 'check')")
    slow: psycopg.Connection = connect()
    fast: psycopg.Connection = connect()
    try:
        slow.execute(insert, ["slow"])  # takes the lower id, does not commit yet
        with fast.transaction():
            fast.execute(insert, ["fast"])
        assert sealing.seal(wait=0.2)["audit_partnerread"] == 0  # it waited for the slow writer, then gave up
        slow.commit()
        assert sealing.seal(wait=0.2)["audit_partnerread"] == 2
    finally:
        slow.close()
        fast.close()
    from muster.audit import verification

    assert verification.verify(timezone.now()).intact
