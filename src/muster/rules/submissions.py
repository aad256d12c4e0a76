"""Which registry fields each kind of agency submission may set, what a partner's grant lets it
submit, and which changes wait for an officer's review, as pure mappings.

A submission is validated exactly like an import row (muster.rules.person_record)
once it is turned into one here; the extra rules are what each kind may carry,
the partner's grant, and the review.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date

from muster.rules.casework_policy import FITNESS_CATEGORIES, STP_SOURCES, STUDY_LEVELS
from muster.rules.countries import ISO_3166_ALPHA2
from muster.rules.instants import EARLIEST
from muster.rules.person_record import FieldError

# kind -> (fields it may carry, fields it must carry, at least one of)
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "address": (("address", "postcode", "district"), ("address",), ()),
    "contact": (("email", "phone", "electronic_account"), (), ("email", "phone", "electronic_account")),
    "death": (("death_date",), ("death_date",), ()),
    "emigration": (("country", "since"), ("country", "since"), ()),
}


def to_record(national_id: str, kind: str, data: Mapping[str, object]) -> tuple[dict[str, object], list[FieldError]]:
    """The import-row equivalent of a submission, or the problems (named `data.<field>`)."""
    if kind not in KINDS:
        return {}, [FieldError("kind", f"must be one of {', '.join(KINDS)}; got {kind!r}")]
    allowed, required, one_of = KINDS[kind]
    problems = [FieldError(f"data.{k}", f"is not part of a {kind} submission (allowed: {', '.join(allowed)})")
                for k in data if k not in allowed]
    problems += [FieldError(f"data.{k}", "is required") for k in required if data.get(k) in (None, "")]
    problems += [FieldError(f"data.{k}", "must be text") for k, v in data.items()
                 if k in allowed and isinstance(v, int) and not isinstance(v, bool)]
    if one_of and not any(data.get(k) not in (None, "") for k in one_of):
        problems.append(FieldError("data", f"give at least one of {', '.join(one_of)}"))
    if problems:
        return {}, problems
    record: dict[str, object] = {"national_id": national_id}
    if kind == "emigration":
        # The registry has no country of residence: an emigration is kept as an address abroad.
        country, since = str(data["country"]).strip().upper(), str(data["since"]).strip()
        record["address"] = f"abroad: {country}, since {since}"
        problems = []
        if country not in ISO_3166_ALPHA2:
            problems.append(FieldError("data.country", f"must be an ISO 3166-1 alpha-2 country code; got {country!r}"))
        try:
            date.fromisoformat(since)
        except ValueError:
            problems.append(FieldError("data.since", f"must be a date as YYYY-MM-DD; got {since!r}"))
        return record, problems
    record.update({k: v for k, v in data.items() if v not in (None, "")})
    return record, []


# Every field a submission may carry, the vocabulary of grants (`partner add --submit`).
GRANTABLE = tuple(dict.fromkeys(f for allowed, _, _ in KINDS.values() for f in allowed))
# Registry fields whose change by a partner waits for an officer (they decide liability and
# service), unless the pack names the partner authoritative for the field.
REVIEWED_FIELDS = ("death_date", "district", "citizenship", "electronic_account", "email", "phone")
# A change the person must be told of (muster.delivery: a message in their account).
CONTACT_FIELDS = ("electronic_account", "email", "phone")
# Fields whose change needs two different officers to accept it (four eyes).
FOUR_EYES_FIELDS = ("death_date",)


def parse_grant(items: list[str]) -> tuple[tuple[str, ...], list[FieldError]]:
    """A grant from field names and kind names (all of the kind's fields), or the problems. A name
    that is both (`address`) is the field: the address kind is `address,postcode,district`. A
    register's kind (enrolment, medical, employment) is granted whole, by its name: its facts are
    read together by the straight-through criteria."""
    fields: list[str] = []
    problems = []
    for item in (i.strip() for i in items):
        if item in GRANTABLE or item in STP_KINDS:
            fields.append(item)
        elif item in KINDS:
            fields.extend(KINDS[item][0])
        elif item:
            problems.append(FieldError("--submit", f"{item!r} is neither a submission kind "
                                                   f"({', '.join((*KINDS, *STP_KINDS))}) "
                                                   f"nor a field ({', '.join(GRANTABLE)})"))
    return tuple(sorted(set(fields))), problems


def ungranted(kind: str, data: Mapping[str, object], grant: frozenset[str]) -> list[FieldError]:
    """The fields of a submission outside the partner's grant (named `data.<field>`); a kind none
    of whose fields is granted is refused as a whole (named `kind`), as is a register's kind that
    is not granted."""
    if kind in STP_KINDS and kind not in grant:
        return [FieldError("kind", f"this partner may not submit {kind} data (its grant: "
                                   f"{', '.join(sorted(grant)) or 'nothing'})")]
    if kind not in KINDS:
        return []
    if not grant & set(KINDS[kind][0]):
        return [FieldError("kind", f"this partner may not submit {kind} data (its grant: "
                                   f"{', '.join(sorted(grant)) or 'nothing'})")]
    return [FieldError(f"data.{k}", "is not in this partner's grant") for k in data
            if k in KINDS[kind][0] and k not in grant]


def held_for_review(changes: Mapping[str, object], authoritative: Callable[[str], bool]) -> tuple[str, ...]:
    """The changed fields that wait for an officer: the reviewed ones whose source is not
    authoritative for them."""
    return tuple(f for f in changes if f in REVIEWED_FIELDS and not authoritative(f))


def approvals_needed(fields: Iterable[str]) -> int:
    """How many different officers must accept a change of these fields."""
    return 2 if any(f in FOUR_EYES_FIELDS for f in fields) else 1


# --- register facts for straight-through processing (muster.rules.straight_through) ---------------

# The kinds whose facts feed straight-through processing; they change no registry field.
STP_KINDS = tuple(STP_SOURCES)
# The fact each kind must carry; the others may be missing (a criterion on a missing fact fails,
# and the fact goes to an officer).
STP_REQUIRED = {"enrolment": ("status",), "medical": ("category",), "employment": ("employer", "accredited")}
STP_CHOICES = {"level": STUDY_LEVELS, "category": FITNESS_CATEGORIES}
FUTURE_DATES = ("expected_end",)  # the only date a register may give in the future
MAX_YEARS_AHEAD = 15
INT_RANGES = {"days_employed": (0, 366)}  # days employed in the year before
MAX_TEXT = 200


def register_facts(kind: str, data: Mapping[str, object], today: date) -> tuple[dict[str, object], list[FieldError]]:
    """A register's facts as stored (types as STP_SOURCES says, dates as YYYY-MM-DD, nulls
    dropped), or the problems, each named `data.<field>`. Dates are checked against the server's
    `today`: none before 1900, none after today but an expected end (at most 15 years ahead)."""
    fields = STP_SOURCES[kind]
    problems = [FieldError(f"data.{k}", f"is not part of a {kind} submission (allowed: {', '.join(fields)})")
                for k in data if k not in fields]
    problems += [FieldError(f"data.{k}", "is required") for k in STP_REQUIRED[kind] if data.get(k) in (None, "")]
    facts: dict[str, object] = {}
    for name, ftype in fields.items():
        value = data.get(name)
        if value is None or name in STP_REQUIRED[kind] and value == "":
            continue
        problem = _fact_problem(name, ftype, value, today)
        if problem:
            problems.append(FieldError(f"data.{name}", problem))
        else:
            facts[name] = value.strip() if isinstance(value, str) else value
    return (facts, []) if not problems else ({}, problems)


def _fact_problem(name: str, ftype: str, value: object, today: date) -> str | None:
    if ftype == "bool":
        return None if isinstance(value, bool) else "must be true or false"
    if ftype == "int":
        low, high = INT_RANGES.get(name, (0, 10**9))
        if not isinstance(value, int) or isinstance(value, bool):
            return "must be a whole number"
        return None if low <= value <= high else f"must be between {low} and {high}"
    if not isinstance(value, str):
        return "must be text" if ftype == "str" else "must be a date as YYYY-MM-DD"
    if ftype == "date":
        return _date_problem(name, value, today)
    text = value.strip()
    if not text:
        return "is empty"
    if len(text) > MAX_TEXT:
        return f"is longer than {MAX_TEXT} characters"
    choices = STP_CHOICES.get(name)
    if choices and text not in choices:
        return f"must be one of {', '.join(choices)}; got {text!r}"
    return None


def _date_problem(name: str, text: str, today: date) -> str | None:
    if len(text) != 10 or not text.isascii() or text[4] != "-" or text[7] != "-":
        return f"must be a date as YYYY-MM-DD; got {text!r}"
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return f"must be a date as YYYY-MM-DD; got {text!r}"
    if day.year < EARLIEST.year:
        return f"{text} is before {EARLIEST.year}"
    if name in FUTURE_DATES:
        latest = date(today.year + MAX_YEARS_AHEAD, today.month, 28 if (today.month, today.day) == (2, 29) else today.day)
        return None if day <= latest else f"{text} is more than {MAX_YEARS_AHEAD} years ahead (after {latest})"
    return None if day <= today else f"{text} is in the future (after today, {today}, by the server's clock)"
