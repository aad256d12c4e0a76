"""Bulk import on the real database: counts, merge by national id, provenance, bad input."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime

import pytest

from muster.kernel.actor import Actor
from muster.registry.importer import import_persons
from muster.registry.models import Observation, Person
from muster.registry.readers import FileProblem
from tests.conftest import person_row, snils, write_csv

pytestmark = pytest.mark.django_db


def _import(path, ru, **kw):
    return import_persons(path, ru, **kw)


def test_import_then_reimport_changes_nothing(tmp_path, ru):
    path = write_csv(tmp_path / "p.csv", [person_row(snils(i), given_name=f"Иван{'а' * (i % 3)}")
                                          for i in range(50)])
    first = _import(path, ru)
    assert (first.read, first.imported, first.updated, first.unchanged, first.rejected) == (50, 50, 0, 0, 0)
    before = list(Person.objects.order_by("id").values())
    second = _import(path, ru)
    assert (second.read, second.imported, second.updated, second.unchanged) == (50, 0, 0, 50)
    assert list(Person.objects.order_by("id").values()) == before
    assert Observation.objects.count() == 1  # the no-op import left no observation behind


def test_values_are_normalised_and_provenance_kept(tmp_path, ru):
    path = write_csv(tmp_path / "p.csv", [person_row("112-233-445 95", citizenship="ru", patronymic="")])
    _import(path, ru, source="fns")
    p = Person.objects.get()
    assert p.national_id == "11223344595" and p.citizenship == "RU" and p.patronymic is None
    obs = Observation.objects.get(pk=p.observation_id_of("family_name"))
    assert obs.source.name == "fns" and obs.reference == "p.csv"
    assert p.observation_id_of("patronymic") is None  # not observed, so no provenance


def test_newer_observation_wins_field_by_field(tmp_path, ru):
    t1 = datetime(2025, 1, 1, tzinfo=UTC)
    t2 = datetime(2025, 6, 1, tzinfo=UTC)
    nid = snils(1)
    write_csv(tmp_path / "new.csv", [person_row(nid, address="Новый адрес", email="")])
    write_csv(tmp_path / "old.csv", [person_row(nid, address="Старый адрес", email="old@example.ru",
                                                phone="+79990000000")])
    assert _import(tmp_path / "new.csv", ru, source="mvd", observed_at=t2).imported == 1
    result = _import(tmp_path / "old.csv", ru, source="fns", observed_at=t1)
    assert result.updated == 1  # the email was never observed before, so the older file fills it in
    p = Person.objects.get()
    assert p.address == "Новый адрес"  # the newer observation keeps the field
    assert p.email == "old@example.ru"
    assert p.phone == "+79161234567"  # older observation loses
    assert Observation.objects.get(pk=p.observation_id_of("address")).source.name == "mvd"
    assert Observation.objects.get(pk=p.observation_id_of("email")).source.name == "fns"


def test_duplicates_within_a_file_merge_later_row_wins(tmp_path, ru):
    nid = snils(7)
    rows = [person_row(nid, address="Первый", phone="+79990000001"),
            person_row(snils(8)),
            person_row(nid, address="Второй", phone=""),
            person_row(nid, email="later@example.ru", address="", phone="")]
    path = write_csv(tmp_path / "dups.csv", rows)
    result = _import(path, ru)
    assert (result.read, result.imported, result.duplicates_folded) == (4, 2, 2)
    p = Person.objects.get(national_id=nid)
    assert (p.address, p.phone, p.email) == ("Второй", "+79990000001", "later@example.ru")
    again = _import(path, ru)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 2)


def test_duplicate_ids_conflicting_with_the_registry(tmp_path, ru):
    nid = snils(9)
    _import(write_csv(tmp_path / "a.csv", [person_row(nid, family_name="Петров")]), ru)
    result = _import(write_csv(tmp_path / "b.csv", [person_row(nid, family_name="Сидоров"),
                                                    person_row(nid, family_name="Смирнов")]), ru)
    assert (result.imported, result.updated) == (0, 1)
    assert Person.objects.get(national_id=nid).family_name == "Смирнов"


def test_rejected_rows_go_to_the_error_file_and_valid_rows_import(tmp_path, ru, cli_run):
    rows = [person_row(snils(1)),
            person_row(snils(2), birth_date="1999-02-30"),
            person_row("112-233-445 96"),
            person_row(snils(3), district="RU-XXX"),
            person_row(snils(4))]
    path = write_csv(tmp_path / "p.csv", rows)
    errors = tmp_path / "errors.csv"
    result = cli_run("import", "persons", str(path), "--errors", str(errors), "--json")
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert {k: data[k] for k in ("read", "imported", "updated", "unchanged", "rejected")} == \
        {"read": 5, "imported": 2, "updated": 0, "unchanged": 0, "rejected": 3}
    with open(errors, encoding="utf-8") as f:
        listed = [(r["line"], r["column"], r["reason"]) for r in csv.DictReader(f)]
    assert listed == [
        ("3", "birth_date", "is not a real calendar date"),
        ("4", "national_id", "invalid national id: checksum does not match"),
        ("5", "district", "unknown district (not one of the pack's districts)"),
    ]
    assert "Иван" not in errors.read_text(encoding="utf-8")  # no personal data in the error file


def test_strict_imports_nothing_when_a_row_is_bad(tmp_path, ru, cli_run):
    path = write_csv(tmp_path / "p.csv", [person_row(snils(1)), person_row(snils(2), sex="X")])
    result = cli_run("import", "persons", str(path), "--strict", "--json")
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert data["imported"] == 0 and data["rejected"] == 1 and data["strict_aborted"] is True
    assert Person.objects.count() == 0
    assert Observation.objects.count() == 0


def test_clean_file_exits_zero(tmp_path, ru, cli_run):
    path = write_csv(tmp_path / "p.csv", [person_row(snils(1))])
    result = cli_run("import", "persons", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["imported"] == 1


def test_latin1_bytes_in_a_utf8_file_reject_that_row_only(tmp_path, ru):
    path = write_csv(tmp_path / "p.csv", [person_row(snils(1)), person_row(snils(2), family_name="Muller")])
    raw = path.read_bytes().replace(b"Muller", "Müller".encode("latin-1"))
    path.write_bytes(raw)
    errors = tmp_path / "e.csv"
    result = _import(path, ru, errors_path=errors)
    assert (result.imported, result.rejected) == (1, 1)
    assert "3,family_name,is not valid UTF-8" in errors.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["national_id", "family_name"], "missing column(s): given_name"),
        (["national_id", "family_name", "given_name", "patronymic", "sex", "birth_date", "death_date",
          "citizenship", "district", "address", "postcode", "email", "phone", "electronic_account", "shoe_size"],
         "unknown column(s): 'shoe_size'"),
        (["snils", "family_name", "given_name", "patronymic", "sex", "birth_date", "death_date",
          "citizenship", "district", "address", "postcode", "email", "phone", "electronic_account"],
         "missing column(s): national_id"),
    ],
)
def test_wrong_header_refuses_the_file(tmp_path, ru, header, message):
    path = write_csv(tmp_path / "p.csv", [person_row(snils(1))], header=header)
    with pytest.raises(FileProblem, match=r"p\.csv:1: wrong header") as info:
        _import(path, ru)
    assert message in str(info.value)
    assert Person.objects.count() == 0 and Observation.objects.count() == 0


def test_zero_byte_file_is_refused(tmp_path, ru, cli_run):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    result = cli_run("import", "persons", str(path), "--json")
    assert result.exit_code == 2
    assert "empty (0 bytes)" in json.loads(result.stdout)["error"]


def test_header_only_file_imports_nothing_cleanly(tmp_path, ru, cli_run):
    path = write_csv(tmp_path / "empty.csv", [])
    result = cli_run("import", "persons", str(path), "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["read"] == 0


def test_short_row_is_rejected_with_its_line(tmp_path, ru):
    path = write_csv(tmp_path / "p.csv", [person_row(snils(1))])
    with open(path, "a", encoding="utf-8") as f:
        f.write("123,only,three\n")
    errors = tmp_path / "e.csv"
    result = _import(path, ru, errors_path=errors)
    assert (result.imported, result.rejected) == (1, 1)
    assert '3,*,"has 3 fields, the header has 14"' in errors.read_text(encoding="utf-8")


def test_missing_file(tmp_path, ru, cli_run):
    result = cli_run("import", "persons", str(tmp_path / "nope.csv"), "--json")
    assert result.exit_code == 2 and "no such file" in result.stdout


def test_failed_import_leaves_the_registry_as_it_was(tmp_path, ru, monkeypatch):
    from muster.registry import importer, staging

    _import(write_csv(tmp_path / "a.csv", [person_row(snils(1))]), ru)
    before = list(Person.objects.values())
    calls = {"n": 0}
    real_add = staging.Loader._split

    def crashing_add(self, rows):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("killed mid-import")
        return real_add(self, rows)

    monkeypatch.setattr(importer, "BATCH_ROWS", 2)
    monkeypatch.setattr(staging.Loader, "_split", crashing_add)
    rows = [person_row(snils(i)) for i in range(2, 8)] + [person_row(snils(1), address="Другой")]
    path = write_csv(tmp_path / "b.csv", rows)
    with pytest.raises(RuntimeError):
        _import(path, ru)
    assert list(Person.objects.values()) == before
    monkeypatch.setattr(staging.Loader, "_split", real_add)
    result = _import(path, ru)
    assert (result.imported, result.updated) == (6, 1)


def test_parquet_import(tmp_path, ru):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [person_row(snils(i)) for i in range(5)]
    table = pa.table({c: [r[c] for r in rows] for c in rows[0]})
    pq.write_table(table, tmp_path / "p.parquet")
    result = _import(tmp_path / "p.parquet", ru)
    assert (result.read, result.imported) == (5, 5)


def test_parquet_with_typed_dates_and_booleans(tmp_path, ru):
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [person_row(snils(i)) for i in range(3)]
    columns = {c: [r[c] or None for r in rows] for c in rows[0]}
    columns["birth_date"] = [dt.date(2000, 1, i + 1) for i in range(3)]
    columns["electronic_account"] = [True, False, None]
    columns["death_date"] = pa.array([None, None, None], type=pa.date32())
    pq.write_table(pa.table(columns), tmp_path / "typed.parquet")
    assert _import(tmp_path / "typed.parquet", ru).imported == 3
    assert Person.objects.filter(electronic_account=False).count() == 1


def test_parquet_with_wrong_column_types_is_refused(tmp_path, ru):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [person_row(snils(i)) for i in range(2)]
    columns = {c: [r[c] for r in rows] for c in rows[0]}
    columns["birth_date"] = [20000101, 20000102]
    columns["electronic_account"] = [1.5, 2.5]
    pq.write_table(pa.table(columns), tmp_path / "bad.parquet")
    with pytest.raises(FileProblem) as info:
        _import(tmp_path / "bad.parquet", ru)
    message = str(info.value)
    assert "bad.parquet:schema: wrong column types" in message
    assert "column 'birth_date' has type int64" in message
    assert "column 'electronic_account' has type double" in message
    assert Person.objects.count() == 0


def test_not_a_parquet_file(tmp_path, ru):
    path = tmp_path / "fake.parquet"
    path.write_text("national_id\n1\n")
    with pytest.raises(FileProblem, match="not a readable Parquet file"):
        _import(path, ru)


def test_import_is_audited(tmp_path, ru):
    from muster.audit.models import AuditRecord

    _import(write_csv(tmp_path / "p.csv", [person_row(snils(1))]), ru, actor=Actor.officer("cli:tester"))
    record = AuditRecord.objects.get(action="import.persons")
    assert record.actor == "cli:tester" and "imported 1" in record.purpose


def test_generated_population_round_trip(tmp_path, ru, cli_run):
    out = tmp_path / "gen.csv"
    assert cli_run("generate", "persons", "--count", "2000", "--seed", "5", "--out", str(out),
                   "--bad-share", "0.05").exit_code == 0
    result = cli_run("import", "persons", str(out), "--json")
    data = json.loads(result.stdout)
    assert data["read"] == 2000 and 40 < data["rejected"] < 160
    assert data["imported"] == 2000 - data["rejected"]
    assert result.exit_code == 3
    districts = set(Person.objects.values_list("district", flat=True))
    assert len(districts) > 60


def test_generator_is_deterministic(tmp_path, cli_run):
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    for path, seed in ((a, "3"), (b, "3"), (c, "4")):
        cli_run("generate", "persons", "--count", "500", "--seed", seed, "--out", str(path))
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()


def test_generated_parquet_imports(tmp_path, ru, cli_run):
    out = tmp_path / "gen.parquet"
    cli_run("generate", "persons", "--count", "300", "--seed", "1", "--out", str(out))
    assert json.loads(cli_run("import", "persons", str(out), "--json").stdout)["imported"] == 300


