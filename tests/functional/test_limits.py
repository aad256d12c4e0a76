"""Length limits on free text: one table (muster.rules.limits), the same refusal on SQLite and
PostgreSQL, naming the field and the limit, with nothing written."""

from __future__ import annotations

import json

import pytest
from django.apps import apps

from muster.audit.models import AuditRecord
from muster.campaigns.models import Campaign
from muster.partners.models import Partner
from muster.registry.models import Person, Source
from muster.rules.limits import LIMITS, check, too_long
from muster.rules.notice_numbers import format_summons_number
from muster.summons.models import Summons
from tests.conftest import person_row, snils, write_csv
from tests.functional.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("what", sorted(LIMITS))
def test_each_limit_is_its_columns_max_length(what):
    label, model, field = LIMITS[what].column.split(".")
    assert apps.get_model(label, model)._meta.get_field(field).max_length == LIMITS[what].chars


@pytest.mark.parametrize(("what", "length", "problem"), [
    ("campaign code", 40, None),
    ("campaign code", 41, "campaign code: is too long (41 characters, at most 40)"),
    ("partner name", 100, None),
    ("partner name", 101, "partner name: is too long (101 characters, at most 100)"),
    ("reason", 300, None),
    ("reason", 10_000, "reason: is too long (10000 characters, at most 300)"),
])
def test_too_long_names_the_field_and_the_limit(what, length, problem):
    assert too_long(what, "я" * length) == problem
    if problem:
        with pytest.raises(ValueError, match="is too long"):
            check(what, "я" * length)


def _campaign(code="AUT-1", place="Военкомат"):
    return ["campaign", "create", "--code", code, "--purpose", "call_up", "--district", "RU-MOW:5",
            "--appear-from", "2026-03-10", "--appear-to", "2026-03-12", "--place", place,
            "--now", NOW.isoformat(), "--json"]


@pytest.mark.parametrize(("args", "message"), [
    (_campaign(code="C" * 41), "--code: is too long (41 characters, at most 40)"),
    (_campaign(place="p" * 301), "--place: is too long (301 characters, at most 300)"),
    (_campaign(code="C" * 10_000, place="p" * 10_000), "--code: is too long (10000 characters, at most 40)"),
    (["partner", "add", "N" * 101, "--kinds", "exit_ban", "--json"],
     "NAME: is too long (101 characters, at most 100)"),
    (["partner", "add", "Border", "--kinds", "exit_ban", "--webhook", "https://e.example/" + "a" * 500, "--json"],
     "--webhook: is too long (518 characters, at most 500)"),
    (["person", "show", snils(1), "--purpose", "p" * 301, "--json"],
     "--purpose: is too long (301 characters, at most 300)"),
    (["user", "add", "u" * 151, "--password-stdin", "--json"], "NAME: is too long (151 characters, at most 150)"),
])
def test_too_long_is_refused_alike_on_every_database(cli_run, ru, args, message):
    records, users = AuditRecord.objects.count(), apps.get_model("auth", "User").objects.count()  # the first operator
    result = cli_run(*args, input="a-long-enough-Passw0rd\n")
    assert result.exit_code == 2, result.output
    assert message in json.loads(result.stdout)["error"]
    assert not Campaign.objects.exists() and not Partner.objects.exists()
    assert AuditRecord.objects.count() == records and apps.get_model("auth", "User").objects.count() == users


def test_at_the_limit_is_taken(cli_run, ru):
    assert cli_run(*_campaign(code="C" * 40, place="p" * 300)).exit_code == 0
    assert cli_run("partner", "add", "N" * 100, "--kinds", "exit_ban", "--json").exit_code == 0
    assert Campaign.objects.get().code == "C" * 40 and Partner.objects.get().name == "N" * 100


def test_an_import_source_name_too_long_imports_nothing(cli_run, tmp_path, ru):
    path = write_csv(tmp_path / "p.csv", [person_row(snils(1))])
    result = cli_run("import", "persons", str(path), "--source", "s" * 101, "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"] == "--source: is too long (101 characters, at most 100)"
    assert not Person.objects.exists() and not Source.objects.exists()
    assert cli_run("import", "persons", str(path), "--source", "s" * 100, "--json").exit_code == 0


def test_an_outcome_reason_too_long_changes_nothing(cli_run, world):
    summons = Summons.objects.filter(status="missed").first() or Summons.objects.first()
    before = summons.status
    result = cli_run("summons", "record", format_summons_number(summons.number), "cancelled",
                     "--reason", "r" * 301, "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"] == "--reason: is too long (301 characters, at most 300)"
    summons.refresh_from_db()
    assert summons.status == before and not summons.closed_reason


def test_a_receipts_file_named_too_long_is_refused(cli_run, tmp_path, ru):
    records = AuditRecord.objects.count()  # the first operator's account is recorded
    path = tmp_path / ("r" * 61 + ".csv")
    path.write_text("tracking_number,event,at\n", encoding="utf-8")
    result = cli_run("receipts", "import", str(path), "--json")
    assert result.exit_code == 2
    assert "the file name: is too long (65 characters, at most 64)" in json.loads(result.stdout)["error"]
    assert AuditRecord.objects.count() == records
