"""Print batches (PDF + manifest, QR codes read back with a standard reader) and postal receipts."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest

from muster.campaigns import issuing
from muster.campaigns import services as campaigns
from muster.delivery.models import Delivery
from muster.kernel.actor import Actor
from muster.summons import tick
from muster.summons.models import Summons
from tests.conftest import at

pytestmark = pytest.mark.django_db
NOW = at("2026-03-02")


@pytest.fixture
def batch(ru, people, cli_run, tmp_path):
    people(6)
    campaigns.create(ru, campaigns.CampaignRequest(code="C", purpose="call_up", districts={"RU-RYA": 6},
                                                   appear_from=date(2026, 3, 10), appear_to=date(2026, 3, 20),
                                                   place="ул. Ленина, 1"), actor=Actor.officer("t"), today=NOW.date())
    issuing.issue(campaigns.get("C"), NOW, actor=Actor.officer("t"))
    result = cli_run("letters", "batch", "--now", NOW.isoformat(), "--out", str(tmp_path / "out"), "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_print_batch_pdf_manifest_font_and_qr(batch, settings):
    import pypdfium2
    import zxingcpp

    assert batch["letters"] == 3  # the three people without an electronic account
    pdf = pypdfium2.PdfDocument(batch["pdf"])
    assert len(pdf) == 3
    with open(batch["pdf"], "rb") as f:
        raw = f.read()
    assert b"/FontFile2" in raw  # the TrueType font (with Cyrillic) is embedded
    text = pdf[0].get_textpage().get_text_range()
    assert "ПОВЕСТКА" in text and "явиться" in text
    with open(batch["manifest"], encoding="utf-8") as f:
        manifest = list(csv.DictReader(f))
    assert [m["page"] for m in manifest] == ["1", "2", "3"]
    for page_no, row in enumerate(manifest):
        image = pdf[page_no].render(scale=3).to_pil()
        (code,) = zxingcpp.read_barcodes(image)
        assert code.text.startswith(f"{settings.MUSTER_PUBLIC_URL}/verify/?n=")
        assert f"n={row['summons_number']}" in code.text
        delivery = Delivery.objects.get(provider_ref=row["tracking_number"])
        assert delivery.state == "sent"


def test_a_second_batch_prints_nothing_twice(batch, cli_run, tmp_path):
    again = json.loads(cli_run("letters", "batch", "--now", NOW.isoformat(), "--out", str(tmp_path / "o2"),
                               "--json").stdout)
    assert again["letters"] == 0


def _receipts(tmp_path, rows):
    path = tmp_path / "receipts.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["tracking_number", "event", "at"])
        writer.writerows(rows)
    return path


def test_receipts_serve_on_delivery_and_reject_what_they_cannot_apply(batch, cli_run, tmp_path):
    with open(batch["manifest"], encoding="utf-8") as f:
        tracking = [r["tracking_number"] for r in csv.DictReader(f)]
    path = _receipts(tmp_path, [
        [tracking[0], "delivered", "2026-03-04T12:00:00+03:00"],
        [tracking[0], "delivered", "2026-03-04T12:00:00+03:00"],  # duplicate
        [tracking[1], "refused", "2026-03-05T10:00:00+03:00"],
        ["RA999999995RU", "delivered", "2026-03-05T10:00:00+03:00"],  # unknown
        [tracking[0], "returned", "2026-03-06T10:00:00+03:00"],  # cannot be returned once delivered
        [tracking[2], "lost", "2026-03-06T10:00:00+03:00"],
        [tracking[2], "delivered", "yesterday"],
    ])
    errors = tmp_path / "receipt-errors.csv"
    result = cli_run("receipts", "import", str(path), "--errors", str(errors), "--json")
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert (data["read"], data["applied"], data["duplicates"], data["rejected"]) == (7, 2, 1, 4)
    reasons = {p["line"]: (p["column"], p["reason"]) for p in data["problems"]}
    assert reasons[5] == ("tracking_number", "unknown tracking number")
    assert reasons[6][0] == "event" and "delivered cannot be returned" in reasons[6][1]
    assert reasons[7][0] == "event" and reasons[8][0] == "at"
    tick.tick(at("2026-03-06"), actor=Actor.officer("t"))
    by_tracking = {d.provider_ref: d.summons for d in Delivery.objects.filter(channel="post")}
    first, second = Summons.objects.get(pk=by_tracking[tracking[0]].pk), Summons.objects.get(pk=by_tracking[tracking[1]].pk)
    assert (first.status, first.served_on, first.served_how) == ("served", date(2026, 3, 4), "post:delivered")
    assert (second.served_on, second.served_how) == (date(2026, 3, 5), "post:refused")
    again = json.loads(cli_run("receipts", "import", str(_receipts(tmp_path, [[tracking[0], "delivered",
                                                                             "2026-03-04T12:00:00+03:00"]])),
                               "--json").stdout)
    assert again["duplicates"] == 1 and again["applied"] == 0


def test_receipts_with_a_wrong_header(cli_run, tmp_path, packs):
    path = tmp_path / "r.csv"
    path.write_text("tracking,status\nRA1,delivered\n")
    result = cli_run("receipts", "import", str(path), "--json")
    assert result.exit_code == 2 and "wrong header" in result.stdout


def test_verification_page(batch, client, settings):
    from muster.rules.notice_numbers import format_summons_number, verification_code

    s = Summons.objects.select_related("person").first()
    number = format_summons_number(s.number)
    code = verification_code(s.number, settings.MUSTER_VERIFY_KEY)
    page = client.get("/verify/", {"n": number, "c": code})
    html = page.content.decode()
    assert page.status_code == 200 and "This notice is genuine" in html
    assert "2026-03-10" in html and "Военный комиссариат" in html
    assert s.person.family_name not in html and s.person.national_id not in html
    assert client.get("/verify/", {"n": number, "c": "AAAAAAAA"}).status_code == 404
    wrong_digit = client.get("/verify/", {"n": number[:-1] + str((int(number[-1]) + 1) % 10), "c": code})
    assert wrong_digit.status_code == 400 and "check digits" in wrong_digit.content.decode()
    assert client.get("/verify/").status_code == 200  # the empty form


def test_verification_is_rate_limited(batch, client, settings):
    from muster.kernel import clock

    settings.MUSTER_VERIFY_RATE_PER_MINUTE = 3
    previous = clock.use(clock.FixedClock(clock.now()))  # the count is per clock minute: stay in one
    try:
        statuses = [client.get("/verify/", {"n": "0000-0001-95", "c": "X"}).status_code for _ in range(5)]
    finally:
        clock.use(previous)
    assert statuses[:3] == [404, 404, 404] and statuses[3:] == [429, 429]
