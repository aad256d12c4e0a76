"""Jurisdiction packs and their policy versions for every interface: set up the database and
install the packs, list them, show the version in force, check a file."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from muster.kernel import clock
from muster.kernel.clock import today_in
from muster.policy import loader
from muster.policy import mode as database_mode
from muster.policy.files import (
    PACK_FILE,
    builtin_packs_dir,
    check_file,
    find_builtin_pack,
    read_translations,
)
from muster.policy.mode import LIVE, SIMULATION, ModeError
from muster.policy.models import PackRecord
from muster.rules.policy import Pack, PolicyVersion, version_in_force
from muster.rules.toml_reader import PolicyError

get_pack = loader.get_pack
check_now = database_mode.check_now
current_mode = database_mode.current


def _none_in_use() -> frozenset[str]:
    return frozenset()


def initialise(mode: str | None = None, *, who: str = "muster init",
               versions_in_use: Callable[[], frozenset[str]] = _none_in_use,
               clock_now: Callable[[], datetime] = clock.now) -> dict[str, Any]:
    """Migrate the database, record its mode (live unless a first `init` asks for a simulation;
    ModeError for a change) and install every pack found; safe to run again. A bad pack, or one
    that changes an installed policy version, is refused whole and the installed one stays in
    force. The areas above pass in the policy versions their decisions used, and their clock."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    chosen = database_mode.choose(mode, who)
    installed, refused = [], []
    for directory in loader.pack_dirs():
        try:
            pack, changed = loader.install(directory, versions_in_use=versions_in_use, now=clock_now())
            installed.append({"pack": pack.code, "versions": len(pack.versions), "changed": changed})
        except PolicyError as exc:
            refused.append({"pack": directory.name, "problems": [str(p) for p in exc.problems]})
    return {"migrated": True, "mode": chosen, "packs": installed, "refused": refused}


def installed() -> list[dict[str, Any]]:
    """The installed packs and their versions (no personal data: anyone may list them)."""
    return [{"code": p.code, "name": p.name, "loaded_at": p.loaded_at,
             "versions": [{"code": v.code, "effective_from": v.effective_from, "effective_until": v.effective_until}
                          for v in p.versions.order_by("position")]}
            for p in PackRecord.objects.order_by("code")]


def in_force(pack: Pack, on: date | None) -> tuple[date, PolicyVersion | None]:
    """(the date, the version in force on it); the date defaults to today in the pack's zone."""
    on = on or today_in(pack)
    return on, version_in_force(pack.versions, on)


@functools.cache
def _translations(pack_code: str) -> dict[str, dict[str, str]]:
    directory = builtin_packs_dir() / pack_code
    if not (directory / PACK_FILE).is_file():
        return {}
    return read_translations(directory, find_builtin_pack(pack_code))


def pack_text(pack: Pack, language: str) -> Callable[[str], str]:
    """A pack's shown text (a legal basis, a ground's name, ...) in `language`, from the shipped
    pack's translations; a text with none (English, or a pack of one's own) stays as written."""
    table = _translations(pack.code).get(language, {})
    return lambda text: table.get(text, text)


__all__ = ["LIVE", "SIMULATION", "ModeError", "PolicyError", "check_now", "current_mode", "check_file", "find_builtin_pack", "get_pack", "in_force", "initialise", "installed", "pack_text"]
