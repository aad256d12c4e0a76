"""The `muster` command line: one entry point for everything an operator scripts.

Start-up is kept short, because an operator's point command (`person show`, `packs list`) is
mostly start-up: only the module of the command asked for is imported (`COMMAND_MODULES`), and
Django is set up the first time a command needs the database, so `muster --help` and
`muster policy check` need no database. Every error ends the same way (`main`): a message on
stderr, with `--json` also `{"error": ...}` on stdout, and an exit status from output.py.
"""

from __future__ import annotations

import getpass
import importlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import click

from muster import __version__

if TYPE_CHECKING:
    from muster.kernel.actor import Actor

# Which module of muster.interfaces.cli registers each top-level command. A command missing here
# still works (every module is then loaded); tests/functional/test_cli_errors.py holds the table
# equal to what the modules register.
COMMAND_MODULES = {
    "init": "packs", "packs": "packs", "policy": "packs", "clock": "packs",
    "import": "registry", "person": "registry", "liable": "registry", "generate": "registry",
    "audit": "registry",
    "campaign": "notices", "summons": "notices", "tick": "notices", "worker": "notices",
    "letters": "notices", "receipts": "notices",
    "measures": "partners", "partner": "partners", "webhooks": "partners",
    "review": "review",
    "stp": "stp",
    "application": "casework", "queue": "casework",
    "serve": "server", "demo": "server", "user": "server",
    "warm": "warm",
    "appeal": "appeals",
}
NOT_INITIALISED = "the database is not initialised or not up to date: run `muster init`"

# Apps only the web pages use. Setting them up (the admin, its forms and templates) is about a
# fifth of a point command's start-up, so other commands go without them; `init` (which creates
# every app's tables), `serve` and `demo` (which serve) and `warm` (which runs any command) set up
# every app.
WEB_ONLY_APPS = ("django.contrib.admin", "django.contrib.messages", "django.contrib.staticfiles",
                 "django.contrib.sessions", "muster.interfaces.public")
ALL_APPS_COMMANDS = frozenset({"init", "serve", "demo", "warm"})
_all_apps = True  # main() narrows it for the command it runs


def setup_django() -> None:
    """Set Django up once (a no-op when it is already, as under the tests)."""
    from django.apps import apps

    if apps.ready:
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "muster.kernel.settings")
    import django
    from django.conf import settings

    if not _all_apps and not settings.configured:
        module = importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])
        values = {name: getattr(module, name) for name in dir(module) if name.isupper()}
        values["INSTALLED_APPS"] = [app for app in values["INSTALLED_APPS"] if app not in WEB_ONLY_APPS]
        settings.configure(**values)
    django.setup()


def actor(purpose: str = "") -> Actor:
    """Who is acting: the officer account named by MUSTER_ACTOR or the operating-system user, with
    its role and districts (never a partner, a person or the system). No such account: "not
    allowed" (exit 2), saying how to get one."""
    setup_django()
    from muster.accounts import services as accounts

    return accounts.actor_for(os.environ.get("MUSTER_ACTOR") or getpass.getuser(), purpose=purpose)


class MusterGroup(click.Group):
    """Loads a command's module only when that command is asked for, and ends every error, click's
    usage errors included, the documented way."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loaded: set[str] = set()

    def load(self, module_name: str) -> None:
        if module_name not in self._loaded:
            self._loaded.add(module_name)
            importlib.import_module(f"muster.interfaces.cli.{module_name}").register(self)

    def load_all(self) -> None:
        for module_name in dict.fromkeys(COMMAND_MODULES.values()):
            self.load(module_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.load_all()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMAND_MODULES.get(cmd_name)
        if module_name:
            self.load(module_name)
        if cmd_name not in self.commands:
            self.load_all()
        return super().get_command(ctx, cmd_name)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,  # type: ignore[override]
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        args = list(sys.argv[1:] if args is None else args)
        global _all_apps
        _all_apps = next((a for a in args if not a.startswith("-")), "") in ALL_APPS_COMMANDS
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except Exception as exc:  # noqa: BLE001 - each kind is sorted out, the rest re-raised
            _end(exc, as_json="--json" in args, command=args[0] if args else "")
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


def _end(exc: Exception, *, as_json: bool, command: str) -> NoReturn:
    """End with the documented message and exit status for `exc`, or re-raise it (a bug)."""
    from muster.interfaces.cli.output import EXIT_ERROR, EXIT_INVALID, fail
    from muster.kernel.config import ConfigError
    from muster.rules.limits import TooLong

    if isinstance(exc, click.ClickException):
        if as_json:
            from muster.interfaces.cli.output import emit_json

            emit_json({"error": exc.format_message()})
        exc.show()
        sys.exit(exc.exit_code)
    if isinstance(exc, click.Abort):
        fail("aborted", as_json=as_json, code=EXIT_ERROR)
    if isinstance(exc, ConfigError):
        fail(f"configuration: {exc}", as_json=as_json, code=EXIT_INVALID)
    if isinstance(exc, PermissionError):
        fail(f"not allowed: {exc}", as_json=as_json, code=EXIT_INVALID)
    if isinstance(exc, TooLong):
        fail(str(exc), as_json=as_json, code=EXIT_INVALID)
    problem = _database_problem(exc, command)
    if problem:
        fail(problem, as_json=as_json, code=EXIT_ERROR)
    raise exc


def _database_problem(exc: Exception, command: str) -> str | None:
    """What an operator should do about a database error: connect to another database, or run
    `muster init`; None for any other error (shown with its traceback)."""
    if "django.db" not in sys.modules:
        return None
    from django.db import DatabaseError, connection

    if not isinstance(exc, DatabaseError):
        return None
    try:
        connection.close()
        connection.ensure_connection()
    except DatabaseError as again:
        return f"cannot open the database named by MUSTER_DATABASE_URL: {str(again).strip()}"
    if command == "init":
        return None
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return NOT_INITIALISED
    return None


@click.group(cls=MusterGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="muster")
def cli() -> None:
    """Muster: military-service registration and call-up notices, with due process built in."""


def build() -> click.Group:
    """Attach every command group to `cli` and return it."""
    assert isinstance(cli, MusterGroup)
    cli.load_all()
    return cli


def main() -> None:
    cli.main(prog_name="muster")


if __name__ == "__main__":
    # Run as `python -m muster.interfaces.cli.main`: use the module the command modules import,
    # not a second copy of it under the name __main__.
    importlib.import_module("muster.interfaces.cli.main").main()
