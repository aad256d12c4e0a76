"""Set-based merge of the staging table into the registry.

Implements muster.rules.merge: within the file the last non-empty value
wins; against the registry a more trusted source wins field by field (the
pack's ranking, muster.rules.source_trust), then the newer observation; an
empty value never erases, and an equal value changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from muster.kernel import db as sql
from muster.registry.models import Source
from muster.registry.staging import STAGING
from muster.rules.person_record import OBSERVED_FIELDS, PERSON_COLUMNS
from muster.rules.source_trust import SourceTrust

PERSON = "registry_person"
OBSERVATION = "registry_observation"


def collapse_duplicates() -> int:
    """Fold repeated national ids in the staging table into one row each. Returns rows folded."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) - COUNT(DISTINCT national_id) FROM {STAGING}")
        extra = cur.fetchone()[0]
        if not extra:
            return 0
        cur.execute("DROP TABLE IF EXISTS muster_import_dups")
        cur.execute(f"CREATE TEMP TABLE muster_import_dups AS SELECT national_id, MAX(seq) AS last_seq "
                    f"FROM {STAGING} GROUP BY national_id HAVING COUNT(*) > 1")
        cur.execute(f"CREATE INDEX muster_import_staging_nid ON {STAGING} (national_id, seq)")
        sets = ", ".join(
            f"{f} = COALESCE((SELECT s2.{f} FROM {STAGING} s2 WHERE s2.national_id = {STAGING}.national_id "
            f"AND s2.{f} IS NOT NULL ORDER BY s2.seq DESC LIMIT 1), {f})"
            for f in OBSERVED_FIELDS)
        cur.execute(f"UPDATE {STAGING} SET {sets} WHERE seq IN (SELECT last_seq FROM muster_import_dups)")
        cur.execute(f"DELETE FROM {STAGING} WHERE national_id IN (SELECT national_id FROM muster_import_dups) "
                    f"AND seq NOT IN (SELECT last_seq FROM muster_import_dups)")
        cur.execute("DROP TABLE muster_import_dups")
        cur.execute("DROP INDEX muster_import_staging_nid")
        return extra


def _rank_sql(ranking: tuple[str, ...], source_ids: dict[str, int]) -> str:
    """SQL for the rank of observation `o`'s source in `ranking` (unnamed sources rank last)."""
    whens = " ".join(f"WHEN {int(source_ids[name])} THEN {i}" for i, name in enumerate(ranking)
                     if name in source_ids)
    return f"CASE o.source_id {whens} ELSE {len(ranking)} END" if whens else str(len(ranking))


def _wins(f: str, trust: SourceTrust, source: str, source_ids: dict[str, int]) -> str:
    """SQL for muster.rules.merge.field_wins on field f (p = registry row, s = staged row)."""
    stored_obs = f"COALESCE(p.{f}_obs, p.first_observation)"
    observations = f"{stored_obs} IN (SELECT o.id FROM {OBSERVATION} o WHERE"
    ranking = trust.ranking(f)
    if not ranking:
        return (f"(s.{f} IS NOT NULL AND (p.{f} IS NULL OR (p.{f} <> s.{f} AND ({stored_obs} IS NULL OR "
                f"{observations} o.observed_at <= %(t)s)))))")
    rank, incoming = _rank_sql(ranking, source_ids), trust.rank(f, source)
    # From a less trusted source: replaced, even by an equal value (the provenance moves up).
    worse = f"{observations} {rank} > {incoming})"
    # Equally trusted (or less): replaced by another value if the incoming one is as new or newer.
    beaten = f"{observations} {rank} > {incoming} OR ({rank} = {incoming} AND o.observed_at <= %(t)s))"
    return (f"(s.{f} IS NOT NULL AND (p.{f} IS NULL OR (p.{f} <> s.{f} AND ({stored_obs} IS NULL OR {beaten})) "
            f"OR {worse}))")


def update_existing(observation_id: int, observed_at: datetime, trust: SourceTrust | None = None,
                    source: str = "") -> int:
    """Merge the staged rows of people already registered, as observation `observation_id` of
    `source` at `observed_at`; `trust` (the pack's sources) ranks the sources of each field."""
    trust = trust or SourceTrust()
    names = {name for f in OBSERVED_FIELDS for name in trust.ranking(f)}
    source_ids = dict(Source.objects.filter(name__in=names).values_list("name", "id")) if names else {}
    sets = []
    for f in OBSERVED_FIELDS:
        wins = _wins(f, trust, source, source_ids)
        sets.append(f"{f} = CASE WHEN {wins} THEN s.{f} ELSE p.{f} END")
        sets.append(f"{f}_obs = CASE WHEN {wins} THEN %(obs)s ELSE p.{f}_obs END")
    any_wins = " OR ".join(_wins(f, trust, source, source_ids) for f in OBSERVED_FIELDS)
    statement = (f"UPDATE {PERSON} AS p SET {', '.join(sets)} FROM {STAGING} AS s "
           f"WHERE p.national_id = s.national_id AND ({any_wins})")
    with connection.cursor() as cur:
        cur.execute(statement, {"obs": observation_id, "t": sql.dt(observed_at)})
        return cur.rowcount


def insert_new(observation_id: int) -> int:
    cols = ", ".join([*PERSON_COLUMNS, "first_observation"])
    vals = ", ".join([*(f"s.{c}" for c in PERSON_COLUMNS), "%(obs)s"])
    sql = (f"INSERT INTO {PERSON} ({cols}) SELECT {vals} FROM {STAGING} AS s "
           f"WHERE NOT EXISTS (SELECT 1 FROM {PERSON} p WHERE p.national_id = s.national_id)")
    with connection.cursor() as cur:
        cur.execute(sql, {"obs": observation_id})
        return cur.rowcount


def count_staged_existing(observation_id: int) -> tuple[int, int]:
    """(persons in the staging table who were in the registry before this import,
    how many of them this import changed). Call after the merge."""
    touched = " OR ".join(f"p.{f}_obs = %(obs)s" for f in OBSERVED_FIELDS)
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN {touched} THEN 1 ELSE 0 END), 0) "
                    f"FROM {STAGING} s JOIN {PERSON} p ON p.national_id = s.national_id "
                    f"WHERE p.first_observation IS NULL OR p.first_observation <> %(obs)s",
                    {"obs": observation_id})
        existing, changed = cur.fetchone()
        return int(existing), int(changed)
