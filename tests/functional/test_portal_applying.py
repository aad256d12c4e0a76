"""Applying and appealing from the portal (issue 13) on the database: a draft answered step by
step, evidence checked, saved and continued, submitted once however often the final form is sent,
its answers as a PDF; and the appeal window of a summons or measure, in time and late, then filed
by the person themself."""

from __future__ import annotations

import io
import threading

import pypdfium2
import pytest
from django.db import connection

from muster.audit.access import AccessDenied
from muster.casework.draft_models import ApplicationDraft
from muster.casework.models import Appeal, Application, EvidenceFile
from muster.citizen import services as portal
from muster.kernel.actor import Actor
from muster.measures.models import Measure
from muster.registry.models import Person
from muster.rules.notice_numbers import format_summons_number
from muster.summons.models import Summons
from tests.conftest import at
from tests.fixtures.evidence import craft

pytestmark = pytest.mark.django_db
NOW = at("2026-04-06")
PDF = craft.one_page_pdf()


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    settings.MUSTER_EVIDENCE_DIR = tmp_path / "evidence"


def _person(world, i: int = 0) -> tuple[Person, Actor, str]:
    person = Person.objects.get(national_id=world["ids"][i])
    summons = Summons.objects.get(person=person)
    return person, Actor.person(person.pk), format_summons_number(summons.number)


def test_an_excuse_drafted_step_by_step_is_submitted_once_even_when_posted_twice(world, ru):
    person, me, number = _person(world)
    draft = portal.start_draft(me, ru, "excuse", NOW)
    assert draft["next"] == "summons" and draft["missing"] == ["summons", "ground"]
    assert "illness" in [g["code"] for g in draft["grounds"]]
    portal.answer_draft(me, draft["draft"], "summons", number, NOW)
    # Saved: come back later and carry on where it was left.
    again = portal.list_drafts(me, NOW)
    assert [d["draft"] for d in again] == [draft["draft"]] and again[0]["next"] == "ground"
    with pytest.raises(portal.DraftError, match="^ground: expected one of"):
        portal.answer_draft(me, draft["draft"], "ground", "boredom", NOW)
    with pytest.raises(portal.DraftError, match="^ground: an answer is needed before submitting"):
        portal.submit_draft(me, draft["draft"], draft["token"], NOW)
    portal.answer_draft(me, draft["draft"], "ground", "illness", NOW)
    shown = portal.attach_evidence(me, draft["draft"], "справка.pdf", PDF, NOW)
    assert [e["name"] for e in shown["evidence"]] == ["справка.pdf"] and shown["next"] is None

    with pytest.raises(portal.DraftError, match="^token:"):
        portal.submit_draft(me, draft["draft"], "forged", NOW)
    first = portal.submit_draft(me, draft["draft"], draft["token"], NOW)
    second = portal.submit_draft(me, draft["draft"], draft["token"], NOW)
    assert first["number"].startswith("A-") and first["repeated"] is False
    assert second == {**first, "repeated": True}
    (app,) = Application.objects.filter(person=person)
    assert (app.number, app.kind, app.ground, app.channel, app.created_by) == (
        first["number"], "excuse", "illness", "portal", f"person:{person.pk}")
    assert app.due_on == first["due_on"] and EvidenceFile.objects.get(application=app).name == "справка.pdf"
    with pytest.raises(portal.DraftError, match="^draft:.*submitted"):
        portal.answer_draft(me, draft["draft"], "ground", "illness", NOW)

    pdf = portal.draft_answers_pdf(me, draft["draft"], NOW)
    assert b"/FontFile2" in pdf
    text = pypdfium2.PdfDocument(io.BytesIO(pdf))[0].get_textpage().get_text_range()
    assert "Ваши ответы" in text and "справка.pdf" in text and first["number"] in text and number in text


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="two sessions at once need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_final_posts_at_once_file_one_application(world, ru):
    _, me, number = _person(world)
    draft = portal.start_draft(me, ru, "excuse", NOW)
    portal.answer_draft(me, draft["draft"], "summons", number, NOW)
    portal.answer_draft(me, draft["draft"], "ground", "illness", NOW)
    results, errors = [], []

    def post() -> None:
        try:
            results.append(portal.submit_draft(me, draft["draft"], draft["token"], NOW))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len({r["number"] for r in results}) == 1
    assert sorted(r["repeated"] for r in results) == [False, True]
    assert Application.objects.count() == 1


@pytest.mark.parametrize(("name", "data", "words"), [
    ("empty.pdf", b"", "evidence: empty.pdf is empty"),
    ("notes.txt", b"just some words", "evidence: notes.txt"),
    ("script.pdf", craft.one_page_pdf(extra=[b"<< /S /JavaScript /JS (app.alert(1)) >>"]),
     "evidence: script.pdf: the PDF contains JavaScript"),
    ("open.pdf", craft.one_page_pdf(extra=[b"<< /Type /Action /S /Launch /F (calc.exe) >>"]),
     "evidence: open.pdf: the PDF contains JavaScript or an action"),
    ("huge.pdf", b"%PDF-" + bytes(10 * 1024 * 1024), "evidence: huge.pdf: .* more than the 10 MB"),
])
def test_bad_evidence_is_refused_naming_the_file(world, ru, name, data, words):
    _, me, _ = _person(world)
    draft = portal.start_draft(me, ru, "deferment", NOW)
    with pytest.raises(portal.DraftError, match=f"^{words}"):
        portal.attach_evidence(me, draft["draft"], name, data, NOW)
    assert ApplicationDraft.objects.get(pk=draft["draft"]).evidence == []


