import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.rules.national_id import InvalidNationalId, PlainScheme, SnilsScheme, snils_check_digits

SNILS = SnilsScheme()


@pytest.mark.parametrize(
    ("number", "check"),
    [
        # Worked by hand: weights 9..1 over the nine digits.
        (112233445, 95),  # the commonly published example 112-233-445 95: sum 95
        (10000001, 9),  # 0,1,0,0,0,0,0,0,1: 8 + 1
        (1001999, 65),  # 0,0,1,0,0,1,9,9,9: 7 + 4 + 27 + 18 + 9
        (920000100, 0),  # sum 100 gives 00
        (920000101, 0),  # sum 101 gives 00
        (920000102, 1),  # sum 102: 102 mod 101
        (996100000, 0),  # sum 201: 201 mod 101 = 100, which gives 00
        (999999999, 1),  # sum 405: 405 mod 101
    ],
)
def test_check_digits(number, check):
    assert snils_check_digits(number) == check


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("112-233-445 95", "11223344595"),
        ("11223344595", "11223344595"),
        (" 112 233 445 95 ", "11223344595"),
        ("112-233-445-95", "11223344595"),
        ("001-001-998 00", "00100199800"),  # at or below 001-001-998 the checksum is not checked
        ("000-000-001 99", "00000000199"),
    ],
)
def test_valid_snils(raw, normalised):
    assert SNILS.normalise(raw) == normalised


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("112-233-445 96", "checksum"),
        ("112-233-445 9", "11 digits"),
        ("112-233-445 955", "11 digits"),
        ("112-233-44A 95", "only digits"),
        ("", "empty"),
        ("   ", "empty"),
        ("１１２２３３４４５９５", "only digits"),  # full-width digits are not ASCII digits
        ("001-001-999 00", "checksum"),
    ],
)
def test_invalid_snils(raw, reason):
    with pytest.raises(InvalidNationalId, match=reason):
        SNILS.normalise(raw)


@given(st.integers(min_value=1_001_999, max_value=999_999_999))
def test_computed_check_digits_always_validate_and_any_other_fails(number):
    check = snils_check_digits(number)
    assert 0 <= check <= 99
    assert SNILS.normalise(f"{number:09d}{check:02d}") == f"{number:09d}{check:02d}"
    wrong = (check + 1) % 100
    with pytest.raises(InvalidNationalId):
        SNILS.normalise(f"{number:09d}{wrong:02d}")


def test_display_format():
    assert SNILS.display("11223344595") == "112-233-445 95"


@pytest.mark.parametrize(
    ("raw", "ok"),
    [("123-45-6789", True), ("123456789", True), ("12345678", False), ("12345678X", False)],
)
def test_plain_scheme(raw, ok):
    scheme = PlainScheme(pattern=r"^\d{9}$", strip="- ")
    if ok:
        assert scheme.normalise(raw) == raw.replace("-", "")
    else:
        with pytest.raises(InvalidNationalId, match="format"):
            scheme.normalise(raw)
