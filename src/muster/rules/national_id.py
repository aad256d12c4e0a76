"""National identity numbers: normalise and validate by the pack's id scheme."""

from __future__ import annotations

import re
from dataclasses import dataclass


class InvalidNationalId(ValueError):
    """The text is not a valid national id under the scheme; the message says why."""


_SNILS_SEPARATORS = re.compile(r"[\s\-]")
_SNILS_CHECKED_ABOVE = 1_001_998


def snils_check_digits(number: int) -> int:
    """The two check digits of a 9-digit SNILS number."""
    digits = f"{number:09d}"
    total = sum(int(d) * weight for d, weight in zip(digits, range(9, 0, -1), strict=True))
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    remainder = total % 101
    return 0 if remainder == 100 else remainder


@dataclass(frozen=True)
class SnilsScheme:
    """Russian SNILS: 11 digits, written `XXX-XXX-XXX YY` or plain.

    The checksum is only defined for numbers above 001-001-998.
    """

    name: str = "snils"

    def normalise(self, raw: str) -> str:
        text = _SNILS_SEPARATORS.sub("", raw.strip())
        if not text:
            raise InvalidNationalId("is empty")
        if not text.isascii() or not text.isdigit():
            raise InvalidNationalId("must contain only digits, spaces and hyphens")
        if len(text) != 11:
            raise InvalidNationalId(f"must have 11 digits, has {len(text)}")
        number, check = int(text[:9]), int(text[9:])
        if number > _SNILS_CHECKED_ABOVE and snils_check_digits(number) != check:
            raise InvalidNationalId("checksum does not match")
        return text

    def display(self, normalised: str) -> str:
        n = normalised
        return f"{n[0:3]}-{n[3:6]}-{n[6:9]} {n[9:11]}"


@dataclass(frozen=True)
class PlainScheme:
    """A format check only: strip the given separators, then match a pattern."""

    pattern: str
    strip: str = ""
    name: str = "plain"

    def normalise(self, raw: str) -> str:
        text = raw.strip()
        for ch in self.strip:
            text = text.replace(ch, "")
        if not text:
            raise InvalidNationalId("is empty")
        if not re.fullmatch(self.pattern, text):
            raise InvalidNationalId(f"does not match the format {self.pattern}")
        return text

    def display(self, normalised: str) -> str:
        return normalised


IdScheme = SnilsScheme | PlainScheme
