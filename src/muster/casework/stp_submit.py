"""Submit-time straight-through processing: a deferment applied for on a ground a straight-through
rule covers, by a person whose register fact meets that rule, is decided at once by system:stp.

"A matching fact" means the person's latest fact (by arrival) of the rule's source, if it arrived
within RECENT_DAYS of the application and is about this person (a `ready`, `officer` or `decided`
fact alike: the rule is applied again, today, with today's switches). An older fact, or one that
does not meet the rule, leaves the application to an officer, as does anything that does not fit
the person (a deferment in force, a once-only ground used before).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from muster.casework import stp
from muster.casework.models import Application
from muster.partners.models import RegisterFact
from muster.policy import switches
from muster.rules.casework import ground_of
from muster.rules.policy import Pack, PolicyVersion, version_in_force
from muster.rules.straight_through import decide_action, implied_ground, officer_note, rules_for

RECENT_DAYS = 365  # a register's fact older than a year says too little about today


def decide_at_submit(app: Application, pack: Pack, version: PolicyVersion, at: datetime) -> dict[str, Any] | None:
    """Decide a just-filed application if a rule and a recent fact allow (returns the decision,
    as `application show` gives it), else None: the application waits in the officer's queue, and
    the person's register facts no rule decided that wait for the queue on its ground join it (one
    application in the queue, not two). Runs inside the filing's transaction."""
    done = _decide_now(app, pack, version, at)
    if done is None:
        join_waiting_facts(app, pack)
    return done


def join_waiting_facts(app: Application, pack: Pack) -> int:
    """The person's facts no rule decided and casework has not yet queued (`officer`, no
    application), on the ground of `app`, become part of it with the note saying why no rule
    decided them; the batch then takes them no more."""
    joined = 0
    for fact in RegisterFact.objects.filter(person_id=app.person_id, pack_code=pack.code, outcome=stp.OFFICER,
                                            application_number=""):
        on = fact.processed_on or app.submitted_on
        version = pack.version(fact.policy_version) if fact.policy_version else version_in_force(pack.versions, on)
        if version is None:
            continue
        implied = implied_ground(version.casework, fact.source, fact.facts)
        if implied is None or (implied[0], implied[1].code) != (app.kind, app.ground):
            continue
        note = officer_note(rules_for(version.casework, fact.source), fact.facts, on, fact.switched_off)
        joined += RegisterFact.objects.filter(pk=fact.pk, application_number="").update(
            application_number=app.number, note=note)
    return joined


def _decide_now(app: Application, pack: Pack, version: PolicyVersion, at: datetime) -> dict[str, Any] | None:
    if app.kind != "deferment":
        return None
    covering = [r for r in version.casework.straight_through if r.kind == "deferment" and r.ground == app.ground
                and r.action == stp.GRANT]
    if not covering:
        return None
    off = switches.switched_off(pack.code)
    day = app.submitted_on
    for source in dict.fromkeys(r.source for r in covering):
        # Locked before the person's deferments are read: a batch deciding this fact meanwhile is
        # waited for (and its decision then seen), and a batch after us finds it taken.
        fact = (RegisterFact.objects.select_for_update().filter(
                    person_id=app.person_id, source=source, pack_code=pack.code,
                    received_at__gte=at - timedelta(days=RECENT_DAYS)).order_by("-id").first())
        if fact is None:
            continue
        action = decide_action(rules_for(version.casework, source), fact.facts, day, switched_off=off)
        if action.rule is None or action.rule not in covering:
            continue
        ground = ground_of(version.casework, "deferment", app.ground)
        in_force = stp.in_force_of([app.person_id], day).get((app.person_id, ground.code))
        used = (app.person_id, ground.code) in stp.granted_before([app.person_id])
        found = stp.fit(action.rule, ground, fact.facts, day, in_force, used)
        if found.action != stp.GRANT or found.period is None:
            return None
        if app.requested_until is not None and found.period.until is not None \
                and app.requested_until < found.period.until:
            return None  # the person asked for less than the register allows: an officer decides
        from muster.casework.decisions import decide

        done = decide(stp.STP, app.number, "grant", stp.said_by(action.rule), until=found.period.until, at=at,
                      criteria=stp.criteria_of(action.rule, fact.facts, day))
        # The fact is taken: a batch neither processes it again nor decides it a second time.
        RegisterFact.objects.filter(pk=fact.pk, outcome__in=("", "ready")).update(
            outcome=stp.DECIDED, application_number=app.number, rule=action.rule.code,
            processed_at=fact.processed_at or at, processed_on=fact.processed_on or day,
            policy_version=fact.policy_version or version.code,
            switched_off=fact.switched_off if fact.processed_at else sorted(off & {r.code for r in rules_for(
                version.casework, source)}))
        return done["decision"]
    return None
