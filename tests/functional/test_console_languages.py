"""The console in Russian and English: every string its templates and views mark for translation
has a Russian translation in the console's own catalogue (locale/ru/LC_MESSAGES/django.po, compiled
to django.mo), so a new untranslated string fails here; and the pages switch language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

import muster.interfaces.console as console_app
from tests.functional.console_helpers import make_officer

APP = Path(console_app.__file__).parent
PO = APP / "locale" / "ru" / "LC_MESSAGES" / "django.po"
TEMPLATE_STRING = re.compile(r"""{%\s*translate\s+(["'])(.*?)\1\s*%}""")
CODE_STRING = re.compile(r"""\b(?:_|gettext|gettext_lazy)\(\s*(["'])(.*?)(?<!\\)\1\s*\)""")


def marked_strings() -> set[str]:
    found = set()
    for template in (APP / "templates").rglob("*.html"):
        found |= {m.group(2) for m in TEMPLATE_STRING.finditer(template.read_text(encoding="utf-8"))}
    for module in APP.glob("*.py"):
        found |= {m.group(2) for m in CODE_STRING.finditer(module.read_text(encoding="utf-8"))}
    assert "blocktranslate" not in "".join(t.read_text() for t in (APP / "templates").rglob("*.html"))
    return found


def catalogue() -> dict[str, tuple[str, bool]]:
    """msgid -> (msgstr, fuzzy) from the .po file."""
    entries: dict[str, tuple[str, bool]] = {}
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        fuzzy = "#, fuzzy" in block
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr ((?:".*"\n?)+)', block, re.M)
        if msgid and msgstr:
            def join(chunk: str) -> str:
                return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', chunk)).replace('\\"', '"')
            entries[join(msgid.group(1))] = (join(msgstr.group(1)), fuzzy)
    return entries


def test_the_console_marks_its_strings():
    assert len(marked_strings()) > 50


def test_every_console_string_has_a_russian_translation_in_the_po_file():
    entries = catalogue()
    untranslated = sorted(s for s in marked_strings()
                          if s not in entries or not entries[s][0].strip() or entries[s][1])
    assert untranslated == [], "add these to src/muster/interfaces/console/locale/ru/LC_MESSAGES/django.po"


def test_the_compiled_catalogue_is_up_to_date_with_the_po_file():
    with translation.override("ru"):
        stale = sorted(s for s in marked_strings() if translation.gettext(s) == s)
    assert stale == [], "run msgfmt -o django.mo django.po in the console's locale/ru/LC_MESSAGES"


@pytest.mark.django_db
def test_the_sign_in_page_in_russian_and_english(packs):
    make_officer("olga")
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/console/sign-in").content.decode()
    assert '<html lang="en">' in english and "Sign in" in english
    russian = Client(HTTP_ACCEPT_LANGUAGE="ru").get("/console/sign-in").content.decode()
    assert '<html lang="ru">' in russian and "Войти" in russian and "Sign in" not in russian
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    switched = client.post("/console/language", {"language": "ru", "next": "/console/sign-in"})
    assert switched["Location"] == "/console/sign-in"
    assert "Имя пользователя" in client.get("/console/sign-in").content.decode()
    away = client.post("/console/language", {"language": "en", "next": "https://evil.example/"})
    assert away["Location"] == "/console/"


def test_every_field_and_event_type_has_a_label_in_both_languages():
    from muster.interfaces.console import labels
    from muster.rules.person_record import OBSERVED_FIELDS
    from muster.rules.vocabulary import EventType

    assert set(OBSERVED_FIELDS) == set(labels.FIELDS)
    assert {str(t) for t in EventType} | {"import", "read"} == set(labels.EVENTS)
    with translation.override("ru"):
        untranslated = [str(label) for label in [*labels.FIELDS.values(), *labels.EVENTS.values()]
                        if re.fullmatch(r"[A-Za-z ,'()-]+", str(label))]
    assert untranslated == []
