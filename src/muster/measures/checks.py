"""Checking one person's measures for a partner: the hot path of the API."""

from __future__ import annotations

import json
import time
from datetime import date
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from muster.kernel import db as sql
from muster.kernel.clock import today_in
from muster.measures import serving as replicated
from muster.partners.keys import Caller, authenticate, parse_key
from muster.policy import loader
from muster.rules.notice_numbers import format_summons_number, summons_number
from muster.rules.policy import Pack

_pack_cache: tuple[float, Pack] | None = None
PACK_TTL_SECONDS = 60.0
# A person's measures, through their summonses (muster.measures.models says why), with the legal basis.
_MEASURES_OF_P = ("JOIN notices_summons s ON s.person_id = p.id JOIN measures_measure m ON m.summons_id = s.id "
                  "JOIN measures_legalbasis b ON b.id = m.basis_id")


def pack() -> Pack:
    """The default pack, re-read at most once a minute (its id scheme and time zone are all a check needs)."""
    global _pack_cache
    now = time.monotonic()
    if _pack_cache is None or now - _pack_cache[0] > PACK_TTL_SECONDS:
        _pack_cache = (now, loader.get_pack(settings.MUSTER_DEFAULT_PACK))
    return _pack_cache[1]


def active_measures(caller: Caller, national_id: str) -> dict[str, Any]:
    """Measures of the caller's kinds in force today. An unknown id gets the same empty answer
    as a person without measures; a malformed one raises InvalidNationalId.

    One round trip: the person, their measures and the access-log row in a single statement
    on PostgreSQL (the check is the API's hot path)."""
    current = pack()
    normalised = current.id_scheme.normalise(national_id)
    now = timezone.now()
    today: date = today_in(current, now)
    kinds = sorted(caller.kinds) or [""]
    marks = ", ".join(["%s"] * len(kinds))
    purpose = f"measures check ({', '.join(kinds)})"
    select = (f"SELECT m.id, m.kind, m.effective_from, b.text, m.summons_id FROM person p {_MEASURES_OF_P} "
              f"WHERE m.status = 'active' AND m.kind IN ({marks}) AND m.effective_from <= %s "
              f"ORDER BY m.effective_from, m.id")
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"WITH person AS (SELECT id FROM registry_person WHERE national_id = %s), "
                        f"logged AS (INSERT INTO audit_partnerread (at, partner, person_id, purpose) "
                        f"SELECT %s, %s, id, %s FROM person) {select}",
                        [normalised, now, caller.name, purpose, *kinds, today])
            rows = cur.fetchall()
        else:
            with transaction.atomic():
                cur.execute("INSERT INTO audit_partnerread (at, partner, person_id, purpose) SELECT %s, %s, id, %s "
                            "FROM registry_person WHERE national_id = %s",
                            [sql.dt(now), caller.name, purpose, normalised])
                cur.execute(f"WITH person AS (SELECT id FROM registry_person WHERE national_id = %s) {select}",
                            [normalised, *kinds, today])
                rows = cur.fetchall()
    return answer(normalised, today, rows)


class Unauthorised(Exception):
    pass


def check(key: str, national_id: str) -> dict[str, Any]:
    """The whole check for a bearer key: Unauthorised for a malformed, unknown or revoked key,
    InvalidNationalId for a malformed id, else what `active_measures` answers.

    In a server process with a fresh replica (`replicated.start`) and a key it knows, the
    answer comes from memory and the access-log row is spooled; otherwise from SQL.

    On PostgreSQL it is one statement, key and all: the key's digest is compared in SQL (it is
    the SHA-256 of 256 random bits, so a timing difference there teaches nothing about a key)."""
    parsed = parse_key(key)
    if parsed is None:
        raise Unauthorised
    if connection.vendor != "postgresql":
        caller = authenticate(key)
        if caller is None:
            raise Unauthorised
        return active_measures(caller, national_id)
    current = pack()
    normalised = current.id_scheme.normalise(national_id)
    now = timezone.now()
    today: date = today_in(current, now)
    serving = replicated.current()
    if serving is not None:
        found = serving.measures(parsed, normalised, now, today)
        if found is not None:
            return answer(normalised, today, [(m.measure_id, m.kind, m.effective_from, m.legal_basis, m.summons_id)
                                              for m in found])
    connection.ensure_connection()
    # A cursor with server-side binding, so the statement is prepared once per connection, not
    # parsed and planned on every check (Django's own cursors bind on the client).
    with psycopg.Cursor(connection.connection) as cur:
        cur.execute(
            "WITH caller AS (SELECT p.name, p.kinds FROM partners_apikey k JOIN partners_partner p "
            "ON p.id = k.partner_id WHERE k.key_id = %s AND k.digest = %s AND k.revoked_at IS NULL), "
            "person AS (SELECT id FROM registry_person WHERE national_id = %s), "
            "logged AS (INSERT INTO audit_partnerread (at, partner, person_id, purpose) "
            "SELECT %s, caller.name, person.id, 'measures check (' || (SELECT string_agg(x, ', ' ORDER BY x) "
            "FROM jsonb_array_elements_text(caller.kinds) x) || ')' FROM caller, person) "
            "SELECT m.id, m.kind, m.effective_from, b.text, m.summons_id FROM caller "
            "LEFT JOIN (person p " + _MEASURES_OF_P + " AND m.status = 'active' "
            "AND m.effective_from <= %s) ON caller.kinds ? m.kind ORDER BY m.effective_from, m.id",
            [parsed[0], parsed[1], normalised, now, today], prepare=True)
        rows = cur.fetchall()
    if not rows:
        raise Unauthorised
    return answer(normalised, today, rows)


def from_memory(key: str, national_id: str) -> bytes | None:
    """The check as JSON from this process's replica, touching no database connection of Django's;
    None where `check` must answer instead (no fresh replica, or a key it does not know). Raises
    as `check` does, in the same order: Unauthorised for a malformed key, then InvalidNationalId."""
    serving = replicated.current()
    if serving is None:
        return None
    parsed = parse_key(key)
    if parsed is None:
        raise Unauthorised
    current = pack()
    normalised = current.id_scheme.normalise(national_id)
    now = timezone.now()
    today: date = today_in(current, now)
    found = serving.measures(parsed, normalised, now, today)
    if found is None:
        return None
    # Byte for byte what json.dumps(answer(...), cls=DjangoJSONEncoder) writes (a test holds it to that).
    return (f'{{"national_id": {json.dumps(normalised)}, "checked_on": "{today.isoformat()}", "measures": ['
            + ", ".join(m.json for m in found) + "]}").encode()


def answer(normalised: str, today: date, rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    """The check's answer from (measure id, kind, effective from, legal basis, summons id) rows;
    a row without a measure (the caller matched, the person has none) is skipped."""
    found = [{"measure_id": mid, "kind": kind, "effective_from": _day(start), "legal_basis": basis,
              "summons_number": format_summons_number(summons_number(sid))}
             for mid, kind, start, basis, sid in rows if mid is not None]
    return {"national_id": normalised, "checked_on": today, "measures": found}


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
