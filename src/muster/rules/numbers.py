"""Printed case numbers: an application's A-0000123 and an appeal's P-0000012 are the row's id
behind a letter, zero-padded to seven digits (more when it outgrows them). Read back leniently
("a-123", "A123", with spaces around) and strictly otherwise: anything else is BadNumber."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DIGITS = 7
MAX_DIGITS = 12


class BadNumber(ValueError):
    """Text that is not a number of this kind; the message shows what one looks like."""


@dataclass(frozen=True)
class CaseNumbers:
    prefix: str  # "A-", "P-"
    what: str  # "application", "appeal"
    example: int  # the id shown in the error message's example
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        letters = re.escape(self.prefix.rstrip("-"))
        object.__setattr__(self, "_pattern", re.compile(rf"^\s*{letters}-?(\d{{1,{MAX_DIGITS}}})\s*$", re.IGNORECASE))

    def format(self, sequence: int) -> str:
        """The printed number of id `sequence`."""
        return f"{self.prefix}{sequence:0{DIGITS}d}"

    def parse(self, text: str) -> int:
        """The id of a printed number, or BadNumber."""
        match = self._pattern.match(text or "")
        if match is None or int(match.group(1)) == 0:
            raise BadNumber(f"{text!r} is not an {self.what} number (like {self.format(self.example)})")
        return int(match.group(1))


APPLICATIONS = CaseNumbers("A-", "application", 123)
APPEALS = CaseNumbers("P-", "appeal", 12)
