"""A person's timeline for the officer console: what the registry received about them (imports),
what happened to them (the ledger: summonses, deliveries, measures, applications, decisions,
appeals) and who read their record, newest first. Each ledger entry keeps the reasons and legal
basis its event recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from muster.audit.access import reads_of
from muster.ledger.models import Event
from muster.registry.models import Observation, Person
from muster.rules.person_record import OBSERVED_FIELDS

MAX_EVENTS = 500
# Payload keys shown with an entry: why it happened and on what legal basis.
EXPLAINING_KEYS = ("reason", "reasons", "basis", "legal_basis", "outcome", "verdict", "kind", "number",
                   "channel", "decision", "application", "appeal", "status", "by")


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # "import", "read", or a ledger event type (muster.rules.vocabulary.EventType)
    details: tuple[tuple[str, str], ...] = field(default=())


def timeline_of(person: Person) -> list[Entry]:
    """The caller has checked access and logged this read (muster.registry.services.open_person)."""
    entries: list[Entry] = []
    obs_ids = {person.observation_id_of(f) for f in OBSERVED_FIELDS} - {None}
    for obs in Observation.objects.filter(pk__in=obs_ids).select_related("source"):
        entries.append(Entry(obs.observed_at, "import", (("source", obs.source.name), ("kind", obs.kind))))
    events = Event.objects.filter(person_id=person.pk).order_by("-id")[:MAX_EVENTS]
    for event in events:
        payload = event.payload if isinstance(event.payload, dict) else {}
        details = tuple((key, _text(payload[key])) for key in EXPLAINING_KEYS if payload.get(key) not in (None, ""))
        entries.append(Entry(event.occurred_at, str(event.type), details))
    for read in reads_of(person.pk):
        entries.append(Entry(read["at"], "read", (("who", str(read["who"])),  # type: ignore[arg-type]
                                                  ("purpose", str(read["purpose"])))))
    return sorted(entries, key=lambda e: e.at, reverse=True)


def _text(value: object) -> str:
    if isinstance(value, list | tuple):
        return "; ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return str(value)
