"""Imports and the partner check under the hardening of issue 11: an observation time is a time
that could have been (A4), the pack's ranking of sources holds in the set-based merge (B2), and
the SQL check does the same work for a registered and an unknown id (B3)."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from muster.audit.models import PartnerRead
from muster.kernel import db
from muster.measures import checks
from muster.registry.importer import InvalidObservation, import_persons
from muster.registry.models import Observation, Person
from muster.rules.merge import Stored, field_wins
from muster.rules.person_record import OBSERVED_FIELDS
from muster.rules.source_trust import SourceTrust
from tests.conftest import person_row, snils, write_csv
from tests.functional.test_batch_agrees_with_rules import PROPERTY

pytestmark = pytest.mark.django_db


# --- A4 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("observed_at", ["2999-01-01", "9999-12-31T23:59", "0001-01-01", "1899-12-31T23:59"])
def test_import_observed_at_outside_1900_to_now_is_refused_and_imports_nothing(tmp_path, cli_run, observed_at):
    path = write_csv(tmp_path / "p.csv", [person_row(snils(1))])
    result = cli_run("import", "persons", str(path), "--observed-at", observed_at, "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"].startswith("--observed-at: ")
    assert not Person.objects.exists() and not Observation.objects.exists()


def test_a_future_observation_cannot_pin_a_field(tmp_path, ru):
    import_persons(write_csv(tmp_path / "a.csv", [person_row(snils(1))]), ru)
    with pytest.raises(InvalidObservation):
        import_persons(write_csv(tmp_path / "b.csv", [person_row(snils(1), email="pin@example.ru")]), ru,
                       observed_at=datetime(2999, 1, 1, tzinfo=UTC))
    result = import_persons(write_csv(tmp_path / "c.csv", [person_row(snils(1), email="new@example.ru")]), ru)
    assert result.updated == 1 and Person.objects.get().email == "new@example.ru"


def test_dates_in_an_import_are_checked_against_the_servers_clock_not_observed_at(tmp_path, ru):
    # Observed in 2021 (a back-filled file): a birth in 2020 and a death in 2024 are real dates today.
    rows = [person_row(snils(1), birth_date="2020-05-01"), person_row(snils(2), death_date="2024-01-01")]
    result = import_persons(write_csv(tmp_path / "old.csv", rows), ru, observed_at=datetime(2019, 1, 1, tzinfo=UTC))
    assert (result.imported, result.rejected) == (2, 0)
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    late = import_persons(write_csv(tmp_path / "late.csv", [person_row(snils(3), death_date=tomorrow)]), ru)
    assert late.rejected == 1


# --- B2: the set-based merge agrees with the pure rule, with ranked sources ------------------------

SOURCES = ("import", "partner:ЗАГС", "other")
TRUST = SourceTrust(ranks=(("address", ("partner:ЗАГС", "import")), ("email", ("other",)),
                           ("district", ("import", "partner:ЗАГС", "other"))))
field_values = {
    "address": st.sampled_from(["ул. Мира, 1", "ул. Ленина, 2", None]),
    "email": st.sampled_from(["a@example.ru", "b@example.ru", None]),
    "family_name": st.sampled_from(["Иванов", "Петров", None]),
    "district": st.sampled_from(["RU-MOW", "RU-SPE", None]),
}
row_strategy = st.tuples(st.integers(min_value=0, max_value=2), st.fixed_dictionaries(field_values))
file_strategy = st.tuples(st.integers(min_value=0, max_value=5), st.sampled_from(SOURCES),
                          st.lists(row_strategy, min_size=1, max_size=4))


@PROPERTY
@given(files=st.lists(file_strategy, min_size=1, max_size=5))
def test_set_based_merge_with_ranked_sources_agrees_with_the_pure_merge(tmp_path_factory, ru, files):
    Person.objects.all().delete()
    Observation.objects.all().delete()
    pack = dataclasses.replace(ru, sources=TRUST)
    tmp = tmp_path_factory.mktemp("ranked")
    model: dict[str, dict[str, Stored]] = {}
    for n, (day, source, rows) in enumerate(files):
        observed_at = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=day)
        merged_rows: dict[str, dict[str, object]] = {}
        csv_rows = []
        for who, values in rows:
            base = person_row(snils(who))
            row = {**base, **{k: (v or "") for k, v in values.items()}}
            row.update({k: base[k] for k in ("family_name", "district") if not row[k]})
            csv_rows.append(row)
            merged = merged_rows.setdefault(row["national_id"], {})
            merged.update({k: v for k, v in row.items() if v})  # within a file, the last non-empty wins
        for nid, merged in merged_rows.items():
            stored = model.setdefault(nid, {})
            for f in OBSERVED_FIELDS:
                value = merged.get(f)
                value = (value == "true") if f == "electronic_account" and value else value
                rank = TRUST.rank(f, source)
                if field_wins(stored.get(f), value, observed_at, rank):
                    stored[f] = Stored(value, observed_at, rank)
        import_persons(write_csv(tmp / f"f{n}.csv", csv_rows), pack, source=source, observed_at=observed_at)
    observed = dict(Observation.objects.values_list("id", "observed_at"))
    actual = {}
    for person in Person.objects.all():
        fields = {}
        for f in OBSERVED_FIELDS:
            value = getattr(person, f)
            fields[f] = (value.isoformat() if isinstance(value, date) else value,
                         observed.get(person.observation_id_of(f)))
        actual[person.national_id] = fields
    expected = {nid: {f: (s[f].value, s[f].observed_at) if f in s else (None, None) for f in OBSERVED_FIELDS}
                for nid, s in model.items()}
    assert actual == expected


def test_an_older_import_from_the_civil_registry_beats_a_newer_partner_death(tmp_path, ru):
    """The ru pack ranks the civil registry first for deaths: a later, less trusted source changes nothing."""
    import_persons(write_csv(tmp_path / "a.csv", [person_row(snils(1), death_date="2025-01-01")]), ru,
                   source="partner:ЗАГС", observed_at=datetime(2025, 1, 2, tzinfo=UTC))
    later = import_persons(write_csv(tmp_path / "b.csv", [person_row(snils(1), death_date="2025-06-01")]), ru,
                           source="import", observed_at=datetime(2025, 7, 1, tzinfo=UTC))
    assert later.updated == 0 and Person.objects.get().death_date == date(2025, 1, 1)


# --- B3: the SQL path of the check ---------------------------------------------------------------


def _statements(world, national_id: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(f"/api/v1/measures/{national_id}", HTTP_AUTHORIZATION=f"Bearer {world['border']}")
    assert response.status_code == 200 and response.json()["measures"] == []
    # The same statements but for the id itself, the time and savepoint names.
    return [re.sub(r"'\d{4}-\d\d-\d\d[ T][\d:.+]+'", "'now'",
                   re.sub(r'"s\d+_x\d+"', "savepoint", q["sql"].replace(national_id, "?")))
            for q in queries.captured_queries]


def test_a_check_runs_the_same_statements_and_logs_one_read_for_a_known_and_an_unknown_id(world, people):
    unknown = snils(9000)
    registered = people(1, start=50)[0]  # registered, never summoned: the same empty answer as nobody
    _statements(world, registered)  # warm: the pack is read once a minute
    known_logs = PartnerRead.objects.count()
    known = _statements(world, registered)
    after_known = PartnerRead.objects.count()
    strange = _statements(world, unknown)
    assert PartnerRead.objects.count() - after_known == after_known - known_logs == 1
    assert known == strange
    assert PartnerRead.objects.filter(person_id=0).count() == 1  # the unknown id is nobody's read


@pytest.mark.skipif(not db.features().prepared_statements, reason="the single-statement check is PostgreSQL's")
def test_the_postgresql_check_has_the_same_plan_and_touches_the_same_rows_for_a_known_and_an_unknown_id(world,
                                                                                                      people):
    from muster.partners.models import ApiKey
    from muster.rules.api_keys import parse_key

    key_id, digest = parse_key(world["border"])
    assert ApiKey.objects.filter(key_id=key_id).exists()
    now = datetime.now(UTC)

    def plan(national_id: str) -> list[tuple]:
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, FORMAT JSON) "
                            + checks.checked_with_key_sql(), [key_id, digest, national_id, now, now.date()])
                tree = cur.fetchone()[0]
            transaction.set_rollback(True)
        tree = tree[0]["Plan"] if isinstance(tree, list) else json.loads(tree)[0]["Plan"]
        nodes = []

        def walk(node):
            nodes.append((node["Node Type"], node.get("Relation Name"), node.get("Index Name"),
                          node.get("Actual Loops")))
            for child in node.get("Plans", []):
                walk(child)

        walk(tree)
        return nodes

    # A registered person never summoned, and an id nobody has.
    assert plan(people(1, start=50)[0]) == plan(snils(9000))
