"""Confirming a new email address or phone number with a one-time code sent to it (issue 13).

A change of contact takes effect only once the person types back the 6-digit code that went to the
NEW address or number: whoever controls the old one cannot redirect the person's notices to a
channel they do not hold. The code lives 15 minutes and allows 5 wrong tries; then the person asks
for a new one. Pure: the time of issue, "now" and the tries so far are passed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=15)
MAX_ATTEMPTS = 5
MAX_REQUESTS_PER_HOUR = 5  # codes sent per person an hour: nobody turns the portal into an SMS cannon
CHANNELS = ("email", "phone")

_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
                    r"[A-Za-z0-9])?)+$")
_PHONE = re.compile(r"^\+[1-9]\d{7,14}$")  # E.164: at most 15 digits (the column holds 16 characters)
_PHONE_PUNCTUATION = re.compile(r"[\s().-]")


class ContactProblem(ValueError):
    """A contact value or channel the registry does not take; the message names the field."""


def normalise(channel: str, value: str) -> str:
    """The value as the registry stores it: an email address as typed, its domain in lower case
    (at most 254 characters); a phone number in E.164 (+ and 8 to 15 digits, spaces, dots,
    dashes and brackets dropped)."""
    text = (value or "").strip()
    if channel == "email":
        if len(text) > 254 or not _EMAIL.fullmatch(text):
            raise ContactProblem("email: expected an address like name@example.org (at most 254 characters)")
        local, _, domain = text.rpartition("@")
        return f"{local}@{domain.lower()}"
    if channel == "phone":
        digits = _PHONE_PUNCTUATION.sub("", text)
        if digits.startswith("00"):
            digits = "+" + digits[2:]
        if not _PHONE.fullmatch(digits):
            raise ContactProblem("phone: expected an international number like +79161234567 (8 to 15 digits after +)")
        return digits
    raise ContactProblem(f"channel: expected one of {', '.join(CHANNELS)}, got {channel!r}")


def code_of(number: int) -> str:
    """The code printed from a random number: always 6 digits, leading zeros kept."""
    return f"{number % 10 ** CODE_DIGITS:0{CODE_DIGITS}d}"


def well_formed(code: str) -> bool:
    return len(code) == CODE_DIGITS and code.isascii() and code.isdigit()


@dataclass(frozen=True)
class Verdict:
    confirmed: bool
    reason: str  # what the person is told
    counts_as_attempt: bool  # a wrong code spends one of the tries
    closed: bool  # no further try can succeed: ask for a new code


def judge(*, issued_at: datetime, now: datetime, attempts: int, matches: bool, used: bool) -> Verdict:
    """What a try with a code does. `attempts` is the wrong tries so far; `matches` whether the code
    typed is the one sent; `used` whether that code already confirmed the change."""
    if used:
        return Verdict(False, "code: this code has been used already", False, True)
    if now > issued_at + CODE_LIFETIME:
        return Verdict(False, "code: the code has expired (it lasts 15 minutes); ask for a new one", False, True)
    if attempts >= MAX_ATTEMPTS:
        return Verdict(False, "code: too many wrong codes; ask for a new one", False, True)
    if matches:
        return Verdict(True, "confirmed", False, True)
    left = MAX_ATTEMPTS - attempts - 1
    if left == 0:
        return Verdict(False, "code: wrong code, and that was the last try; ask for a new one", True, True)
    return Verdict(False, f"code: wrong code; {left} {'try' if left == 1 else 'tries'} left", True, False)


def request_problem(sent_in_last_hour: int) -> str | None:
    """Why no further code may be sent now (None: it may)."""
    if sent_in_last_hour >= MAX_REQUESTS_PER_HOUR:
        return (f"channel: {MAX_REQUESTS_PER_HOUR} codes were sent in the last hour; wait an hour, then ask "
                "for a new one")
    return None
