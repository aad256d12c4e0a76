"""Reading an evidence file back (issue 12, "Evidence files": every read is in the person's access
log): the person themself and an officer of the district with a purpose get the exact bytes and
leave one access-log row each; an officer of another district, another person, a file of another
application and a missing purpose are refused and log nothing; `application evidence` writes the
file and never overwrites one."""

from __future__ import annotations

import json

import pytest

from muster.audit.access import reads_of
from muster.casework import services as casework
from muster.casework.models import EvidenceFile
from muster.kernel.actor import Actor
from muster.registry.models import Person
from tests.conftest import at
from tests.fixtures.evidence import craft

pytestmark = pytest.mark.django_db
OFFICER = Actor.officer("cli:t")
PDF = craft.one_page_pdf()


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    settings.MUSTER_EVIDENCE_DIR = tmp_path / "evidence"
    return settings.MUSTER_EVIDENCE_DIR


@pytest.fixture
def filed(ru, people):
    ids = people(2)
    app = casework.submit(OFFICER, ru, ids[0], "deferment", "two_or_more_children", at=at("2026-03-03"),
                          files=[casework.EvidenceInput("birth-certificates.pdf", PDF)])
    other = casework.submit(OFFICER, ru, ids[1], "deferment", "two_or_more_children", at=at("2026-03-03"))
    person = Person.objects.get(national_id=ids[0])
    return {"number": app["number"], "other": other["number"], "person": person,
            "sha256": EvidenceFile.objects.get().sha256, "other_person": Person.objects.get(national_id=ids[1])}


def test_the_person_and_an_officer_with_a_purpose_read_it_and_each_read_is_logged(filed):
    person = filed["person"]
    before = reads_of(person.pk)
    assert casework.read_evidence(Actor.person(person.pk), filed["number"], filed["sha256"]) == PDF
    officer = Actor.officer("cli:ivanova", districts=frozenset({"RU-RYA"})).for_purpose("deciding the deferment")
    assert casework.read_evidence(officer, filed["number"], filed["sha256"].upper()) == PDF
    reads = reads_of(person.pk)[len(before):]
    assert [(r["who"], r["purpose"]) for r in reads] == [
        (f"person:{person.pk}", "own record"), ("cli:ivanova", "deciding the deferment")]


@pytest.mark.parametrize("who, error", [
    ("outsider", casework.AccessDenied), ("another person", casework.AccessDenied),
    ("no purpose", casework.AccessDenied), ("other application", casework.ApplicationNotFound),
    ("unknown file", casework.ApplicationNotFound)])
def test_refused_reads_log_nothing(filed, who, error):
    person = filed["person"]
    actor = {"outsider": Actor.officer("cli:far", districts=frozenset({"RU-MOW"})).for_purpose("curious"),
             "another person": Actor.person(filed["other_person"].pk),
             "no purpose": Actor.officer("cli:t").for_purpose("  ")}.get(who, OFFICER.for_purpose("casework"))
    number = filed["other"] if who == "other application" else filed["number"]
    digest = "0" * 64 if who == "unknown file" else filed["sha256"]
    before = reads_of(person.pk), reads_of(filed["other_person"].pk)
    with pytest.raises(error):
        casework.read_evidence(actor, number, digest)
    assert (reads_of(person.pk), reads_of(filed["other_person"].pk)) == before


def test_the_command_writes_the_file_and_never_overwrites_one(filed, cli_run, tmp_path):
    out = tmp_path / "copy.pdf"
    result = cli_run("application", "evidence", filed["number"], filed["sha256"], "--out", str(out),
                     "--purpose", "appeal 17", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"number": filed["number"], "sha256": filed["sha256"], "size": len(PDF),
                                         "out": str(out)}
    assert out.read_bytes() == PDF
    assert reads_of(filed["person"].pk)[-1]["purpose"] == "appeal 17"
    out.write_bytes(b"mine")
    again = cli_run("application", "evidence", filed["number"], filed["sha256"], "--out", str(out), "--json")
    assert again.exit_code == 2 and "already exists" in json.loads(again.stdout)["error"]
    assert out.read_bytes() == b"mine"
    missing = cli_run("application", "evidence", filed["number"], "f" * 64, "--out", str(tmp_path / "x"), "--json")
    assert missing.exit_code == 4 and not (tmp_path / "x").exists()
