"""Which registry fields each kind of agency submission may set, as a pure mapping.

A submission is validated exactly like an import row (muster.rules.person_record)
once it is turned into one here; the only extra rule is what each kind may carry.
"""

from __future__ import annotations

from collections.abc import Mapping
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
