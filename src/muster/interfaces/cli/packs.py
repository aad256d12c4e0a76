"""Commands for the database and jurisdiction packs: init, packs, policy."""

from __future__ import annotations

import getpass
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click

from muster.interfaces.cli.main import actor, setup_django
from muster.interfaces.cli.output import EXIT_INVALID, EXIT_NOT_FOUND, emit_json, fail, table

json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date YYYY-MM-DD, got {value!r}") from None


def parse_datetime(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    """An ISO date-time; one without a zone is taken as UTC."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected an ISO date-time such as 2026-03-01T09:00, got {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def date_option(*names: str, **kwargs: Any) -> Any:
    """A --DATE option parsed as YYYY-MM-DD, with a clear error for a bad date."""
    return click.option(*names, callback=_date, metavar="DATE", **kwargs)


def initialise(mode: str | None = None, *, as_json: bool = False) -> dict[str, Any]:
    """Migrate the database, record its mode (live or simulation; never changed once chosen) and
    install every pack found; the first operator account (the OS user running this, if there is no
    account yet), the audit signing key and the database roles; safe to run again. A refused mode
    change ends the command (exit 2)."""
    setup_django()
    from muster.accounts import services as accounts
    from muster.audit import services as audit
    from muster.policy import services as policy
    from muster.summons import services as summons

    me = getpass.getuser()  # init runs before any account exists: its user becomes the first operator
    try:
        result = policy.initialise(mode, who=f"cli:{me}", versions_in_use=summons.versions_in_use,
                                   clock_now=summons.known_now)
    except policy.ModeError as exc:
        fail(str(exc), as_json=as_json, code=EXIT_INVALID)
    result["first_operator"] = me if accounts.ensure_first_operator(me) else None
    result["audit"] = audit.prepare()
    return result


def checked_now(now: datetime | None, *, as_json: bool) -> datetime:
    """The instant a command acts at: the wall clock, or `--now` if the database's mode allows it
    (a live database may not run ahead of the wall clock plus the skew: exit 2)."""
    from muster.kernel import clock
    from muster.policy import services as policy

    if now is None:
        return clock.now()
    try:
        policy.check_now(now)
    except policy.ModeError as exc:
        fail(str(exc), as_json=as_json, code=EXIT_INVALID)
    return now


def register(cli: click.Group) -> None:  # noqa: C901 - a flat list of commands
    @cli.command("init")
    @click.option("--simulation/--live", "simulation", default=None,
                  help="A new database is live unless --simulation (its clock may then be moved with "
                       "--now); the mode of a database never changes afterwards.")
    @json_option
    def init_command(simulation: bool | None, as_json: bool) -> None:
        """Create or upgrade the database and install the jurisdiction packs. Idempotent."""
        mode = None if simulation is None else ("simulation" if simulation else "live")
        result = initialise(mode, as_json=as_json)
        if as_json:
            emit_json(result)
        else:
            click.echo(f"database: {result['mode']}")
            for p in result["packs"]:
                state = "installed" if p["changed"] else "unchanged"
                click.echo(f"pack {p['pack']}: {p['versions']} policy versions, {state}")
            if result["first_operator"]:
                click.echo(f"account {result['first_operator']}: operator in every district (the first account)")
            if result["audit"]["signing_key"].startswith("missing"):
                click.secho(f"warning: audit checkpoints cannot be signed: {result['audit']['signing_key']}",
                            err=True, fg="yellow")
        for r in result["refused"]:
            for problem in r["problems"]:
                click.secho(f"refused: {problem}", err=True, fg="red")
        if result["refused"]:
            raise SystemExit(EXIT_INVALID)

    @cli.group("packs")
    def packs_group() -> None:
        """Jurisdiction packs."""

    @packs_group.command("list")
    @json_option
    def packs_list(as_json: bool) -> None:
        """List the installed packs and their policy versions."""
        setup_django()
        from muster.policy import services as policy

        data = policy.installed()
        if as_json:
            emit_json(data)
            return
        if not data:
            click.echo("no packs installed; run 'muster init'")
        for p in data:
            click.echo(f"{p['code']}: {p['name']}")
            for v in p["versions"]:
                click.echo(f"  {v['effective_from']}  {v['code']}")

    @cli.group("policy")
    def policy_group() -> None:
        """Policy versions: show the one in force, check a file."""

    @policy_group.command("show")
    @click.argument("pack_code", metavar="PACK")
    @date_option("--on", "on", help="The date (default: today in the pack's time zone).")
    @json_option
    def policy_show(pack_code: str, on: date | None, as_json: bool) -> None:
        """Show the policy version of PACK in force on a date."""
        setup_django()
        from muster.policy import services as policy

        try:
            pack = policy.get_pack(pack_code)
        except LookupError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
        on, version = policy.in_force(pack, on)
        if version is None:
            fail(f"no policy version of pack {pack.code} is in force on {on}", as_json=as_json,
                 code=EXIT_NOT_FOUND)
        data = {"pack": pack.code, "on": on, "version": asdict(version)}
        if as_json:
            emit_json(data)
            return
        e = version.eligibility
        rows = [("pack", pack.code), ("on", on), ("version", version.code),
                ("effective from", version.effective_from), ("legal basis", version.legal_basis),
                ("summary", version.summary),
                ("liable", f"{'/'.join(e.sexes) or 'any sex'}, citizens of "
                           f"{', '.join(e.citizenships) or 'any country'}, from the {e.min_age}th "
                           f"until the {e.max_age}th birthday")]
        for tr in e.transitional:
            rows.append(("transitional", tr.explanation))
        if version.summons:
            s = version.summons
            rows.append(("served", f"{s.deemed_served_after_days} days after placement unless served earlier"))
            rows.append(("grace", f"{s.grace_days} days after the appearance date"))
        for m in version.measures:
            rows.append((f"measure {m.kind}", f"from {m.trigger}; {m.legal_basis}"))
        cw = version.casework
        for label, grounds in (("deferments", cw.deferments), ("exemptions", cw.exemptions),
                               ("excuses", version.excuses), ("corrections", cw.corrections)):
            if grounds:
                rows.append((label, ", ".join(g.code for g in grounds)))
        if cw.fitness:
            rows.append(("fitness", ", ".join(f"{f.category} {f.outcome.replace('_', ' ')}"
                                              + (f" {f.defer_months} months" if f.defer_months else "")
                                              for f in cw.fitness)))
        if cw.alternative_service:
            alt = cw.alternative_service
            rows.append(("alternative service", f"ages {alt.min_age}-{alt.max_age}, apply by "
                                                f"{', '.join(w.by for w in alt.filing_windows)}; "
                                                f"decided by the {alt.deciding_body}; "
                                                + ", ".join(f"{d.kind.replace('_', ' ')} {d.months} months"
                                                            for d in alt.durations)))
        for level in cw.appeals:
            decided = (f"decided within {level.decide_within.count} {level.decide_within.unit.replace('_', ' ')}"
                       if level.decide_within else "recorded by an officer")
            rows.append((f"appeal level {level.level}", f"{level.body}: within {level.deadline.count} "
                                                        f"{level.deadline.unit.replace('_', ' ')} of the "
                                                        f"{level.deadline.after.replace('_', ' ')}; {decided}; "
                                                        f"suspends {level.suspends}"))
        if cw.deferments or cw.exemptions or version.excuses:
            rows.append(("service level", f"decided within {cw.service_levels.decide_within_working_days} "
                                          f"working days; urgent within "
                                          f"{cw.service_levels.urgent_within_working_days} working days of "
                                          f"the appearance date"))
            rows.append(("calendar", ("public holidays of the holidays library" if cw.calendar.library
                                      else "Monday to Friday") +
                         "".join(f"; {what} {', '.join(str(day) for day in days)}" for what, days in
                                 (("extra holidays", cw.calendar.extra_holidays),
                                  ("worked weekend days", cw.calendar.working_days)) if days)))
        if cw.second_officer:
            rows.append(("second officer", ", ".join(f"{r.kind} {r.ground or 'any ground'} {r.outcome}"
                                                     for r in cw.second_officer)))
        if cw.straight_through:
            rows.append(("straight-through", ", ".join(r.code for r in cw.straight_through)))
        if version.registration:
            rows.append(("registration", f"within {version.registration.register_within_days} days "
                                         f"of the {e.min_age}th birthday"))
        table(rows)

    @policy_group.command("check")
    @click.argument("file", type=click.Path(path_type=Path))
    @json_option
    def policy_check(file: Path, as_json: bool) -> None:
        """Validate a policy-version file, or a whole pack (pack.toml or its folder). Exit 2 if invalid."""
        setup_django()  # the policy services import their models (no database is opened)
        from muster.policy.services import check_file
        from muster.rules.toml_reader import PolicyError

        try:
            summary = check_file(file)
        except PolicyError as exc:
            problems = [str(p) for p in exc.problems]
            if as_json:
                emit_json({"valid": False, "problems": problems})
            for p in problems:
                click.secho(p, err=True, fg="red")
            raise SystemExit(EXIT_INVALID) from None
        if as_json:
            emit_json({"valid": True, "summary": summary})
        else:
            click.echo(f"{file}: valid ({summary})")

    @cli.group("clock")
    def clock_group() -> None:
        """The database's clock: live or simulation, and recovering from a tick run ahead."""

    @clock_group.command("show")
    @json_option
    def clock_show(as_json: bool) -> None:
        """The database's mode, the wall clock and the last tick (and whether it ran ahead)."""
        setup_django()
        from muster.kernel import clock
        from muster.policy import services as policy
        from muster.summons import services as summons

        wall, last = clock.now(), summons.last_tick()
        data = {"mode": policy.current_mode(), "wall_clock": wall, "last_tick": last,
                "ahead_by_seconds": max(0.0, (last - wall).total_seconds()) if last else 0.0}
        if as_json:
            emit_json(data)
        else:
            table([(k.replace("_", " "), v) for k, v in data.items()], title="clock")

    @clock_group.command("close-ahead")
    @click.option("--reason", required=True, help="Why (kept in the audit trail).")
    @json_option
    def clock_close_ahead(reason: str, as_json: bool) -> None:
        """On a live database, close the ticks that ran ahead of the wall clock so that ticks at the
        real time run again. What they did stays: review the summonses listed."""
        setup_django()
        from muster.summons import services as summons

        try:
            closed = summons.close_ahead(actor(), reason)
        except summons.ModeError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_INVALID)
        if as_json:
            emit_json({"closed": closed})
            return
        if not closed:
            click.echo("no tick ran ahead of the wall clock; nothing closed")
        for c in closed:
            click.echo(f"closed tick run {c['run']} (ran at {c['ran_at'].isoformat()}): "
                       f"{c['summonses_changed']} summonses last changed by it, to review")
