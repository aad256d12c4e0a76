import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.rules.notice_numbers import (
    InvalidNumber,
    code_matches,
    format_summons_number,
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
    assert len(code) == 8 and code == verification_code(1234567889, key)
    assert code != verification_code(1234567889, b"k2")
    assert code != verification_code(195, key)
    assert code_matches(1234567889, code.lower(), key)
    assert not code_matches(1234567889, "AAAAAAAA", key)


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
