"""Agency submissions about one person: the same validation, merge and provenance as an import."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from muster.audit import trail
from muster.kernel.actor import Actor
from muster.registry import merge_sql, staging
from muster.registry.models import Observation, Person, Source
from muster.rules.person_record import PERSON_COLUMNS, FieldError, RecordContext, validate_record
from muster.rules.policy import Pack
from muster.rules.submissions import to_record


class SubmissionRejected(ValueError):
    def __init__(self, problems: list[FieldError]):
        super().__init__("; ".join(f"{p.column}: {p.reason}" for p in problems))
        self.problems = problems


@dataclass
class Applied:
    observation_id: int
    changed_fields: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"observation_id": self.observation_id, "changed_fields": self.changed_fields}


def apply(pack: Pack, national_id: str, kind: str, data: dict[str, object], *, source: str,
          observed_at: datetime, reference: str, actor: Actor) -> Applied:
    """Validate, then merge field by field (a newer observation wins; an older one changes nothing)."""
    record, problems = to_record(national_id, kind, data)
    if problems:
        raise SubmissionRejected(problems)
    today = observed_at.astimezone(ZoneInfo(pack.time_zone)).date()
    ctx = RecordContext(scheme=pack.id_scheme, districts=pack.district_codes(), today=today,
                        required=("national_id",))
    values, problems = validate_record(record, ctx)
    if problems or values is None:
        raise SubmissionRejected([FieldError(_field_name(p.column, kind), p.reason) for p in problems])
    person = Person.objects.filter(national_id=values[0]).first()
    if person is None:
        raise SubmissionRejected([FieldError("national_id", "no person with this national id in the registry")])
    with transaction.atomic():
        src, _ = Source.objects.get_or_create(name=source)
        observation = Observation.objects.create(source=src, observed_at=observed_at, kind="submission",
                                                 reference=reference[:300])
        staging.create()
        with connection.cursor() as cur:
            cols = ", ".join(("seq", *PERSON_COLUMNS))
            cur.execute(f"INSERT INTO {staging.STAGING} ({cols}) VALUES ({', '.join(['%s'] * (1 + len(values)))})",
                        [1, *values])
        merge_sql.update_existing(observation.pk, observed_at)
        staging.drop()
        person.refresh_from_db()
        changed = [f for f in PERSON_COLUMNS[1:] if person.observation_id_of(f) == observation.pk]
        trail.record(actor, "person.submission", "person", str(person.pk), person_id=person.pk,
                     purpose=f"{kind} from {source}: {', '.join(changed) or 'nothing new'}")
    return Applied(observation.pk, changed)


def _field_name(column: str, kind: str) -> str:
    if column == "national_id":
        return column
    if kind == "emigration":
        return "data.country"
    return f"data.{column}"
