"""Django merges every catalogue of a language into one: a message id translated one way in the
portal's catalogue and another way in the console's would show the portal's words on the console
(LOCALE_PATHS come first). Each shared message id must say the same in both."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "src" / "muster" / "interfaces"
CATALOGUES = [ROOT / "portal" / "locale" / "ru" / "LC_MESSAGES" / "django.po",
              ROOT / "console" / "locale" / "ru" / "LC_MESSAGES" / "django.po"]


def _entries(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a .po file (single-line and continued strings; plural forms left out)."""
    entries: dict[str, str] = {}
    key: str | None = None
    field = ""
    current = {"msgid": "", "msgstr": ""}

    def flush() -> None:
        if current["msgid"]:
            entries[current["msgid"]] = current["msgstr"]

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            flush()
            current = {"msgid": "", "msgstr": ""}
            field, key = "msgid", line[6:]
        elif line.startswith("msgstr "):
            field, key = "msgstr", line[7:]
        elif line.startswith('"') and field:
            key = line
        else:
            field, key = ("" if not line.strip() else field), None
            continue
        if key is not None and field:
            current[field] += key.strip().strip('"')
    flush()
    return entries


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-5])
def test_the_catalogue_is_read(path):
    assert len(_entries(path)) > 20


def test_a_message_id_in_both_catalogues_is_translated_the_same_way():
    portal, console = (_entries(p) for p in CATALOGUES)
    differ = {msgid: (portal[msgid], console[msgid]) for msgid in portal.keys() & console.keys()
              if portal[msgid] != console[msgid]}
    assert differ == {}
