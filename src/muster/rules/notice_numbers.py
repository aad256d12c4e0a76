"""Summons numbers, verification codes and postal tracking numbers.

A summons number is its sequence number followed by two ISO 7064 MOD 97-10
check digits (as in an IBAN): any single wrong digit and any swap of two
adjacent digits is caught. Batch SQL computes the same digits from the id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


class InvalidNumber(ValueError):
    """The text is not a well-formed number; the message says why."""


def summons_number(sequence: int) -> int:
    """The number for a summons with this sequence number (its database id)."""
    if sequence < 1:
        raise ValueError("sequence numbers start at 1")
    return sequence * 100 + 98 - (sequence * 100) % 97


def format_summons_number(number: int) -> str:
    text = f"{number:010d}"
    return f"{text[:-6]}-{text[-6:-2]}-{text[-2:]}"


def parse_summons_number(text: str) -> int:
    """Read a number as printed ("00001-2345-67", spaces allowed); check its digits."""
    digits = "".join(ch for ch in text if ch not in " -")
    if not digits:
        raise InvalidNumber("is empty")
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidNumber("must contain only digits, spaces and hyphens")
    if len(digits) < 3:
        raise InvalidNumber("is too short")
    number = int(digits)
    if number % 97 != 1 or number < 100:
        raise InvalidNumber("check digits do not match: the number is mistyped or not genuine")
    return number


def sequence_of(number: int) -> int:
    return number // 100


def verification_code(number: int, key: bytes) -> str:
    """The code printed on new letters (and in their QR): 80 bits of an HMAC, never stored,
    printed in four groups of four (A-Z and 2-7), e.g. "ABCD-EFGH-IJKL-MNOP"."""
    mac = hmac.new(key, f"summons-code-v2:{number}".encode(), hashlib.sha256).digest()
    text = base64.b32encode(mac[:CODE_BYTES]).decode()
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


def legacy_verification_code(number: int, key: bytes) -> str:
    """The 40-bit code of letters printed before the 80-bit codes: 8 characters, still honoured."""
    mac = hmac.new(key, f"summons:{number}".encode(), hashlib.sha256).digest()
    return base64.b32encode(mac[:5]).decode()


CODE_BYTES = 10  # 80 bits: guessing one letter's code at the /verify/ rate limit takes aeons
_CODE_LENGTH = CODE_BYTES * 8 // 5  # 16 base32 characters
_LEGACY_LENGTH = 8


def code_matches(number: int, code: str, key: bytes, *, legacy: bool = True) -> bool:
    """Whether `code` is this number's code. The length tells a new code from an old one (old
    letters stay valid while `legacy`); both HMACs are always computed and compared in constant
    time, so the answer takes as long for any number and any code."""
    given = "".join(code.split()).replace("-", "").upper().encode()  # bytes: any text compares
    new = hmac.compare_digest(verification_code(number, key).replace("-", "").encode(), given)
    old = hmac.compare_digest(legacy_verification_code(number, key).encode(), given)
    return new if len(given) == _CODE_LENGTH else (legacy and old and len(given) == _LEGACY_LENGTH)


_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_check_digit(serial: int) -> int:
    """UPU S10 check digit of an 8-digit serial number."""
    total = sum(int(d) * w for d, w in zip(f"{serial:08d}", _S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: 0, 11: 5}.get(check, check)


def tracking_number(serial: int, service: str = "RA", country: str = "RU") -> str:
    """A registered-mail tracking number in the UPU S10 format, e.g. RA123456785RU."""
    if not 0 <= serial < 10**8:
        raise ValueError("the serial must have at most 8 digits")
    return f"{service}{serial:08d}{s10_check_digit(serial)}{country}"


def valid_tracking_number(text: str) -> bool:
    text = text.strip().upper()
    if len(text) != 13 or not text[:2].isalpha() or not text[11:].isalpha() or not text[2:11].isdigit():
        return False
    return s10_check_digit(int(text[2:10])) == int(text[10])
