"""Bulk import of persons: stream, validate, stage, then merge set-based.

The whole import is one transaction, so a killed import leaves the registry
as it was and a re-run completes it. Rejected rows go to an error file
(line, column, reason; never the values, which are personal data).
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from muster.audit import trail
from muster.kernel import clock
from muster.kernel.actor import ENGINE, Actor
from muster.registry import merge_sql, staging
from muster.registry.models import Observation, Source
from muster.registry.readers import read_rows
from muster.rules.instants import instant_problem
from muster.rules.person_record import (
    PERSON_COLUMNS,
    FieldError,
    RecordContext,
    fast_validator,
    validate_record,
)
from muster.rules.policy import Pack

BATCH_ROWS = 10000


@dataclass
class ImportResult:
    read: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    duplicates_folded: int = 0
    strict_aborted: bool = False
    observation_id: int | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class _StrictAbort(Exception):
    pass


class ErrorFile:
    """Rejected rows, written to a temporary file and moved into place at the end."""

    def __init__(self, path: Path | None):
        self.path = path
        self._file = None
        self._writer = None
        if path is not None:
            fd, self._tmp = tempfile.mkstemp(prefix=".muster-errors-", dir=path.parent or Path("."))
            self._file = os.fdopen(fd, "w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._file)
            self._writer.writerow(["line", "column", "reason"])

    def add(self, line: int, errors: list[FieldError]) -> None:
        if self._writer is not None:
            for e in errors:
                self._writer.writerow([line, e.column, e.reason])

    def close(self, keep: bool) -> None:
        if self._file is None:
            return
        self._file.close()
        if keep and self.path is not None:
            os.replace(self._tmp, self.path)
        else:
            os.unlink(self._tmp)


class InvalidObservation(ValueError):
    """An observation time outside [1900, now + clock skew]: nothing is imported."""


def observed_at_problem(observed_at: datetime, now: datetime) -> str | None:
    """Why an observation time may not be taken (muster.rules.instants), or None. A time without a
    zone is taken as UTC."""
    if observed_at.tzinfo is None:
        observed_at = observed_at.replace(tzinfo=UTC)
    return instant_problem(observed_at, now=now, skew=timedelta(seconds=settings.MUSTER_CLOCK_SKEW))


def import_persons(path: Path, pack: Pack, *, source: str = "import", errors_path: Path | None = None,
                   strict: bool = False, observed_at: datetime | None = None, actor: Actor = ENGINE,
                   progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import one file. Raises readers.FileProblem or InvalidObservation (nothing imported) for a bad
    file or observation time. Dates in the data are checked against the server's clock, not
    against `observed_at` (a time from outside)."""
    now = clock.now()
    if observed_at is not None and (problem := observed_at_problem(observed_at, now)):
        raise InvalidObservation(f"--observed-at: {problem}")
    observed_at = observed_at or now
    today = now.astimezone(ZoneInfo(pack.time_zone)).date()
    ctx = RecordContext(scheme=pack.id_scheme, districts=pack.district_codes(), today=today)
    result = ImportResult()
    errors = ErrorFile(errors_path)
    ok = False
    try:
        with transaction.atomic():
            src, _ = Source.objects.get_or_create(name=source)
            observation = Observation.objects.create(source=src, observed_at=observed_at, kind="import",
                                                     reference=path.name)
            with staging.Loader(observation.pk) as loader:
                valid = _stage(path, ctx, result, errors, loader, progress)
            if strict and result.rejected:
                raise _StrictAbort
            merge_sql.collapse_duplicates()
            merge_sql.update_existing(observation.pk, observed_at, pack.sources, source)
            result.imported = loader.direct + merge_sql.insert_new(observation.pk)
            existing, result.updated = merge_sql.count_staged_existing(observation.pk)
            result.unchanged = existing - result.updated
            result.duplicates_folded = valid - result.imported - existing
            staging.drop()
            if result.imported or result.updated:
                result.observation_id = observation.pk
            else:
                observation.delete()  # nothing came of it: re-importing changes nothing
            trail.record(actor, "import.persons", "observation", str(observation.pk),
                         purpose=f"import of {path.name} from {source}: read {result.read}, "
                                 f"imported {result.imported}, updated {result.updated}, "
                                 f"rejected {result.rejected}")
        ok = True
    except _StrictAbort:
        result.strict_aborted = True
        result.imported = result.updated = result.unchanged = 0
        ok = True
    finally:
        errors.close(keep=ok)
    return result


def _stage(path: Path, ctx: RecordContext, result: ImportResult, errors: ErrorFile,
           loader: staging.Loader, progress: Callable[[int], None] | None) -> int:
    """Validate every row (fast path first, the reference rule for the rest) and load the valid
    ones. Returns how many rows were valid."""
    valid = 0
    fast = fast_validator(ctx)
    batch: list[tuple[object, ...]] = []
    for line, fields, shape_problem in read_rows(path, progress):
        result.read += 1
        if fields is None:
            result.rejected += 1
            errors.add(line, [FieldError("*", str(shape_problem))])
            continue
        values = fast(fields) if all(type(v) is str for v in fields) else None
        if values is None:
            values, problems = validate_record(dict(zip(PERSON_COLUMNS, fields, strict=True)), ctx)
            if problems:
                result.rejected += 1
                errors.add(line, problems)
                continue
        batch.append((line, *values))  # type: ignore[misc]
        valid += 1
        if len(batch) >= BATCH_ROWS:
            loader.add(batch)
            batch = []
    loader.add(batch)
    return valid
