"""Validate and normalise one incoming person record (an import row or a submission).

A record is a mapping of column name to text (or typed values from Parquet);
empty means "not observed", so it never erases what the registry knows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from muster.rules.countries import ISO_3166_ALPHA2
from muster.rules.national_id import IdScheme, InvalidNationalId

PERSON_COLUMNS = (
    "national_id", "family_name", "given_name", "patronymic", "sex", "birth_date",
    "death_date", "citizenship", "district", "address", "postcode", "email", "phone",
    "electronic_account",
)
# Fields that carry provenance: every column except the key.
OBSERVED_FIELDS = PERSON_COLUMNS[1:]
REQUIRED_FOR_NEW = ("national_id", "family_name", "given_name", "sex", "birth_date",
                    "citizenship", "district")

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DIGIT = re.compile(r"\d")
_EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s.\x00-\x1f\x7f]+")
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_PHONE = re.compile(r"\+[0-9]{7,15}")
_POSTCODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-]{1,9}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SURROGATE = re.compile(r"[\udc80-\udcff]")
_SEXES = {"m": "M", "male": "M", "f": "F", "female": "F"}
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
EARLIEST_BIRTH = date(1900, 1, 1)


@dataclass(frozen=True)
class RecordContext:
    scheme: IdScheme
    districts: frozenset[str]
    today: date
    required: tuple[str, ...] = REQUIRED_FOR_NEW


@dataclass(frozen=True)
class FieldError:
    column: str
    reason: str


class _Invalid(ValueError):
    pass


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _name(text: str) -> str:
    if _CONTROL.search(text):
        raise _Invalid("contains control characters")
    if len(text) > 100:
        raise _Invalid(f"is too long ({len(text)} characters, at most 100)")
    if _DIGIT.search(text):
        raise _Invalid("must not contain digits")
    return text


def _date(text: str) -> date:
    if not _ISO_DATE.fullmatch(text):
        raise _Invalid("must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _Invalid("is not a real calendar date") from None


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise _Invalid("must be true or false")


def _free_text(text: str, limit: int) -> str:
    if _CONTROL.sub("", text.replace("\n", " ")) != text.replace("\n", " "):
        raise _Invalid("contains control characters")
    if len(text) > limit:
        raise _Invalid(f"is too long ({len(text)} characters, at most {limit})")
    return text


def validate_record(raw: Mapping[str, object], ctx: RecordContext
                    ) -> tuple[tuple[object, ...] | None, list[FieldError]]:
    """Return the normalised values in PERSON_COLUMNS order, or the errors.

    Dates come back as ISO text and electronic_account as a bool; a column
    that is absent or empty comes back as None.
    """
    errors: list[FieldError] = []
    out: dict[str, object] = {}
    for column in PERSON_COLUMNS:
        value = raw.get(column)
        text = _text(value)
        if text is not None and _SURROGATE.search(text):
            errors.append(FieldError(column, "is not valid UTF-8 (the file has bytes of another encoding)"))
            continue
        if text is None:
            if column in ctx.required:
                errors.append(FieldError(column, "is required"))
            out[column] = None
            continue
        try:
            out[column] = _normalise(column, value, text, ctx)
        except _Invalid as exc:
            errors.append(FieldError(column, str(exc)))
        except InvalidNationalId as exc:
            errors.append(FieldError(column, f"invalid national id: {exc}"))
    if not errors:
        birth, death = out.get("birth_date"), out.get("death_date")
        if isinstance(birth, str) and isinstance(death, str) and death < birth:
            errors.append(FieldError("death_date", "is before birth_date"))
    if errors:
        return None, errors
    return tuple(out[c] for c in PERSON_COLUMNS), []


def _normalise(column: str, value: object, text: str, ctx: RecordContext) -> object:
    if column == "national_id":
        return ctx.scheme.normalise(text)
    if column in ("family_name", "given_name", "patronymic"):
        return _name(text)
    if column == "sex":
        sex = _SEXES.get(text.lower())
        if sex is None:
            raise _Invalid("must be M or F")
        return sex
    if column in ("birth_date", "death_date"):
        day = _date(text)
        if day > ctx.today:
            raise _Invalid(f"is in the future (after today, {ctx.today})")
        if column == "birth_date" and day < EARLIEST_BIRTH:
            raise _Invalid(f"is before {EARLIEST_BIRTH}")
        return day.isoformat()
    if column == "citizenship":
        code = text.upper()
        if code not in ISO_3166_ALPHA2:
            raise _Invalid("must be an ISO 3166-1 alpha-2 country code")
        return code
    if column == "district":
        code = text.upper()
        if code not in ctx.districts:
            raise _Invalid("unknown district (not one of the pack's districts)")
        return code
    if column == "address":
        return _free_text(text, 500)
    if column == "postcode":
        if not _POSTCODE.match(text):
            raise _Invalid("must be 2 to 10 letters, digits, spaces or hyphens")
        return text.upper()
    if column == "email":
        if len(text) > 254 or not _EMAIL.fullmatch(text):
            raise _Invalid("is not a valid email address")
        local, _, domain = text.rpartition("@")
        return f"{local}@{domain.lower()}"
    if column == "phone":
        phone = _PHONE_SEPARATORS.sub("", text)
        if not _PHONE.fullmatch(phone):
            raise _Invalid("must be in international format: + and 7 to 15 digits")
        return phone
    if column == "electronic_account":
        return _bool(value)
    raise AssertionError(column)


# --- The fast path -------------------------------------------------------------
# Bulk imports run every row through `fast_validator` first. It accepts only rows
# already in canonical form, returning exactly what validate_record would; any
# other row gets None and is decided by validate_record (a property test holds
# the two together). On clean data it is several times faster.

_FAST_NAME = re.compile(r"[^\W\d_]+(?:[ '\-.][^\W\d_]+)*")
_FAST_TEXT = re.compile(r"[^\x00-\x1f\x7f\udc80-\udcff\s](?:[^\x00-\x1f\x7f\udc80-\udcff]*[^\x00-\x1f\x7f\udc80-\udcff\s])?")
_FAST_POSTCODE = re.compile(r"[A-Z0-9][A-Z0-9 \-]{0,8}[A-Z0-9]")
_FAST_PHONE = re.compile(r"\+[0-9]{7,15}")
_FAST_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_FAST_BOOL = {"true": True, "false": False}
_FAST_EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f\udc80-\udcff]+@[^@\s\x00-\x1f\x7f\udc80-\udcff]+\.[^@\s.\x00-\x1f\x7f\udc80-\udcff]+")


def fast_validator(ctx: RecordContext):  # type: ignore[no-untyped-def]
    """A function from a row (PERSON_COLUMNS order, text) to the values, or None."""
    from muster.rules.national_id import SnilsScheme

    snils = isinstance(ctx.scheme, SnilsScheme)
    normalise_id = ctx.scheme.normalise
    districts, countries = ctx.districts, ISO_3166_ALPHA2
    today, earliest = ctx.today.isoformat(), EARLIEST_BIRTH.isoformat()
    required = set(ctx.required)
    optional_names = "patronymic" not in required
    name_match, text_match, date_match = _FAST_NAME.fullmatch, _FAST_TEXT.fullmatch, _FAST_DATE.fullmatch
    postcode_match, phone_match, email_match = _FAST_POSTCODE.fullmatch, _FAST_PHONE.fullmatch, _FAST_EMAIL.fullmatch
    fromisoformat = date.fromisoformat
    if required - {"national_id", "family_name", "given_name", "sex", "birth_date", "citizenship", "district"}:
        return lambda row: None  # an unusual context: always take the reference path

    def valid_date(text: str) -> bool:
        if not date_match(text) or not earliest <= text <= today:
            return False
        try:
            fromisoformat(text)
        except ValueError:
            return False
        return True

    def check(row):  # type: ignore[no-untyped-def]
        (nid, family, given, patronymic, sex, birth, death, citizenship, district, address,
         postcode, email, phone, account) = row
        if snils:
            if len(nid) != 11 or not nid.isascii() or not nid.isdigit():
                return None
            o = ord
            total = (9 * o(nid[0]) + 8 * o(nid[1]) + 7 * o(nid[2]) + 6 * o(nid[3]) + 5 * o(nid[4])
                     + 4 * o(nid[5]) + 3 * o(nid[6]) + 2 * o(nid[7]) + o(nid[8]) - 45 * 48)
            if int(nid[:9]) > 1_001_998:
                check_digits = total if total < 100 else (0 if total < 102 else total % 101 % 100)
                if check_digits != int(nid[9:]):
                    return None
        else:
            try:
                if normalise_id(nid) != nid:
                    return None
            except ValueError:
                return None
        if not (len(family) <= 100 and name_match(family) and len(given) <= 100 and name_match(given)):
            return None
        if patronymic:
            if len(patronymic) > 100 or not name_match(patronymic):
                return None
        elif not optional_names:
            return None
        if sex != "M" and sex != "F":
            return None
        if not valid_date(birth):
            return None
        if death and (not valid_date(death) or death < birth):
            return None
        if citizenship not in countries or district not in districts:
            return None
        if address and (len(address) > 500 or not text_match(address)):
            return None
        if postcode and not postcode_match(postcode):
            return None
        if email:
            if len(email) > 254 or not email_match(email):
                return None
            domain = email.rpartition("@")[2]
            if domain != domain.lower():
                return None
        if phone and not phone_match(phone):
            return None
        if account:
            flag = _FAST_BOOL.get(account)
            if flag is None:
                return None
        else:
            flag = None
        return (nid, family, given, patronymic or None, sex, birth, death or None, citizenship,
                district, address or None, postcode or None, email or None, phone or None, flag)

    return check
