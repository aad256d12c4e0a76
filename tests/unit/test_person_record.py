"""Validation of one incoming person record: each bad value names its column."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster.policy.files import find_builtin_pack
from muster.rules.person_record import PERSON_COLUMNS, RecordContext, validate_record

RU = find_builtin_pack("ru")
CTX = RecordContext(scheme=RU.id_scheme, districts=RU.district_codes(), today=date(2026, 11, 29))
GOOD = {
    "national_id": "112-233-445 95", "family_name": "Иванов", "given_name": "Иван",
    "patronymic": "Иванович", "sex": "M", "birth_date": "2004-02-29", "death_date": "",
    "citizenship": "ru", "district": "RU-MOW", "address": "ул. Ленина, д. 1", "postcode": "101000",
    "email": "Ivan@Example.RU", "phone": "+7 (916) 123-45-67", "electronic_account": "true",
}


def test_good_record_is_normalised():
    values, errors = validate_record(GOOD, CTX)
    assert errors == []
    record = dict(zip(PERSON_COLUMNS, values, strict=True))
    assert record["national_id"] == "11223344595"
    assert record["citizenship"] == "RU"
    assert record["email"] == "Ivan@example.ru"
    assert record["phone"] == "+79161234567"
    assert record["electronic_account"] is True
    assert record["death_date"] is None  # empty: not observed


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("national_id", "112-233-445 96", "checksum does not match"),
        ("national_id", "", "is required"),
        ("birth_date", "1999-02-30", "is not a real calendar date"),
        ("birth_date", "30.01.1999", "must be a date YYYY-MM-DD"),
        ("birth_date", "19990130", "must be a date YYYY-MM-DD"),
        ("birth_date", "2027-01-01", "is in the future"),
        ("birth_date", "1850-01-01", "is before 1900-01-01"),
        ("death_date", "2000-01-01", "is before birth_date"),
        ("sex", "X", "must be M or F"),
        ("citizenship", "ZZ", "ISO 3166-1 alpha-2"),
        ("citizenship", "RUS", "ISO 3166-1 alpha-2"),
        ("district", "RU-XXX", "unknown district"),
        ("email", "ivan@", "not a valid email"),
        ("email", "ivan@example", "not a valid email"),
        ("phone", "89161234567", "international format"),
        ("phone", "+7916", "international format"),
        ("electronic_account", "maybe", "must be true or false"),
        ("family_name", "Ivan0v", "must not contain digits"),
        ("given_name", "", "is required"),
        ("postcode", "!!", "letters, digits"),
        ("family_name", "Ca\udce9t", "not valid UTF-8"),  # a Latin-1 byte read as UTF-8
    ],
)
def test_bad_values_name_their_column(column, value, reason):
    values, errors = validate_record({**GOOD, column: value}, CTX)
    assert values is None
    assert [(e.column, reason in e.reason) for e in errors] == [(column, True)], errors


def test_several_errors_are_all_reported():
    _, errors = validate_record({**GOOD, "sex": "X", "district": "nowhere"}, CTX)
    assert {e.column for e in errors} == {"sex", "district"}


def test_typed_values_from_parquet():
    values, errors = validate_record(
        {**GOOD, "birth_date": date(2004, 2, 29), "electronic_account": False}, CTX)
    assert errors == []
    record = dict(zip(PERSON_COLUMNS, values, strict=True))
    assert record["birth_date"] == "2004-02-29" and record["electronic_account"] is False


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(PERSON_COLUMNS), st.text(max_size=30) | st.none()))
def test_never_raises_and_always_returns_values_or_errors(raw):
    values, errors = validate_record(raw, CTX)
    assert (values is None) == bool(errors)
