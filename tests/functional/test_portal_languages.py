"""The portal in Russian and English: every string translated (a new untranslated one fails
here), dates per language, and the language from the person's choice, else the pack's default."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

import muster.interfaces.portal as portal_package
from tests.functional.portal_support import sign_in

PORTAL = Path(portal_package.__file__).parent
PO = PORTAL / "locale" / "ru" / "LC_MESSAGES" / "django.po"
PAGES = ["/portal/record/", "/portal/notices/", "/portal/measures/", "/portal/access-log/", "/portal/messages/",
         "/portal/extract/", "/portal/contacts/"]


def po_entries(text: str) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of each entry but the header, from a .po file's text."""
    entries = []
    for block in text.split("\n\n"):
        fuzzy = "#, fuzzy" in block
        parts: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            found = re.match(r'^(msgid|msgstr|msgctxt|msgid_plural|msgstr\[\d+\]) "(.*)"$', line)
            if found:
                key = found.group(1)
                parts[key] = found.group(2)
            elif key and line.startswith('"'):
                parts[key] += line[1:-1]
        if parts.get("msgid"):
            msgstr = parts.get("msgstr", parts.get("msgstr[0]", ""))
            entries.append((parts["msgid"].encode().decode("unicode_escape").encode("latin-1").decode(),
                            msgstr.encode().decode("unicode_escape").encode("latin-1").decode(), fuzzy))
    return entries


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (apt-get install gettext)")
def test_every_string_of_the_portal_is_translated(tmp_path):
    """makemessages over a copy of the portal: any string without a Russian translation (new, or
    changed and so marked fuzzy) fails this test, named."""
    copy = tmp_path / "portal"
    shutil.copytree(PORTAL, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    here = os.getcwd()
    os.chdir(copy)
    try:
        call_command("makemessages", locale=["ru"], verbosity=0, no_obsolete=True)
    finally:
        os.chdir(here)
    entries = po_entries((copy / "locale" / "ru" / "LC_MESSAGES" / "django.po").read_text())
    assert len(entries) > 100
    missing = [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy]
    assert missing == []


def test_the_compiled_catalogue_is_the_current_one():
    """Each translation of the .po is what Django serves (the committed .mo was compiled from it)."""
    entries = po_entries(PO.read_text())
    with translation.override("ru"):
        stale = [msgid for msgid, msgstr, _ in entries if translation.gettext(msgid) != msgstr]
    assert stale == []


@pytest.fixture
def signed_in(world, provider):
    client = Client()
    assert sign_in(client, provider, world["ids"][0])["Location"] == "/portal/record/"
    return client


@pytest.mark.django_db
def test_the_pack_default_is_russian_and_dates_are_russian(signed_in):
    response = signed_in.get("/portal/notices/")
    text = response.content.decode()
    assert response["Content-Language"] == "ru" and '<html lang="ru">' in text
    assert "Мои повестки" in text and "марта 2026" in text


@pytest.mark.django_db
def test_a_russian_browser_gets_english_when_the_person_chose_it(signed_in):
    response = signed_in.post("/i18n/setlang/", {"language": "en", "next": "/portal/notices/"},
                              HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9")
    assert response.status_code == 302 and response["Location"] == "/portal/notices/"
    page = signed_in.get("/portal/notices/", HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9")
    text = page.content.decode()
    assert page["Content-Language"] == "en" and "My notices" in text and "March 2026" in text


@pytest.mark.django_db
def test_every_page_reads_in_both_languages(signed_in):
    for language, word in (("ru", "Выйти"), ("en", "Sign out")):
        signed_in.cookies["django_language"] = language
        for url in PAGES:
            text = signed_in.get(url).content.decode()
            assert word in text, (language, url)
