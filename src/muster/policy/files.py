"""Read and validate jurisdiction pack files, without the database.

A pack is a folder holding pack.toml and the policy-version files it lists.
Any problem refuses the file whole, naming the file, the key and the problem.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from muster.rules.pack_texts import SOURCE_LANGUAGE, check_translations
from muster.rules.policy import Pack, PolicyVersion
from muster.rules.policy_schema import assemble, parse_pack_header, parse_version
from muster.rules.toml_reader import PolicyError, Problem

PACK_FILE = "pack.toml"


@dataclass(frozen=True)
class PackSource:
    """The accepted text of a pack: pack.toml and its versions, in order."""

    directory: str
    pack_text: str
    versions: tuple[tuple[str, str], ...]  # (relative file name, text)

    @property
    def digest(self) -> str:
        h = hashlib.sha256(self.pack_text.encode())
        for name, text in self.versions:
            h.update(name.encode() + b"\0" + text.encode())
        return h.hexdigest()


def parse_toml(file: str, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib says "... (at line L, column C)": keep that, name the file.
        raise PolicyError([Problem(file, "", f"not valid TOML: {exc}")]) from None


def _read_text(path: Path, shown: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError([Problem(shown, "", "file not found")]) from None
    except UnicodeDecodeError as exc:
        raise PolicyError([Problem(shown, "", f"not UTF-8 text (byte {exc.start})")]) from None


def zone_exists(name: str) -> bool:
    """Whether the time-zone database knows `name` (every legal date is a local date there)."""
    try:
        ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # not found, a malformed key, a folder such as "Europe"
        return False
    return True


def _versions(base: str, texts: tuple[tuple[str, str], ...], problems: list[Problem]) -> list[PolicyVersion]:
    versions = []
    for name, text in texts:
        try:
            versions.append(parse_version(f"{base}/{name}", parse_toml(f"{base}/{name}", text)))
        except PolicyError as exc:
            problems.extend(exc.problems)
    return versions


def pack_from_source(source: PackSource) -> Pack:
    """The pack these texts make; PolicyError names every problem of every file at once."""
    base = Path(source.directory).name
    pack_file = f"{base}/{PACK_FILE}"
    problems: list[Problem] = []
    header, listed = parse_pack_header(pack_file, parse_toml(pack_file, source.pack_text), zone_exists, problems)
    versions = _versions(base, source.versions, problems)
    if tuple(name for name, _ in source.versions) != listed:
        problems.append(Problem(pack_file, "pack.policies", "does not match the version files read"))
    if problems:
        raise PolicyError(problems)
    return assemble(header, versions, pack_file)


def read_pack_dir(directory: Path) -> tuple[Pack, PackSource]:
    """Read and validate a whole pack folder; PolicyError names every problem: those of pack.toml,
    the version files it lists that are missing, and those of the files that are there."""
    base = directory.name
    pack_file = f"{base}/{PACK_FILE}"
    pack_text = _read_text(directory / PACK_FILE, pack_file)
    problems: list[Problem] = []
    _, listed = parse_pack_header(pack_file, parse_toml(pack_file, pack_text), zone_exists, problems)
    versions = []
    for name in listed:
        if Path(name).is_absolute() or ".." in Path(name).parts:
            problems.append(Problem(pack_file, "pack.policies", f"{name!r} must be a path inside the pack"))
            continue
        try:
            versions.append((name, _read_text(directory / name, f"{base}/{name}")))
        except PolicyError as exc:
            problems.extend(exc.problems)
    _versions(base, tuple(versions), problems)
    if problems:
        raise PolicyError(problems)
    source = PackSource(str(directory), pack_text, tuple(versions))
    pack = pack_from_source(source)
    read_translations(directory, pack)
    return pack, source


def read_translations(directory: Path, pack: Pack) -> dict[str, dict[str, str]]:
    """For each pack language but English, i18n/<language>.toml: the translation of each text
    the pack shows people. PolicyError names the file, the key and the problem (a missing file,
    a text with no translation)."""
    found: dict[str, dict[str, str]] = {}
    problems: list[Problem] = []
    for language in pack.languages:
        if language == SOURCE_LANGUAGE:
            continue
        shown = f"{directory.name}/i18n/{language}.toml"
        try:
            data = parse_toml(shown, _read_text(directory / "i18n" / f"{language}.toml", shown))
        except PolicyError as exc:
            problems.extend(exc.problems)
            continue
        found[language], more = check_translations(shown, pack, language, data)
        problems.extend(more)
    if problems:
        raise PolicyError(problems)
    return found


def check_file(path: Path) -> str:
    """Validate one file (a pack.toml checks its whole pack). Returns a summary."""
    if path.is_dir() or path.name == PACK_FILE:
        pack, _ = read_pack_dir(path if path.is_dir() else path.parent)
        return f"pack {pack.code}: {len(pack.districts)} districts, {len(pack.versions)} policy versions"
    shown = str(path)
    version = parse_version(shown, parse_toml(shown, _read_text(path, shown)))
    return f"policy version {version.code}, effective from {version.effective_from}"


def builtin_packs_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "packs"


def find_builtin_pack(code: str) -> Pack:
    """A pack shipped with Muster, read straight from its files (no database needed)."""
    directory = builtin_packs_dir() / code
    if not (directory / PACK_FILE).is_file():
        raise PolicyError([Problem(str(directory), "", f"no built-in pack {code!r}")])
    pack, _ = read_pack_dir(directory)
    return pack
