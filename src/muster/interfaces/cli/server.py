"""Commands that run the service: serve, demo, and user accounts for the admin."""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import click

from muster.interfaces.cli.main import actor, setup_django
from muster.interfaces.cli.output import (
    EXIT_INVALID,
    EXIT_NOT_FOUND,
    emit_json,
    emit_line,
    fail,
    progress,
    table,
)
from muster.interfaces.cli.packs import initialise, json_option


def run_server(host: str, port: int, workers: int) -> None:
    """Serve the WSGI app on gunicorn (a production-grade server, not runserver)."""
    from gunicorn.app.base import BaseApplication

    setup_django()
    from muster.interfaces.wsgi import application

    class _App(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", 4)
            self.cfg.set("worker_class", "gthread")
            # Each worker listens on a socket of its own (SO_REUSEPORT) and the kernel spreads new
            # connections over them; with one shared socket, a burst of keep-alive connections
            # could all land on one worker and cap the service at one core.
            self.cfg.set("reuse_port", True)
            # No access log: request paths can carry national ids (personal data).
            self.cfg.set("accesslog", None)
            self.cfg.set("errorlog", "-")
            self.cfg.set("loglevel", "warning")
            self.cfg.set("post_fork", _start_worker)
            self.cfg.set("worker_exit", _stop_worker)

        def load(self):  # type: ignore[no-untyped-def]
            return application

    _App().run()


def _start_worker(server: Any, worker: Any) -> None:
    """In each worker process: the partner check's measures replica (PostgreSQL only)."""
    from muster.measures import services as measures

    measures.start_serving()


def _stop_worker(server: Any, worker: Any) -> None:
    from muster.measures import services as measures

    measures.stop_serving()


def _again_hints(summary: dict[str, Any]) -> list[str]:
    """On a demo database that was there already, keys and the password are not shown again
    (only digests are kept): how to get new ones."""
    hints = []
    unshown = [p["name"] for p in summary["campaign"]["partners"] if not p["api_key"]]
    if unshown:
        hints.append("partner API keys were shown when the demo first ran; a new key for a partner: "
                     f'muster partner rotate-key "{unshown[0]}" (and likewise for the others)')
    if not summary["admin"]["password_set"]:
        hints.append("admin login: demo (its password was shown when the demo first ran; "
                     "a new one: muster user password demo)")
    return hints


def _serving(host: str, port: int, workers: int, as_json: bool) -> None:
    """Check the spool directory (refuse to start on an unsafe one), say where the server listens (a
    JSON line with --json, on stdout), serve, and say it stopped."""
    setup_django()
    from muster.audit import services as audit

    try:
        audit.check_spool()
    except audit.SpoolProblem as exc:
        fail(f"refusing to start: {exc}", as_json=as_json, code=EXIT_INVALID)
    url = f"http://{host}:{port}/"
    if as_json:
        emit_line({"event": "serving", "url": url, "admin": f"{url}admin/", "workers": workers})
    else:
        click.echo(f"Muster is serving on {url} (admin at /admin/); Ctrl-C stops it", err=True)
    master = os.getpid()
    try:
        run_server(host, port, workers)
    finally:
        if as_json and os.getpid() == master:  # a worker leaving through this frame says nothing
            emit_line({"event": "stopped", "url": url})


def _portal_provider(national_id: str | None, host: str, port: int, as_json: bool) -> None:
    """With the portal pointed at the development default, run that loopback OpenID provider in a
    daemon thread of this process (it ends with the server) with one-click user `demo` for a demo
    person."""
    import threading
    from urllib.parse import urlsplit

    import oidc_provider_mock
    from django.conf import settings
    from werkzeug.serving import make_server

    from muster.kernel.config import DEV_OIDC_ISSUER

    if national_id is None or settings.MUSTER_OIDC.issuer != DEV_OIDC_ISSUER:
        return
    where = urlsplit(DEV_OIDC_ISSUER)
    app = oidc_provider_mock.app(require_nonce=True, user_claims=[
        oidc_provider_mock.User(sub="demo", claims={"national_id": national_id})])
    try:
        server = make_server(where.hostname or "127.0.0.1", where.port or 9400, app, threaded=True)
    except (OSError, SystemExit) as exc:  # werkzeug exits when the port is taken
        click.echo(f"the portal's loopback identity provider could not start on {DEV_OIDC_ISSUER}: {exc}", err=True)
        return
    threading.Thread(target=server.serve_forever, name="oidc-provider", daemon=True).start()
    if not as_json:
        click.echo(f"citizen portal: http://{host}:{port}/portal/ - sign in, then choose 'demo' at the loopback "
                   f"identity provider ({DEV_OIDC_ISSUER}): a person with a missed summons and an exit ban")


def _casework_rows(casework: dict[str, Any]) -> list[tuple[str, Any]]:
    """The demo's casework in its summary table: each case's number and the states it left."""
    rows: list[tuple[str, Any]] = []
    if "excuse" in casework:
        e = casework["excuse"]
        rows.append((f"excuse {e['application']} ({e['status']})",
                     f"summons {e['summons']} {e['summons_status']}, measures {_counts(e['measures'])}"))
    if "study" in casework:
        s = casework["study"]
        decided = f"{s['application']} by {s['decided_by']}" if s["application"] else "no decision yet"
        rows.append((f"study deferment (register fact {s['fact']})",
                     f"{decided}; summons {s['summons']} {s['summons_status']}"))
    if "appeal" in casework:
        a = casework["appeal"]
        rows.append((f"appeal {a['number']} to the {a['body']}", f"against {a['against']}, measures {_counts(a['measures'])}"))
    if "waiting" in casework:
        w = casework["waiting"]
        rows.append((f"{w['kind']} {w['application']} ({w['status']})", f"{w['ground']}, due {w['due_on']}: in the queue"))
    return rows


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"


def register(cli: click.Group) -> None:
    @cli.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=8000, show_default=True, type=int)
    @click.option("--workers", default=2, show_default=True, type=int)
    @json_option
    def serve(host: str, port: int, workers: int, as_json: bool) -> None:
        """Serve the status page and the admin. With --json, its own messages are JSON lines."""
        _serving(host, port, workers, as_json)

    @cli.command("demo")
    @click.option("--count", default=100_000, show_default=True, type=click.IntRange(min=0))
    @click.option("--seed", default=2026, show_default=True, type=int)
    @click.option("--serve/--no-serve", "then_serve", default=True, show_default=True)
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=8000, show_default=True, type=int)
    @json_option
    def demo(count: int, seed: int, then_serve: bool, host: str, port: int, as_json: bool) -> None:
        """Set up, generate and import a synthetic population, print a summary, and serve."""
        init = initialise("simulation", as_json=as_json)  # the demo moves its clock: a simulation
        from muster import demo as demo_campaign
        from muster.accounts import services as accounts
        from muster.kernel.clock import today_in
        from muster.policy import services as policy
        from muster.registry import services as registry
        from muster.registry import synthetic

        if init["refused"]:
            fail("a pack was refused: " + "; ".join(p for r in init["refused"] for p in r["problems"]),
                 as_json=as_json, code=EXIT_INVALID)
        pack = policy.get_pack("ru")
        gen = synthetic.Generator(pack, seed=seed, as_of=today_in(pack), bad_share=0.0)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"demo-population-{seed}.csv"
            with progress("generating people", count, enabled=not as_json) as tick:
                synthetic.write(path, gen, count, tick)
            with progress("importing", path.stat().st_size, enabled=not as_json) as tick:
                result = registry.import_persons(actor(), path, pack, source="demo-generator", progress=tick)
        today = today_in(pack)
        counts = registry.count_liable(actor(), pack, today, None)
        from django.conf import settings

        campaign = demo_campaign.run(pack, today, Path(settings.MUSTER_OUTBOX_DIR) / "letters", actor=actor())
        password = accounts.ensure_demo_admin()
        console_accounts = accounts.ensure_demo_officers()
        imported = {k: v for k, v in result.as_dict().items()
                    if k in ("read", "imported", "updated", "unchanged", "rejected")}
        summary = {"import": {k: v for k, v in result.as_dict().items()
                              if k in ("read", "imported", "updated", "unchanged", "rejected")},
                   "liable_today": counts.pop("liable", 0), "not_liable": counts, "on": today,
                   "admin": {"username": "demo", "password_set": password is not None},
                   "console": [a["username"] for a in console_accounts],
                   "campaign": campaign}
        summary["again"] = _again_hints(summary)
        if as_json:
            emit_json(summary)
        else:
            rows = [(f"import {k}", v) for k, v in imported.items()]
            rows.append((f"liable on {today}", summary["liable_today"]))
            rows += [(f"not liable: {k}", v) for k, v in sorted(counts.items())]
            rows += [(f"campaign {campaign['campaign']}: {k}", v) for k, v in sorted(campaign["summonses"].items())]
            rows += [(f"measures {k}", v) for k, v in sorted(campaign["measures"].items())]
            rows += [(f"partner feed: {p['name']} ({', '.join(p['kinds'])})", f"{p['feed_length']} events")
                     for p in campaign["partners"]]
            rows += _casework_rows(campaign.get("casework", {}))
            table(rows, title="Muster demo (pack ru)")
            shown = [p for p in campaign["partners"] if p["api_key"]]
            if shown:
                click.echo("partner API keys (shown once; try: curl -H 'Authorization: Bearer KEY' "
                           f"http://{host}:{port}/api/v1/events?limit=5):")
                for p in shown:
                    click.echo(f"  {p['name']}: {p['api_key']}")
            if password:
                click.echo(f"admin login: demo / {password}  (shown once)")
            if console_accounts:
                click.echo(f"console sign-in at http://{host}:{port}/console/ (shown once; add each "
                           "otpauth URL to an authenticator app, or read its secret= part):")
                for a in console_accounts:
                    click.echo(f"  {a['username']} / {a['password']}  {a['otpauth_url']}")
            for line in _again_hints(summary):
                click.echo(line)
            look = campaign.get("casework", {}).get("look", [])
            if look:
                click.echo("casework: " + "; ".join(look))
        if then_serve:
            _portal_provider(demo_campaign.portal_person(), host, port, as_json)
            _serving(host, port, 2, as_json)

    @cli.group("user")
    def user_group() -> None:
        """Officers' accounts: the command line acts as one, the web pages log in as one."""

    @user_group.command("add")
    @click.argument("username")
    @click.option("--role", default=None, metavar="ROLE",
                  help="operator, registration_officer, data_steward, board_member, auditor or administrator "
                       "(default: administrator with --superuser, else registration_officer).")
    @click.option("--district", "districts", multiple=True, metavar="CODE",
                  help="A district the account acts in (repeat; none: every district).")
    @click.option("--superuser", is_flag=True, help="Full administrator of the web admin.")
    @click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
    @click.option("--no-password", is_flag=True, help="An account for the command line only (no web login).")
    @json_option
    def user_add(username: str, role: str | None, districts: tuple[str, ...], superuser: bool,
                 password_stdin: bool, no_password: bool, as_json: bool) -> None:
        """Create an account; the password is asked for, or read from stdin."""
        setup_django()
        from muster.accounts import services as accounts

        password: str | None
        if no_password:
            password = None
        elif password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = str(click.prompt("password", hide_input=True, confirmation_prompt=True))
        try:
            data = accounts.add_user(actor(), username, password, superuser, role=role, districts=list(districts))
        except accounts.AccountError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_INVALID)
        if as_json:
            emit_json(data)
        else:
            where = "every district" if data["districts"] == "all" else ", ".join(data["districts"])
            click.echo(f"created {username}: {data['role']} in {where}")

    @user_group.command("password")
    @click.argument("username")
    @click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
    @json_option
    def user_password(username: str, password_stdin: bool, as_json: bool) -> None:
        """Set a new password for an account (the demo's: `muster user password demo`)."""
        setup_django()
        from muster.accounts import services as accounts

        password = (sys.stdin.readline().rstrip("\n") if password_stdin
                    else str(click.prompt("new password", hide_input=True, confirmation_prompt=True)))
        try:
            data = accounts.set_password(actor(), username, password)
        except LookupError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
        except accounts.AccountError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_INVALID)
        emit_json(data) if as_json else click.echo(f"new password set for {username}")

    @user_group.command("totp-reset")
    @click.argument("username")
    @json_option
    def user_totp_reset(username: str, as_json: bool) -> None:
        """Remove an account's console second factor (a lost phone): its next sign-in sets up a new one."""
        setup_django()
        from muster.accounts import second_factor

        try:
            data = second_factor.reset(actor(), username)
        except LookupError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
        emit_json(data) if as_json else click.echo(f"second factor reset for {username}; "
                                                    "the next console sign-in sets up a new one")


__all__ = ["register", "run_server", "date"]
