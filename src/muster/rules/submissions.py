"""Which registry fields each kind of agency submission may set, what a partner's grant lets it
submit, and which changes wait for an officer's review, as pure mappings.

A submission is validated exactly like an import row (muster.rules.person_record)
once it is turned into one here; the extra rules are what each kind may carry,
the partner's grant, and the review.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date

from muster.rules.countries import ISO_3166_ALPHA2
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
    that is both (`address`) is the field: the address kind is `address,postcode,district`."""
    fields: list[str] = []
    problems = []
    for item in (i.strip() for i in items):
        if item in GRANTABLE:
            fields.append(item)
        elif item in KINDS:
            fields.extend(KINDS[item][0])
        elif item:
            problems.append(FieldError("--submit", f"{item!r} is neither a submission kind ({', '.join(KINDS)}) "
                                                   f"nor a field ({', '.join(GRANTABLE)})"))
    return tuple(sorted(set(fields))), problems


def ungranted(kind: str, data: Mapping[str, object], grant: frozenset[str]) -> list[FieldError]:
    """The fields of a submission outside the partner's grant (named `data.<field>`); a kind none
    of whose fields is granted is refused as a whole (named `kind`)."""
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
