"""Send the email and SMS notices that are due, with retries and a final failure.

They only tell the person that a notice exists and where to read it; they
carry no details and never count as service unless the policy says so. Each
message is settled in its own transaction, so a crash loses nothing: a
message is either recorded as sent or still queued (and may then be sent
twice, which is harmless for a "you have a notice" message).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from muster.delivery.models import Delivery, DeliveryEvent
from muster.delivery.ports import SendFailed, email_port, sms_port
from muster.policy import loader
from muster.rules.delivery import next_state, retry_delay

TEXT = {
    "ru": ("Повестка в военный комиссариат",
           "Вам направлена повестка. Прочитать её можно в личном кабинете: {url}/portal/ "
           "или в письме, которое придёт по почте."),
    "en": ("A notice from the military registration office",
           "A notice has been issued to you. Read it in your account at {url}/portal/ "
           "or in the letter that will reach you by post."),
}


def _text(language: str) -> tuple[str, str]:
    subject, body = TEXT.get(language, TEXT["en"])
    return subject, body.format(url=settings.MUSTER_PUBLIC_URL)


def send_due(now: datetime, limit: int = 10000) -> Counter[str]:
    """Send what is due, in the first language of each summons' pack."""
    counts: Counter[str] = Counter()
    due = (Delivery.objects.filter(channel__in=("email", "sms"), state="queued", next_attempt_at__lte=now)
           .select_related("summons__person", "summons__campaign").order_by("next_attempt_at", "id")[:limit])
    email, sms = email_port(), sms_port()
    texts: dict[str, tuple[str, str]] = {}
    for delivery in due:
        person = delivery.summons.person
        pack_code = delivery.summons.campaign.pack_code
        if pack_code not in texts:
            texts[pack_code] = _text(loader.get_pack(pack_code).languages[0])
        subject, body = texts[pack_code]
        try:
            if delivery.channel == "email":
                ref = email.send(person.email, subject, body)
            else:
                ref = sms.send(person.phone, body)
        except SendFailed as exc:
            counts[_failed(delivery, now, str(exc), exc.temporary)] += 1
            continue
        with transaction.atomic():
            delivery.state = next_state(delivery.state, "sent")
            delivery.attempts += 1
            delivery.provider_ref = ref[:100]
            delivery.next_attempt_at = None
            delivery.save(update_fields=["state", "attempts", "provider_ref", "next_attempt_at"])
            _event(delivery, "sent", now, f"accepted by the {delivery.channel} gateway ({ref})")
        counts[f"{delivery.channel}_sent"] += 1
    return counts


def _failed(delivery: Delivery, now: datetime, reason: str, temporary: bool) -> str:
    with transaction.atomic():
        delivery.attempts += 1
        delivery.last_error = reason
        if temporary and delivery.attempts < settings.MUSTER_DELIVERY_MAX_ATTEMPTS:
            delivery.next_attempt_at = now + timedelta(seconds=retry_delay(delivery.attempts))
            outcome = "retried"
        else:
            delivery.state = next_state(delivery.state, "failed")
            delivery.next_attempt_at = None
            _event(delivery, "failed", now, f"gave up after {delivery.attempts} attempts: {reason}")
            outcome = "failed"
        delivery.save(update_fields=["attempts", "last_error", "next_attempt_at", "state"])
    return f"{delivery.channel}_{outcome}"


def _event(delivery: Delivery, event: str, now: datetime, evidence: str) -> None:
    DeliveryEvent.objects.create(delivery=delivery, summons_id=delivery.summons_id, person_id=delivery.person_id,
                                 channel=delivery.channel, event=event, happened_on=timezone.localdate(now), at=now,
                                 evidence=evidence)
