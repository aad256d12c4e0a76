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


# --- the fast path agrees with the reference rule ---------------------------------

from muster.rules.person_record import fast_validator  # noqa: E402

FAST = fast_validator(CTX)
TRICKY = ["", " ", "M", "F", "m", "male", "RU", "ru", "RU-MOW", "ru-mow", "true", "false", "TRUE", "1",
          "2000-01-01", "2000-02-30", "2026-11-30", "1899-12-31", "2004-02-29", " 2000-01-01",
          "11223344595", "112-233-445 95", "11223344596", "00100199800", "Иван", "Иван ", "Ив2ан",
          "Анна-Мария", "O'Neil", "Ab²", "a@example.ru", "a@Example.ru", "a@example.ru\n", "a\udce9@x.ru",
          "+79161234567", "+7 916 123 45 67", "+٧٩١٦١٢٣٤٥٦٧", "101000", "ab-12", "AB-", "ул. Мира, 1",
          "ул.\tМира", "x" * 101, "é\udce9", "1990-05-05"]


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TRICKY) | st.text(max_size=12), min_size=14, max_size=14))
def test_fast_path_accepts_only_what_the_reference_accepts_with_the_same_values(row):
    fast = FAST(row)
    if fast is not None:
        values, errors = validate_record(dict(zip(PERSON_COLUMNS, row, strict=True)), CTX)
        assert errors == [] and fast == values


@settings(max_examples=500)
@given(st.fixed_dictionaries({c: st.sampled_from(TRICKY) for c in PERSON_COLUMNS}))
def test_fast_path_on_plausible_rows(raw):
    row = [raw[c] for c in PERSON_COLUMNS]
    fast = FAST(row)
    if fast is not None:
        assert validate_record(raw, CTX) == (fast, [])


def test_fast_path_takes_clean_generated_rows():
    from muster.registry.synthetic import Generator

    gen = Generator(RU, seed=1, as_of=date(2026, 1, 1))
    rows = list(gen.rows(2000))
    accepted = [FAST(r) for r in rows]
    assert all(a is not None for a in accepted)
    for row, fast in zip(rows[:200], accepted, strict=False):
        assert validate_record(dict(zip(PERSON_COLUMNS, row, strict=True)), CTX) == (fast, [])


@settings(max_examples=1500)
@given(st.lists(st.tuples(st.sampled_from(PERSON_COLUMNS), st.sampled_from(TRICKY) | st.text(max_size=8)),
                max_size=2))
def test_fast_path_on_a_valid_row_with_one_or_two_cells_changed(changes):
    raw = {**GOOD, "national_id": "11223344595", "citizenship": "RU", "email": "Ivan@example.ru",
           "phone": "+79161234567"}
    for column, value in changes:
        raw[column] = value
    row = [raw[c] for c in PERSON_COLUMNS]
    fast = FAST(row)
    if not changes:
        assert fast is not None
    if fast is not None:
        assert validate_record(raw, CTX) == (fast, [])
