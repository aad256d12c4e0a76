"""Serving partner checks from the in-memory replica, in a server worker process.

`muster serve` starts this in each worker (PostgreSQL only, `MUSTER_CHECK_REPLICA`): a
replica of the measures in force (`replica`), refreshed from the ledger on one thread, and
the access-log writer (`readlog`) on another, the key listener (`Replica.listen`: revoked and
rotated keys pushed within moments) on a third, and the writer of the check counts
(`limits.follow`) on a fourth. `checks.check` asks `current()` and falls back
to SQL when there is none, it is stale, or it does not know the caller's key.
"""

from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import psycopg
from django.db import connection

from muster.audit.spool import ReadLog
from muster.measures import limits
from muster.measures.replica import Active, Replica
from muster.rules.outcomes import IN_FORCE_STATUS, in_force


def connection_params() -> dict[str, Any]:
    """psycopg's connect arguments for the database Django uses, without Django's own adapters."""
    return {k: v for k, v in connection.get_connection_params().items()
            if k not in ("cursor_factory", "context", "prepare_threshold")}


def connect() -> psycopg.Connection[Any]:
    """A connection of its own to the database Django uses (for the threads here)."""
    return psycopg.connect(**connection_params())


class NothingToCheck(Exception):
    """A valid key of a partner that enforces no measure kind (one that only submits, such as an
    education register): it may not check anyone's measures (data minimisation, SPEC 2), and no
    read is logged, for none is made."""

    def __init__(self, partner: str = "") -> None:
        super().__init__(f"partner {partner + ' ' if partner else ''}enforces no measure kinds: its key may submit "
                         "data but not check a person's measures")


@dataclass
class Serving:
    replica: Replica
    readlog: ReadLog
    threads: tuple[threading.Thread, ...] = ()

    def measures(self, parsed: tuple[str, str], national_id: str, now: datetime, today: date) -> list[Active] | None:
        """The caller's measures in force today, from memory, once the read is spooled; None if
        the replica does not know the key (one added since its last refresh) or the access log
        is behind (the database is not taking its rows)."""
        key = self.replica.keys.get(parsed[0]) if self.replica.keys_live else None
        if key is None or not hmac.compare_digest(key.digest, parsed[1]) or self.readlog.behind():
            return None
        if not key.kinds:
            raise NothingToCheck(key.partner)
        self.readlog.record(now, key.partner, key.purpose, national_id)
        # The replica holds active measures only (muster.measures.sql.ACTIVE); the rule decides the day.
        return [m for m in self.replica.measures(national_id)
                if m.kind in key.kinds and in_force(IN_FORCE_STATUS, m.effective_from, today)]


_serving: Serving | None = None


def start(interval: float, spool_dir: Path) -> Serving:
    """Start the replica and the log writer (which first replays what dead processes left)."""
    global _serving
    serving = Serving(Replica(connect, stale_after=max(5.0, 10 * interval)), ReadLog(connect, spool_dir))
    serving.replica.listening = True  # before either thread runs: the refresh leaves the keys to the listener
    serving.threads = (
        threading.Thread(target=serving.replica.follow, args=(interval,), name="measures-replica", daemon=True),
        threading.Thread(target=serving.replica.listen, name="key-listener", daemon=True),
        threading.Thread(target=limits.follow, args=(serving.replica.stopping,), name="check-counts", daemon=True),
        threading.Thread(target=serving.readlog.run, name="access-log-writer", daemon=True))
    for thread in serving.threads:
        thread.start()
    _serving = serving
    return serving


def stop() -> None:
    """Write the last spooled reads and stop (as a worker exits)."""
    global _serving
    serving, _serving = _serving, None
    if serving is None:
        return
    serving.replica.stop()
    serving.readlog.stop()
    for thread in serving.threads:
        thread.join(30)
    serving.readlog.close()
    serving.replica.close()


def current() -> Serving | None:
    serving = _serving
    return serving if serving is not None and serving.replica.fresh() else None
