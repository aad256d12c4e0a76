"""The portal's Appeal pages: from a summons, a measure or a decision of the person's, the deadline
(late explained, never refused), the reasons, check, file once however often the form is sent, and
the confirmation with number, body, due date and what it suspends; another person's subject or
appeal is a 404."""

from __future__ import annotations

import re

import pytest

from muster.casework.models import Appeal
from muster.measures.models import Measure
from muster.rules.notice_numbers import format_summons_number
from muster.summons.models import Summons
from tests.functional.portal_support import english_client, sign_in

pytestmark = pytest.mark.django_db


def _client(world, provider, i: int = 0):
    client = english_client()
    assert sign_in(client, provider, world["ids"][i])["Location"] == "/portal/record/"
    return client


def _ok(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert "no-store" in response["Cache-Control"]
    return response.content.decode()


def _number(world, i: int = 0) -> str:
    return format_summons_number(Summons.objects.get(person__national_id=world["ids"][i]).number)


def test_an_appeal_against_a_measure_from_its_page_late_explained_filed_once(world, provider):
    alice = _client(world, provider)
    exit_ban = Measure.objects.get(summons__person__national_id=world["ids"][0], kind="exit_ban")
    url = f"/portal/appeal/measure/{exit_ban.pk}/"
    assert url in _ok(alice, "/portal/measures/") and url in _ok(alice, "/portal/appeal/")
    page = _ok(alice, url)
    # The world's measures began in March 2026; the clock is later: the appeal is late, and filed all the same.
    assert "will be recorded as late" in page and "Why do you appeal?" in page
    empty = alice.post(url, {"reason": "  "})
    assert empty.status_code == 400 and 'href="#reason"' in empty.content.decode()
    assert alice.post(url, {"reason": "I was abroad for work"})["Location"] == f"{url}check/"
    check = _ok(alice, f"{url}check/")
    assert "I was abroad for work" in check and f'href="{url}"' in check
    token = re.search(r'name="token" value="([^"]+)"', check).group(1)
    first = alice.post(f"{url}check/", {"token": token})
    second = alice.post(f"{url}check/", {"token": token})
    appeal = Appeal.objects.get()  # one appeal, not a second at the next level
    assert first["Location"] == second["Location"] == f"/portal/appeals/{appeal.number}/"
    done = _ok(alice, first["Location"])
    assert appeal.number in done and "Appeal filed" in done and "Filed late" in done and "What it suspends" in done


def test_an_appeal_against_a_summons_from_the_notices_page(world, provider):
    alice = _client(world, provider)
    number = _number(world)
    url = f"/portal/appeal/summons/{number}/"
    assert url in _ok(alice, "/portal/notices/")
    assert "Appeal against summons" in _ok(alice, url)


def test_another_persons_subjects_and_appeals_are_not_found(world, provider):
    alice, bob = _client(world, provider, 0), _client(world, provider, 1)
    theirs = Measure.objects.filter(summons__person__national_id=world["ids"][0]).first()
    for url in (f"/portal/appeal/summons/{_number(world, 0)}/", f"/portal/appeal/measure/{theirs.pk}/",
                f"/portal/appeal/measure/{theirs.pk}/check/", "/portal/appeal/measure/99999999/",
                "/portal/appeal/parking/1/", "/portal/appeal/summons/nonsense/"):
        assert bob.get(url).status_code == 404, url
    assert bob.post(f"/portal/appeal/measure/{theirs.pk}/", {"reason": "x"}).status_code == 404
    url = f"/portal/appeal/measure/{theirs.pk}/"
    alice.post(url, {"reason": "mine"})
    token = re.search(r'name="token" value="([^"]+)"', _ok(alice, f"{url}check/")).group(1)
    number = alice.post(f"{url}check/", {"token": token})["Location"].split("/")[3]
    assert bob.get(f"/portal/appeals/{number}/").status_code == 404
    assert bob.get("/portal/appeals/P-0999999/").status_code == 404
    assert number not in _ok(bob, "/portal/appeal/")


def test_filing_an_appeal_needs_the_level_of_assurance(world, provider, settings):
    import dataclasses

    settings.MUSTER_OIDC = dataclasses.replace(settings.MUSTER_OIDC, required_acr="high")
    client = english_client()
    sign_in(client, provider, world["ids"][0], acr="low")
    url = f"/portal/appeal/summons/{_number(world)}/"
    client.post(url, {"reason": "I was in hospital"})
    check = _ok(client, f"{url}check/")
    assert "needs a stronger sign-in" in check and 'name="token"' not in check
    assert client.post(f"{url}check/", {"token": "anything"}).status_code == 403
    assert Appeal.objects.count() == 0


def test_the_window_in_russian_by_default(world, provider):
    from django.test import Client

    client = Client()  # no language chosen: the ru pack's Russian
    sign_in(client, provider, world["ids"][0])
    text = _ok(client, f"/portal/appeal/summons/{_number(world)}/")
    assert "Жалоба на повестку" in text and "Почему вы обжалуете?" in text
