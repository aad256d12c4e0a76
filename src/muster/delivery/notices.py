"""Send the email and SMS notices that are due, with retries and a final failure.

They only tell the person that a notice exists and where to read it; they
carry no details and never count as service unless the policy says so. Each
message is settled in its own transaction by the shared retry machine
(muster.delivery.outbound), so a crash loses nothing: a message is either
recorded as sent or still queued. Each attempt is recorded before it is made
(`sending_at`), and each message carries its delivery's idempotency key, so
one a crash cut off between its send and its record is not sent twice
(README, "Crashes").

A person who turned electronic notices off (muster.delivery.contacts) gets none: the delivery
fails at once, without a send, its evidence saying why; the letter and the account still reach
them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from muster.delivery import outbound
from muster.delivery.contact_models import NoticeConsent
from muster.delivery.models import Delivery, DeliveryEvent
from muster.delivery.ports import SendFailed, email_port, sms_port
from muster.kernel import crashpoints
from muster.policy import loader
from muster.rules.delivery import next_state

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
    return outbound.drain(NoticeOutbox(limit), now)


# How drain's outcomes are counted: "email_sent", "sms_retried", "email_failed", ...
OUTCOME = {"sent": "sent", "retried": "retried", "gave_up": "failed"}


class NoticeOutbox:
    """Delivery rows of the email and SMS channels; a DeliveryEvent records each sent and each
    final failure, as it does for every channel."""

    base_seconds = 60

    def __init__(self, limit: int):
        self.limit = limit
        self.max_attempts: int = settings.MUSTER_DELIVERY_MAX_ATTEMPTS
        self.email, self.sms = email_port(), sms_port()
        self.texts: dict[str, tuple[str, str]] = {}
        self.withdrawn: set[int] = set()  # people of this batch who turned electronic notices off

    def due(self, now: datetime) -> Iterable[Delivery]:
        batch = list(Delivery.objects.filter(channel__in=("email", "sms"), state="queued", next_attempt_at__lte=now)
                     .select_related("summons__person", "summons__campaign")
                     .order_by("next_attempt_at", "id")[:self.limit])
        self.withdrawn = set(NoticeConsent.objects.filter(
            person_id__in={d.person_id for d in batch}, electronic=False).values_list("person_id", flat=True))
        return batch

    def hold_key(self, delivery: Delivery) -> None:
        return None

    def attempts(self, delivery: Delivery) -> int:
        return delivery.attempts

    def send(self, delivery: Delivery) -> str:
        if delivery.person_id in self.withdrawn:
            raise SendFailed("the person turned electronic notices off", temporary=False)
        person = delivery.summons.person
        pack_code = delivery.summons.campaign.pack_code
        if pack_code not in self.texts:
            self.texts[pack_code] = _text(loader.get_pack(pack_code).languages[0])
        subject, body = self.texts[pack_code]
        if delivery.channel == "email":
            ref = self.email.send(person.email, subject, body, key=idempotency_key(delivery))
        else:
            ref = self.sms.send(person.phone, body, key=idempotency_key(delivery))
        crashpoints.reached(f"notice.sent.{delivery.channel}")
        return ref

    def begin(self, delivery: Delivery, now: datetime) -> None:
        delivery.sending_at = now
        delivery.save(update_fields=["sending_at"])

    def sent_before(self, delivery: Delivery) -> str | None:
        if delivery.sending_at is None:  # no attempt of it was ever cut off
            return None
        port = self.email if delivery.channel == "email" else self.sms
        return port.sent_before(idempotency_key(delivery))

    def sent(self, delivery: Delivery, attempts: int, ref: str, now: datetime) -> None:
        delivery.state = next_state(delivery.state, "sent")
        delivery.attempts = attempts
        delivery.provider_ref = ref[:100]
        delivery.next_attempt_at = delivery.sending_at = None
        delivery.save(update_fields=["state", "attempts", "provider_ref", "next_attempt_at", "sending_at"])
        _event(delivery, "sent", now, f"accepted by the {delivery.channel} gateway ({ref})")

    def retry(self, delivery: Delivery, attempts: int, reason: str, at: datetime) -> None:
        delivery.attempts, delivery.last_error, delivery.next_attempt_at = attempts, reason, at
        delivery.sending_at = None
        delivery.save(update_fields=["attempts", "last_error", "next_attempt_at", "state", "sending_at"])

    def give_up(self, delivery: Delivery, attempts: int, reason: str, now: datetime) -> None:
        delivery.attempts, delivery.last_error = attempts, reason
        delivery.state = next_state(delivery.state, "failed")
        delivery.next_attempt_at = delivery.sending_at = None
        _event(delivery, "failed", now, f"gave up after {attempts} attempts: {reason}")
        delivery.save(update_fields=["attempts", "last_error", "next_attempt_at", "state", "sending_at"])

    def count_key(self, delivery: Delivery, outcome: outbound.Outcome) -> str:
        return f"{delivery.channel}_{OUTCOME[outcome]}"


def idempotency_key(delivery: Delivery) -> str:
    """The same for every attempt at this delivery: a provider can drop a copy sent after a crash."""
    return f"muster-delivery-{delivery.pk}"


def _event(delivery: Delivery, event: str, now: datetime, evidence: str) -> None:
    DeliveryEvent.objects.create(delivery=delivery, summons_id=delivery.summons_id, person_id=delivery.person_id,
                                 channel=delivery.channel, event=event, happened_on=timezone.localdate(now), at=now,
                                 evidence=evidence)
