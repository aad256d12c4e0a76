"""Liability over the whole registry in one set-based query.

Age conditions become birth-date cut-offs computed by the pure rule
(muster.rules.dates.latest_birth_date_reaching), so the SQL is plain date
comparisons checked in muster.rules.liability.REASON_ORDER.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.db import connection

from muster.rules.dates import latest_birth_date_reaching
from muster.rules.liability import REASON_ORDER
from muster.rules.policy import Pack, version_in_force


def reason_case(pack: Pack, on: date) -> tuple[str, list[object]]:
    """A SQL CASE giving each person's primary reason code, or 'liable'."""
    version = version_in_force(pack.versions, on)
    if version is None:
        return "'no_policy'", []
    elig, rule = version.eligibility, pack.leap_day_rule
    whens: list[str] = []
    params: list[object] = []
    whens.append("WHEN p.death_date IS NOT NULL AND p.death_date <= %s THEN 'deceased'")
    params.append(on)
    if elig.sexes:
        whens.append(f"WHEN p.sex IS NULL OR p.sex NOT IN ({', '.join(['%s'] * len(elig.sexes))}) THEN 'sex'")
        params.extend(elig.sexes)
    if elig.citizenships:
        marks = ", ".join(["%s"] * len(elig.citizenships))
        whens.append(f"WHEN p.citizenship IS NULL OR p.citizenship NOT IN ({marks}) THEN 'citizenship'")
        params.extend(elig.citizenships)
    # Has reached min_age by `on` <=> born on or before the cut-off.
    whens.append("WHEN p.birth_date IS NULL OR p.birth_date > %s THEN 'too_young'")
    params.append(latest_birth_date_reaching(elig.min_age, on, rule))
    whens.append("WHEN p.birth_date <= %s THEN 'too_old'")
    params.append(latest_birth_date_reaching(elig.max_age, on, rule))
    for tr in elig.transitional:
        # Reached the age strictly before `before` <=> reached it by the day before.
        whens.append("WHEN p.birth_date <= %s THEN 'transitional'")
        params.append(latest_birth_date_reaching(tr.reached_age, date.fromordinal(tr.before.toordinal() - 1), rule))
    for kind in REASON_ORDER:
        if kind in elig.excluded_statuses:
            whens.append(
                "WHEN EXISTS (SELECT 1 FROM registry_personstatus st WHERE st.person_id = p.id "
                "AND st.kind = %s AND st.valid_from <= %s AND (st.valid_until IS NULL OR st.valid_until >= %s)) "
                f"THEN '{kind}'")
            params.extend([kind, on, on])
    return "CASE " + " ".join(whens) + " ELSE 'liable' END", params


def _where(district: str | None) -> tuple[str, list[object]]:
    return ("WHERE p.district = %s", [district]) if district else ("", [])


def count_by_reason(pack: Pack, on: date, district: str | None = None) -> dict[str, int]:
    case, params = reason_case(pack, on)
    where, wparams = _where(district)
    sql = f"SELECT code, COUNT(*) FROM (SELECT {case} AS code FROM registry_person p {where}) t GROUP BY code"
    with connection.cursor() as cur:
        cur.execute(sql, params + wparams)
        return {code: n for code, n in cur.fetchall()}


def codes_by_person(pack: Pack, on: date, district: str | None = None) -> Iterator[tuple[str, str]]:
    """(national_id, code) for everyone, in national-id order, streamed."""
    case, params = reason_case(pack, on)
    where, wparams = _where(district)
    sql = f"SELECT p.national_id, {case} AS code FROM registry_person p {where} ORDER BY p.national_id"
    with connection.cursor() as cur:
        cur.execute(sql, params + wparams)
        while rows := cur.fetchmany(5000):
            yield from rows


def liable_people_sql(pack: Pack, on: date, district: str | None = None) -> tuple[str, list[object]]:
    """SQL for (id, national_id) of everyone liable on `on`, and its parameters."""
    case, params = reason_case(pack, on)
    where, wparams = _where(district)
    return (f"SELECT p.id AS id, p.national_id AS national_id FROM registry_person p {where} "
            f"{'AND' if where else 'WHERE'} ({case}) = 'liable'", wparams + params)


def liable_ids(pack: Pack, on: date, district: str | None = None) -> Iterator[str]:
    for national_id, code in codes_by_person(pack, on, district):
        if code == "liable":
            yield national_id
