"""Stream person rows out of CSV (UTF-8, RFC 4180, header row) and Parquet files.

Readers yield (line, values) one row at a time so memory stays flat whatever
the file's size. A problem with the whole file (no header, wrong columns,
wrong Parquet types) raises FileProblem; a problem with one row is left to
row validation.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

from muster.rules.person_record import PERSON_COLUMNS

# (line, values in PERSON_COLUMNS order or None, problem with the row's shape or None)
Row = tuple[int, list[object] | None, str | None]


class FileProblem(ValueError):
    """The file as a whole cannot be imported; the message names the file and the place."""


class InvalidObservation(ValueError):
    """An observation time outside [1900, now + clock skew]: nothing is imported."""


def _check_header(path: Path, columns: list[str], where: str) -> None:
    missing = [c for c in PERSON_COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in PERSON_COLUMNS]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    problems = []
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s): {', '.join(repr(c) for c in unknown)}")
    if repeated:
        problems.append(f"repeated column(s): {', '.join(repeated)}")
    if problems:
        raise FileProblem(f"{path}:{where}: wrong header: {'; '.join(problems)}. "
                          f"Expected the columns {', '.join(PERSON_COLUMNS)}")


def read_csv(path: Path, progress: Callable[[int], None] | None = None) -> Iterator[Row]:
    if path.stat().st_size == 0:
        raise FileProblem(f"{path}: the file is empty (0 bytes); expected a header row")
    with open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")
        reader = csv.reader(text, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise FileProblem(f"{path}: the file has no header row")
            if header and header[0].startswith("\ufeff"):
                header[0] = header[0][1:]
            header = [h.strip() for h in header]
            if any("\udc80" <= ch <= "\udcff" for h in header for ch in h):
                raise FileProblem(f"{path}:1: the header is not valid UTF-8")
            _check_header(path, header, "1")
            width = len(header)
            in_order = tuple(header) == PERSON_COLUMNS
            positions = [header.index(c) for c in PERSON_COLUMNS]
            count = 0
            for fields in reader:
                if not fields or fields == [""]:
                    continue  # blank line
                line = reader.line_num
                if len(fields) != width:
                    yield line, None, f"has {len(fields)} fields, the header has {width}"
                    continue
                yield line, cast(list[object], fields if in_order else [fields[i] for i in positions]), None
                count += 1
                if progress is not None and count % 10000 == 0:
                    progress(raw.tell())
        except csv.Error as exc:
            raise FileProblem(f"{path}:{reader.line_num}: malformed CSV: {exc}") from None
    if progress is not None:
        progress(os.path.getsize(path))


# Parquet column types we accept, by column kind.
_TEXT = {"string", "large_string"}
_DATE = _TEXT | {"date32[day]", "date64[ms]"}
_BOOL = _TEXT | {"bool"}


def _allowed_types(column: str) -> set[str]:
    if column in ("birth_date", "death_date"):
        return _DATE
    if column == "electronic_account":
        return _BOOL
    return _TEXT


def read_parquet(path: Path, progress: Callable[[int], None] | None = None,
                 batch_size: int = 20000) -> Iterator[Row]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if path.stat().st_size == 0:
        raise FileProblem(f"{path}: the file is empty (0 bytes); expected a Parquet file")
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise FileProblem(f"{path}: not a readable Parquet file: {exc}") from None
    schema = parquet.schema_arrow
    _check_header(path, list(schema.names), "schema")
    wrong = []
    for column in PERSON_COLUMNS:
        typ = str(schema.field(column).type)
        if typ not in _allowed_types(column) and typ != "null":
            wrong.append(f"column {column!r} has type {typ}, expected "
                         f"{' or '.join(sorted(_allowed_types(column)))}")
    if wrong:
        raise FileProblem(f"{path}:schema: wrong column types: {'; '.join(wrong)}")
    row_number = 0
    for batch in parquet.iter_batches(batch_size=batch_size, columns=list(PERSON_COLUMNS)):
        columns = batch.to_pydict()
        for values in zip(*(columns[c] for c in PERSON_COLUMNS), strict=True):
            row_number += 1
            yield row_number, ["" if v is None else v for v in values], None
        if progress is not None:
            progress(row_number)


def total_units(path: Path) -> int:
    """What progress is counted against: bytes for CSV, rows for Parquet."""
    if is_parquet(path):
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(path).metadata.num_rows
        except Exception:  # noqa: BLE001 - the reader reports the real problem
            return 0
    return path.stat().st_size


def is_parquet(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".pq")


def read_rows(path: Path, progress: Callable[[int], None] | None = None) -> Iterator[Row]:
    if not path.exists():
        raise FileProblem(f"{path}: no such file")
    if path.is_dir():
        raise FileProblem(f"{path}: is a folder, not a file")
    if is_parquet(path):
        return read_parquet(path, progress)
    return read_csv(path, progress)
