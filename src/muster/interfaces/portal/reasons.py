"""Liability reasons in the person's language: each structured reason of the rules
(muster.rules.liability.Reason) through gettext, with the same English msgids as the rules'
REASON_TEXT (a test holds them equal), dates in the language's format, and the pack's own texts
(legal bases, transitional explanations) in the pack's translation for that language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from muster.interfaces.portal import labels
from muster.rules.liability import Reason

REASON_TEXT = {
    "no_policy": _("no policy of pack %(pack)s is in force on %(on)s"),
    "deceased": _("not liable: died on %(on)s"),
    "sex": _("not liable: sex %(sex)s is not covered (covers %(covers)s)"),
    "citizenship": _("not liable: citizenship %(citizenship)s is not covered (covers %(covers)s)"),
    "too_young": _("not liable: turns %(age)s on %(on)s"),
    "too_old": _("not liable: turned %(age)s on %(on)s"),
    "transitional": _("not liable: turned %(age)s on %(on)s, before %(before)s: %(explanation)s"),
    "status": _("not liable: %(kind)s from %(from)s"),
    "status_until": _("not liable: %(kind)s from %(from)s until %(until)s"),
    "status_reason": _("not liable: %(reason)s"),
    "liable": _("liable: aged %(age)s on %(on)s, between the %(min_age)sth birthday (%(turns_min)s) "
                "and the %(max_age)sth (%(turns_max)s)"),
    "under_policy": _("under policy %(version)s (%(legal_basis)s)"),
}

STATUS_KIND = {
    "exempt": _("exemption"), "deferred": _("deferment"), "serving": _("serving"),
    "unfit": _("unfit for service"), "alternative_service": _("alternative civilian service"),
}

# Where a record's value came from, for the sources Muster itself names (partners keep their names).
SOURCE = {"import": _("the initial import"), "portal": _("you, on the portal"), "officer": _("an officer")}

Translate = Callable[[str], str]


def _value(name: str, value: object, pack_text: Translate) -> str:
    if isinstance(value, date):
        return date_format(value, "DATE_FORMAT")
    if isinstance(value, tuple):
        return ", ".join(_value(name, v, pack_text) for v in value)
    if name in ("legal_basis", "explanation"):
        return pack_text(str(value))
    if name == "kind":
        return str(labels.label(STATUS_KIND, value))
    if name == "sex":
        return str(labels.label(labels.VALUES, value))
    return str(value)


def render(reason: Reason, pack_text: Translate = lambda text: text,
           status_text: Translate = lambda text: text) -> str:
    """One reason in the active language; `pack_text` gives a pack's text in that language, and
    `status_text` a decision's status reason."""
    values = {k: _value(k, v, pack_text) for k, v in reason.params}
    if reason.code == "status_reason":
        values["reason"] = status_text(str(reason.values()["reason"]))
    return str(REASON_TEXT[reason.code]) % values
