"""Postal letters: one PDF page per summons, in the pack's language, with the font
embedded and a QR code that opens the public verification page; a daily print
batch is one PDF plus a CSV manifest of tracking numbers.

What a letter says is chosen here; the PDF itself is made by the printer port
(muster.delivery.pdf), so the PDF library stays out of this module."""

from __future__ import annotations

import csv
import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection, transaction

from muster.audit import trail
from muster.delivery.models import Delivery, DeliveryEvent, PrintBatch
from muster.delivery.pdf import Page, letter_printer
from muster.kernel.actor import Actor
from muster.kernel.clock import today_in
from muster.policy import loader
from muster.rules.delivery import next_state
from muster.rules.notice_numbers import format_summons_number, tracking_number, verification_code

PURPOSE = {
    "ru": {"medical_examination": "медицинского освидетельствования", "call_up": "призывных мероприятий",
           "data_check": "уточнения документов воинского учёта",
           "alternative_service": "направления на альтернативную гражданскую службу"},
    "en": {"medical_examination": "a medical examination", "call_up": "call-up",
           "data_check": "a check of your registration data", "alternative_service": "alternative civilian service"},
}

LINES = {
    "ru": {"title": "ПОВЕСТКА № {number}", "to": "Кому:", "body": (
        "В соответствии с Федеральным законом «О воинской обязанности и военной службе» "
        "Вам надлежит явиться {date} к {time} по адресу: {place} ({office}) для {purpose}."),
        "excuse": "Если у Вас есть уважительная причина неявки, сообщите о ней в личном кабинете или в военкомат.",
        "appeal": "Повестку можно обжаловать в порядке, указанном в личном кабинете.",
        "verify": "Проверить подлинность: {url} — номер {number}, код {code}",
        "tracking": "Почтовый идентификатор: {tracking}"},
    "en": {"title": "NOTICE No. {number}", "to": "To:", "body": (
        "Under the law on military duty you are required to appear on {date} at {time} at: {place} "
        "({office}) for {purpose}."),
        "excuse": "If you have a valid excuse for not appearing, tell the office or use your online account.",
        "appeal": "You may appeal this notice as described in your online account.",
        "verify": "Check that this notice is genuine: {url} — number {number}, code {code}",
        "tracking": "Tracking number: {tracking}"},
}


def verification_url(number: int) -> str:
    code = verification_code(number, settings.MUSTER_VERIFY_KEY)
    return f"{settings.MUSTER_PUBLIC_URL}/verify/?{urlencode({'n': format_summons_number(number), 'c': code})}"


@dataclass(frozen=True)
class Letter:
    number: int
    tracking: str
    language: str
    full_name: str
    address: str
    postcode: str
    appearance_date: date
    appear_time: str
    place: str
    office: str
    purpose: str


def render(letters: list[Letter], pdf_path: Path) -> None:
    """Write the letters as one PDF, a page each, through the PDF port."""
    letter_printer().render([_page(letter) for letter in letters], pdf_path)


def _page(letter: Letter) -> Page:
    """Every line of the letter in its language; the printer lays them out."""
    text = LINES.get(letter.language, LINES["en"])
    number = format_summons_number(letter.number)
    code = verification_code(letter.number, settings.MUSTER_VERIFY_KEY)
    purpose = PURPOSE.get(letter.language, PURPOSE["en"]).get(letter.purpose, letter.purpose)
    body = text["body"].format(date=letter.appearance_date.strftime("%d.%m.%Y"), time=letter.appear_time,
                               place=letter.place, office=letter.office, purpose=purpose)
    return Page(
        sender=letter.office, title=text["title"].format(number=number),
        recipient=(text["to"], letter.full_name, letter.address, letter.postcode),
        paragraphs=(body, text["excuse"], text["appeal"]), qr_text=verification_url(letter.number),
        verify=text["verify"].format(url=f"{settings.MUSTER_PUBLIC_URL}/verify/", number=number, code=code),
        tracking=text["tracking"].format(tracking=letter.tracking))


def make_batch(now: datetime, out_dir: Path, *, actor: Actor) -> dict[str, Any]:
    """Print every queued postal letter whose summons is placed by `now`. Running it again prints
    nothing twice: letters printed once are `sent`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with transaction.atomic():
        due = list(Delivery.objects.select_for_update(of=("self",))
                   .filter(channel="post", state="queued", summons__placed_at__lte=now)
                   .select_related("summons__person", "summons__campaign").order_by("summons_id"))
        if not due:
            return {"letters": 0, "batch": None, "pdf": None, "manifest": None}
        batch = PrintBatch.objects.create(created_at=now, for_date=now.date(), letters=len(due), pdf_path="",
                                          manifest_path="")
        offices: dict[str, str] = {}
        packs: dict[str, Any] = {}
        letters = []
        for delivery in due:
            s, p = delivery.summons, delivery.summons.person
            code = s.campaign.pack_code
            pack = packs[code] if code in packs else packs.setdefault(code, loader.get_pack(code))
            if s.district not in offices:
                offices[s.district] = pack.office_of(s.district)
            delivery.provider_ref = tracking_number(delivery.pk % 10**8, country=pack.country)
            letters.append(Letter(
                number=s.number, tracking=delivery.provider_ref, language=pack.languages[0],
                full_name=" ".join(x for x in (p.family_name, p.given_name, p.patronymic) if x),
                address=p.address or "", postcode=p.postcode or "", appearance_date=s.appearance_date,
                appear_time=s.campaign.appear_time.strftime("%H:%M"), place=s.campaign.place,
                office=offices[s.district], purpose=s.campaign.purpose))
        pdf_path = out_dir / f"print-batch-{batch.pk:06d}.pdf"
        manifest_path = out_dir / f"print-batch-{batch.pk:06d}.csv"
        _write_atomically(pdf_path, lambda tmp: render(letters, tmp))
        _write_atomically(manifest_path, lambda tmp: _manifest(tmp, batch.pk, letters))
        batch.pdf_path, batch.manifest_path = str(pdf_path), str(manifest_path)
        batch.save(update_fields=["pdf_path", "manifest_path"])
        day = today_in(loader.get_pack(due[0].summons.campaign.pack_code), now)
        sent = next_state("queued", "sent")
        with connection.cursor() as cur:  # one prepared UPDATE per row: bulk_update's CASE grows with the batch
            cur.executemany("UPDATE notices_delivery SET state = %s, attempts = attempts + 1, provider_ref = %s, "
                            "print_batch = %s WHERE id = %s",
                            [(sent, d.provider_ref, batch.pk, d.pk) for d in due])
        DeliveryEvent.objects.bulk_create(
            [DeliveryEvent(delivery=d, summons_id=d.summons_id, person_id=d.person_id, channel="post", event="sent",
                           happened_on=day, at=now, evidence=f"print batch {batch.pk}, tracking {d.provider_ref}")
             for d in due], batch_size=2000)
        trail.record(actor, "letters.batch", "print_batch", str(batch.pk), purpose=f"{len(due)} letters")
    return {"letters": len(due), "batch": batch.pk, "pdf": str(pdf_path), "manifest": str(manifest_path)}


def _manifest(path: Path, batch_id: int, letters: list[Letter]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["batch", "page", "summons_number", "tracking_number", "postcode"])
        for page, letter in enumerate(letters, 1):
            writer.writerow([batch_id, page, format_summons_number(letter.number), letter.tracking, letter.postcode])


def _write_atomically(path: Path, write: Any) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
