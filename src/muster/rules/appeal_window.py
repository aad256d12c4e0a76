"""What the portal tells a person about the time to appeal: the last day, what it runs from, and,
when that day has passed, that a late appeal is still recorded and why it may not be heard.

Pure: the deadline (muster.rules.appeals.filing_deadline), the event it runs from and "today" are
passed in. The words are the person's: plain sentences, dates as ISO days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Window:
    deadline: date
    runs_from: date
    event: str  # in words: "service of the summons", "the decision", ...
    body: str  # who hears the appeal at this level
    late: bool  # filing today is after the last day
    days_left: int  # calendar days after today up to the deadline (0 on the last day; negative when late)
    explanation: str


def window(*, deadline: date, runs_from: date, event: str, body: str, today: date) -> Window:
    """The appeal window as of `today` and a sentence that explains it."""
    days_left = (deadline - today).days
    late = today > deadline
    counted = f"counted from {event} on {runs_from.isoformat()}"
    if late:
        text = (f"The time to appeal to the {body} ended on {deadline.isoformat()} ({counted}). You can still "
                f"appeal: it is recorded as late, and the {body} decides whether to hear it, so say in your "
                f"reasons why you could not appeal in time.")
    elif days_left == 0:
        text = f"Today, {deadline.isoformat()}, is the last day to appeal to the {body} ({counted})."
    else:
        text = (f"You can appeal to the {body} until {deadline.isoformat()}, {days_left} "
                f"{'day' if days_left == 1 else 'days'} from today ({counted}).")
    return Window(deadline, runs_from, event, body, late, days_left, text)
