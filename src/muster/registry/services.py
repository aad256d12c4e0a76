"""The registry's use cases, for every interface: each takes an Actor, checks access, and logs
every disclosure of a person's data in that person's access log (muster.audit.access)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction

from muster.audit import access
from muster.kernel import clock
from muster.kernel.actor import Actor
from muster.registry import liability_sql, records, search, stats, timeline
from muster.registry.models import Person
from muster.registry.readers import FileProblem, InvalidObservation, total_units
from muster.registry.records import InvalidNationalId, PersonNotFound
from muster.rules import access as rules
from muster.rules import limits
from muster.rules.policy import Pack

if TYPE_CHECKING:
    from muster.registry import importer


def find_person(actor: Actor, national_id: str, pack: Pack) -> Person:
    """The person a national id names, if the actor may read their record (the caller logs the read).
    InvalidNationalId, PersonNotFound, or AccessDenied with the reason (another district, no purpose,
    a role that reads no records)."""
    limits.check("purpose", actor.purpose, "--purpose")
    person = records.find(national_id, pack)
    access.require(rules.may_read_person(actor, person.pk, person.district))
    return person


def show_person(actor: Actor, national_id: str, pack: Pack, on: date, *, explained: bool = False) -> dict[str, Any]:
    """The record, where each value came from, and liability on `on`; the read is logged first.
    `explained` adds the liability reasons as data (muster.rules.liability.Reason)."""
    person = find_person(actor, national_id, pack)
    with transaction.atomic():
        access.read_person(actor, person.pk)
    return records.record_of(person, pack, on, explained=explained)


def person_signing_in(national_id: str, pack: Pack) -> int | None:
    """The id of the person an identity provider vouched for, for the portal's sign-in; None when
    the registry holds no such person (and nothing else: the answer says nothing about others).
    No read is logged: nothing of the record is disclosed, and the person's own pages log theirs."""
    try:
        return records.find(national_id, pack).pk
    except (InvalidNationalId, PersonNotFound):
        return None


def search_people(actor: Actor, pack: Pack, *, national_id: str = "", family_name: str = "",
                  birth_date: date | None = None) -> list[search.Found]:
    """People matching the search within the actor's districts (never elsewhere: no hint that an
    id is registered in another district). SearchProblem names a bad field."""
    access.require(rules.may_search_people(actor))
    return search.search(actor, pack, national_id=national_id, family_name=family_name, birth_date=birth_date)


def check_in_scope(actor: Actor, person_id: int) -> None:
    """Before asking an officer for a purpose: the person is theirs to open (PersonNotFound, as for
    no one, outside their districts; AccessDenied for a role that reads no records)."""
    access.require(rules.may_search_people(actor))
    search.in_scope(actor, person_id)


def open_person(actor: Actor, person_id: int, pack: Pack, on: date) -> dict[str, Any]:
    """A record opened in the console with a stated purpose: the record and its timeline; the read
    goes into the person's access log first. Outside the actor's districts: PersonNotFound, as for
    no one (the console answers 404 for both); a role that reads no records: AccessDenied."""
    access.require(rules.may_search_people(actor))
    limits.check("purpose", actor.purpose, "purpose")
    person = search.in_scope(actor, person_id)
    access.require(rules.may_read_person(actor, person.pk, person.district))
    with transaction.atomic():
        access.read_person(actor, person.pk)
    record = records.record_of(person, pack, on)
    record["person_id"] = person.pk
    record["timeline"] = timeline.timeline_of(person)
    return record


def import_persons(actor: Actor, path: Path, pack: Pack, *, source: str, errors_path: Path | None = None,
                   strict: bool = False, observed_at: datetime | None = None,
                   progress: Callable[[int], None] | None = None) -> importer.ImportResult:
    access.require(rules.may_feed_registry(actor))
    limits.check("source name", source, "--source")
    from muster.registry import importer  # the staging and merge SQL: imports only, not reads

    return importer.import_persons(path, pack, source=source, errors_path=errors_path, strict=strict,
                                   observed_at=observed_at, actor=actor, progress=progress)


def count_liable(actor: Actor, pack: Pack, on: date, district: str | None) -> dict[str, int]:
    """Counts by reason, no names: {"liable": n, reason: n, ...}."""
    access.require(rules.may_count(actor, district))
    return liability_sql.count_by_reason(pack, on, district)


def list_liable(actor: Actor, pack: Pack, on: date, district: str | None) -> Iterator[str]:
    """The national ids of those liable, streamed; every person listed gets the read in their
    access log, written before the first id is handed out."""
    access.require(rules.may_list_people(actor, district))
    people_sql, params = liability_sql.liable_people_sql(pack, on, district)
    with transaction.atomic(), connection.cursor() as cur:
        access.read_people(cur, actor, people_sql, params, clock.now())
    return liability_sql.liable_ids(pack, on, district)


def public_counts() -> dict[str, object]:
    """Registry counts for the public status page: totals only, never anything about a person."""
    return stats.registry_counts()


SearchProblem = search.SearchProblem

__all__ = ["FileProblem", "InvalidNationalId", "InvalidObservation", "PersonNotFound", "SearchProblem", "check_in_scope",
           "count_liable", "find_person", "import_persons", "list_liable", "open_person", "person_signing_in",
           "public_counts", "search_people", "show_person", "total_units"]
