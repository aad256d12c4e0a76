"""Commands for casework: `application submit|show|evidence|request|resume|decide|confirm|list|withdraw` and
`queue list|assign`. Thin: parse, call muster.casework.services, render (issue 12's JSON shapes)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from muster.interfaces.cli.main import actor, setup_django
from muster.interfaces.cli.output import EXIT_INVALID, EXIT_NOT_FOUND, emit_json, fail, table
from muster.interfaces.cli.packs import date_option, json_option, parse_datetime

KINDS = ["deferment", "exemption", "alternative_service", "excuse", "correction"]
CHANNELS = ["portal", "office", "post", "partner"]


def _at_option(*names: str, help: str) -> Callable[[Any], Any]:
    return click.option(*names, "at", callback=parse_datetime, metavar="DATETIME", help=help)


@contextmanager
def _errors(as_json: bool) -> Iterator[None]:
    """The services' errors, ended the documented way: bad input exit 2, not found exit 4 (a refusal
    of access is a PermissionError, which the entry point ends as "not allowed", exit 2)."""
    from muster.casework import services as casework

    try:
        yield
    except casework.BadNumber as exc:
        fail(f"application number: {exc}", as_json=as_json, code=EXIT_INVALID)
    except casework.InvalidNationalId as exc:
        fail(f"national id: {exc}", as_json=as_json, code=EXIT_INVALID)
    except casework.CaseworkError as exc:
        fail(str(exc), as_json=as_json, code=EXIT_INVALID)
    except (casework.ApplicationNotFound, casework.PersonNotFound) as exc:
        fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
    except casework.EvidenceStoreProblem as exc:  # the evidence folder is not set up safely
        fail(f"configuration: {exc}", as_json=as_json, code=EXIT_INVALID)


def _read_evidence(paths: tuple[str, ...], as_json: bool) -> list[Any]:
    from muster.casework import services as casework

    files = []
    for name in paths:
        path = Path(name)
        if not path.is_file():
            fail(f"--evidence {name}: no such file", as_json=as_json, code=EXIT_INVALID)
        with path.open("rb") as f:  # never more than the service takes, however large the file
            files.append(casework.EvidenceInput(path.name, f.read(casework.EVIDENCE_MAX_BYTES + 1)))
    return files


def _now(at: datetime | None) -> datetime:
    from muster.casework import services as casework

    return at or casework.known_now()


def _decision_rows(decision: dict[str, Any] | None) -> list[tuple[str, Any]]:
    if decision is None:
        return [("decision", "none yet")]
    period = ""
    if decision["period_from"]:
        period = f"from {decision['period_from']}" + (f" until {decision['period_until']}"
                                                      if decision["period_until"] else "")
    waiting = decision["needs_confirmation"] and not decision["confirmed_at"]
    rows: list[tuple[str, Any]] = [
        ("decision", f"{decision['outcome']} by {decision['decided_by']} at {decision['decided_at']}"
                     + (" (waiting for a second officer)" if waiting else "")
                     + (f", confirmed by {decision['confirmed_by']}" if decision["confirmed_by"] else ""))]
    if period:
        rows.append(("period", period))
    rows.append(("reasons", "\n".join(decision["reasons"])))
    rows.append(("legal basis", decision["legal_basis"]))
    if decision["appeal_deadline"]:
        rows.append(("appeal until", decision["appeal_deadline"]))
    rows.append(("policy", decision["policy_version"]))
    return rows


def _show_rows(data: dict[str, Any]) -> list[tuple[str, Any]]:
    flags = ", ".join(f for f, on in (("urgent", data["urgent"]), ("overdue", data["overdue"])) if on)
    rows: list[tuple[str, Any]] = [
        ("person", data["person"]), ("kind", data["kind"].replace("_", " ")), ("ground", data["ground"]),
        ("status", data["status"].replace("_", " ") + (f" ({flags})" if flags else "")),
        ("submitted", f"{data['submitted_at']} by {data['channel']}"), ("due on", data["due_on"])]
    if data["summons"]:
        rows.append(("summons", data["summons"]))
    if data["assigned_to"]:
        rows.append(("assigned to", data["assigned_to"]))
    rows += [("evidence", f"{e['name']} ({e['type']}, {e['size']} bytes, sha256 {e['sha256'][:16]}…)")
             for e in data["evidence"]]
    for fact in data.get("register_facts", []):
        said = ", ".join(f"{k} {v}" for k, v in sorted(fact["facts"].items()))
        rows.append((f"{fact['source']} register", f"{said} (observed {fact['observed_at']})"))
        if fact["note"]:
            rows.append(("why an officer", fact["note"]))
    return rows + _decision_rows(data["decision"])


def register(cli: click.Group) -> None:  # noqa: C901 - a flat list of commands
    @cli.group("application")
    def application_group() -> None:
        """Applications: deferments, exemptions, alternative service, excuses, corrections."""

    @application_group.command("submit")
    @click.option("--person", "national_id", required=True, metavar="NATIONAL_ID")
    @click.option("--kind", required=True, type=click.Choice(KINDS))
    @click.option("--ground", required=True, metavar="CODE", help="One of the kind's grounds in the policy.")
    @click.option("--summons", "summons_number", default=None, metavar="NUMBER", help="The summons an excuse excuses.")
    @click.option("--evidence", "evidence", multiple=True, metavar="FILE", help="PDF, JPEG or PNG, at most 10 MB.")
    @date_option("--until", "until", help="A deferment's last day, as asked.")
    @_at_option("--at", help="When it was filed (default: now).")
    @click.option("--channel", default="office", show_default=True, type=click.Choice(CHANNELS))
    @click.option("--pack", "pack_code", default=None, metavar="P")
    @json_option
    def application_submit(national_id: str, kind: str, ground: str, summons_number: str | None,
                           evidence: tuple[str, ...], until: date | None, at: datetime | None, channel: str,
                           pack_code: str | None, as_json: bool) -> None:
        """File an application; it is due the Nth working day after filing."""
        setup_django()
        from django.conf import settings

        from muster.casework import services as casework
        from muster.policy import services as policy

        files = _read_evidence(evidence, as_json)
        with _errors(as_json):
            try:
                pack = policy.get_pack(pack_code or settings.MUSTER_DEFAULT_PACK)
            except LookupError as exc:
                fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
            data = casework.submit(actor(), pack, national_id, kind, ground, summons_number=summons_number,
                                   files=files, requested_until=until, at=_now(at), channel=channel)
        if as_json:
            emit_json(data)
        else:
            click.echo(f"application {data['number']}: {data['status']}, due on {data['due_on']}")

    @application_group.command("show")
    @click.argument("number")
    @click.option("--purpose", default="casework", show_default=True, help="Why you are reading it (logged).")
    @json_option
    def application_show(number: str, purpose: str, as_json: bool) -> None:
        """One application, its evidence and decision (the read is logged for the person)."""
        setup_django()
        from muster.casework import services as casework

        with _errors(as_json):
            data = casework.show(actor(purpose), number)
        if as_json:
            emit_json(data)
        else:
            table(_show_rows(data), title=f"application {data['number']}")

    @application_group.command("evidence")
    @click.argument("number")
    @click.argument("sha256")
    @click.option("--out", "out", required=True, metavar="FILE", help="Where to write the file (must not exist).")
    @click.option("--purpose", default="casework", show_default=True, help="Why you are reading it (logged).")
    @json_option
    def application_evidence(number: str, sha256: str, out: str, purpose: str, as_json: bool) -> None:
        """Write one evidence file of an application to FILE (the read is logged for the person)."""
        setup_django()
        from muster.casework import services as casework

        target = Path(out)
        if target.exists():
            fail(f"--out {out}: already exists (nothing is overwritten)", as_json=as_json, code=EXIT_INVALID)
        with _errors(as_json):
            data = casework.read_evidence(actor(purpose), number, sha256)
        try:
            with target.open("xb") as f:
                f.write(data)
        except OSError as exc:
            fail(f"--out {out}: {exc.strerror}", as_json=as_json, code=EXIT_INVALID)
        result = {"number": number.strip().upper(), "sha256": sha256.strip().lower(), "size": len(data), "out": out}
        emit_json(result) if as_json else click.echo(f"wrote {len(data)} bytes to {out}")

    @application_group.command("decide")
    @click.argument("number")
    @click.argument("verdict", type=click.Choice(["grant", "refuse"]))
    @click.option("--reason", required=True, help="The officer's reason (part of the decision's reasons).")
    @date_option("--until", "until", help="A granted deferment's last day.")
    @_at_option("--at", help="When it was decided (default: now).")
    @json_option
    def application_decide(number: str, verdict: str, reason: str, until: date | None, at: datetime | None,
                           as_json: bool) -> None:
        """Grant or refuse; takes effect at once unless a second officer must confirm it."""
        setup_django()
        from muster.casework import services as casework

        with _errors(as_json):
            data = casework.decide(actor(), number, verdict, reason, until=until, at=_now(at))
        _render_decision(data, as_json)

    @application_group.command("confirm")
    @click.argument("number")
    @_at_option("--at", help="When it was confirmed (default: now).")
    @json_option
    def application_confirm(number: str, at: datetime | None, as_json: bool) -> None:
        """Confirm another officer's decision (four eyes); it then takes effect."""
        setup_django()
        from muster.casework import services as casework

        with _errors(as_json):
            data = casework.confirm(actor(), number, at=_now(at))
        _render_decision(data, as_json)

    @application_group.command("request")
    @click.argument("number")
    @click.option("--what", required=True, help="What is missing; the person is told in a message.")
    @_at_option("--at", help="When it was asked (default: now).")
    @json_option
    def application_request(number: str, what: str, at: datetime | None, as_json: bool) -> None:
        """Ask the person for what is missing: the application waits (awaiting_person), its time limit paused."""
        setup_django()
        from muster.casework import services as casework

        with _errors(as_json):
            data = casework.request(actor(), number, what, _now(at))
        emit_json(data) if as_json else click.echo(f"application {data['number']}: awaiting the person")

    @application_group.command("resume")
    @click.argument("number")
    @click.option("--evidence", "evidence", multiple=True, metavar="FILE", help="What the person sent.")
    @_at_option("--at", help="When it came back (default: now).")
    @json_option
    def application_resume(number: str, evidence: tuple[str, ...], at: datetime | None, as_json: bool) -> None:
        """Back to review; the due date moves by the working days spent waiting."""
        setup_django()
        from muster.casework import services as casework

        files = _read_evidence(evidence, as_json)
        with _errors(as_json):
            data = casework.resume(actor(), number, _now(at), files)
        emit_json(data) if as_json else click.echo(f"application {data['number']}: in review, due on {data['due_on']}")

    @application_group.command("withdraw")
    @click.argument("number")
    @click.option("--reason", default="", help="Why (goes to the audit trail).")
    @_at_option("--at", help="When it was withdrawn (default: now).")
    @json_option
    def application_withdraw(number: str, reason: str, at: datetime | None, as_json: bool) -> None:
        """Withdraw an application not yet decided."""
        setup_django()
        from muster.casework import services as casework

        with _errors(as_json):
            data = casework.withdraw(actor(), number, _now(at), reason)
        emit_json(data) if as_json else click.echo(f"application {data['number']}: {data['status']}")

    @application_group.command("list")
    @click.option("--person", "national_id", required=True, metavar="NATIONAL_ID")
    @click.option("--pack", "pack_code", default=None, metavar="P")
    @click.option("--purpose", default="casework", show_default=True, help="Why you are reading it (logged).")
    @json_option
    def application_list(national_id: str, pack_code: str | None, purpose: str, as_json: bool) -> None:
        """A person's applications (the read is logged for the person)."""
        setup_django()
        from django.conf import settings

        from muster.casework import services as casework
        from muster.policy import services as policy

        with _errors(as_json):
            try:
                pack = policy.get_pack(pack_code or settings.MUSTER_DEFAULT_PACK)
            except LookupError as exc:
                fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
            data = casework.list_for_person(actor(purpose), pack, national_id)
        if as_json:
            emit_json(data)
            return
        for a in data["items"] or []:
            outcome = a["outcome"] or "not decided"
            click.echo(f"{a['number']}  {a['kind']:<19} {a['ground']:<24} {a['status']:<15} {outcome}")
        if not data["items"]:
            click.echo("no applications")

    @cli.group("queue")
    def queue_group() -> None:
        """The work queue of open applications and appeals."""

    @queue_group.command("list")
    @click.option("--district", default=None, metavar="CODE")
    @click.option("--kind", default=None, type=click.Choice([*KINDS, "appeal"]), help="`appeal`: open appeals.")
    @click.option("--overdue", is_flag=True, help="Only those past their due date.")
    @click.option("--urgent", is_flag=True, help="Only those whose summons' appearance date is near.")
    @click.option("--limit", default=50, show_default=True, type=int)
    @click.option("--pack", "pack_code", default=None, metavar="P")
    @_at_option("--now", help="Today as of this time (default: now); for simulation.")
    @json_option
    def queue_list(district: str | None, kind: str | None, overdue: bool, urgent: bool, limit: int,
                   pack_code: str | None, at: datetime | None, as_json: bool) -> None:
        """Open applications and appeals, the earliest due first."""
        setup_django()
        from django.conf import settings

        from muster.casework import services as casework
        from muster.policy import services as policy

        with _errors(as_json):
            try:
                pack = policy.get_pack(pack_code or settings.MUSTER_DEFAULT_PACK)
            except LookupError as exc:
                fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
            data = casework.queue(actor(), pack, _now(at), district=district.upper() if district else None,
                                  kind=kind, overdue=overdue, urgent=urgent, limit=limit)
        if as_json:
            emit_json(data)
            return
        for item in data["items"]:
            flags = " ".join(f for f in ("urgent", "overdue") if item[f])
            click.echo(f"{item['number']}  {item['kind']:<19} due {item['due_on']}  {flags:<14} "
                       f"{item['assigned_to'] or '-'}")
        if not data["items"]:
            click.echo("the queue is empty")

    @queue_group.command("assign")
    @click.argument("number")
    @click.option("--to", "to_user", required=True, metavar="USER")
    @json_option
    def queue_assign(number: str, to_user: str, as_json: bool) -> None:
        """Give an application (A-…) or an appeal (P-…) to an officer."""
        setup_django()
        from muster.casework import services as casework

        with _errors(as_json):
            data = casework.assign(actor(), number, to_user, at=casework.known_now())
        emit_json(data) if as_json else click.echo(f"{data['number']}: assigned to {data['assigned_to']}")


def _render_decision(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit_json(data)
        return
    table(_decision_rows(data["decision"]), title=f"application {data['number']}: {data['status'].replace('_', ' ')}")
    effects = data.get("effects") or {}
    for number in effects.get("summonses_cancelled") or []:
        click.echo(f"  summons {number} cancelled")
    if effects.get("summons_excused"):
        click.echo(f"  summons {effects['summons_excused']} excused")
    if effects.get("measures_lifted"):
        click.echo(f"  measures lifted: {', '.join(effects['measures_lifted'])}")
