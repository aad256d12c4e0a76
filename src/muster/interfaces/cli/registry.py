"""Commands for the registry: import, person, liable, generate, audit."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from muster.interfaces.cli.files import errors_file_problem
from muster.interfaces.cli.main import actor, setup_django
from muster.interfaces.cli.output import (
    EXIT_INVALID,
    EXIT_NOT_FOUND,
    EXIT_REJECTED,
    emit_json,
    fail,
    progress,
    table,
)
from muster.interfaces.cli.packs import date_option, json_option, parse_datetime


def _pack_option(f):  # type: ignore[no-untyped-def]
    return click.option("--pack", "pack_code", default=None, metavar="P",
                        help="Jurisdiction pack (default: MUSTER_PACK, 'ru').")(f)


def _load_pack(pack_code: str | None, as_json: bool):  # type: ignore[no-untyped-def]
    from django.conf import settings

    from muster.policy import services as policy

    try:
        return policy.get_pack(pack_code or settings.MUSTER_DEFAULT_PACK)
    except LookupError as exc:
        fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)


def register(cli: click.Group) -> None:
    @cli.group("import")
    def import_group() -> None:
        """Bulk imports."""

    @import_group.command("persons")
    @click.argument("file", type=click.Path(path_type=Path))
    @click.option("--source", default="import", show_default=True, help="The agency or feed the data comes from.")
    @click.option("--errors", "errors_path", type=click.Path(path_type=Path), help="Write rejected rows here (CSV: line, column, reason).")
    @click.option("--strict", is_flag=True, help="Import nothing if any row is bad.")
    @click.option("--observed-at", callback=parse_datetime, metavar="DATETIME", help="When the source observed the data (default: now).")
    @_pack_option
    @json_option
    def import_persons(file: Path, source: str, errors_path: Path | None, strict: bool,
                       observed_at: datetime | None, pack_code: str | None, as_json: bool) -> None:
        """Import persons from CSV or Parquet. Exit 3 if any row was rejected, 2 if the file is unusable."""
        if errors_path is not None and (problem := errors_file_problem(errors_path, file)):
            fail(problem, as_json=as_json, code=EXIT_INVALID)
        setup_django()
        from muster.registry import services as registry
        from muster.registry.services import FileProblem, InvalidObservation, total_units

        pack = _load_pack(pack_code, as_json)
        try:
            total = total_units(file) if file.exists() else 0
            with progress(f"importing {file.name}", total, enabled=not as_json) as tick:
                result = registry.import_persons(actor(), file, pack, source=source, errors_path=errors_path,
                                                 strict=strict, observed_at=observed_at, progress=tick)
        except (FileProblem, InvalidObservation) as exc:
            fail(str(exc), as_json=as_json, code=EXIT_INVALID)
        data = {k: v for k, v in result.as_dict().items()
                if k in ("read", "imported", "updated", "unchanged", "rejected")}
        data["strict_aborted"] = result.strict_aborted
        data["duplicates_folded"] = result.duplicates_folded
        if as_json:
            emit_json(data)
        else:
            table(list(data.items()), title=f"import of {file.name}")
            if result.strict_aborted:
                click.secho("--strict: some rows were bad, so nothing was imported", err=True, fg="red")
            if result.rejected and errors_path:
                click.echo(f"rejected rows are listed in {errors_path}", err=True)
        if result.rejected:
            raise SystemExit(EXIT_REJECTED)

    @cli.group("person")
    def person_group() -> None:
        """One person's record. Every read is logged for that person to see."""

    @person_group.command("show")
    @click.argument("national_id")
    @_pack_option
    @date_option("--on", "on", help="Liability on this date (default: today).")
    @click.option("--purpose", default="operator lookup", show_default=True, help="Why you are reading it (logged).")
    @json_option
    def person_show(national_id: str, pack_code: str | None, on: date | None, purpose: str,
                    as_json: bool) -> None:
        """Show a person's record, where each value came from, and their liability."""
        setup_django()
        from muster.kernel.clock import today_in
        from muster.registry import services as registry

        pack = _load_pack(pack_code, as_json)
        try:
            data = registry.show_person(actor(purpose), national_id, pack, on or today_in(pack))
        except registry.InvalidNationalId as exc:
            fail(f"national id: {exc}", as_json=as_json, code=EXIT_INVALID)
        except registry.PersonNotFound as exc:
            fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
        if as_json:
            emit_json(data)
            return
        rows = [("national id", data["national_id_display"])]
        provenance = data["provenance"]
        for field, value in data["fields"].items():
            src = provenance.get(field)
            rows.append((field, f"{'' if value is None else value}"
                                + (f"   [{src['source']}, {src['observed_at'][:10]}]" if src else "")))
        liability = data["liability"]
        rows.append(("liable", f"{'yes' if liability['liable'] else 'no'} on {data['on']}"))
        for reason in liability["reasons"]:
            rows.append(("", reason))
        table(rows)

    @cli.command("liable")
    @_pack_option
    @date_option("--on", "on", required=True)
    @click.option("--district", metavar="CODE", help="Only this district.")
    @click.option("--list", "as_list", is_flag=True, help="Stream the national ids of those liable.")
    @json_option
    def liable(pack_code: str | None, on: date, district: str | None, as_list: bool, as_json: bool) -> None:
        """Count (or list) who is liable on a date, and why the others are not."""
        setup_django()
        from muster.registry import services as registry

        pack = _load_pack(pack_code, as_json)
        if district and district.upper() not in pack.district_codes():
            fail(f"--district: unknown district {district!r} in pack {pack.code}", as_json=as_json,
                 code=EXIT_INVALID)
        district = district.upper() if district else None
        if as_list:
            for national_id in registry.list_liable(actor(f"liable list on {on}"), pack, on, district):
                click.echo(national_id)
            return
        counts = registry.count_liable(actor(), pack, on, district)
        liable_count = counts.pop("liable", 0)
        not_liable = dict(sorted(counts.items()))
        if as_json:
            emit_json({"count": liable_count, "not_liable": not_liable})
        else:
            table([("liable", liable_count), *((f"not liable: {k}", v) for k, v in not_liable.items())],
                  title=f"{pack.code} on {on}" + (f", {district}" if district else ""))

    @cli.group("generate")
    def generate_group() -> None:
        """Synthetic data for demos, tests and benchmarks."""

    @generate_group.command("persons")
    @click.option("--count", type=click.IntRange(min=0), required=True)
    @click.option("--seed", type=int, required=True)
    @click.option("--out", type=click.Path(path_type=Path), required=True, help="A .csv or .parquet file.")
    @click.option("--bad-share", type=click.FloatRange(0, 1), default=0.0, show_default=True,
                  help="Share of rows made deliberately invalid.")
    @date_option("--as-of", "as_of", help="Ages are computed as of this date (default 2026-01-01).")
    @click.option("--pack", "pack_code", default="ru", show_default=True)
    @click.option("--cohort", type=click.Choice(["population", "conscripts"]), default="population",
                  show_default=True, help="conscripts: only men of call-up age (for benchmarks).")
    @click.option("--jobs", type=click.IntRange(min=1), default=None,
                  help="Processes generating chunks in parallel (default: one per core); the file is "
                       "the same for any number.")
    @json_option
    def generate_persons(count: int, seed: int, out: Path, bad_share: float, as_of: date | None,
                         pack_code: str, cohort: str, jobs: int | None, as_json: bool) -> None:
        """Write a deterministic synthetic population."""
        import os

        # Pack files and the generator only: `generate` runs without a database, or Django.
        from muster.policy.files import find_builtin_pack
        from muster.registry import synthetic

        pack = find_builtin_pack(pack_code)
        gen = synthetic.Generator(pack, seed=seed, as_of=as_of or date(2026, 1, 1), bad_share=bad_share,
                                  cohort=cohort)
        with progress(f"generating {out.name}", count, enabled=not as_json) as tick:
            synthetic.write(out, gen, count, tick, jobs=jobs or os.cpu_count() or 1)
        if as_json:
            emit_json({"count": count, "seed": seed, "out": str(out)})
        else:
            click.echo(f"wrote {count} persons to {out}")

    @cli.group("audit")
    def audit_group() -> None:
        """The audit trail."""

    @audit_group.command("verify")
    @json_option
    def audit_verify(as_json: bool) -> None:
        """Check the audit chain, the access log's seals and the signed checkpoints. Exit 2 if any fails."""
        setup_django()
        from muster.audit import services as audit
        from muster.kernel import clock

        report = audit.verify(actor(), clock.now())
        if as_json:
            emit_json(report.as_dict())
        else:
            for note in report.notes:
                click.echo(f"note: {note}", err=True)
            for problem in report.problems:
                click.secho(f"problem: {problem}", fg="red")
            state = "intact" if report.intact else "NOT intact"
            click.echo(f"audit trail {state}: {report.checked} records, {report.sealed_rows} access-log rows "
                       f"sealed, {report.checkpoints} checkpoints")
        if not report.intact:
            raise SystemExit(EXIT_INVALID)

    @audit_group.command("seal")
    @json_option
    def audit_seal(as_json: bool) -> None:
        """Seal the access log's new rows into the chain and publish a signed checkpoint (each worker
        turn does this too)."""
        setup_django()
        from muster.audit import services as audit
        from muster.kernel import clock

        try:
            result = audit.seal(actor(), clock.now())
        except audit.SigningKeyMissing as exc:
            fail(str(exc), as_json=as_json, code=EXIT_INVALID)
        except OSError as exc:
            fail(f"MUSTER_AUDIT_CHECKPOINTS: cannot write {exc.filename}: {exc.strerror}", as_json=as_json,
                 code=EXIT_INVALID)
        if as_json:
            emit_json(result)
        else:
            for table, count in result["sealed"].items():
                click.echo(f"sealed {count} rows of {table}")
            published = result["checkpoint"]
            click.echo(f"checkpoint of record {published} published" if published else "no new checkpoint")
