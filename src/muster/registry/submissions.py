"""Agency submissions about one person: the same validation, merge and provenance as an import.

The fields a partner may change only with an officer's review (muster.rules.submissions
REVIEWED_FIELDS) are handed back, not merged: the partners' review queue keeps them and merges
them here once accepted (`merge`). A national id the registry does not hold changes nothing, and
the caller answers it as it answers any other (no registration oracle).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from muster.audit import trail
from muster.kernel.actor import Actor
from muster.registry import merge_sql, staging
from muster.registry.models import Observation, Person, Source
from muster.rules.instants import instant_problem
from muster.rules.person_record import PERSON_COLUMNS, FieldError, RecordContext, validate_record
from muster.rules.policy import Pack
from muster.rules.submissions import held_for_review, to_record


class SubmissionRejected(ValueError):
    def __init__(self, problems: list[FieldError]):
        super().__init__("; ".join(f"{p.column}: {p.reason}" for p in problems))
        self.problems = problems


@dataclass
class Merged:
    observation_id: int | None
    changed_fields: list[str]
    previous: dict[str, object]  # the values the changed fields had before


@dataclass
class Outcome:
    """What a submission did: person_id None for a national id the registry does not hold."""

    person_id: int | None
    merged: Merged | None = None
    held: dict[str, object] = field(default_factory=dict)  # field -> value, waiting for review


def check_observed_at(observed_at: datetime, now: datetime) -> datetime:
    """The observation time as an aware datetime, or SubmissionRejected naming `observed_at`
    (before 1900, or after now plus the clock skew: muster.rules.instants)."""
    if observed_at.tzinfo is None:
        observed_at = observed_at.replace(tzinfo=UTC)
    problem = instant_problem(observed_at, now=now, skew=timedelta(seconds=settings.MUSTER_CLOCK_SKEW))
    if problem:
        raise SubmissionRejected([FieldError("observed_at", problem)])
    return observed_at


def apply(pack: Pack, national_id: str, kind: str, data: Mapping[str, object], *, source: str,
          observed_at: datetime, reference: str, actor: Actor, now: datetime) -> Outcome:
    """Validate (dates in the data against the server's clock `now`, not `observed_at`), then merge
    field by field what may be merged at once, and hand back what waits for review."""
    observed_at = check_observed_at(observed_at, now)
    record, problems = to_record(national_id, kind, data)
    if problems:
        raise SubmissionRejected(problems)
    today = now.astimezone(ZoneInfo(pack.time_zone)).date()
    ctx = RecordContext(scheme=pack.id_scheme, districts=pack.district_codes(), today=today,
                        required=("national_id",))
    values, problems = validate_record(record, ctx)
    if problems or values is None:
        raise SubmissionRejected([FieldError(_field_name(p.column, kind), p.reason) for p in problems])
    person = Person.objects.filter(national_id=values[0]).first()
    if person is None:
        return Outcome(None)
    given = {c: v for c, v in zip(PERSON_COLUMNS[1:], values[1:], strict=True) if v is not None}
    held_fields = held_for_review(given, lambda f: pack.sources.is_authoritative(f, source))
    direct = {f: v for f, v in given.items() if f not in held_fields}
    merged = merge(pack, person, direct, source=source, observed_at=observed_at, reference=reference,
                   actor=actor, what=kind) if direct else None
    return Outcome(person.pk, merged, {f: given[f] for f in held_fields})


def merge(pack: Pack, person: Person, changes: Mapping[str, object], *, source: str, observed_at: datetime,
          reference: str, actor: Actor, what: str) -> Merged:
    """Merge validated values of one person as an observation of `source` at `observed_at`, by the
    registry's merge rule (a more trusted source, then a newer observation, wins each field)."""
    values = [person.national_id, *(changes.get(c) for c in PERSON_COLUMNS[1:])]
    before = {f: getattr(person, f) for f in changes}
    with transaction.atomic():
        src, _ = Source.objects.get_or_create(name=source)
        observation = Observation.objects.create(source=src, observed_at=observed_at, kind="submission",
                                                 reference=reference[:300])
        staging.create()
        with connection.cursor() as cur:
            cols = ", ".join(("seq", *PERSON_COLUMNS))
            cur.execute(f"INSERT INTO {staging.STAGING} ({cols}) VALUES ({', '.join(['%s'] * (1 + len(values)))})",
                        [1, *values])
        merge_sql.update_existing(observation.pk, observed_at, pack.sources, source)
        staging.drop()
        person.refresh_from_db()
        changed = [f for f in PERSON_COLUMNS[1:] if person.observation_id_of(f) == observation.pk]
        trail.record(actor, "person.submission", "person", str(person.pk), person_id=person.pk,
                     purpose=f"{what} from {source}: {', '.join(changed) or 'nothing new'}")
    return Merged(observation.pk, changed, {f: before[f] for f in changed})


def _field_name(column: str, kind: str) -> str:
    if column == "national_id":
        return column
    if kind == "emigration":
        return "data.country"
    return f"data.{column}"
