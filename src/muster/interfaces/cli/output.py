"""How commands speak: JSON for machines, Rich for people, quiet when piped."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, NoReturn

import click

EXIT_OK, EXIT_ERROR, EXIT_INVALID, EXIT_REJECTED, EXIT_NOT_FOUND = 0, 1, 2, 3, 4


def _default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, default=_default, indent=2))


def fail(message: str, *, as_json: bool, code: int = EXIT_ERROR, **extra: Any) -> NoReturn:
    """Report an error and exit: the message always goes to stderr, and as JSON to stdout with --json."""
    if as_json:
        emit_json({"error": message, **extra})
    click.secho(f"error: {message}", err=True, fg="red")
    sys.exit(code)


def interactive() -> bool:
    return sys.stderr.isatty()


@contextmanager
def progress(label: str, total: int, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A Rich progress bar on a terminal; a no-op callback otherwise."""
    if not enabled or not interactive():
        yield lambda done: None
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeRemainingColumn

    with Progress("[progress.description]{task.description}", BarColumn(), TaskProgressColumn(),
                  TimeRemainingColumn(), transient=True) as bar:
        task = bar.add_task(label, total=total or None)
        yield lambda done: bar.update(task, completed=done)


def table(rows: list[tuple[str, Any]], title: str | None = None) -> None:
    """Two aligned columns, the keys in bold on a terminal. Plain click rather than Rich: importing
    Rich's tables was a tenth of a point command's start-up."""
    width = max((len(key) for key, _ in rows), default=0)
    if title:
        click.secho(title, italic=True)
    for key, value in rows:
        lines = ("" if value is None else str(value)).splitlines() or [""]
        click.echo(click.style(key.ljust(width), bold=True) + "  " + lines[0])
        for more in lines[1:]:
            click.echo(" " * (width + 2) + more)


def emit_line(data: Any) -> None:
    """One JSON object on one line, flushed: for long-running commands' messages (JSON lines)."""
    click.echo(json.dumps(data, ensure_ascii=False, default=_default, separators=(",", ":")))
    sys.stdout.flush()
