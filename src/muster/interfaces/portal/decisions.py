"""A decision's reasons in the person's language. Decisions store their reasons as English
sentences (muster.rules.applications.decision_reasons, muster.casework.appeals); each sentence
pattern below is read back into its values and said again through gettext, with dates in the
language's format and the pack's texts (grounds, legal references, bodies) in its translation.
A sentence no pattern knows stays as written (a test holds the patterns to the rules' sentences)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from muster.interfaces.portal import labels
from muster.rules.applications import short_name
from muster.rules.policy import Pack

# (English sentence with %(name)s fields, as the rules write it; the translation)
SENTENCES: tuple[tuple[str, Promise], ...] = (
    ("%(kind)s %(outcome)s on the ground: %(ground)s (%(ref)s).",
     _("%(kind)s — %(outcome)s. Ground: %(ground)s (%(ref)s).")),
    ("%(kind)s %(outcome)s on the ground: %(ground)s.", _("%(kind)s — %(outcome)s. Ground: %(ground)s.")),
    ("The %(kind)s of decision %(ends)s ends on %(until)s; the person is liable again from %(again)s.",
     _("%(kind)s under decision %(ends)s ends on %(until)s; you are liable again from %(again)s.")),
    ("It takes effect on %(start)s, with no end.", _("It takes effect on %(start)s, with no end.")),
    ("Summons %(number)s is closed as excused and the measures resting on it are lifted from %(start)s.",
     _("Summons %(number)s is closed as excused and the measures resting on it are lifted from %(start)s.")),
    ("The person is called up for alternative civilian service, not for military service.",
     _("You are called up for alternative civilian service, not for military service.")),
    ("Reason given: %(reason)s.", _("Reason given: %(reason)s.")),
    ("The refusal may be appealed to the %(body)s.", _("The refusal may be appealed to %(body)s.")),
    ("The decision may be appealed to the %(body)s (%(ref)s) until %(deadline)s inclusive.",
     _("The decision may be appealed to %(body)s (%(ref)s) until %(deadline)s inclusive.")),
)

DECISION_KIND = {"deferment": _("Deferment"), "exemption": _("Exemption"),
                 "alternative service": _("Alternative civilian service"), "excuse": _("Excuse for a summons"),
                 "correction": _("Correction of the record")}

DECISION_OUTCOME = {"granted": _("granted"), "refused": _("refused"), "ended": _("ended")}


def _pattern(english: str) -> re.Pattern[str]:
    parts = re.split(r"%\((\w+)\)s", english)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+)" for i, p in enumerate(parts))
    return re.compile(f"^{regex}$", re.DOTALL)


PATTERNS = tuple((_pattern(english), translated) for english, translated in SENTENCES)


def _value(name: str, text: str, pack_text: Callable[[str], str]) -> str:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date_format(date.fromisoformat(text), "DATE_FORMAT")
    if name == "kind":
        return str(DECISION_KIND.get(text.lower(), text))
    if name == "outcome":
        return str(DECISION_OUTCOME.get(text, text))
    if name == "body":
        return str(labels.APPEAL_BODY.get(text, pack_text(text)))
    if name in ("ground", "ref"):
        return pack_text(text)
    return text


def _split_ground(values: dict[str, str], pack_text: Callable[[str], str]) -> dict[str, str]:
    """"ground (reference)" where either may hold brackets: the split where both are pack texts."""
    if "ground" not in values or "ref" not in values:
        return values
    both = f"{values['ground']} ({values['ref']}"
    for at in (i for i in range(len(both)) if both.startswith(" (", i)):
        ground, ref = both[:at], both[at + 2:]
        if pack_text(ground) != ground and pack_text(ref) != ref:
            return {**values, "ground": ground, "ref": ref}
    return values


def known(text: str) -> bool:
    """Whether a pattern reads this sentence back."""
    return any(pattern.match(text) for pattern, _ in PATTERNS)


def sentence(text: str, pack_text: Callable[[str], str] = lambda t: t) -> str:
    """One English sentence of a decision in the active language (as written in English, or if no
    pattern fits)."""
    if (get_language() or "en").startswith("en"):
        return text
    for pattern, translated in PATTERNS:
        found = pattern.match(text)
        if found:
            values = _split_ground(found.groupdict(), pack_text)
            return str(translated) % {k: _value(k, v, pack_text) for k, v in values.items()}
    bare = text.rstrip(".")
    said = pack_text(bare)  # a pack's own sentence, such as the duty to appear after an excuse
    return text if said == bare else said.rstrip(".") + "."


# A registry status's reason as a decision wrote it (muster.rules.applications.status_reason).
STATUS_SENTENCES = tuple((_pattern(english), translated) for english, translated in (
    ("%(status)s: %(what)s until %(until)s (decision %(number)s)",
     _("%(status)s: %(what)s until %(until)s inclusive (decision %(number)s)")),
    ("%(status)s: %(what)s (decision %(number)s)", _("%(status)s: %(what)s (decision %(number)s)")),
))

STATUS_WORDS = {"deferred": _("deferment"), "exempt": _("exemption"),
                "alternative service": _("alternative civilian service")}


def status_reason(text: str, pack: Pack, pack_text: Callable[[str], str]) -> str:
    """A status reason ("deferred: full-time study until 2027-06-30 (decision A-0000123)") in the
    active language; as written in English or if it does not read back."""
    if (get_language() or "en").startswith("en"):
        return text
    grounds = {short_name(g): pack_text(g.name) for v in pack.versions
               for kind in ("deferment", "exemption", "alternative_service") for g in v.casework.grounds(kind)}
    for pattern, translated in STATUS_SENTENCES:
        found = pattern.match(text)
        if found and found["what"] in grounds and found["status"] in STATUS_WORDS:
            values = {**found.groupdict(), "status": str(STATUS_WORDS[found["status"]]),
                      "what": grounds[found["what"]]}
            if "until" in values:
                values["until"] = _value("until", values["until"], pack_text)
            return str(translated) % values
    return text
