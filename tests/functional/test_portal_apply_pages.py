"""The portal's Apply pages as the signed-in person uses them: one question a page, evidence (bad
files refused with an error summary naming the field), check your answers with change links, one
application however often the form is sent, the confirmation and the PDF; saved drafts resumed;
another person's draft or application is a 404; uploads rate-limited; submitting needs the
configured level of assurance."""

from __future__ import annotations

import dataclasses
import re

import pytest

from muster.audit.models import AuditRecord
from muster.casework import services as casework
from muster.casework.models import Application
from muster.citizen import services as citizen
from muster.kernel import clock
from muster.kernel.actor import Actor
from muster.registry.models import Person
from muster.rules.notice_numbers import format_summons_number
from muster.summons.models import Summons
from tests.fixtures.evidence import craft
from tests.functional.portal_support import english_client, sign_in

pytestmark = pytest.mark.django_db
PDF = craft.one_page_pdf()


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    settings.MUSTER_EVIDENCE_DIR = tmp_path / "evidence"


def _client(world, provider, i: int = 0, **claims: str):
    client = english_client()
    assert sign_in(client, provider, world["ids"][i], **claims)["Location"] == "/portal/record/"
    return client


@pytest.fixture
def alice(world, provider):
    return _client(world, provider)


def _ok(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert "no-store" in response["Cache-Control"]
    return response.content.decode()


def _number(world, i: int = 0) -> str:
    return format_summons_number(Summons.objects.get(person__national_id=world["ids"][i]).number)


def _start(client, kind: str) -> int:
    response = client.post("/portal/apply/", {"kind": kind})
    assert response.status_code == 302, response.content
    return int(re.match(r"^/portal/apply/(\d+)/", response["Location"]).group(1))


def test_an_excuse_one_question_a_page_then_check_send_twice_and_the_confirmation(world, alice):
    assert "What are you applying for?" in _ok(alice, "/portal/apply/")
    response = alice.post("/portal/apply/", {"kind": "excuse"})
    draft = int(response["Location"].split("/")[3])
    assert response["Location"] == f"/portal/apply/{draft}/summons/"
    number = _number(world)
    page = _ok(alice, response["Location"])
    assert f"Summons {number}" in page and "Which summons is it about?" in page
    assert alice.post(f"/portal/apply/{draft}/summons/", {"summons": number})["Location"] == f"/portal/apply/{draft}/ground/"

    page = _ok(alice, f"/portal/apply/{draft}/ground/")
    assert "illness" in page and "53-FZ" in page  # the grounds with their legal references
    refused = alice.post(f"/portal/apply/{draft}/ground/", {"ground": "boredom"})
    assert refused.status_code == 400 and "There is a problem" in refused.content.decode()
    assert 'href="#ground"' in refused.content.decode() and 'id="ground"' in refused.content.decode()
    assert alice.post(f"/portal/apply/{draft}/ground/", {"ground": "illness"})["Location"] == \
        f"/portal/apply/{draft}/evidence/"

    # Saved: the start page lists the draft, and it resumes where it was left.
    assert f"/portal/apply/{draft}/" in _ok(alice, "/portal/apply/")
    assert alice.get(f"/portal/apply/{draft}/")["Location"] == f"/portal/apply/{draft}/evidence/"

    upload = alice.post(f"/portal/apply/{draft}/evidence/", {"evidence": _file("note.pdf", PDF)})
    assert upload.status_code == 302
    assert "note.pdf" in _ok(alice, f"/portal/apply/{draft}/evidence/")

    check = _ok(alice, f"/portal/apply/{draft}/check/")
    assert "Check your answers" in check and "note.pdf" in check and number in check
    for link in (f"/portal/apply/{draft}/summons/?change=1", f"/portal/apply/{draft}/ground/?change=1",
                 f"/portal/apply/{draft}/evidence/"):
        assert f'href="{link}"' in check
    assert alice.post(f"/portal/apply/{draft}/ground/", {"ground": "illness", "change": "1"})["Location"] == \
        f"/portal/apply/{draft}/check/"
    token = re.search(r'name="token" id="token" value="([^"]+)"', check).group(1)

    first = alice.post(f"/portal/apply/{draft}/check/", {"token": token})
    second = alice.post(f"/portal/apply/{draft}/check/", {"token": token})
    assert first["Location"] == second["Location"] == f"/portal/apply/{draft}/done/"
    (app,) = Application.objects.all()
    done = _ok(alice, f"/portal/apply/{draft}/done/")
    assert app.number in done and "Application sent" in done and f"/portal/apply/{draft}/answers.pdf" in done
    pdf = alice.get(f"/portal/apply/{draft}/answers.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    mine = _ok(alice, "/portal/applications/")
    assert app.number in mine and "Received" in mine
    person = Person.objects.get(national_id=world["ids"][0])
    assert AuditRecord.objects.filter(person_id=person.pk, object_type="portal", object_id="apply").exists()


def _file(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


@pytest.mark.parametrize(("name", "data", "words"), [
    ("empty.pdf", b"", "empty.pdf is empty"),
    ("notes.txt", b"just some words", "notes.txt is not a PDF, JPEG or PNG file"),
    ("script.pdf", craft.one_page_pdf(extra=[b"<< /S /JavaScript /JS (app.alert(1)) >>"]),
     "script.pdf: the PDF contains JavaScript"),
    ("huge.pdf", b"%PDF-" + bytes(10 * 1024 * 1024), "huge.pdf is larger than 10 MB"),
])
def test_bad_evidence_is_refused_with_an_error_summary_naming_the_field(world, alice, name, data, words):
    draft = _start(alice, "deferment")
    response = alice.post(f"/portal/apply/{draft}/evidence/", {"evidence": _file(name, data)})
    text = response.content.decode()
    assert response.status_code == 400 and "There is a problem" in text
    assert 'href="#evidence"' in text and 'id="evidence"' in text and words in text
    assert citizen.show_draft(Actor.person(Person.objects.get(national_id=world["ids"][0]).pk), draft)["evidence"] == []


def test_uploads_are_rate_limited_per_person(world, alice, settings):
    settings.MUSTER_PORTAL_UPLOADS_PER_HOUR = 2
    draft = _start(alice, "deferment")
    for _ in range(2):
        assert alice.post(f"/portal/apply/{draft}/evidence/", {"evidence": _file("a.pdf", PDF)}).status_code == 302
    over = alice.post(f"/portal/apply/{draft}/evidence/", {"evidence": _file("a.pdf", PDF)})
    assert over.status_code == 429 and "Too many uploads" in over.content.decode()


def test_another_persons_draft_and_application_are_not_found(world, provider):
    alice, bob = _client(world, provider, 0), _client(world, provider, 1)
    draft = _start(alice, "excuse")
    alice.post(f"/portal/apply/{draft}/summons/", {"summons": _number(world)})
    alice.post(f"/portal/apply/{draft}/ground/", {"ground": "illness"})
    token = citizen.show_draft(Actor.person(Person.objects.get(national_id=world["ids"][0]).pk), draft)["token"]
    for url in (f"/portal/apply/{draft}/", f"/portal/apply/{draft}/ground/", f"/portal/apply/{draft}/evidence/",
                f"/portal/apply/{draft}/check/", f"/portal/apply/{draft}/done/", f"/portal/apply/{draft}/answers.pdf",
                "/portal/apply/999999/", "/portal/apply/999999/check/"):
        assert bob.get(url).status_code == 404, url
    assert bob.post(f"/portal/apply/{draft}/check/", {"token": token}).status_code == 404
    assert bob.post(f"/portal/apply/{draft}/discard/").status_code == 404
    assert Application.objects.count() == 0
    alice.post(f"/portal/apply/{draft}/check/", {"token": token})
    number = Application.objects.get().number
    assert number not in _ok(bob, "/portal/applications/")
    for url in (f"/portal/appeal/application/{number}/", "/portal/appeal/application/A-0099999/"):
        assert bob.get(url).status_code == 404, url


def test_submitting_needs_the_level_of_assurance_and_says_so_plainly(world, provider, settings):
    settings.MUSTER_OIDC = dataclasses.replace(settings.MUSTER_OIDC, required_acr="high")
    low = _client(world, provider, 0, acr="low")
    draft = _start(low, "excuse")
    low.post(f"/portal/apply/{draft}/summons/", {"summons": _number(world)})
    low.post(f"/portal/apply/{draft}/ground/", {"ground": "illness"})
    check = _ok(low, f"/portal/apply/{draft}/check/")
    assert "needs a stronger sign-in" in check and 'name="token"' not in check
    token = citizen.show_draft(Actor.person(Person.objects.get(national_id=world["ids"][0]).pk), draft)["token"]
    assert low.post(f"/portal/apply/{draft}/check/", {"token": token}).status_code == 403
    assert Application.objects.count() == 0


def test_the_applications_page_shows_the_decision_reasons_basis_and_appeal_deadline(world, alice):
    draft = _start(alice, "excuse")
    alice.post(f"/portal/apply/{draft}/summons/", {"summons": _number(world)})
    alice.post(f"/portal/apply/{draft}/ground/", {"ground": "illness"})
    token = citizen.show_draft(Actor.person(Person.objects.get(national_id=world["ids"][0]).pk), draft)["token"]
    alice.post(f"/portal/apply/{draft}/check/", {"token": token})
    number = Application.objects.get().number
    casework.decide(Actor.officer("t"), number, "refuse", "no sick note", at=clock.now())
    text = _ok(alice, "/portal/applications/")
    assert "Refused" in text and "Legal basis" in text and "Appeal by" in text
    assert f"/portal/appeal/application/{number}/" in text


def test_discarding_a_saved_draft(world, alice):
    draft = _start(alice, "correction")
    assert alice.post(f"/portal/apply/{draft}/discard/")["Location"] == "/portal/apply/"
    assert f"/portal/apply/{draft}/" not in _ok(alice, "/portal/apply/")
    assert alice.post("/portal/apply/", {"kind": "holiday"}).status_code == 400


def test_a_body_past_the_upload_limit_gets_the_portal_page_naming_the_field(world, alice):
    draft = _start(alice, "deferment")
    response = alice.post(f"/portal/apply/{draft}/evidence/", {"evidence": _file("big.pdf", b"%PDF-" + bytes(11 * 1024 * 1024))})
    text = response.content.decode()
    assert response.status_code == 413 and 'href="#evidence"' in text and "larger than 10 MB" in text


def test_a_session_that_ended_mid_form_keeps_the_answers_and_asks_to_sign_in_again(world, provider):
    alice = _client(world, provider)
    draft = _start(alice, "excuse")
    alice.post(f"/portal/apply/{draft}/summons/", {"summons": _number(world)})
    alice.session.flush()  # as the 15-minute idle timeout does
    alice.cookies[settings_cookie()] = "expired"
    response = alice.post(f"/portal/apply/{draft}/ground/", {"ground": "illness"})
    assert response.status_code == 302 and response["Location"] == "/portal/?ended=1"
    again = _client(world, provider)
    assert again.get(f"/portal/apply/{draft}/")["Location"] == f"/portal/apply/{draft}/ground/"  # saved


def settings_cookie() -> str:
    from django.conf import settings

    return settings.SESSION_COOKIE_NAME
