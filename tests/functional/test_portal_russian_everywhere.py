"""Every portal page in Russian says everything in Russian: signed in with a summons, measures,
an application with a decision, an appeal and the access log, the visible text of each page holds
no English word beyond codes (national ids, summons and application numbers, policy versions, the
product name). Text from the rules and the pack (liability reasons, legal bases, grounds) counts."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from django.test import Client

from muster.casework import services as casework
from muster.casework.models import Application
from muster.citizen import services as citizen
from muster.kernel import clock
from muster.kernel.actor import Actor
from muster.measures.models import Measure
from muster.policy.files import find_builtin_pack
from muster.registry.models import Person, PersonStatus
from muster.rules.applications import status_reason
from muster.rules.casework import Period
from muster.rules.notice_numbers import format_summons_number
from muster.summons.models import Summons
from tests.functional.portal_support import sign_in

pytestmark = pytest.mark.django_db

# Words that are codes or names, not English: the product, language names in the switcher, codes.
ALLOWED = {"Muster", "English", "PDF", "RU", "KZ", "ID", "IT", "FZ", "ru", "en", "OpenID", "Connect"}
CODE = re.compile(r"^(?:[A-Z]{1,3}-[\w-]+|[a-z]{2}-\d{4}-\d{2}-\d{2}|[A-Z0-9]{4}(?:-[A-Z0-9]{4})+|\d[\w-]*"
                  r"|[\w.+-]+@[\w.-]+)$")  # numbers, policy versions, verification codes, e-mail addresses


class VisibleText(HTMLParser):
    """The text a reader sees: no scripts, styles or tag attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def english_words(text: str) -> list[str]:
    words = []
    for token in text.split():
        token = token.strip(".,:;()«»\"'!?—–")
        if re.search(r"[A-Za-z]{2,}", token) and token not in ALLOWED and not CODE.match(token):
            words.append(token)
    return words


def untranslated(html: str) -> list[str]:
    """Each visible text of the page that holds an English word, whole (so the failure names it)."""
    parser = VisibleText()
    parser.feed(html)
    return [" ".join(part.split()) for part in parser.parts if english_words(part)]


def _ok(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


@pytest.fixture
def russian(world, provider, settings, tmp_path):
    """Alice signed in (Russian, the pack's default) with a decided application and an appeal."""
    settings.MUSTER_EVIDENCE_DIR = tmp_path / "evidence"
    client = Client()
    assert sign_in(client, provider, world["ids"][0])["Location"] == "/portal/record/"
    person = Person.objects.get(national_id=world["ids"][0])
    number = format_summons_number(Summons.objects.get(person=person).number)
    response = client.post("/portal/apply/", {"kind": "excuse"})
    draft = int(re.match(r"^/portal/apply/(\d+)/", response["Location"]).group(1))
    client.post(f"/portal/apply/{draft}/summons/", {"summons": number})
    client.post(f"/portal/apply/{draft}/ground/", {"ground": "illness"})
    token = citizen.show_draft(Actor.person(person.pk), draft)["token"]
    client.post(f"/portal/apply/{draft}/check/", {"token": token})
    application = Application.objects.get()
    casework.decide(Actor.officer("t"), application.number, "refuse", "нет справки о болезни", at=clock.now())
    measure = Measure.objects.filter(person=person).first()
    url = f"/portal/appeal/measure/{measure.pk}/"
    client.post(url, {"reason": "Я был в командировке"})
    token = re.search(r'name="token" value="([^"]+)"', _ok(client, f"{url}check/")).group(1)
    filed = client.post(f"{url}check/", {"token": token})["Location"]
    # A deferment a decision granted (as muster.casework.effects records it): liability says why.
    ground = next(g for g in find_builtin_pack("ru").versions[-1].casework.deferments if g.code == "study")
    until = date(2030, 6, 30)
    PersonStatus.objects.create(person=person, kind="deferred", valid_from=date(2026, 1, 1), valid_until=until,
                                reason=status_reason("deferment", ground, Period(date(2026, 1, 1), until, ""),
                                                     "A-0000099"), decision_number="A-0000099")
    return {"client": client, "number": number, "application": application.number, "measure": measure.pk,
            "filed": filed, "draft": draft}


def test_every_page_in_russian_has_no_english_words(russian):
    client = russian["client"]
    pages = ["/portal/record/", "/portal/notices/", "/portal/measures/", "/portal/access-log/",
             "/portal/messages/", "/portal/apply/", "/portal/applications/", "/portal/appeal/",
             f"/portal/appeal/summons/{russian['number']}/", f"/portal/appeal/measure/{russian['measure']}/",
             f"/portal/appeal/application/{russian['application']}/", russian["filed"]]
    found = {url: untranslated(_ok(client, url)) for url in pages}
    record = _ok(client, "/portal/record/")
    assert "не подлежит призыву: отсрочка: очное обучение" in record and "по 30 июня 2030 г. включительно" in record
    left = {url: sorted(set(texts)) for url, texts in found.items() if texts}
    assert not left, "\n".join(f"{url}: {text}" for url, texts in left.items() for text in texts)


def test_the_check_ignores_codes_but_catches_words():
    assert untranslated("<p>Повестка RU-RYA-2026-000001, ru-2026-01-01, Muster</p>") == []
    assert untranslated("<p>не подлежит: liable</p><script>var x = 'hidden';</script>") == ["не подлежит: liable"]
