"""A person's draft of an application, answered one question a page and saved between visits
(issue 13, "Apply": save and continue later). Which questions each kind asks, what each answer may
be, and what is still missing before it can be submitted.

Pure: the answers come in as text; the policy's grounds for the kind are passed in (the service
reads them from the policy in force), so a ground is checked here as submission will check it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from muster.rules.casework_policy import APPLICATION_KINDS

# The questions of each kind, in the order the pages ask them. "until" (a deferment's end) is
# optional: without it the ground's own period applies.
QUESTIONS: dict[str, tuple[str, ...]] = {
    "deferment": ("ground", "until"),
    "exemption": ("ground",),
    "alternative_service": ("ground",),
    "excuse": ("summons", "ground"),
    "correction": ("ground",),
}
OPTIONAL = frozenset({"until"})
MAX_ANSWER = 60  # the longest answer a question takes (a ground code, a summons number, a date)
MAX_EVIDENCE_FILES = 10


class DraftProblem(ValueError):
    """An answer the draft does not take; the message names the question."""


def check_kind(kind: str) -> str:
    if kind not in APPLICATION_KINDS:
        raise DraftProblem(f"kind: expected one of {', '.join(APPLICATION_KINDS)}, got {kind!r}")
    return kind


def clean(kind: str, question: str, answer: str, grounds: Sequence[str], today: date) -> str | None:
    """The answer as stored (None: an optional question left blank), or DraftProblem naming the
    question: a question the kind does not ask, a ground not of the kind, a date not a future day."""
    if question not in QUESTIONS[check_kind(kind)]:
        raise DraftProblem(f"{question}: an application for {kind.replace('_', ' ')} does not ask this; "
                           f"it asks {', '.join(QUESTIONS[kind])}")
    text = (answer or "").strip()
    if len(text) > MAX_ANSWER:
        raise DraftProblem(f"{question}: at most {MAX_ANSWER} characters")
    if not text:
        if question in OPTIONAL:
            return None
        raise DraftProblem(f"{question}: an answer is needed")
    if question == "ground" and text not in grounds:
        raise DraftProblem(f"ground: expected one of {', '.join(grounds)}, got {text!r}")
    if question == "until":
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise DraftProblem(f"until: expected a date like 2027-06-30, got {text!r}") from None
        if day <= today:
            raise DraftProblem(f"until: {day.isoformat()} is not after today ({today.isoformat()})")
        return day.isoformat()
    return text


def missing(kind: str, answers: Mapping[str, object]) -> tuple[str, ...]:
    """The questions still to answer before the draft can be submitted, in page order."""
    return tuple(q for q in QUESTIONS[check_kind(kind)] if q not in OPTIONAL and not answers.get(q))


def next_question(kind: str, answers: Mapping[str, object]) -> str | None:
    """The first question not yet answered (optional ones included), or None: check your answers."""
    return next((q for q in QUESTIONS[check_kind(kind)] if q not in answers), None)


@dataclass(frozen=True)
class Summary:
    """The check-your-answers page, as lines: (question, answer)."""

    kind: str
    lines: tuple[tuple[str, str], ...]
    evidence: tuple[str, ...]


def summary(kind: str, answers: Mapping[str, object], evidence: Sequence[str]) -> Summary:
    lines = tuple((q, str(answers.get(q) or "—")) for q in QUESTIONS[check_kind(kind)])
    return Summary(kind, (("kind", kind.replace("_", " ")), *lines), tuple(evidence))
