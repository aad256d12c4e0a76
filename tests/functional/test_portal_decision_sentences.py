"""Liability reasons and decision sentences on the portal. The portal's reading of decision sentences (muster.interfaces.portal.decisions) against the
sentences the rules write: every refusal, end and excuse of the ru pack, said in Russian, keeps no
English word; in English it is the rules' sentence itself."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from muster.interfaces.portal import decisions, reasons
from muster.policy import services as policy
from muster.policy.files import find_builtin_pack
from muster.rules.applications import decision_reasons
from muster.rules.casework import Period
from muster.rules.liability import REASON_TEXT
from tests.functional.test_portal_russian_everywhere import english_words

RU = find_builtin_pack("ru")
VERSION = RU.versions[-1]
CASES = [(kind, ground) for kind in ("deferment", "exemption", "excuse", "correction", "alternative_service")
         for ground in VERSION.casework.grounds(kind)]


def _sentences(kind, ground):
    cw = VERSION.casework
    refused = decision_reasons(kind, ground, "refused", None, "нет документа", appeal=cw.level(1),
                               appeal_deadline=date(2027, 3, 2)).sentences
    ended = decision_reasons(kind, ground, "ended", Period(date(2026, 1, 1), date(2026, 6, 30), "x"), "",
                             appeal=cw.level(1), appeal_deadline=date(2026, 7, 30), ends="A-0000001").sentences
    excused = decision_reasons("excuse", ground, "granted", Period(date(2026, 3, 2), None, "x"), "",
                               appeal=None, appeal_deadline=None, summons_number="0000-0001-95",
                               duty_after=cw.excuses.duty_after) .sentences if kind == "excuse" else ()
    taken = decision_reasons(kind, ground, "granted", Period(date(2026, 3, 2), None, "x"), "", appeal=None,
                             appeal_deadline=None).sentences if kind in ("exemption", "alternative_service") else ()
    return refused + ended + excused + taken


@pytest.mark.parametrize(("kind", "ground"), CASES, ids=[f"{k}-{g.code}" for k, g in CASES])
def test_decision_sentences_are_said_in_russian(kind, ground):
    text = policy.pack_text(RU, "ru")
    with translation.override("ru"):
        said = [decisions.sentence(s, text) for s in _sentences(kind, ground)]
    assert [s for s in said if english_words(s)] == []


@pytest.mark.parametrize(("kind", "ground"), CASES, ids=[f"{k}-{g.code}" for k, g in CASES])
def test_every_sentence_the_rules_write_is_one_the_portal_reads(kind, ground):
    """A new or reworded sentence in the rules fails here until the portal has its pattern."""
    duty = VERSION.casework.excuses.duty_after.rstrip(".") + "."
    assert [s for s in _sentences(kind, ground) if not decisions.known(s) and s != duty] == []


def test_the_portal_translates_the_very_english_of_the_liability_reasons():
    """The portal's msgids are the rules' English sentences, code for code: a reworded reason in
    the rules fails here (and then the Russian catalogue's check) rather than drift."""
    with translation.override("en"):
        assert {code: str(text) for code, text in reasons.REASON_TEXT.items()} == REASON_TEXT
