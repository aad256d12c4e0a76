"""Commands for campaigns, summonses, the time engine, letters and receipts."""

from __future__ import annotations

import time as time_module
from datetime import datetime, time
from pathlib import Path
from typing import Any

import click

from muster.interfaces.cli.main import actor, setup_django
from muster.interfaces.cli.output import (
    EXIT_INVALID,
    EXIT_NOT_FOUND,
    EXIT_REJECTED,
    emit_json,
    fail,
    table,
)
from muster.interfaces.cli.packs import date_option, json_option, parse_datetime


def now_option(*names: str, help: str = "The time to act at (default: now); for simulation.") -> Any:
    return click.option(*names, "now", callback=parse_datetime, metavar="DATETIME", help=help)


def _clock(now: datetime | None) -> datetime:
    from django.utils import timezone

    return now or timezone.now()


def _district_quotas(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, int]:
    quotas: dict[str, int] = {}
    for value in values:
        code, sep, quota = value.partition(":")
        if not sep or not quota.isdigit():
            raise click.BadParameter(f"expected CODE:QUOTA such as RU-MOW:500, got {value!r}")
        quotas[code.strip().upper()] = int(quota)
    return quotas


def register(cli: click.Group) -> None:  # noqa: C901 - a flat list of commands
    @cli.group("campaign")
    def campaign_group() -> None:
        """Call-up campaigns."""

    @campaign_group.command("create")
    @click.option("--code", required=True)
    @click.option("--pack", "pack_code", default=None, metavar="P")
    @click.option("--purpose", required=True,
                  type=click.Choice(["medical_examination", "call_up", "data_check", "alternative_service"]))
    @click.option("--district", "districts", multiple=True, required=True, callback=_district_quotas,
                  metavar="CODE:QUOTA")
    @date_option("--appear-from", "appear_from", required=True)
    @date_option("--appear-to", "appear_to", required=True)
    @click.option("--time", "appear_time", default="09:00", show_default=True, help="Appearance time, HH:MM.")
    @click.option("--place", required=True)
    @now_option("--now", help="Create as of this time (default: now).")
    @json_option
    def campaign_create(code: str, pack_code: str | None, purpose: str, districts: dict[str, int],
                        appear_from: Any, appear_to: Any, appear_time: str, place: str, now: datetime | None,
                        as_json: bool) -> None:
        """Create a campaign; the window is checked against the policy in force."""
        setup_django()
        from django.conf import settings

        from muster.campaigns import services as campaigns
        from muster.kernel.clock import today_in
        from muster.policy import services as policy

        try:
            pack = policy.get_pack(pack_code or settings.MUSTER_DEFAULT_PACK)
            at = time.fromisoformat(appear_time)
        except LookupError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
        except ValueError:
            fail(f"--time: expected HH:MM, got {appear_time!r}", as_json=as_json, code=EXIT_INVALID)
        request = campaigns.CampaignRequest(code, purpose, districts, appear_from, appear_to, place, at)
        try:
            campaign = campaigns.create(pack, request, actor=actor(), today=today_in(pack, _clock(now)))
        except campaigns.CampaignError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_INVALID)
        data = campaigns.describe(campaign)
        emit_json(data) if as_json else click.echo(f"created campaign {campaign.code} ({campaign.policy_version})")

    @campaign_group.command("issue")
    @click.argument("code")
    @now_option("--now")
    @click.option("--dry-run", is_flag=True, help="Only preview the counts, and why some are short.")
    @json_option
    def campaign_issue(code: str, now: datetime | None, dry_run: bool, as_json: bool) -> None:
        """Issue the campaign's summonses (set-based; running it again creates nothing new)."""
        setup_django()
        from muster.campaigns import services as campaigns

        try:
            result = campaigns.issue(actor(), code, _clock(now), dry_run=dry_run)
        except LookupError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
        except campaigns.IssueError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_INVALID)
        data = result.as_dict()
        if as_json:
            emit_json(data)
            return
        rows = [("placed on", data["placed_on"]), ("policy", data["policy_version"]),
                ("window", f"{data['window']['first']} .. {data['window']['last']}"),
                ("would issue" if dry_run else "issued", data["would_issue"] if dry_run else data["issued"]),
                ("shortfall", data["shortfall"])]
        for d in data["districts"]:
            note = "; ".join(d["shortfall_reasons"])
            rows.append((d["district"], f"quota {d['quota']}, issued before {d['already_issued']}, "
                                        f"{'would issue' if dry_run else 'issued'} {d['issue']}"
                                        + (f" — {note}" if note else "")))
        table(rows, title=f"campaign {code}" + (" (dry run)" if dry_run else ""))

    @campaign_group.command("show")
    @click.argument("code")
    @json_option
    def campaign_show(code: str, as_json: bool) -> None:
        """A campaign and its progress counts."""
        setup_django()
        from muster.campaigns import services as campaigns

        try:
            data = campaigns.show(actor(), code)
        except LookupError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
        if as_json:
            emit_json(data)
        else:
            table([(k, v) for k, v in data.items() if k != "districts"], title=f"campaign {code}")

    @cli.group("summons")
    def summons_group() -> None:
        """Summonses (notices)."""

    @summons_group.command("show")
    @click.argument("number")
    @click.option("--purpose", default="operator lookup", show_default=True)
    @json_option
    def summons_show(number: str, purpose: str, as_json: bool) -> None:
        """One summons with its deliveries and measures (the read is logged for the person)."""
        setup_django()
        from muster.summons import services as summons

        try:
            data = summons.show(actor(purpose), number)
        except summons.InvalidNumber as exc:
            fail(f"summons number: {exc}", as_json=as_json, code=EXIT_INVALID)
        except LookupError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
        if as_json:
            emit_json(data)
        else:
            table([(k, v) for k, v in data.items() if k not in ("deliveries", "measures")])
            for d in data["deliveries"]:
                click.echo(f"  delivery {d['channel']}: {d['state']}")
            for m in data["measures"]:
                click.echo(f"  measure {m['kind']}: {m['status']} from {m['effective_from']}")

    @summons_group.command("list")
    @click.option("--person", "national_id", required=True, metavar="NATIONAL_ID")
    @click.option("--pack", "pack_code", default=None, metavar="P")
    @click.option("--purpose", default="operator lookup", show_default=True)
    @json_option
    def summons_list(national_id: str, pack_code: str | None, purpose: str, as_json: bool) -> None:
        """A person's summonses (the read is logged for the person)."""
        setup_django()
        from django.conf import settings

        from muster.policy import services as policy
        from muster.registry import services as registry
        from muster.summons import services as summons

        try:
            pack = policy.get_pack(pack_code or settings.MUSTER_DEFAULT_PACK)
            data = summons.list_for_person(actor(purpose), national_id, pack)
        except registry.InvalidNationalId as exc:
            fail(f"national id: {exc}", as_json=as_json, code=EXIT_INVALID)
        except LookupError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
        if as_json:
            emit_json(data)
        else:
            for s in data:
                click.echo(f"{s['number']}  {s['status']:<9} placed {s['placed_on']}  appear {s['appearance_date']}")

    @summons_group.command("record")
    @click.argument("number")
    @click.argument("outcome", type=click.Choice(["appeared", "excused", "cancelled", "appeal_accepted"]))
    @now_option("--at", help="When it happened (default: now).")
    @click.option("--reason", default="", help="Why (for excused, cancelled and appeal_accepted).")
    @json_option
    def summons_record(number: str, outcome: str, now: datetime | None, reason: str, as_json: bool) -> None:
        """Record an appearance, a valid excuse, a cancellation or an accepted appeal (which annuls the
        summons); lifts the measures the policy lifts with it, the same day."""
        setup_django()
        from muster.summons import services as summons

        try:
            result = summons.record_outcome(actor(), number, outcome, _clock(now), reason=reason)
        except summons.InvalidNumber as exc:
            fail(f"summons number: {exc}", as_json=as_json, code=EXIT_INVALID)
        except summons.OutcomeError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_INVALID)
        except LookupError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
        if as_json:
            emit_json(result.as_dict())
        else:
            lifted = ", ".join(result.lifted) or "none"
            click.echo(f"summons {result.number}: {result.status}; measures lifted: {lifted}")

    @summons_group.command("hand")
    @click.argument("number")
    @click.argument("event", type=click.Choice(["signed", "refused"]))
    @now_option("--at", help="When it was handed over (default: now).")
    @json_option
    def summons_hand(number: str, event: str, now: datetime | None, as_json: bool) -> None:
        """Record handing a summons over in person: signed for, or refused (service at the next tick)."""
        setup_django()
        from muster.delivery import services as delivery
        from muster.summons import services as summons

        try:
            data = delivery.hand_over(actor(), number, event, _clock(now))
        except summons.InvalidNumber as exc:
            fail(f"summons number: {exc}", as_json=as_json, code=EXIT_INVALID)
        except summons.OutcomeError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_INVALID)
        except LookupError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
        emit_json(data) if as_json else click.echo(f"summons {data['number']}: {event} in person on {data['on']}")

    @cli.command("tick")
    @now_option("--now")
    @click.option("--no-send", is_flag=True, help="Apply transitions but send no email or SMS.")
    @json_option
    def tick_command(now: datetime | None, no_send: bool, as_json: bool) -> None:
        """Apply every transition due at now: deliveries, service, missed, measures, events, outboxes."""
        setup_django()
        from muster import engine

        try:
            counts = engine.turn(_clock(now), actor=actor(), send=not no_send)
        except engine.TickError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_INVALID)
        if as_json:
            emit_json(counts)
        else:
            table(list(counts.items()), title="tick")

    @cli.command("worker")
    @click.option("--interval", default=60.0, show_default=True, help="Seconds between ticks.")
    @click.option("--iterations", default=0, help="Stop after this many ticks (0: run until stopped).")
    def worker(interval: float, iterations: int) -> None:
        """Run the tick, the notices it sends, partners' feeds and webhooks, in a loop."""
        setup_django()
        from django.utils import timezone

        from muster import engine
        from muster.audit import services as audit
        from muster.kernel.actor import ENGINE

        try:
            audit.check_spool()
        except audit.SpoolProblem as exc:
            fail(f"refusing to start: {exc}", as_json=False, code=EXIT_INVALID)

        done = 0
        while True:
            counts = engine.turn(timezone.now(), actor=ENGINE)
            changed = {k: v for k, v in counts.items() if v}
            if changed:
                click.echo(f"{timezone.now().isoformat()} {changed}", err=True)
            done += 1
            if iterations and done >= iterations:
                return
            time_module.sleep(interval)

    @cli.group("letters")
    def letters_group() -> None:
        """Postal letters."""

    @letters_group.command("batch")
    @now_option("--now")
    @click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("print-batches"),
                  show_default=True)
    @json_option
    def letters_batch(now: datetime | None, out_dir: Path, as_json: bool) -> None:
        """Print the day's letters: one PDF and a CSV manifest with tracking numbers."""
        setup_django()
        from muster.delivery import services as delivery

        try:
            result = delivery.print_letters(actor(), _clock(now), out_dir)
        except FileNotFoundError as exc:
            fail(str(exc), as_json=as_json)
        emit_json(result) if as_json else click.echo(
            f"{result['letters']} letters" + (f": {result['pdf']} and {result['manifest']}" if result["pdf"] else ""))

    @cli.group("receipts")
    def receipts_group() -> None:
        """Postal receipts."""

    @receipts_group.command("import")
    @click.argument("file", type=click.Path(path_type=Path))
    @click.option("--errors", "errors_path", type=click.Path(path_type=Path))
    @json_option
    def receipts_import(file: Path, errors_path: Path | None, as_json: bool) -> None:
        """Read postal receipts (tracking_number, event, at). Exit 3 if any row was rejected."""
        setup_django()
        from muster.delivery import services as delivery
        from muster.registry.services import FileProblem

        try:
            result = delivery.import_receipts(actor(), file, errors_path)
        except FileProblem as exc:
            fail(str(exc), as_json=as_json, code=EXIT_INVALID)
        data = result.as_dict()
        if as_json:
            emit_json(data)
        else:
            table([(k, v) for k, v in data.items() if k != "problems"], title=f"receipts {file.name}")
            for p in data["problems"]:
                click.echo(f"line {p['line']}: {p['column']}: {p['reason']}", err=True)
        if result.rejected:
            raise SystemExit(EXIT_REJECTED)
