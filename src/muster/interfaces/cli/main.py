"""The `muster` command line: one entry point for everything an operator scripts.

Django is set up lazily, the first time a command needs the database, so
`muster --help` and `muster policy check` stay fast and need no database.
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import TYPE_CHECKING

import click

from muster import __version__

if TYPE_CHECKING:
    from muster.kernel.actor import Actor


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "muster.kernel.settings")
    import django

    django.setup()


def actor(purpose: str = "") -> Actor:
    """Who is acting: the officer account named by MUSTER_ACTOR or the operating-system user, with
    its role and districts (never a partner, a person or the system). No such account: "not
    allowed" (exit 2), saying how to get one."""
    setup_django()
    from muster.accounts import services as accounts

    return accounts.actor_for(os.environ.get("MUSTER_ACTOR") or getpass.getuser(), purpose=purpose)


class MusterGroup(click.Group):
    """Refusals by the services' access rules end a command like any invalid input (exit 2)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except PermissionError as exc:
            from muster.interfaces.cli.output import EXIT_INVALID, fail

            fail(f"not allowed: {exc}", as_json="--json" in sys.argv, code=EXIT_INVALID)


@click.group(cls=MusterGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="muster")
def cli() -> None:
    """Muster: military-service registration and call-up notices, with due process built in."""


_built = False


def build() -> click.Group:
    """Attach every command group to `cli` (once) and return it."""
    global _built
    if not _built:
        from muster.interfaces.cli import notices, packs, partners, registry, review, server

        for module in (packs, registry, notices, partners, review, server):
            module.register(cli)
        _built = True
    return cli


def main() -> None:
    build()()


if __name__ == "__main__":
    main()
