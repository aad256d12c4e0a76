"""Every PostgreSQL advisory lock Muster takes, named in one place so no two ids collide.

SQLite has one writer at a time, so there each of these is a no-op.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from muster.kernel import db

AUDIT_CHAIN = 0x4D555354  # "MUST": serialises appends to the audit trail's hash chain
TICK = 0x4D544943  # "MTIC": one tick (or sharded issue run) at a time; ledger readers wait for it
ISSUE = 0x4D495353  # "MISS": with a campaign id, one issue run per campaign at a time
LEDGER = 0x4D464545  # "MFEE": writers of measure events outside the tick (shared) vs ledger readers
WEBHOOK_DISPATCH = 0x4D574842  # "MWHB": one webhook dispatcher at a time
STP_SWITCHES = 0x4D535450  # "MSTP": a straight-through batch (shared) vs a flip of a kill switch

ALL = {"AUDIT_CHAIN": AUDIT_CHAIN, "TICK": TICK, "ISSUE": ISSUE, "LEDGER": LEDGER,
       "WEBHOOK_DISPATCH": WEBHOOK_DISPATCH, "STP_SWITCHES": STP_SWITCHES}


def hold(cur: Any, *keys: int, shared: bool = False) -> None:
    """Take each lock until the caller's transaction ends (waiting for it)."""
    if db.features().advisory_locks and keys:
        fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        cur.execute("SELECT " + ", ".join(f"{fn}(%s)" for _ in keys), list(keys))


def try_hold(cur: Any, *keys: int) -> bool:
    """Take every lock until the transaction ends if none is held elsewhere, without waiting."""
    if not db.features().advisory_locks:
        return True
    cur.execute("SELECT " + " AND ".join("pg_try_advisory_xact_lock(%s)" for _ in keys), list(keys))
    return bool(cur.fetchone()[0])


@contextmanager
def session(*key: int) -> Iterator[None]:
    """A lock (one bigint, or two ints) held across several transactions of this connection."""
    if not db.features().advisory_locks:
        yield
        return
    args = "%s" if len(key) == 1 else "%s::int, %s::int"
    with db.cursor() as cur:
        cur.execute(f"SELECT pg_advisory_lock({args})", list(key))
    try:
        yield
    finally:
        with db.cursor() as cur:
            cur.execute(f"SELECT pg_advisory_unlock({args})", list(key))


@contextmanager
def session_or_skip(key: int) -> Iterator[bool]:
    """Try a session lock without waiting: yields whether this connection holds it."""
    if not db.features().advisory_locks:
        yield True
        return
    with db.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s)", [key])
        held = bool(cur.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            with db.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [key])
