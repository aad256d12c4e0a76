"""Property tests: each set-based batch rule agrees with its pure reference on random data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster.registry import liability_sql
from muster.registry.importer import import_persons
from muster.registry.models import Observation, Person, PersonStatus
from muster.registry.records import facts_of
from muster.rules.liability import liability_on
from muster.rules.merge import Stored, collapse, field_wins
from muster.rules.person_record import OBSERVED_FIELDS, PERSON_COLUMNS
from tests.conftest import person_row, snils, write_csv

pytestmark = pytest.mark.django_db

PROPERTY = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

person_strategy = st.fixed_dictionaries({
    "sex": st.sampled_from(["M", "F"]),
    "birth": st.dates(min_value=date(1990, 1, 1), max_value=date(2010, 12, 31)),
    "citizenship": st.sampled_from(["RU", "RU", "KZ"]),
    "death": st.none() | st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    "statuses": st.lists(st.tuples(st.sampled_from(["exempt", "deferred", "serving", "unfit"]),
                                   st.dates(min_value=date(2022, 1, 1), max_value=date(2030, 1, 1)),
                                   st.none() | st.integers(min_value=0, max_value=900)), max_size=2),
})


def _clear():
    PersonStatus.objects.all().delete()
    Person.objects.all().delete()


@PROPERTY
@given(people=st.lists(person_strategy, min_size=1, max_size=25),
       on=st.dates(min_value=date(2023, 1, 1), max_value=date(2031, 12, 31)),
       pack_code=st.sampled_from(["ru", "registration-only"]))
def test_liability_sql_agrees_with_the_pure_rule(packs, people, on, pack_code):
    _clear()
    pack = packs.get_pack(pack_code)
    for i, p in enumerate(people):
        person = Person.objects.create(national_id=snils(i), sex=p["sex"], birth_date=p["birth"],
                                       citizenship=p["citizenship"], death_date=p["death"],
                                       district="RU-MOW")
        for kind, start, length in p["statuses"]:
            PersonStatus.objects.create(person=person, kind=kind, valid_from=start,
                                        valid_until=None if length is None else start + timedelta(days=length))
    by_sql = dict(liability_sql.codes_by_person(pack, on))
    expected = {person.national_id: liability_on(facts_of(person), pack, on).code
                for person in Person.objects.all()}
    assert by_sql == expected
    counts = liability_sql.count_by_reason(pack, on)
    assert sum(counts.values()) == len(people)
    assert counts.get("liable", 0) == sum(1 for c in expected.values() if c == "liable")


# One observation of a few people: (person index, field values or None), observed at a day offset.
field_values = {
    "family_name": st.sampled_from(["Иванов", "Петров", None]),
    "address": st.sampled_from(["ул. Мира, 1", "ул. Ленина, 2", None]),
    "email": st.sampled_from(["a@example.ru", "b@example.ru", None]),
    "electronic_account": st.sampled_from(["true", "false", None]),
    "district": st.sampled_from(["RU-MOW", "RU-SPE", None]),
}
row_strategy = st.tuples(st.integers(min_value=0, max_value=3), st.fixed_dictionaries(field_values))
file_strategy = st.tuples(st.integers(min_value=0, max_value=5),
                          st.lists(row_strategy, min_size=1, max_size=6))


def _normalised(column, value):
    if value is None:
        return None
    if column == "electronic_account":
        return value == "true"
    return value


@PROPERTY
@given(files=st.lists(file_strategy, min_size=1, max_size=4))
def test_set_based_merge_agrees_with_the_pure_merge(tmp_path_factory, ru, files):
    _clear()
    Observation.objects.all().delete()
    tmp = tmp_path_factory.mktemp("merge")
    model: dict[str, dict[str, Stored]] = {}
    for n, (day, rows) in enumerate(files):
        observed_at = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=day)
        csv_rows = []
        for who, values in rows:
            base = person_row(snils(who))
            row = {**base, **{k: (v or "") for k, v in values.items()}}
            # Required columns are required on every row (else the row is rejected);
            # "empty is not observed" is exercised by the optional ones.
            row.update({k: base[k] for k in ("family_name", "district") if not row[k]})
            csv_rows.append(row)
        path = write_csv(tmp / f"f{n}.csv", csv_rows)
        # Pure model: collapse the file's rows per person, then merge field by field.
        by_person: dict[str, list[tuple]] = {}
        for row in csv_rows:
            nid = row["national_id"]
            by_person.setdefault(nid, []).append(tuple(_normalised(c, row[c] or None) for c in PERSON_COLUMNS))
        for nid, person_rows in by_person.items():
            merged = dict(zip(PERSON_COLUMNS, collapse(person_rows), strict=True))
            stored = model.setdefault(nid, {})
            for f in OBSERVED_FIELDS:
                if field_wins(stored.get(f), merged[f], observed_at):
                    stored[f] = Stored(merged[f], observed_at)
        import_persons(path, ru, observed_at=observed_at)
    observed = dict(Observation.objects.values_list("id", "observed_at"))
    actual = {}
    for person in Person.objects.all():
        fields = {}
        for f in OBSERVED_FIELDS:
            value = getattr(person, f)
            if isinstance(value, date):
                value = value.isoformat()
            fields[f] = (value, observed.get(person.observation_id_of(f)))
        actual[person.national_id] = fields
    expected = {nid: {f: (s[f].value, s[f].observed_at) if f in s else (None, None) for f in OBSERVED_FIELDS}
                for nid, s in model.items()}
    assert actual == expected  # values and the provenance of each
