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
from muster.rules.policy import Pack, PolicyVersion
from muster.rules.straight_through import decide_action, rules_for

RECENT_DAYS = 365  # a register's fact older than a year says too little about today


def decide_at_submit(app: Application, pack: Pack, version: PolicyVersion, at: datetime) -> dict[str, Any] | None:
    """Decide a just-filed application if a rule and a recent fact allow (returns the decision,
    as `application show` gives it), else None. Runs inside the filing's transaction."""
    if app.kind != "deferment":
        return None
    covering = [r for r in version.casework.straight_through if r.kind == "deferment" and r.ground == app.ground
                and r.action == stp.GRANT]
    if not covering:
        return None
    off = switches.switched_off(pack.code)
    day = app.submitted_on
    for source in dict.fromkeys(r.source for r in covering):
        fact = (RegisterFact.objects.filter(person_id=app.person_id, source=source,
                                            received_at__gte=at - timedelta(days=RECENT_DAYS))
                .order_by("-id").first())
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
