"""The print batch goes through the PDF port: a fake printer sees every word of each letter."""

from __future__ import annotations

from datetime import date

import pytest

from muster.campaigns import issuing
from muster.campaigns import services as campaigns
from muster.delivery import letters
from muster.kernel.actor import Actor
from tests.conftest import at

pytestmark = pytest.mark.django_db
NOW = at("2026-03-02")


class FakePrinter:
    def __init__(self):
        self.pages = []

    def render(self, pages, pdf_path):
        self.pages += pages
        pdf_path.write_bytes(b"%PDF fake")


def test_a_batch_hands_the_printer_each_letters_lines_in_its_language(ru, people, tmp_path, monkeypatch, settings):
    people(2)
    campaigns.create(ru, campaigns.CampaignRequest(code="C", purpose="call_up", districts={"RU-RYA": 2},
                                                   appear_from=date(2026, 3, 10), appear_to=date(2026, 3, 20),
                                                   place="ул. Ленина, 1"), actor=Actor.officer("t"), today=NOW.date())
    issuing.issue(campaigns.get("C"), NOW, actor=Actor.officer("t"))
    printer = FakePrinter()
    monkeypatch.setattr(letters, "letter_printer", lambda: printer)
    batch = letters.make_batch(NOW, tmp_path, actor=Actor.officer("t"))
    assert batch["letters"] == 1 and len(printer.pages) == 1
    page = printer.pages[0]
    assert page.title.startswith("ПОВЕСТКА № ") and page.recipient[0] == "Кому:"
    assert "ул. Ленина, 1" in page.paragraphs[0] and "призывных мероприятий" in page.paragraphs[0]
    assert page.qr_text.startswith(f"{settings.MUSTER_PUBLIC_URL}/verify/?n=")
    assert page.tracking.startswith("Почтовый идентификатор: ")
    with open(batch["pdf"], "rb") as f:
        assert f.read() == b"%PDF fake"
