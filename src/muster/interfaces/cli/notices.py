"""Commands for campaigns, summonses, the time engine, letters and receipts."""

from __future__ import annotations

import json
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
from muster.interfaces.cli.packs import checked_now, date_option, json_option, parse_datetime


def now_option(*names: str, help: str = "The time to act at (default: now); for simulation.") -> Any:
    return click.option(*names, "now", callback=parse_datetime, metavar="DATETIME", help=help)


def _clock(now: datetime | None, as_json: bool) -> datetime:
    return checked_now(now, as_json=as_json)


def _at(at: datetime | None) -> datetime:
    """When something happened (`--at`, default now); the service checks it against the summons."""
    from muster.kernel import clock

    return at or clock.now()


def _district_quotas(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, int]:
    quotas: dict[str, int] = {}
    for value in values:
        code, sep, quota = value.partition(":")
        if not sep or not quota.isdigit():
            raise click.BadParameter(f"expected CODE:QUOTA such as RU-MOW:500, got {value!r}")
        quotas[code.strip().upper()] = int(quota)
    return quotas


def _campaign_rows(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """A campaign as a person reads it: one line a fact, the counts spelled out."""
    status = ", ".join(f"{n} {s}" for s, n in data["status"].items() if n) or "none yet"
    rows: list[tuple[str, Any]] = [
        ("purpose", data["purpose"].replace("_", " ")),
        ("pack", f"{data['pack']} (policy {data['policy_version']})"),
        ("place", data["place"]),
        ("appearances", f"{data['appear_from']} to {data['appear_to']}, from {data['appear_time']}"),
        ("issued", f"{data['issued']} summonses"),
        ("status", status)]
    rows += [(f"district {d['district']}", f"quota {d['quota']}, issued {d['issued']}") for d in data["districts"]]
    return rows


def _worker_line(event: dict[str, Any]) -> str:
    """One worker message as a readable line (the JSON line holds the same)."""
    if event["event"] == "turn":
        done = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in event["counts"].items()) or "nothing due"
        return f"{event['at']} tick: {done}"
    return f"{event['at']} waiting: {event['reason']}"


def _wait_reason(mode: str, last: datetime, now: datetime) -> str:
    ahead = last - now
    reason = (f"the last tick ran at {last.isoformat()}, {ahead} ahead of the wall clock; the clock does "
              f"not go backwards, so ticks resume when it reaches that time")
    if mode == "live":
        return reason + " (an operator can close a tick that ran ahead: `muster clock close-ahead --reason ...`)"
    return reason + " (this database is a simulation: `muster tick --now` moves its clock on)"


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
            campaign = campaigns.create(pack, request, actor=actor(), today=today_in(pack, _clock(now, as_json)))
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
            result = campaigns.issue(actor(), code, _clock(now, as_json), dry_run=dry_run)
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
        for done in data["completed_runs"]:  # a run a crash interrupted, completed before this one
            rows.append((f"completed run {done['run']}", f"{done['summonses']} summonses: {done['deliveries']} "
                         f"deliveries, {done['measures']} measures, {done['events']} events written now"))
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
            table(_campaign_rows(data), title=f"campaign {code}")

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
    @click.option("--excuse", default=None, metavar="CODE",
                  help="For excused: one of the policy's excuse codes (`muster policy show`).")
    @click.option("--reason", default="", help="Why: required for excused, cancelled and appeal_accepted "
                                               "(for excused, a reason that is an excuse code is taken as --excuse).")
    @json_option
    def summons_record(number: str, outcome: str, now: datetime | None, excuse: str | None, reason: str,
                       as_json: bool) -> None:
        """Record an appearance, a valid excuse, a cancellation or an accepted appeal (which annuls the
        summons); lifts the measures the policy lifts with it, the same day. --at may lie neither
        before the summons was placed nor after now plus the clock skew."""
        setup_django()
        from muster.summons import services as summons

        try:
            result = summons.record_outcome(actor(), number, outcome, _at(now), reason=reason, excuse=excuse)
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
            data = delivery.hand_over(actor(), number, event, _at(now))
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
            counts = engine.turn(_clock(now, as_json), actor=actor(), send=not no_send)
        except engine.TickError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_INVALID)
        if as_json:
            emit_json(counts)
        else:
            table(list(counts.items()), title="tick")

    @cli.command("worker")
    @click.option("--interval", default=60.0, show_default=True, help="Seconds between ticks.")
    @click.option("--iterations", default=0, help="Stop after this many ticks (0: run until stopped).")
    @click.option("--json", "as_json", is_flag=True, help="JSON lines: one object a turn or a wait.")
    def worker(interval: float, iterations: int, as_json: bool) -> None:
        """Run the tick, the notices it sends, partners' feeds and webhooks, in a loop, by the wall
        clock. If the last tick ran ahead of the clock it waits, says why once, and resumes when the
        clock reaches it."""
        setup_django()
        from muster import engine
        from muster.audit import services as audit
        from muster.kernel import clock
        from muster.kernel.actor import ENGINE
        from muster.policy import services as policy
        from muster.summons import services as summons

        try:
            audit.check_spool()
        except audit.SpoolProblem as exc:
            fail(f"refusing to start: {exc}", as_json=as_json, code=EXIT_INVALID)

        def say(event: dict[str, Any]) -> None:
            click.echo(json.dumps(event, ensure_ascii=False) if as_json else _worker_line(event))

        mode = policy.current_mode()
        if not as_json:
            click.echo(f"worker: a tick every {interval:g} s by the wall clock ({mode} database); Ctrl-C stops it")
        done, said = 0, ""
        while True:
            now = clock.now()
            last = summons.last_tick()
            if last is not None and last > now:
                reason = _wait_reason(mode, last, now)
                if not said.startswith(f"ahead {last}"):  # said once, not every loop
                    say({"event": "wait", "at": now.isoformat(), "until": last.isoformat(), "reason": reason})
                    said = f"ahead {last}"
                time_module.sleep(max(0.01, min(interval, (last - now).total_seconds())))
                continue
            try:
                counts = engine.turn(now, actor=ENGINE)
            except engine.TickError as exc:  # e.g. another tick moved the clock on meanwhile
                if said != str(exc):
                    say({"event": "wait", "at": now.isoformat(), "until": None, "reason": str(exc)})
                    said = str(exc)
                time_module.sleep(interval)
                continue
            said = ""
            changed = {k: v for k, v in counts.items() if v}
            if as_json or changed:
                say({"event": "turn", "at": now.isoformat(), "counts": changed})
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
            result = delivery.print_letters(actor(), _clock(now, as_json), out_dir)
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
        from muster.interfaces.cli.files import errors_file_problem

        if errors_path is not None and (problem := errors_file_problem(errors_path, file)):
            fail(problem, as_json=as_json, code=EXIT_INVALID)
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
