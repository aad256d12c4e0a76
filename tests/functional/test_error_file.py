"""The error file of `import persons` and `receipts import`: never the input, a clear error for a
folder or a missing folder before anything is imported, and reasons that hold no values."""

from __future__ import annotations

import csv
import json
import os
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from muster.audit.models import AuditRecord
from muster.registry.models import Person
from muster.rules.national_id import SnilsScheme
from muster.rules.person_record import PERSON_COLUMNS, RecordContext, validate_record
from tests.conftest import person_row, snils, write_csv

pytestmark = pytest.mark.django_db

RECEIPTS_HEADER = "tracking_number,event,at\n"


def _errors_paths(tmp_path, data):
    (tmp_path / "folder").mkdir()
    os.symlink(data, tmp_path / "link.csv")
    return [
        (data, "is the input file"),
        (tmp_path / "." / data.name, "is the input file"),
        (tmp_path / "link.csv", "is the input file"),
        (tmp_path / "folder", "is a folder"),
        (tmp_path / "no-such-folder" / "errors.csv", "does not exist"),
    ]


def test_import_refuses_an_unusable_error_file_before_importing(cli_run, tmp_path, ru):
    records = AuditRecord.objects.count()  # the first operator's account is recorded
    data = write_csv(tmp_path / "people.csv", [person_row(snils(1)), person_row(snils(2), sex="X")])
    before = data.read_bytes()
    for errors, problem in _errors_paths(tmp_path, data):
        result = cli_run("import", "persons", str(data), "--errors", str(errors), "--json")
        assert result.exit_code == 2, (errors, result.output)
        assert problem in json.loads(result.stdout)["error"] and str(errors) in result.stdout
        assert data.read_bytes() == before  # the input is as it was
        assert not Person.objects.exists() and AuditRecord.objects.count() == records


def test_receipts_refuse_an_unusable_error_file_before_reading(cli_run, tmp_path, ru):
    records = AuditRecord.objects.count()  # the first operator's account is recorded
    data = tmp_path / "receipts.csv"
    data.write_text(RECEIPTS_HEADER + "RA000000001RU,delivered,2026-03-03T10:00\n", encoding="utf-8")
    before = data.read_bytes()
    for errors, problem in _errors_paths(tmp_path, data):
        result = cli_run("receipts", "import", str(data), "--errors", str(errors), "--json")
        assert result.exit_code == 2, (errors, result.output)
        assert problem in json.loads(result.stdout)["error"]
        assert data.read_bytes() == before and AuditRecord.objects.count() == records


BAD_VALUES = [("birth_date", "=1+2"), ("birth_date", "1999-02-30"), ("birth_date", "2999-01-01"),
              ("death_date", "1990-01-01"), ("sex", "=cmd|' /C calc'!A0"), ("citizenship", "=XX"),
              ("district", "RU-ZZZ=1"), ("national_id", "=1+2"), ("email", "=a@"), ("phone", "=+1")]


def test_import_error_file_reasons_hold_no_values(cli_run, tmp_path, ru):
    rows = [{**person_row(snils(i)), column: value} for i, (column, value) in enumerate(BAD_VALUES)]
    data = write_csv(tmp_path / "people.csv", rows)
    errors = tmp_path / "errors.csv"
    assert cli_run("import", "persons", str(data), "--errors", str(errors), "--json").exit_code == 3
    with open(errors, encoding="utf-8") as f:
        listed = list(csv.DictReader(f))
    assert [r["column"] for r in listed] == [c for c, _ in BAD_VALUES]
    for row, (_, value) in zip(listed, BAD_VALUES, strict=True):
        assert value not in row["reason"] and "=" not in row["reason"], row
    assert "2000-05-01" not in errors.read_text(encoding="utf-8")  # the birth date beside a bad death date


def test_receipts_error_file_reasons_hold_no_values(cli_run, tmp_path, ru):
    data = tmp_path / "receipts.csv"
    data.write_text(RECEIPTS_HEADER + "RA1RU,=1+2,2026-03-03T10:00\nRA2RU,delivered,1999-02-30\n", encoding="utf-8")
    errors = tmp_path / "errors.csv"
    result = cli_run("receipts", "import", str(data), "--errors", str(errors), "--json")
    assert result.exit_code == 3
    text = errors.read_text(encoding="utf-8") + result.stdout
    assert "=1+2" not in text and "1999-02-30" not in text
    assert [p["column"] for p in json.loads(result.stdout)["problems"]] == ["event", "at"]


CTX = RecordContext(scheme=SnilsScheme(), districts=frozenset({"RU-MOW"}), today=date(2026, 3, 2))


@settings(max_examples=300, deadline=None)
@given(column=st.sampled_from(PERSON_COLUMNS),
       value=st.one_of(st.text(min_size=1, max_size=30).map(lambda t: "=" + t),
                       st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True)))
def test_no_reason_holds_the_value_it_refuses(column, value):
    """A reason names the column and the problem: it never holds the value, whatever it is."""
    _, errors = validate_record({**person_row(snils(1), death_date="2020-01-01"), column: value}, CTX)
    for error in errors:
        assert value.strip() not in error.reason and "=" not in error.reason, (column, value, error)