def test_another_persons_summons_in_an_excuse_is_refused_at_submission_and_the_draft_stays_open(world, ru):
    _, me, _ = _person(world, 0)
    _, _, theirs = _person(world, 1)
    draft = portal.start_draft(me, ru, "excuse", NOW)
    portal.answer_draft(me, draft["draft"], "summons", theirs, NOW)
    portal.answer_draft(me, draft["draft"], "ground", "illness", NOW)
    with pytest.raises(portal.DraftError, match=f"^summons: summons {theirs} is not this person's"):
        portal.submit_draft(me, draft["draft"], draft["token"], NOW)
    assert Application.objects.count() == 0
    assert portal.show_draft(me, draft["draft"], NOW)["state"] == "open"  # corrected and sent again


def test_another_persons_draft_is_not_found_and_officers_have_no_drafts(world, ru):
    _, me, _ = _person(world, 0)
    _, other, _ = _person(world, 1)
    draft = portal.start_draft(me, ru, "deferment", NOW)
    for call in (lambda: portal.show_draft(other, draft["draft"], NOW),
                 lambda: portal.submit_draft(other, draft["draft"], draft["token"], NOW),
                 lambda: portal.answer_draft(other, draft["draft"], "ground", "study", NOW)):
        with pytest.raises(portal.DraftError, match="^draft: no draft"):
            call()
    with pytest.raises(AccessDenied):
        portal.start_draft(Actor.officer("t", purpose="x"), ru, "deferment", NOW)
    with pytest.raises(portal.DraftError, match="^kind:"):
        portal.start_draft(me, ru, "holiday", NOW)
    portal.discard_draft(me, draft["draft"], NOW)
    assert portal.list_drafts(me, NOW) == []


def test_the_appeal_window_of_a_measure_in_time_then_late_and_the_persons_own_appeal(world, ru):
    person, me, number = _person(world)
    exit_ban = Measure.objects.get(summons__person=person, kind="exit_ban")
    in_time = portal.appeal_window(me, f"measure:{exit_ban.pk}", NOW)
    assert in_time["can_appeal"] and in_time["level"] == 1 and not in_time["late"]
    assert in_time["deadline"] > NOW.date() and str(in_time["deadline"]) in in_time["explanation"]
    late = portal.appeal_window(me, f"measure:{exit_ban.pk}", at("2026-09-01"))
    assert late["late"] and late["deadline"] == in_time["deadline"] and "recorded as late" in late["explanation"]

    filed = portal.file_appeal(me, f"summons:{number}", "I was in hospital", NOW)
    appeal = Appeal.objects.get()
    assert (appeal.number, appeal.created_by, appeal.late) == (filed["number"], f"person:{person.pk}", False)
    second = portal.appeal_window(me, f"summons:{number}", NOW)
    assert second["level"] == 2  # the commission is taken: next, the court
    court = portal.file_appeal(me, f"summons:{number}", "the commission is slow", at("2026-04-07"))
    assert court["level"] == 2 and len(court["suspends"]) == 7  # the court suspends the summons' measures
    assert set(Measure.objects.filter(summons__person=person).values_list("status", flat=True)) == {"suspended"}


def test_nobody_sees_or_files_against_another_persons_summons(world, ru):
    _, me, _ = _person(world, 0)
    _, _, theirs = _person(world, 1)
    with pytest.raises(AccessDenied):
        portal.appeal_window(me, f"summons:{theirs}", NOW)
    with pytest.raises(AccessDenied):
        portal.file_appeal(me, f"summons:{theirs}", "not mine", NOW)
    assert Appeal.objects.count() == 0
    with pytest.raises(portal.AppealError):
        portal.appeal_window(me, "parking-ticket:1", NOW)


def test_the_appeal_window_of_a_refused_excuse_and_an_officers_look_at_it(world, ru):
    from muster.audit.models import AuditRecord
    from muster.casework import services as casework

    person, me, number = _person(world)
    draft = portal.start_draft(me, ru, "excuse", NOW)
    portal.answer_draft(me, draft["draft"], "summons", number, NOW)
    portal.answer_draft(me, draft["draft"], "ground", "illness", NOW)
    filed = portal.submit_draft(me, draft["draft"], draft["token"], NOW)
    casework.decide(Actor.officer("t"), filed["number"], "refuse", "no sick note", at=at("2026-04-07"))
    shown = portal.appeal_window(me, f"application:{filed['number']}", at("2026-04-08"))
    assert shown["can_appeal"] and not shown["late"] and shown["runs_from"] == at("2026-04-07").date()
    assert "the decision" in shown["explanation"]
    with pytest.raises(AccessDenied):  # an officer needs a purpose
        portal.appeal_window(Actor.officer("t"), f"application:{filed['number']}", at("2026-04-08"))
    portal.appeal_window(Actor.officer("t", purpose="the person called"), f"application:{filed['number']}",
                         at("2026-04-08"))
    assert AuditRecord.objects.filter(person_id=person.pk, object_type="appeal_window",
                                      purpose="the person called").count() == 1
