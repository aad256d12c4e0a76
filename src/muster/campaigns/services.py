"""Create and read campaigns. Windows are checked against the policy in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.db.models import Count

from muster.audit import access, trail
from muster.campaigns import issuing
from muster.campaigns.issuing import IssueError, IssueResult
from muster.campaigns.models import Campaign, CampaignDistrict
from muster.kernel.actor import Actor
from muster.kernel.clock import today_in
from muster.rules import access as rules
from muster.rules.limits import too_long
from muster.rules.policy import Pack, PolicyVersion, version_in_force
from muster.rules.schedule import usable_window, window_problems
from muster.summons.models import Summons


class CampaignError(ValueError):
    """A campaign request is invalid; the message names the field."""


@dataclass(frozen=True)
class CampaignRequest:
    code: str
    purpose: str
    districts: dict[str, int]
    appear_from: date
    appear_to: date
    place: str
    appear_time: time = time(9, 0)


def create(pack: Pack, request: CampaignRequest, *, actor: Actor, today: date | None = None) -> Campaign:
    """A campaign in the officer's districts, its window checked against the policy in force."""
    access.require(rules.may_run_campaign(actor, frozenset(request.districts)))
    today = today or today_in(pack)
    version = version_in_force(pack.versions, today)
    if version is None:
        raise CampaignError(f"--pack: no policy of {pack.code} is in force on {today}")
    problems = []
    if not request.code.strip():
        problems.append("--code: is empty")
    problems += filter(None, [too_long("campaign code", request.code, "--code"),
                              too_long("campaign place", request.place, "--place")])
    if Campaign.objects.filter(code=request.code).exists():
        problems.append(f"--code: campaign {request.code!r} exists already")
    if not request.districts:
        problems.append("--district: name at least one district as CODE:QUOTA")
    known = pack.district_codes()
    for code, quota in request.districts.items():
        if code not in known:
            problems.append(f"--district: unknown district {code!r} in pack {pack.code}")
        if quota < 1:
            problems.append(f"--district {code}: the quota must be at least 1")
    if not request.place.strip():
        problems.append("--place: is empty")
    if request.appear_from <= today:
        problems.append(f"--appear-from: {request.appear_from} is not after today ({today})")
    broken = window_problems(version, request.purpose, request.appear_from, request.appear_to)
    problems += [f"window: {p}" for p in broken]
    if not broken and request.appear_from > today:
        problems += _window_reachable(version, request, today)
    if problems:
        raise CampaignError("; ".join(problems))
    with transaction.atomic():
        campaign = Campaign.objects.create(
            code=request.code, purpose=request.purpose, pack_code=pack.code, policy_version=version.code,
            place=request.place, appear_from=request.appear_from, appear_to=request.appear_to,
            appear_time=request.appear_time, created_by=actor.who)
        CampaignDistrict.objects.bulk_create(
            CampaignDistrict(campaign=campaign, district=code, quota=quota)
            for code, quota in sorted(request.districts.items()))
        trail.record(actor, "campaign.create", "campaign", campaign.code, purpose=request.purpose)
    return campaign


def _window_reachable(version: PolicyVersion, request: CampaignRequest, today: date) -> list[str]:
    """A window no summons placed today could use is refused now, not at issue: the policy in force
    today limits how far after placement an appearance date may lie."""
    if usable_window(version, request.appear_from, request.appear_to, today) is not None:
        return []
    limit = version.campaigns.max_days_after_placement if version.campaigns else None
    return [f"--appear-from: {request.appear_from} is {(request.appear_from - today).days} days after today "
            f"({today}), but under {version.code} the appearance date is at most {limit} days after "
            f"placement; create the campaign at most {limit} days before its window"]


def get(code: str) -> Campaign:
    campaign = Campaign.objects.filter(code=code).first()
    if campaign is None:
        raise LookupError(f"no campaign {code!r}")
    return campaign


def describe(campaign: Campaign) -> dict[str, Any]:
    """The campaign with its progress counts (no personal data)."""
    by_status = dict(Summons.objects.filter(campaign=campaign).values_list("status")
                     .annotate(n=Count("id")).values_list("status", "n"))
    by_district = dict(Summons.objects.filter(campaign=campaign).values_list("district")
                       .annotate(n=Count("id")).values_list("district", "n"))
    # Summonses of an issue run a crash interrupted are not counted until it is completed.
    being_issued = Summons.everything.filter(campaign=campaign).count() - sum(by_status.values())
    return {
        "code": campaign.code, "purpose": campaign.purpose, "pack": campaign.pack_code,
        "policy_version": campaign.policy_version, "place": campaign.place,
        "appear_from": campaign.appear_from, "appear_to": campaign.appear_to,
        "appear_time": campaign.appear_time.strftime("%H:%M"),
        "districts": [{"district": d.district, "quota": d.quota, "issued": by_district.get(d.district, 0)}
                      for d in campaign.districts.order_by("district")],
        "issued": sum(by_status.values()),
        "being_issued": being_issued,
        "status": {s: by_status.get(s, 0) for s in
                   ("placed", "served", "appeared", "excused", "missed", "cancelled")},
    }


def show(actor: Actor, code: str) -> dict[str, Any]:
    """A campaign and its progress counts, no personal data (LookupError if none)."""
    access.require(rules.may_read_statistics(actor))
    return describe(get(code))


def in_scope(actor: Actor, districts: frozenset[str]) -> bool:
    """A campaign is the actor's to see when every one of its districts is (or the actor has all)."""
    return actor.all_districts or bool(districts) and districts <= actor.districts


def visible(actor: Actor, limit: int = 200) -> list[dict[str, Any]]:
    """The campaigns whose every district is the actor's, newest window first: counts only."""
    access.require(rules.may_read_statistics(actor))
    campaigns = Campaign.objects.order_by("-appear_from", "code")
    if not actor.all_districts:
        foreign = CampaignDistrict.objects.exclude(district__in=actor.districts).values("campaign_id")
        campaigns = campaigns.filter(districts__district__in=actor.districts).exclude(id__in=foreign).distinct()
    return [{"code": c.code, "purpose": c.purpose, "appear_from": c.appear_from, "appear_to": c.appear_to,
             "districts": sorted(d.district for d in c.districts.all())}
            for c in campaigns.prefetch_related("districts")[:limit]]


def show_in_scope(actor: Actor, code: str) -> dict[str, Any]:
    """As `show`, but another district's campaign does not exist for the actor (LookupError)."""
    access.require(rules.may_read_statistics(actor))
    campaign = get(code)
    if not in_scope(actor, frozenset(campaign.districts.values_list("district", flat=True))):
        raise LookupError(f"no campaign {code!r}")
    return describe(campaign)


def issue(actor: Actor, code: str, now: datetime, dry_run: bool = False) -> IssueResult:
    """Issue (or preview) the campaign's summonses: the officer must hold all its districts."""
    campaign = get(code)
    access.require(rules.may_run_campaign(actor, frozenset(campaign.districts.values_list("district", flat=True))))
    return issuing.issue(campaign, now, actor=actor, dry_run=dry_run)


__all__ = ["CampaignError", "CampaignRequest", "IssueError", "create", "describe", "get", "in_scope", "issue", "show",
           "show_in_scope", "visible"]
