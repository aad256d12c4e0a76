"""The access-log rows of partner checks: spooled to a local file before the answer, then
written to the database in batches.

Every partner read goes on the person's access log (docs/overview.md, "Least privilege").
A commit per check would cost
more than the check (a WAL flush each), so a check appends its row to this process's spool
file (one `write`, before the answer leaves) and a writer thread inserts what has gathered,
every `flush_every` seconds, in one statement and one transaction. The same transaction records
how many lines of the spool file are in the database (`audit_spoolfile`), so a file is never
written twice; a process starts a new file every `rotate_every` seconds and deletes the old one
once it is all written.

What a crash costs:
- the process dies (kill -9, out of memory): nothing. Its spool files stay, and the next
  process that starts (`replay`) writes the rows a done mark does not cover;
- the machine itself stops: the rows of the last interval, which were in the spool's page
  cache but not on disk and not yet committed (as PostgreSQL's `synchronous_commit = off`).

A spool file holds the national ids checked (as the database's own WAL does), mode 0600 in a
0700 directory, for about `rotate_every` seconds before it is deleted. The directory must be owned
by the user running Muster and writable by no one else (`check_directory`: the server and the
worker refuse to start otherwise), and each line carries an HMAC under the audit key
(MUSTER_AUDIT_KEY) over the file's name and the line, so replay loads only what a Muster process
wrote: a foreign or edited file is set aside as `<name>.rejected` and reported, never loaded.

Files are owned by one process: it holds an exclusive `flock` on `<owner>.lock` while it
lives, and `replay` takes only the files of owners whose lock it can take.
"""

from __future__ import annotations

import fcntl
import hmac
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

from muster.audit.access_log import insert_sql
from muster.kernel.private_dirs import UnsafeDirectory, ensure_private

log = logging.getLogger("muster.interfaces.partner_api")

# (at, partner, purpose, national id); a national id not in the registry logs nothing.
_INSERT = insert_sql(
    "SELECT r.at, r.partner, p.id, r.purpose, 'partner' FROM unnest(%s::timestamptz[], %s::text[], %s::text[], "
    "%s::text[]) AS r(at, partner, purpose, national_id) JOIN registry_person p ON p.national_id = r.national_id")
_FORGET = "DELETE FROM audit_spoolfile WHERE name = ANY(%s)"  # marks of spool files already deleted
Row = tuple[datetime, str, str, str]
MAX_BATCHES_BEHIND = 20  # about a second of flushes


class SpoolProblem(RuntimeError):
    """The spool directory is unsafe, or a spool file was not written by Muster; the message says
    which and what to do."""


def check_directory(spool_dir: Path) -> None:
    """Make the spool directory (0700) if it is missing; refuse one that another user owns or that
    group or others may write (or others read): it holds national ids and feeds the access log."""
    try:
        ensure_private(spool_dir, "MUSTER_SPOOL_DIR")
    except UnsafeDirectory as exc:
        raise SpoolProblem(str(exc)) from None


def _default_key() -> bytes:
    from muster.kernel.config import load

    return load().audit_key


def _file_key(key: bytes, name: str) -> bytes:
    return hmac.digest(key, b"muster-spool\n" + name.encode(), "sha256")


def _mac(file_key: bytes, body: bytes) -> bytes:
    return hmac.digest(file_key, body, "sha256")[:16].hex().encode()


@dataclass
class _Batch:
    name: str  # the spool file
    start: int  # its lines taken before this batch
    rows: list[Row]
    last: bool  # the file is closed: delete it once this is written


