import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.rules.notice_numbers import (
    CODE_BYTES,
    InvalidNumber,
    code_matches,
    format_summons_number,
    legacy_verification_code,
    parse_summons_number,
    s10_check_digit,
    sequence_of,
    summons_number,
    tracking_number,
    valid_tracking_number,
    verification_code,
)


@given(st.integers(min_value=1, max_value=10**12))
def test_summons_numbers_are_1_modulo_97_and_keep_the_sequence(sequence):
    # ISO 7064 MOD 97-10: the whole number is 1 modulo 97.
    assert summons_number(sequence) % 97 == 1
    assert sequence_of(summons_number(sequence)) == sequence


def test_worked_examples():
    # 1 -> "1" + check: 98 - (100 mod 97) = 98 - 3 = 95 -> 195
    assert summons_number(1) == 195
    # 12345678 -> 1234567800 mod 97 = 1234567800 - 97 * 12727503 = 1234567800 - 1234567791 = 9 -> 89
    assert summons_number(12345678) == 1234567889
    assert format_summons_number(1234567889) == "1234-5678-89"
    assert format_summons_number(195) == "0000-0001-95"


@pytest.mark.parametrize(
    ("text", "problem"),
    [("1234-5678-88", "check digits"), ("1234-5687-89", "check digits"), ("", "empty"),
     ("12a4-5678-89", "only digits"), ("12", "too short")],
)
def test_bad_numbers(text, problem):
    with pytest.raises(InvalidNumber, match=problem):
        parse_summons_number(text)


@given(st.integers(min_value=1, max_value=10**9), st.data())
def test_any_single_digit_error_or_adjacent_swap_is_caught(sequence, data):
    digits = list(f"{summons_number(sequence):012d}")
    assert parse_summons_number("".join(digits)) == summons_number(sequence)
    i = data.draw(st.integers(min_value=0, max_value=len(digits) - 1))
    wrong = list(digits)
    wrong[i] = data.draw(st.sampled_from([d for d in "0123456789" if d != digits[i]]))
    with pytest.raises(InvalidNumber):
        parse_summons_number("".join(wrong))
    j = data.draw(st.integers(min_value=0, max_value=len(digits) - 2))
    swapped = list(digits)
    swapped[j], swapped[j + 1] = swapped[j + 1], swapped[j]
    if swapped != digits:
        with pytest.raises(InvalidNumber):
            parse_summons_number("".join(swapped))


def test_verification_codes():
    key = b"k1"
    code = verification_code(1234567889, key)
    assert len(code.replace("-", "")) == 16 and code == verification_code(1234567889, key)
    assert code != verification_code(1234567889, b"k2")
    assert code != verification_code(195, key)
    assert code_matches(1234567889, code.lower(), key)
    assert not code_matches(1234567889, "AAAAAAAA", key)


def test_new_codes_carry_at_least_64_bits():
    code = verification_code(1234567889, b"k1")
    assert CODE_BYTES * 8 >= 64
    assert len(code.replace("-", "")) * 5 >= 64  # base32: five bits a character
    assert len(code.split("-")) == 4 and all(len(group) == 4 for group in code.split("-"))


@pytest.mark.parametrize(
    ("written", "legacy", "matches"),
    [("new", True, True), ("new", False, True),
     ("new spaced", True, True), ("new plain lower", True, True),
     ("old", True, True),  # a letter printed before the 80-bit codes still verifies
     ("old", False, False),  # ... until the operator switches the old codes off
     ("old lower", True, True),
     ("new of another number", True, False), ("old of another number", True, False),
     ("new cut to 8", True, False),  # the first 8 characters of a new code are not an old code
     ("non-ascii", True, False), ("empty", True, False)],
)
def test_codes_new_and_old(written, legacy, matches):
    key, number, other = b"k1", 1234567889, 195
    new, old = verification_code(number, key), legacy_verification_code(number, key)
    text = {"new": new, "new spaced": new.replace("-", " "), "new plain lower": new.replace("-", "").lower(),
            "old": old, "old lower": old.lower(), "new of another number": verification_code(other, key),
            "old of another number": legacy_verification_code(other, key), "new cut to 8": new.replace("-", "")[:8],
            "non-ascii": "ЖЖЖЖ-ЖЖЖЖ-ЖЖЖЖ-ЖЖЖЖ", "empty": ""}[written]
    assert code_matches(number, text, key, legacy=legacy) is matches


@given(st.integers(min_value=1, max_value=10**12), st.text(max_size=40))
def test_no_text_but_the_codes_matches(number, text):
    key = b"k1"
    compact = "".join(text.split()).replace("-", "").upper()
    expected = compact in (verification_code(number, key).replace("-", ""), legacy_verification_code(number, key))
    assert code_matches(number, text, key) is expected


@pytest.mark.parametrize(
    ("serial", "check"),
    [(47312482, 9),  # the UPU S10 standard's example AA473124829GB
     (12345678, 5)],  # 8+12+12+8+15+30+63+56 = 204; 204 mod 11 = 6; 11 - 6 = 5
)
def test_s10_check_digit(serial, check):
    assert s10_check_digit(serial) == check


def test_tracking_numbers():
    assert tracking_number(47312482, "AA", "GB") == "AA473124829GB"
    assert valid_tracking_number("AA473124829GB")
    assert not valid_tracking_number("AA473124828GB")
    assert not valid_tracking_number("AA47312482GB")
