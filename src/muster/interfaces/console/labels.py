"""The console's words for the registry's field names and the ledger's event types, in the
reader's language. A name without a label is shown as it is stored (tests/functional/
test_console_languages.py requires a label for each one the registry and the ledger know)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

FIELDS = {
    "family_name": _("Family name"), "given_name": _("Given name"), "patronymic": _("Patronymic"),
    "sex": _("Sex"), "birth_date": _("Birth date"), "death_date": _("Date of death"),
    "citizenship": _("Citizenship"), "district": _("District"), "address": _("Address"),
    "postcode": _("Postcode"), "email": _("Email"), "phone": _("Phone"),
    "electronic_account": _("Electronic notices"),
}

EVENTS = {
    "import": _("Data received"), "read": _("Record read"),
    "summons.placed": _("Summons placed"), "summons.served": _("Summons served"),
    "summons.missed": _("Summons missed"), "summons.appeared": _("Appeared"),
    "summons.excused": _("Excused"), "summons.cancelled": _("Summons cancelled"),
    "summons.appeal_accepted": _("Appeal against the summons accepted"),
    "measure.applied": _("Measure applied"), "measure.lifted": _("Measure lifted"),
    "measure.suspended": _("Measure suspended"), "measure.reinstated": _("Measure reinstated"),
    "decision.made": _("Decision made"), "deferment.ending": _("Deferment ending"),
    "appeal.filed": _("Appeal filed"), "appeal.decided": _("Appeal decided"),
    "application.awaiting_person": _("Waiting for the person"),
}


def field_label(name: str) -> str:
    return str(FIELDS.get(name, name))


def event_label(kind: str) -> str:
    return str(EVENTS.get(kind, kind))