class ReadLog:
    def __init__(self, connect: Callable[[], psycopg.Connection[Any]], spool_dir: Path, flush_every: float = 0.05,
                 rotate_every: float = 10.0, key: bytes | None = None):
        self._connect = connect
        self._conn: psycopg.Connection[Any] | None = None
        self.spool_dir = spool_dir
        self.flush_every = flush_every
        self.rotate_every = rotate_every
        self._key = _default_key() if key is None else key
        check_directory(spool_dir)  # it holds national ids until written
        self.owner = uuid.uuid4().hex
        self._owner_lock = os.open(spool_dir / f"{self.owner}.lock", os.O_WRONLY | os.O_CREAT, 0o600)
        fcntl.flock(self._owner_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._files = 0
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._stop = False
        self._pending: list[Row] = []
        self._taken = 0  # lines of the current file handed to the writer
        self._name, self._fd, self._opened = self._open_spool()
        self._unwritten: list[_Batch] = []
        self._forget: list[str] = []  # deleted files whose marks can go
        self._failing = False
        self._encoded: dict[tuple[str, str], str] = {}  # (partner, purpose) as JSON, for the spool lines
        self.commits = 0  # for tests and benchmarks
        self.rows = 0

    def _open_spool(self) -> tuple[str, int, float]:
        self._files += 1
        name = f"{self.owner}-{self._files:012d}.spool"
        fd = os.open(self.spool_dir / name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._line_key = _file_key(self._key, name)
        return name, fd, time.monotonic()

    def record(self, at: datetime, partner: str, purpose: str, national_id: str) -> None:
        """Spool one read; it is in the local file when this returns (OSError if it could not be)."""
        who = self._encoded.get((partner, purpose))
        if who is None:
            who = self._encoded.setdefault((partner, purpose), json.dumps([partner, purpose])[1:-1])
        body = f'["{at.isoformat()}", {who}, {json.dumps(national_id)}]'.encode()
        with self._lock:
            os.write(self._fd, _mac(self._line_key, body) + b" " + body + b"\n")
            self._pending.append((at, partner, purpose, national_id))

    def behind(self) -> bool:
        """True while the database has not taken the reads of the last few flushes: checks then
        go to SQL (which fails if the database is down) instead of piling up spooled reads."""
        return len(self._unwritten) > MAX_BATCHES_BEHIND

    def run(self) -> None:
        """The writer loop (a daemon thread), until `stop`: every `flush_every` seconds, write what
        gathered; at the start and at every new file, replay what dead processes left."""
        self.replay_others()
        while True:
            with self._wake:
                if not self._stop:
                    self._wake.wait(self.flush_every)
                stopping = self._stop
            files = self._files
            self.flush(final=stopping)
            if stopping:
                return
            if self._files != files:
                self.replay_others()

    def replay_others(self) -> None:
        try:
            replayed = replay(self._connect, self.spool_dir, key=self._key)
        except Exception:  # noqa: BLE001 - the files stay; the next try takes them
            log.warning("could not replay the partner reads other processes spooled", exc_info=True)
        else:
            if replayed:
                log.warning("replayed %d partner reads spooled by a process that stopped", replayed)

    def flush(self, final: bool = False) -> None:
        """Hand the rows gathered to the database (and any a failed flush left); start a new file
        when the current one is old enough, deleting the old one once it is all written."""
        with self._lock:
            rotate = self._fd >= 0 and (final or (self._taken + len(self._pending) > 0
                                                  and time.monotonic() - self._opened > self.rotate_every))
            if self._pending or rotate:
                self._unwritten.append(_Batch(self._name, self._taken, self._pending, last=rotate))
                self._taken += len(self._pending)
                self._pending = []
            if rotate:
                os.close(self._fd)
                self._name, self._fd, self._opened = self._open_spool() if not final else ("", -1, 0.0)
                self._taken = 0
        while self._unwritten:
            batch = self._unwritten[0]
            try:
                self._write(batch)
            except Exception:  # noqa: BLE001 - the rows stay spooled and in memory; the next flush retries
                if not self._failing:  # once per outage, not every flush
                    log.warning("could not write partner reads to the access log; they stay spooled and "
                                "will be retried", exc_info=True)
                self._failing = True
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None
                return
            self._unwritten.pop(0)
            if self._failing:
                log.warning("the access log is written again")
                self._failing = False
            if batch.last:
                (self.spool_dir / batch.name).unlink(missing_ok=True)
                self._forget.append(batch.name)

    def _write(self, batch: _Batch) -> None:
        if self._conn is None or self._conn.closed:
            self._conn = self._connect()
        forget, self._forget = self._forget, []
        try:
            write_rows(self._conn, batch.name, batch.start, batch.rows, forget=forget)
        except Exception:
            self._forget = forget + self._forget
            raise
        self.commits += 1
        self.rows += len(batch.rows)

    def stop(self) -> None:
        """End the writer loop after a last flush (the server calls this as a worker exits)."""
        with self._wake:
            self._stop = True
            self._wake.notify()

    def close(self) -> None:
        """After `run` has returned: give up the spool (if all of it is written) and the connection."""
        if not self._unwritten:
            (self.spool_dir / f"{self.owner}.lock").unlink(missing_ok=True)
        os.close(self._owner_lock)
        if self._conn is not None:
            self._conn.close()


def write_rows(conn: psycopg.Connection[Any], name: str, start: int, rows: list[Row],
               forget: list[str] | None = None) -> int:
    """Insert the rows of spool file `name` from line `start` that are not in the database yet,
    and record how far the file is written, in one transaction; the rows inserted."""
    with conn.transaction():
        found = conn.execute("SELECT lines FROM audit_spoolfile WHERE name = %s FOR UPDATE", [name]).fetchone()
        done = found[0] if found else 0
        fresh = rows[max(0, done - start):]
        if fresh:
            conn.execute(_INSERT, [[r[0] for r in fresh], [r[1] for r in fresh], [r[2] for r in fresh],
                                   [r[3] for r in fresh]])
        conn.execute("INSERT INTO audit_spoolfile (name, lines, written_at) VALUES (%s, %s, now()) "
                     "ON CONFLICT (name) DO UPDATE SET lines = EXCLUDED.lines, written_at = EXCLUDED.written_at",
                     [name, max(done, start + len(rows))])
        if forget:
            conn.execute(_FORGET, [forget])
    return len(fresh)


def forget_marks(conn: psycopg.Connection[Any], names: list[str]) -> None:
    """Drop the marks of spool files that are deleted."""
    with conn.transaction():
        conn.execute(_FORGET, [names])


def replay(connect: Callable[[], psycopg.Connection[Any]], spool_dir: Path, key: bytes | None = None,
           rejected: list[str] | None = None) -> int:
    """Write the spooled rows that processes which died left unwritten; how many rows that was.
    A file that a Muster process did not write (a line whose HMAC does not hold) is renamed
    `<name>.rejected`, reported, and its name added to `rejected`: none of it is loaded."""
    if not spool_dir.is_dir():
        return 0
    key = _default_key() if key is None else key
    written = 0
    conn: psycopg.Connection[Any] | None = None
    try:
        for lock_path in sorted(spool_dir.glob("*.lock")):
            fd = os.open(lock_path, os.O_WRONLY)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue  # its owner lives
            try:
                for spool in sorted(spool_dir.glob(f"{lock_path.stem}-*.spool")):
                    try:
                        rows = read_spool(spool, key)
                    except SpoolProblem as exc:
                        spool.rename(spool.with_name(spool.name + ".rejected"))
                        log.error("%s; set aside as %s.rejected, not loaded", exc, spool.name)
                        if rejected is not None:
                            rejected.append(spool.name)
                        continue
                    conn = conn or connect()
                    written += write_rows(conn, spool.name, 0, rows)
                    spool.unlink()
                    forget_marks(conn, [spool.name])
                lock_path.unlink()
            finally:
                os.close(fd)
    finally:
        if conn is not None:
            conn.close()
    return written


def read_spool(path: Path, key: bytes | None = None) -> list[Row]:
    """The rows of a spool file; SpoolProblem if a whole line's HMAC does not hold (a file Muster
    did not write, or one edited since). A last line cut short as its process died is skipped."""
    line_key = _file_key(_default_key() if key is None else key, path.name)
    rows: list[Row] = []
    data = path.read_bytes()
    lines = data.split(b"\n")
    for number, line in enumerate(lines[:-1], start=1):  # the part after the last newline is torn
        mac, _, body = line.partition(b" ")
        if not hmac.compare_digest(mac, _mac(line_key, body)):
            raise SpoolProblem(f"spool file {path.name}: line {number} was not written by Muster (its HMAC "
                               "does not hold)")
        at, partner, purpose, national_id = json.loads(body)
        rows.append((datetime.fromisoformat(at), partner, purpose, national_id))
    return rows
