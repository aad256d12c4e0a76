"""Commands for straight-through processing: the rules in force and their kill switches, and a
run of the batches over the register facts partners submitted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from muster.interfaces.cli.main import actor, setup_django
from muster.interfaces.cli.output import EXIT_INVALID, EXIT_NOT_FOUND, emit_json, fail
from muster.interfaces.cli.packs import checked_now, json_option, parse_datetime
from muster.interfaces.cli.registry import _load_pack, _pack_option


def _line(rule: dict[str, Any]) -> str:
    state = "on" if rule["on"] else "OFF"
    changed = f" (switched by {rule['changed_by']} at {rule['changed_at']}: {rule['reason']})" if rule["changed_by"] else ""
    return (f"{rule['code']} [{state}] {rule['action']} {rule['kind']}/{rule['ground']} from {rule['source']}: "
            f"{rule['name']}{changed}")


def _now_option(f: Any) -> Any:
    return click.option("--now", "now", callback=parse_datetime, metavar="DATETIME",
                        help="The time to act at (default: now); for simulation.")(f)


def register(cli: click.Group) -> None:
    @cli.group("stp")
    def stp_group() -> None:
        """Straight-through processing: rules decided from partner registers, and their kill switches."""

    @stp_group.command("list")
    @_now_option
    @_pack_option
    @json_option
    def stp_list(now: datetime | None, pack_code: str | None, as_json: bool) -> None:
        """The straight-through rules of the policy version in force, each on or off."""
        setup_django()
        from muster.kernel.clock import today_in
        from muster.partners import services as partners

        pack = _load_pack(pack_code, as_json)
        at = checked_now(now, as_json=as_json)
        rows = partners.stp_rules(actor(), pack, today_in(pack, at))
        if as_json:
            emit_json(rows)
        else:
            for row in rows:
                click.echo(_line(row))

    def _flip(code: str, on: bool, reason: str, now: datetime | None, pack_code: str | None, as_json: bool) -> None:
        setup_django()
        from muster.partners import services as partners

        pack = _load_pack(pack_code, as_json)
        try:
            row = partners.stp_switch(actor(), pack, code, on, reason, checked_now(now, as_json=as_json))
        except partners.UnknownRule as exc:
            fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
        except partners.SwitchError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_INVALID)
        emit_json(row) if as_json else click.echo(_line(row))

    @stp_group.command("off")
    @click.argument("rule")
    @click.option("--reason", required=True, help="Why the rule stops deciding (kept in the audit trail).")
    @_now_option
    @_pack_option
    @json_option
    def stp_off(rule: str, reason: str, now: datetime | None, pack_code: str | None, as_json: bool) -> None:
        """The kill switch: the rule decides nothing from the next batch on; its facts go to an officer."""
        _flip(rule, False, reason, now, pack_code, as_json)

    @stp_group.command("on")
    @click.argument("rule")
    @click.option("--reason", default="", help="Why the rule decides again (kept in the audit trail).")
    @_now_option
    @_pack_option
    @json_option
    def stp_on(rule: str, reason: str, now: datetime | None, pack_code: str | None, as_json: bool) -> None:
        """Switch a rule back on."""
        _flip(rule, True, reason, now, pack_code, as_json)

    @stp_group.command("run")
    @click.option("--batch", "limit", type=click.IntRange(1, 1_000_000), default=100_000, show_default=True,
                  help="Facts per batch (each batch is decided under one reading of the switches).")
    @_now_option
    @_pack_option
    @json_option
    def stp_run(limit: int, now: datetime | None, pack_code: str | None, as_json: bool) -> None:
        """Process the register facts partners submitted: which rule decides each (a decision by
        system:stp), or an officer."""
        setup_django()
        from muster.casework import services as casework
        from muster.kernel.clock import today_in

        pack = _load_pack(pack_code, as_json)
        at = checked_now(now, as_json=as_json)
        done = casework.stp_run(actor(), pack, at, today_in(pack, at), limit)
        if as_json:
            emit_json(done)
            return
        for source, counts in done["sources"].items():
            outcomes = ", ".join(f"{k} {v}" for k, v in sorted(counts["outcomes"].items())) or "nothing to do"
            click.echo(f"{source}: {outcomes}")
        click.echo(f"decided by system:stp: {done['decided']}")
