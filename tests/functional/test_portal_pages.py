"""The portal's read pages as the signed-in person sees them: the record with its sources and
liability, the notices, the measures and how to lift them, who viewed the record (offices and
partner agencies, never an officer's name), and messages. Every view is the person's own read;
no URL shows another person's data."""

from __future__ import annotations

import pytest

from muster.audit.models import AuditRecord
from muster.delivery import messages as notify
from muster.kernel.actor import Actor
from muster.registry.models import Person
from muster.rules.notice_numbers import format_summons_number
from muster.summons import services as summons
from muster.summons.models import Summons
from tests.conftest import at
from tests.functional.portal_support import english_client, sign_in

pytestmark = pytest.mark.django_db

PAGES = ["/portal/record/", "/portal/notices/", "/portal/measures/", "/portal/access-log/", "/portal/messages/",
         "/portal/extract/", "/portal/contacts/"]


@pytest.fixture
def alice(world, provider):
    client = english_client()
    assert sign_in(client, provider, world["ids"][0])["Location"] == "/portal/record/"
    return client


def _text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert "no-store" in response["Cache-Control"]
    return response.content.decode()


def test_my_record_shows_each_value_with_its_source_and_liability(world, alice):
    text = _text(alice, "/portal/record/")
    person = Person.objects.get(national_id=world["ids"][0])
    assert person.given_name in text and "Where it came from" in text
    assert "You are liable for military service." in text and "under policy version" in text


def test_my_notices_show_status_service_appearance_and_code(world, alice):
    s = Summons.objects.select_related("campaign").get(person__national_id=world["ids"][0])
    text = _text(alice, "/portal/notices/")
    number = summons.notices_of(Actor.system(), world["ids"][0], world_pack())[0]
    assert number["number"] in text and number["code"] in text
    assert "Missed" in text and s.campaign.place in text and "What to do next" in text
    assert f"/verify/?n={number['number']}" in text


def world_pack():
    from muster.policy import services as policy

    return policy.get_pack("ru")


def test_my_measures_show_basis_agencies_and_how_to_lift(world, alice):
    text = _text(alice, "/portal/measures/")
    assert "Ban on leaving the country" in text and "border control" in text
    assert "53-FZ" in text and "Appear at the registration office" in text and "Apply for an excuse" in text


def test_who_viewed_my_record_names_agencies_and_offices_never_officers(world, alice):
    national_id = world["ids"][0]
    assert english_client().get(f"/api/v1/measures/{national_id}",
                        HTTP_AUTHORIZATION=f"Bearer {world['border']}").status_code == 200
    number = summons.list_for_person(Actor.person(Person.objects.get(national_id=national_id).pk), national_id,
                                     world_pack())[0]["number"]
    summons.show(Actor.officer("cli:ivanov-secret-name", purpose="appeal review"), number)
    text = _text(alice, "/portal/access-log/")
    assert "Partner agency: Border" in text and "measures check (exit_ban)" in text
    assert "The military registration office" in text and "appeal review" in text
    assert "ivanov" not in text and "cli:" not in text
    assert "You" in text


def test_who_viewed_my_record_filters_by_date(world, alice):
    assert "Partner agency" not in _text(alice, "/portal/access-log/?from=2099-01-01")
    bad = alice.get("/portal/access-log/?from=yesterday")
    assert bad.status_code == 200 and "There is a problem" in bad.content.decode()


def test_messages_show_the_measures_applied(world, alice):
    notify.make_messages(at("2026-04-06"))
    text = _text(alice, "/portal/messages/")
    assert "A measure was applied to you" in text and "Ban on leaving the country" in text


def test_each_page_view_is_the_persons_own_read(world, alice):
    person = Person.objects.get(national_id=world["ids"][0])
    for url in PAGES:
        before = AuditRecord.objects.filter(person_id=person.pk, actor=f"person:{person.pk}").count()
        _text(alice, url)
        assert AuditRecord.objects.filter(person_id=person.pk, actor=f"person:{person.pk}").count() == before + 1, url


def test_no_url_shows_another_persons_data(world, alice):
    other = Person.objects.get(national_id=world["ids"][1])
    other_summons = Summons.objects.get(person=other)
    theirs = [other.national_id, format_summons_number(other_summons.number)]
    tries = [f"{url}?{name}={value}" for url in PAGES
             for name in ("national_id", "person", "person_id", "id", "n", "number")
             for value in (other.national_id, other.pk, other_summons.number)]
    tries += [f"/portal/record/{other.pk}/", f"/portal/notices/{other_summons.number}/"]
    for url in tries:
        response = alice.get(url)
        assert response.status_code in (200, 404), url
        body = response.content.decode()
        for value in theirs:
            assert value not in body, (url, value)
    assert not AuditRecord.objects.filter(person_id=other.pk, actor__startswith="person:").exists()


def test_pages_need_a_signed_in_person(world):
    for url in PAGES:
        response = english_client().get(url)
        assert response.status_code == 302 and response["Location"] == "/portal/"
