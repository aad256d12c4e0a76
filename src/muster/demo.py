"""The demo's campaign (what `muster demo` runs): placed five weeks ago, the clock advanced day by day to today, so
that the demo shows summonses served, appeared, excused and missed, with their measures."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count

from muster import demo_casework, engine
from muster.campaigns import issuing
from muster.campaigns import services as campaigns
from muster.campaigns.models import Campaign
from muster.delivery import letters
from muster.kernel import clock
from muster.kernel.actor import Actor
from muster.rules.notice_numbers import format_summons_number
from muster.rules.policy import Pack
from muster.rules.vocabulary import SummonsStatus
from muster.summons import outcomes
from muster.summons.models import Summons

CODE = "DEMO-AUTUMN"
RECENT = "DEMO-WINTER"


def run(pack: Pack, today: date, out_dir: Path, *, actor: Actor) -> dict[str, Any]:
    if Campaign.objects.filter(code=CODE).exists():
        return summary()
    tz = ZoneInfo(pack.time_zone)
    placed = today - timedelta(days=35)
    start = datetime.combine(placed, time(9), tz)
    biggest = sorted(pack.districts, key=lambda d: -d.daily_capacity)[:3]
    request = campaigns.CampaignRequest(
        code=CODE, purpose="medical_examination", districts={d.code: 40 for d in biggest},
        appear_from=placed + timedelta(days=3), appear_to=placed + timedelta(days=10),
        place="Призывной пункт, ул. Военная, 1")
    keys_shown = {**_demo_partners(actor), **demo_casework.education_partner(actor)}
    campaign = campaigns.create(pack, request, actor=actor, today=placed)
    issuing.issue(campaign, start, actor=actor)
    letters.make_batch(start, out_dir, actor=actor)
    day = placed
    # A second campaign placed eight days ago: served, with appearance dates still to come.
    recent_placed = today - timedelta(days=8)
    recent = campaigns.create(pack, campaigns.CampaignRequest(
        code=RECENT, purpose="data_check", districts={d.code: 20 for d in biggest},
        appear_from=today + timedelta(days=2), appear_to=today + timedelta(days=12),
        place="Военный комиссариат, каб. 12"), actor=actor, today=recent_placed)
    call_up = campaigns.create(pack, demo_casework.call_up_request(pack, today), actor=actor, today=recent_placed)
    while day <= today:
        now = datetime.combine(day, time(18), tz)
        if day == recent_placed:
            issuing.issue(recent, datetime.combine(day, time(9), tz), actor=actor)
            issuing.issue(call_up, datetime.combine(day, time(10), tz), actor=actor)
        engine.turn(now, actor=actor, send=True)
        for i, s in enumerate(Summons.objects.filter(campaign=campaign, appearance_date=day, status=SummonsStatus.SERVED)):
            if i % 3 == 0:
                outcomes.record(format_summons_number(s.number), "appeared", now, actor=actor)
            elif i % 7 == 1:
                outcomes.record(format_summons_number(s.number), "excused", now, actor=actor, reason="illness")
        day += timedelta(days=1)
    # Casework at the real "now" (its instants may not lie ahead of the clock), then the last turn
    # publishes the day's lifts and suspensions to the partners' feeds.
    check = demo_casework.run(pack, today, min(clock.now(), datetime.combine(today, time(23), tz)), keys_shown,
                              actor=actor, campaign_code=CODE)
    engine.turn(datetime.combine(today, time(23, 59), tz), actor=actor, send=True)
    return summary(keys_shown, check)


DEMO_PARTNERS = {"Пограничная служба": ["exit_ban"], "Госавтоинспекция": ["driving_ban", "vehicle_registration_ban"],
                 "Бюро кредитных историй": ["credit_ban"]}


def _demo_partners(actor: Actor) -> dict[str, str]:
    """Three partner agencies pulling their feeds; their API keys are shown once, in the demo's summary."""
    from muster.partners import keys

    return {name: keys.add(name, kinds, "", actor=actor)["api_key"] for name, kinds in DEMO_PARTNERS.items()}


def summary(keys_shown: dict[str, str] | None = None, check: dict[str, Any] | None = None) -> dict[str, Any]:
    from muster.measures.models import Measure
    from muster.partners.models import Partner

    codes = (CODE, RECENT, demo_casework.CALL_UP)
    counts = dict(Summons.objects.filter(campaign__code__in=codes).values_list("status")
                  .annotate(n=Count("id")).values_list("status", "n"))
    measures = dict(Measure.objects.filter(summons__campaign__code__in=codes).values_list("status")
                    .annotate(n=Count("id")).values_list("status", "n"))
    partners = [{"name": p.name, "kinds": p.kinds, "feed_length": p.feed_length,
                 "api_key": (keys_shown or {}).get(p.name)} for p in Partner.objects.order_by("id")]
    casework = demo_casework.summary()
    if check and "appeal" in casework:
        casework["appeal"]["partner_check"] = check
    return {"campaign": " + ".join(codes), "summonses": counts, "measures": measures, "partners": partners,
            "casework": casework}


def portal_person() -> str | None:
    """A demo person with an exit ban in force and the summons it rests on: whom to sign in as on
    the portal (None before the demo's campaign has run)."""
    from muster.measures.models import Measure

    measure = (Measure.objects.filter(kind="exit_ban", status="active").select_related("person")
               .order_by("id").first())
    return None if measure is None else measure.person.national_id
