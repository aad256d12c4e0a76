"""`muster appeal file|decide|show`: appeals against a decision, a summons or a measure (issue 12).
Thin: parse, call muster.casework.appeals, render."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from muster.interfaces.cli.main import actor, setup_django
from muster.interfaces.cli.output import EXIT_INVALID, EXIT_NOT_FOUND, emit_json, fail, table
from muster.interfaces.cli.packs import json_option, parse_datetime


def _at(at: datetime | None) -> datetime:
    """When it happened (`--at`, default now: on a simulation, the clock of its last tick, as
    `application` takes it); the service checks it against the subject."""
    from muster.casework import services as casework

    return at or casework.known_now()


def _rows(data: dict[str, Any]) -> list[tuple[str, Any]]:
    suspends = ", ".join(f"{s['kind']} ({s['measure']})" for s in data["suspends"]) or "nothing"
    rows: list[tuple[str, Any]] = [("level", f"{data['level']}: {data['body']}"), ("due", data["due_on"]),
                                   ("late", "yes" if data["late"] else "no"), ("suspends", suspends)]
    if "status" in data:
        rows = [("against", f"{data['subject']['kind']} {data['subject']['ref']}"), *rows,
                ("status", data["status"] + (f": {data['outcome']}" if data["outcome"] else ""))]
        rows += [("reason", r) for r in data["reasons"]]
    return rows


def register(cli: click.Group) -> None:
    @cli.group("appeal")
    def appeal_group() -> None:
        """Appeals against a decision on an application, a summons or a measure."""

    def _run(call: Any, as_json: bool) -> dict[str, Any]:
        from muster.casework import appeals

        try:
            result: dict[str, Any] = call(appeals)
        except appeals.AppealError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_INVALID)
        except LookupError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
        return result

    @appeal_group.command("file")
    @click.option("--against", required=True, metavar="application:NUMBER|summons:NUMBER|measure:ID")
    @click.option("--reason", required=True, help="The grounds of the appeal.")
    @click.option("--at", "at", callback=parse_datetime, metavar="DATETIME", help="When it was filed (default: now).")
    @click.option("--level", type=int, default=None,
                  help="The level of the appeal chain (default: the lowest not yet used on the subject).")
    @click.option("--suspend/--no-suspend", default=None,
                  help="At a level that suspends at its discretion: whether this filing suspends (default: no).")
    @json_option
    def appeal_file(against: str, reason: str, at: datetime | None, level: int | None, suspend: bool | None,
                    as_json: bool) -> None:
        """File an appeal; a late one is recorded and marked late."""
        setup_django()
        data = _run(lambda s: s.file(actor(), against, reason, _at(at), level=level, suspend=suspend), as_json)
        if as_json:
            emit_json(data)
        else:
            table(_rows(data), title=f"appeal {data['number']}")

    @appeal_group.command("decide")
    @click.argument("number")
    @click.argument("outcome", type=click.Choice(["dismissed", "allowed"]))
    @click.option("--reason", required=True)
    @click.option("--at", "at", callback=parse_datetime, metavar="DATETIME", help="When it was ruled (default: now).")
    @json_option
    def appeal_decide(number: str, outcome: str, reason: str, at: datetime | None, as_json: bool) -> None:
        """Record the ruling: dismissed reinstates what was suspended, allowed lifts or reverses."""
        setup_django()
        data = _run(lambda s: s.decide(actor(), number, outcome, reason, _at(at)), as_json)
        if as_json:
            emit_json(data)
        else:
            table(_rows(data), title=f"appeal {data['number']}")

    @appeal_group.command("show")
    @click.argument("number")
    @click.option("--purpose", default="operator lookup", show_default=True)
    @json_option
    def appeal_show(number: str, purpose: str, as_json: bool) -> None:
        """One appeal (the read is logged for the person)."""
        setup_django()
        data = _run(lambda s: s.show(actor(purpose), number), as_json)
        if as_json:
            emit_json(data)
        else:
            table(_rows(data), title=f"appeal {data['number']}")
