"""Tell people when a measure is applied to them, lifted, suspended or reinstated (docs/overview.md,
"Due process").

Messages are made set-based from the ledger (as partners' feeds are, under
the same locks, so none is skipped), shown in the person's electronic
account, and announced by email without details. The emails go through the
shared retry machine (muster.delivery.outbound), each attempt recorded before
it is made and settled in its own transaction, with the message's own
idempotency key: a crash re-sends none to the folder outbox, and at most one,
with the same key, through SMTP.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings

from muster.delivery import outbound
from muster.delivery.models import MessageCursor, PersonMessage
from muster.delivery.ports import email_port
from muster.kernel import db as sql
from muster.ledger import outbox
from muster.ledger.outbox import MEASURE_EVENTS
from muster.policy import loader
from muster.summons import sql as summons_sql

# The subject, and the body for each measure event, in each language; the email says only that
# there is a message.
EMAIL = {
    "ru": ("Muster: новое сообщение в личном кабинете", {
        "measure.applied": "К вам применена мера ограничения. В личном кабинете {url}/portal/ указано, какая, "
                           "с какого дня, на каком правовом основании и как её снять.",
        "measure.lifted": "Мера ограничения в отношении вас снята. Подробности в личном кабинете {url}/portal/.",
        "measure.suspended": "Действие меры ограничения в отношении вас приостановлено. Подробности в личном "
                             "кабинете {url}/portal/.",
        "measure.reinstated": "Действие меры ограничения в отношении вас возобновлено. В личном кабинете "
                              "{url}/portal/ указано, какой, с какого дня и почему.",
        "other": "В личном кабинете {url}/portal/ новое сообщение.",
    }),
    "en": ("Muster: a message in your electronic account", {
        "measure.applied": "A restriction has been applied to you. Your electronic account at {url}/portal/ "
                           "says which, from when, on what legal basis, and how it is lifted.",
        "measure.lifted": "A restriction on you has been lifted. Your electronic account at {url}/portal/ has "
                          "the details.",
        "measure.suspended": "A restriction on you has been suspended. Your electronic account at {url}/portal/ "
                             "has the details.",
        "measure.reinstated": "A restriction on you is in force again. Your electronic account at {url}/portal/ "
                              "says which, from when, and why.",
        "other": "There is a new message in your electronic account at {url}/portal/.",
    }),
}


# A contact channel changed by an agency (muster.delivery.contact_notice).
CONTACT_CHANGED = {
    "ru": "Ваши контактные данные в реестре изменены по сведениям ведомства. Подробности в личном кабинете "
          "{url}/portal/. Если вы этого не ожидали, обратитесь в военный комиссариат.",
    "en": "Your contact details in the registry were changed on an agency's report. Your electronic account at "
          "{url}/portal/ says which. If you did not expect this, contact your registration office.",
}


def _email(topic: str) -> tuple[str, str]:
    """The subject and body in the first language of the default pack."""
    language = loader.get_pack(settings.MUSTER_DEFAULT_PACK).languages[0]
    subject, bodies = EMAIL.get(language, EMAIL["en"])
    if topic == "contact.changed":
        return subject, CONTACT_CHANGED.get(language, CONTACT_CHANGED["en"]).format(url=settings.MUSTER_PUBLIC_URL)
    return subject, bodies.get(topic, bodies["other"]).format(url=settings.MUSTER_PUBLIC_URL)


def _details() -> str:
    """What the account shows: the measure's lasting facts from its row, then what the event says
    (the day it was lifted and why)."""
    facts = sql.json_object({"kind": "m.kind", "effective_from": "m.effective_from", "legal_basis": "b.text",
                             "summons_number": summons_sql.number("e.summons_id")})
    return sql.json_merge(facts, "e.payload")


def make_messages(now: datetime) -> int:
    """One message per new measure event, for the person it concerns. Returns how many."""
    with outbox.new_events(MessageCursor) as (cur, after, upto):
        if upto is None:
            return 0
        cur.execute(
            "INSERT INTO dueprocess_personmessage (person_id, event_id, topic, details, created_at, "
            "email_state, attempts, next_attempt_at, last_error) "
            f"SELECT e.person_id, e.id, e.type, {_details()}, %s, "
            "CASE WHEN p.email IS NULL OR p.email = '' THEN 'none' ELSE 'queued' END, 0, %s, '' "
            "FROM events_event e JOIN registry_person p ON p.id = e.person_id "
            "JOIN measures_measure m ON m.id = e.measure_id JOIN measures_legalbasis b ON b.id = m.basis_id "
            f"WHERE e.id > %s AND e.id <= %s AND e.type IN ({', '.join(['%s'] * len(MEASURE_EVENTS))})",
            [sql.dt(now), sql.dt(now), after, upto, *MEASURE_EVENTS])
        return int(cur.rowcount)


def send_due(now: datetime, limit: int = 5000) -> Counter[str]:
    """Send the announcing emails that are due; counts message_email_sent, _retried and _failed."""
    return outbound.drain(MessageEmails(limit), now)


class MessageEmails:
    """The announcing email of each PersonMessage (`email_state`: queued, then sent or failed)."""

    base_seconds = 60
    names = {"sent": "message_email_sent", "retried": "message_email_retried", "gave_up": "message_email_failed"}
    fields = ["attempts", "last_error", "email_state", "next_attempt_at", "sending_at"]

    def __init__(self, limit: int):
        self.limit = limit
        self.max_attempts: int = settings.MUSTER_DELIVERY_MAX_ATTEMPTS
        self.port = email_port()

    def due(self, now: datetime) -> Iterable[PersonMessage]:
        return (PersonMessage.objects.filter(email_state="queued", next_attempt_at__lte=now)
                .select_related("person").order_by("next_attempt_at", "id")[:self.limit])

    def hold_key(self, message: PersonMessage) -> None:
        return None

    def attempts(self, message: PersonMessage) -> int:
        return message.attempts

    def send(self, message: PersonMessage) -> str:
        subject, body = _email(message.topic)
        # A changed contact is told to the address the person had before (contact_notice).
        return self.port.send(message.details.get("email_to") or message.person.email, subject, body,
                              key=f"muster-message-{message.pk}")

    def begin(self, message: PersonMessage, now: datetime) -> None:
        """The attempt recorded before it is made (muster.delivery.outbound.AttemptRecorder)."""
        message.sending_at = now
        message.save(update_fields=["sending_at"])

    def sent_before(self, message: PersonMessage) -> str | None:
        return None if message.sending_at is None else self.port.sent_before(f"muster-message-{message.pk}")

    def sent(self, message: PersonMessage, attempts: int, ref: str, now: datetime) -> None:
        message.attempts, message.email_state, message.next_attempt_at, message.last_error = attempts, "sent", None, ""
        message.sending_at = None
        message.save(update_fields=self.fields)

    def retry(self, message: PersonMessage, attempts: int, reason: str, at: datetime) -> None:
        message.attempts, message.last_error, message.next_attempt_at = attempts, reason[:300], at
        message.sending_at = None
        message.save(update_fields=self.fields)

    def give_up(self, message: PersonMessage, attempts: int, reason: str, now: datetime) -> None:
        message.attempts, message.last_error = attempts, reason[:300]
        message.email_state, message.next_attempt_at, message.sending_at = "failed", None, None
        message.save(update_fields=self.fields)

    def count_key(self, message: PersonMessage, outcome: outbound.Outcome) -> str:
        return self.names[outcome]


def messages_of(person_id: int) -> list[dict[str, object]]:
    """A person's messages, newest first, as the electronic account shows them."""
    return [{"topic": m.topic, "at": m.created_at.isoformat(), **m.details}
            for m in PersonMessage.objects.filter(person_id=person_id).order_by("-id")]
