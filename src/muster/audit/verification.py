"""What `muster audit verify` proves, in one pass over the chain:
- every record's HMAC holds under the key outside the database (no edit, deletion or insertion in
  the middle, and no chain recomputed without the key);
- every seal still matches the access-log rows it covers, and no row waits for its seal longer than
  MUSTER_AUDIT_UNSEALED_AFTER;
- every published checkpoint is signed by the signing key, and the chain still passes through it
  (no record deleted or rewritten after it was published, even at the tail)."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings

from muster.audit import checkpoints, sealing, trail
from muster.rules.audit_chain import chain_hash, first_break, parse_seal


@dataclass
class Report:
    checked: int = 0
    broken_at: int | None = None
    sealed_rows: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        return {"intact": self.intact, "checked": self.checked, "broken_at": self.broken_at,
                "sealed_rows": self.sealed_rows, "checkpoints": self.checkpoints,
                "problems": self.problems, "notes": self.notes}


def verify(now: datetime) -> Report:
    report = Report()
    published, unreadable = checkpoints.read()
    report.problems += unreadable
    wanted = {c.record_id for c in published}
    hashes: dict[int, str] = {}
    seals: list[tuple[int, str, str, str]] = []  # (record id, table, object_id, purpose)

    key = trail.key()
    unsigned: list[int] = []  # how many records' own HMAC does not hold under the key, and the first

    def tapped() -> Iterator[trail.Walked]:
        for item in trail.walk():
            report.checked += 1
            rid, prev, own, fields = item
            if not hmac.compare_digest(chain_hash(key, prev, fields), own):
                unsigned[:] = [unsigned[0] if unsigned else rid, (unsigned[1] + 1) if unsigned else 1]
            if rid in wanted:
                hashes[rid] = own
            if fields["action"] == sealing.SEAL:
                seals.append((rid, str(fields["object_type"]), str(fields["object_id"]), str(fields["purpose"])))
            yield item

    walked = tapped()
    report.broken_at = first_break(key, walked)
    for _ in walked:  # past a break, still note the records that checkpoints name
        pass
    if report.broken_at is not None:
        report.problems.append(_break_reason(report.broken_at, unsigned, report.checked))
        seals = [s for s in seals if s[0] < report.broken_at]
    _check_seals(report, seals, now)
    _check_checkpoints(report, published, hashes)
    rejected = sorted(Path(settings.MUSTER_SPOOL_DIR).glob("*.rejected"))
    if rejected:
        report.problems.append(f"{len(rejected)} spool files set aside as not written by Muster in "
                               f"{settings.MUSTER_SPOOL_DIR} ({rejected[0].name}, ...): inspect and remove them")
    return report


def _break_reason(broken_at: int, unsigned: list[int], checked: int) -> str:
    first, count = unsigned or [0, 0]
    if count == checked:
        return (f"audit trail broken at record {broken_at}: none of the {checked} records holds under the key, "
                "so the chain was recomputed (or written) without it")
    if first == broken_at:
        more = f" ({count - 1} more after it)" if count > 1 else ""
        return f"audit trail broken at record {broken_at}: its fields were edited (its HMAC does not hold){more}"
    return (f"audit trail broken at record {broken_at}: its link to the record before does not hold (a record "
            "was deleted or inserted before it)")


def _check_seals(report: Report, seals: list[tuple[int, str, str, str]], now: datetime) -> None:
    upto = dict.fromkeys(sealing.TABLES, 0)
    for rid, table, object_id, purpose in seals:
        parsed = parse_seal(object_id, purpose)
        if table not in upto or parsed is None:
            report.problems.append(f"record {rid}: a seal of {table} that cannot be read")
            continue
        after, top, count, digest = parsed
        if after != upto[table]:
            report.problems.append(f"record {rid}: seal of {table} starts after row {after}, "
                                   f"the previous seal ended at {upto[table]}")
        found, recomputed = sealing.rows_digest_of(table, after, top)
        if (found, recomputed) != (count, digest):
            report.problems.append(f"{table} rows {after + 1}..{top} do not match their seal (record {rid}): "
                                   f"{found} rows now, {count} sealed; rows were edited, deleted or added")
        report.sealed_rows += count
        upto[table] = max(upto[table], top)
    bound = now - timedelta(seconds=settings.MUSTER_AUDIT_UNSEALED_AFTER)
    for table, top in upto.items():
        late, first = sealing.unsealed_before(table, top, bound)
        if late:
            report.problems.append(f"{table}: {late} rows after id {top} unsealed for more than "
                                   f"{settings.MUSTER_AUDIT_UNSEALED_AFTER:.0f} s (first id {first}); "
                                   "run `muster audit seal` (the worker seals every turn)")


def _check_checkpoints(report: Report, published: list[checkpoints.Checkpoint], hashes: dict[int, str]) -> None:
    where = checkpoints.checkpoints_path()
    if not published:
        report.notes.append(f"no checkpoint published yet in {where}: run `muster audit seal`")
        return
    try:
        key = checkpoints.public_key()
    except checkpoints.SigningKeyMissing as exc:
        report.problems.append(str(exc))
        return
    previous = 0
    for cp in published:
        report.checkpoints += 1
        if not checkpoints.signature_holds(key, cp):
            report.problems.append(f"{where}:{cp.line}: the signature does not hold (a forged or edited checkpoint)")
            continue
        if cp.record_id < previous:
            report.problems.append(f"{where}:{cp.line}: checkpoint of record {cp.record_id} after one of {previous}")
        previous = max(previous, cp.record_id)
        if hashes.get(cp.record_id) != cp.record_hash:
            state = "is missing" if cp.record_id not in hashes else "differs"
            report.problems.append(f"{where}:{cp.line}: record {cp.record_id}, published at {cp.at}, {state}: "
                                   "records were deleted or rewritten after this checkpoint")
