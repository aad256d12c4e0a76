"""Commands for the review queue: partners' changes to a person's death, district, citizenship or
contact channel, waiting for an officer of the person's district (a death for two)."""

from __future__ import annotations

from typing import Any

import click

from muster.interfaces.cli.main import actor, setup_django
from muster.interfaces.cli.output import EXIT_INVALID, EXIT_NOT_FOUND, emit_json, fail
from muster.interfaces.cli.packs import json_option
from muster.interfaces.cli.registry import _load_pack, _pack_option


def _line(change: dict[str, Any]) -> str:
    values = ", ".join(f"{k}={v}" for k, v in change["changes"].items())
    accepted = f"; accepted by {', '.join(change['accepted_by'])}" if change["accepted_by"] else ""
    return (f"#{change['id']} {change['state']} {change['kind']} of {change['national_id']} "
            f"({change['district']}) from {change['source']}, observed {change['observed_at'][:19]}: {values} "
            f"[{len(change['accepted_by'])} of {change['needed']} acceptance(s){accepted}]")


def register(cli: click.Group) -> None:
    @cli.group("review")
    def review_group() -> None:
        """Partners' changes waiting for an officer (death needs two different officers)."""

    @review_group.command("list")
    @_pack_option
    @json_option
    def review_list(pack_code: str | None, as_json: bool) -> None:
        """Pending changes in your districts, oldest first (each person shown is logged as read)."""
        setup_django()
        from muster.partners import services as partners

        rows = partners.pending_changes(actor(), _load_pack(pack_code, as_json))
        if as_json:
            emit_json(rows)
            return
        for row in rows:
            click.echo(_line(row))
        if not rows:
            click.echo("no changes wait for review")

    @review_group.command("accept")
    @click.argument("change_id", type=int)
    @_pack_option
    @json_option
    def review_accept(change_id: int, pack_code: str | None, as_json: bool) -> None:
        """Accept a change; it is merged once enough different officers have accepted it."""
        _decide(change_id, pack_code, as_json, None)

    @review_group.command("reject")
    @click.argument("change_id", type=int)
    @click.option("--reason", required=True, help="Why the change is rejected (kept in the audit trail).")
    @_pack_option
    @json_option
    def review_reject(change_id: int, reason: str, pack_code: str | None, as_json: bool) -> None:
        """Reject a change: the registry stays as it is."""
        _decide(change_id, pack_code, as_json, reason)


def _decide(change_id: int, pack_code: str | None, as_json: bool, reason: str | None) -> None:
    setup_django()
    from muster.partners import services as partners

    pack = _load_pack(pack_code, as_json)
    try:
        if reason is None:
            row = partners.accept_change(actor(), pack, change_id)
        else:
            row = partners.reject_change(actor(), pack, change_id, reason)
    except LookupError as exc:
        fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
    except partners.ReviewError as exc:
        fail(str(exc), as_json=as_json, code=EXIT_INVALID)
    emit_json(row) if as_json else click.echo(_line(row))
