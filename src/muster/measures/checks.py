"""Checking one person's measures for a partner: the hot path of the API."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection, transaction

from muster.audit import access
from muster.kernel import clock, db
from muster.kernel.actor import Actor
from muster.kernel.clock import today_in
from muster.measures import serving as replicated
from muster.measures import sql
from muster.policy import loader
from muster.rules.api_keys import parse_key
from muster.rules.notice_numbers import format_summons_number, summons_number
from muster.rules.policy import Pack

_pack_cache: tuple[float, Pack] | None = None
PACK_TTL_SECONDS = 60.0
_CHECKED = "SELECT m.id, m.kind, m.effective_from, b.text, m.summons_id"


def pack() -> Pack:
    """The default pack, re-read at most once a minute (its id scheme and time zone are all a check needs)."""
    global _pack_cache
    now = time.monotonic()
    if _pack_cache is None or now - _pack_cache[0] > PACK_TTL_SECONDS:
        _pack_cache = (now, loader.get_pack(settings.MUSTER_DEFAULT_PACK))
    return _pack_cache[1]


def purpose_of(kinds: frozenset[str]) -> str:
    """How the access log names a check by a partner enforcing `kinds`."""
    return f"measures check ({', '.join(sorted(kinds))})"


def active_measures(actor: Actor, national_id: str) -> dict[str, Any]:
    """Measures of the partner's kinds in force today, the read logged for the person in the same
    transaction. An unknown id gets the same empty answer as a person without measures, by the
    same statements doing the same work (sql.CHECKED_PERSON); a malformed one raises
    InvalidNationalId."""
    current = pack()
    normalised = current.id_scheme.normalise(national_id)
    if not actor.kinds:
        raise NothingToCheck(actor.partner_name or "")
    now = clock.now()
    today: date = today_in(current, now)
    kinds = sorted(actor.kinds)
    marks = ", ".join(["%s"] * len(kinds))
    select = (f"{_CHECKED} FROM person p {sql.OF_PERSON} WHERE {sql.IN_FORCE} AND m.kind IN ({marks}) "
              f"ORDER BY m.effective_from, m.id")
    log = access.insert_sql("SELECT %s, %s, id, %s, 'partner' FROM person")
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"WITH person AS ({sql.CHECKED_PERSON}) {log}",
                    [normalised, db.dt(now), actor.partner_name, purpose_of(actor.kinds)])
        cur.execute(f"WITH person AS ({sql.CHECKED_PERSON}) {select}",
                    [normalised, today, *kinds])
        rows = cur.fetchall()
    return answer(normalised, today, rows)


class Unauthorised(Exception):
    pass


NothingToCheck = replicated.NothingToCheck


def check(key: str, national_id: str, authenticate: Callable[[str], Actor | None]) -> dict[str, Any]:
    """The whole check for a bearer key: Unauthorised for a malformed, unknown or revoked key,
    InvalidNationalId for a malformed id, else what `active_measures` answers.

    In a server process with a fresh replica (`serving.start`) and a key it knows, the answer comes
    from memory and the access-log row is spooled; otherwise from SQL. With prepared statements
    (PostgreSQL) it is one statement, key and all: the key's digest is compared in SQL (it is the
    SHA-256 of 256 random bits, so a timing difference there teaches nothing about a key)."""
    parsed = parse_key(key)
    if parsed is None:
        raise Unauthorised
    if not db.features().prepared_statements:
        actor = authenticate(key)
        if actor is None:
            raise Unauthorised
        return active_measures(actor, national_id)
    current = pack()
    normalised = current.id_scheme.normalise(national_id)
    now = clock.now()
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
        cur.execute(checked_with_key_sql(), [parsed[0], parsed[1], normalised, now, today], prepare=True)
        rows = cur.fetchall()
    if not rows:  # an unknown or revoked key, or one of a partner with no kinds (told apart off the hot path)
        caller = authenticate(key)
        if caller is not None and not caller.kinds:
            raise NothingToCheck(caller.partner_name or "")
        raise Unauthorised
    return answer(normalised, today, rows)


def checked_with_key_sql() -> str:
    """The PostgreSQL check as one statement, key and all: parameters key id, key digest,
    normalised national id, now, today. The same rows and index pages for a registered and an
    unknown id (sql.CHECKED_PERSON)."""
    log = access.insert_sql(
        "SELECT %s, caller.name, person.id, 'measures check (' || (SELECT string_agg(x, ', ' ORDER BY x) "
        "FROM jsonb_array_elements_text(caller.kinds) x) || ')', 'partner' FROM caller, person")
    return ("WITH caller AS (SELECT p.name, p.kinds FROM partners_apikey k JOIN partners_partner p "
            "ON p.id = k.partner_id WHERE k.key_id = %s AND k.digest = %s AND k.revoked_at IS NULL "
            "AND jsonb_array_length(p.kinds) > 0), "
            f"person AS ({sql.CHECKED_PERSON}), "
            f"logged AS ({log}) "
            f"{_CHECKED} FROM caller LEFT JOIN (person p {sql.OF_PERSON} AND {sql.IN_FORCE}) "
            "ON caller.kinds ? m.kind ORDER BY m.effective_from, m.id")


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
    now = clock.now()
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
