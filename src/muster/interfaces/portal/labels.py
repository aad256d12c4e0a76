"""The portal's words for the registry's codes (field names, statuses, measure kinds, ways of
service), translated; a code with no label is shown as it is."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _

FIELDS = {
    "family_name": _("Family name"), "given_name": _("Given name"), "patronymic": _("Patronymic"),
    "sex": _("Sex"), "birth_date": _("Date of birth"), "death_date": _("Date of death"),
    "citizenship": _("Citizenship"), "district": _("District"), "address": _("Address"),
    "postcode": _("Postcode"), "email": _("Email"), "phone": _("Phone"),
    "electronic_account": _("Electronic account"),
}

VALUES = {True: _("Yes"), False: _("No"), "M": _("Male"), "F": _("Female")}

SUMMONS_STATUS = {
    "placed": _("Placed in the register, not yet served"), "served": _("Served"), "appeared": _("You appeared"),
    "missed": _("Missed"), "excused": _("Excused"), "cancelled": _("Cancelled"),
}

NEXT_STEP = {
    "placed": _("Appear at the place and time shown. If you cannot, apply for an excuse before the day."),
    "served": _("Appear at the place and time shown. If you cannot, apply for an excuse before the day."),
    "missed": _("Contact the registration office, or apply for an excuse or appeal if you had good reason."),
    "appeared": _("Nothing: you appeared."),
    "excused": _("Nothing: your excuse was accepted."),
    "cancelled": _("Nothing: the summons was cancelled."),
}

SERVED_HOW = {
    "portal": _("posted to your electronic account"), "post": _("by registered post"),
    "in_person": _("handed to you in person"), "deemed": _("deemed served by law"),
    "register": _("placed in the register of summonses"), "email": _("by email"), "sms": _("by text message"),
}

MEASURE_STATUS = {
    "active": _("In force"), "pending": _("Waiting for an officer's sign-off"), "lifted": _("Lifted"),
    "declined": _("Declined"), "suspended": _("Suspended"),
}

MEASURE_KIND = {
    "exit_ban": _("Ban on leaving the country"),
    "sole_proprietor_ban": _("Ban on registering as a sole proprietor"),
    "self_employed_ban": _("Ban on registering as self-employed"),
    "real_estate_ban": _("Ban on real-estate registrations and deals"),
    "vehicle_registration_ban": _("Ban on registering vehicles"),
    "driving_ban": _("Ban on driving"),
    "credit_ban": _("Ban on taking loans and credit"),
}

# Which kinds of agency enforce a measure: agencies, never officers.
ENFORCED_BY = {
    "exit_ban": _("border control"),
    "sole_proprietor_ban": _("the tax service"),
    "self_employed_ban": _("the tax service"),
    "real_estate_ban": _("the property register"),
    "vehicle_registration_ban": _("the traffic police (vehicle registration)"),
    "driving_ban": _("the traffic police (driving licences)"),
    "credit_ban": _("banks and credit bureaus"),
}

# How a measure is lifted, by what closes the summons it rests on (the policy's lifted_by).
LIFTED_BY = {
    "appeared": _("Appear at the registration office as the notice says: the measure is lifted that day."),
    "excused": _("Apply for an excuse with evidence (illness, a family emergency, ...): if it is granted, "
                 "the measure is lifted that day."),
    "cancelled": _("If the office cancels the summons, the measure is lifted that day."),
    "appeal_accepted": _("Appeal against the summons or the measure: if the appeal is accepted, the "
                         "measure is lifted."),
}

MESSAGE_TOPIC = {
    "measure.applied": _("A measure was applied to you"), "measure.lifted": _("A measure on you was lifted"),
    "measure.suspended": _("A measure on you was suspended"),
    "measure.reinstated": _("A measure on you is in force again"),
    "decision.made": _("A decision on your application"), "deferment.ending": _("Your deferment ends soon"),
    "contact.changed": _("Your contact details were changed on an agency's report"),
    "appeal.filed": _("Your appeal was filed"), "appeal.decided": _("A ruling on your appeal"),
    "application.awaiting_person": _("The office asks you for something on your application"),
}

OWN_READ = _("You viewed your own record")

READ_BY = {
    "you": _("You"), "office": _("The military registration office"), "partner": _("Partner agency"),
    "system": _("Muster (automatic processing)"),
}

LIABILITY = {True: _("You are liable for military service."), False: _("You are not liable for military service.")}


def label(table: dict, code: object) -> object:
    return table.get(code, code)

# --- applying and appealing

APPLICATION_KIND = {
    "deferment": _("A deferment"), "exemption": _("An exemption"),
    "alternative_service": _("Alternative civilian service"), "excuse": _("An excuse for a summons"),
    "correction": _("A correction to your record"),
}

APPLICATION_HINT = {
    "deferment": _("Put off call-up for a time: for study, health, family or work."),
    "exemption": _("Be freed from call-up: for health or another ground in the law."),
    "alternative_service": _("Serve in civilian work instead, for reasons of conscience or religion."),
    "excuse": _("You could not appear, or cannot appear, when a summons says: illness, a family emergency, ..."),
    "correction": _("Something in your record is wrong."),
}

QUESTION_TITLE = {
    "ground": _("On what ground are you applying?"), "summons": _("Which summons is it about?"),
    "until": _("Until when do you ask for it?"),
}

QUESTION_HINT = {
    "ground": _("The grounds the law gives for this kind of application."),
    "summons": _("Your summonses that are still open."),
    "until": _("A date like 2027-06-30. Leave it blank and the ground's own period applies."),
}

APPLICATION_STATUS = {
    "submitted": _("Received"), "in_review": _("Being reviewed"),
    "awaiting_person": _("Waiting for you: the office asked you for something"),
    "decided": _("Decided"), "withdrawn": _("Withdrawn"),
}

OUTCOME = {"granted": _("Granted"), "refused": _("Refused"), "ended": _("Ended")}

APPEAL_BODY = {"regional draft commission": _("the regional draft commission"), "court": _("a court")}

APPEAL_STATUS = {"open": _("Being considered"), "decided": _("Decided")}

APPEAL_OUTCOME = {"allowed": _("Allowed"), "dismissed": _("Dismissed")}

# --- account pages: who viewed my record, messages, extract, contact details -----------------

# The office and the kind of check as muster.citizen.viewers and muster.rules.record_viewers word
# them; a district's office is the district's own name and is shown as it is, and the person's own
# office when the district names none ("registration office") adds nothing to "The military
# registration office".
OFFICE = {"registration office": "", "central office (all districts)": _("the central office (all districts)")}
CHECK = {"a check of the measures it enforces": _("a check of the measures it enforces"),
         "its feed of measure events": _("its feed of measure events")}
ROLE = {
    "officer": _("officer"), "operator": _("operator"), "registration_officer": _("registration officer"),
    "data_steward": _("data steward"), "board_member": _("board member"), "auditor": _("auditor"),
    "administrator": _("administrator"), "partner": _("partner agency"), "person": "",
    "system": _("automatic processing"),
}
ENTER_DATE = _("Enter a date like 2026-03-02")
FROM_AFTER_TO = _("The start date must be on or before the end date")
NO_SUCH_MESSAGE = _("Message not found")
NO_SUCH_MESSAGE_DETAIL = _("There is no such message in your account.")


def viewer_entry(item: dict) -> dict:
    """One entry of who_viewed as the page shows it: who (an office or an agency, never an officer),
    the kind of check, the role and the purpose, in the person's language."""
    by = item["by"]
    where = item["agency"] if by == "partner" else label(OFFICE, item["office"]) if by == "office" else ""
    return {"at": datetime.fromisoformat(item["at"]), "by_text": READ_BY[by], "where": where or "",
            "check": label(CHECK, item["check"]) if item["check"] else "", "role": label(ROLE, item["role"]),
            "purpose": OWN_READ if by == "you" else item["purpose"]}
