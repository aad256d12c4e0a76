"""Campaign pages over muster.campaigns.services: the list of one's districts' campaigns, the form
that creates one, its dry run per district (reason counts, never names), issuing after a confirm,
and progress per district. Who may see, create or issue is decided in the services, never here."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from muster.audit.access import AccessDenied
from muster.campaigns import services as campaigns
from muster.interfaces.console.guard import officer_page
from muster.kernel.clock import today_in
from muster.policy import services as policy
from muster.rules.vocabulary import Purpose
from muster.summons.services import known_now

# The form's fields, in the order of the page: the error summary links to each by its id.
FIELDS = {
    "code": gettext_lazy("Campaign code"), "pack": gettext_lazy("Policy pack"),
    "purpose": gettext_lazy("Purpose"), "quotas": gettext_lazy("District quotas"),
    "appear_from": gettext_lazy("Appear from"), "appear_to": gettext_lazy("Appear until"),
    "place": gettext_lazy("Place"), "appear_time": gettext_lazy("Time"),
}
# The services name the CLI's options; the page names its own fields.
_OPTION_FIELD = {"--code": "code", "--pack": "pack", "--purpose": "purpose", "--district": "quotas",
                 "--appear-from": "appear_from", "--appear-to": "appear_to", "window": "appear_from",
                 "--place": "place", "--time": "appear_time"}
PURPOSES = {
    Purpose.MEDICAL_EXAMINATION: gettext_lazy("Medical examination"), Purpose.CALL_UP: gettext_lazy("Call-up"),
    Purpose.DATA_CHECK: gettext_lazy("Data check"), Purpose.ALTERNATIVE_SERVICE: gettext_lazy("Alternative service"),
}
MAX_QUOTA = 1_000_000


def _problems(message: str) -> list[dict[str, str]]:
    """A service's "--option: what is wrong; ..." as the page's [{field, label, text}]."""
    problems = []
    for part in message.split("; "):
        match = re.match(r"(--[a-z-]+|window)\b[^:]*:\s*", part)
        field = _OPTION_FIELD.get(match.group(1), "code") if match else "code"
        problems.append({"field": field, "label": str(FIELDS[field]), "text": part[match.end():] if match else part})
    return problems


def _districts(actor: Any, pack: Any) -> list[str]:
    known = sorted(pack.district_codes())
    return known if actor.all_districts else [d for d in known if d in actor.districts]


@require_GET
@officer_page
def campaign_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    return render(request, "console/campaigns.html", {"campaigns": campaigns.visible(actor), "purposes": PURPOSES})


def _parse(post: Any, problems: list[dict[str, str]]) -> dict[str, Any]:
    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(post.get(name, "").strip())
        except ValueError:
            problems.append({"field": name, "label": str(FIELDS[name]), "text": _("Enter a date as YYYY-MM-DD.")})
            return None

    quotas: dict[str, int] = {}
    for key, raw in post.items():
        if key.startswith("quota_") and raw.strip():
            if not raw.strip().isdigit() or int(raw) > MAX_QUOTA:
                problems.append({"field": "quotas", "label": str(FIELDS["quotas"]),
                                 "text": _("Enter a whole number for %(district)s.") % {"district": key[6:26]}})
            else:
                quotas[key[6:26].upper()] = int(raw)
    try:
        at = time.fromisoformat(post.get("appear_time", "").strip() or "09:00")
    except ValueError:
        at = None
        problems.append({"field": "appear_time", "label": str(FIELDS["appear_time"]), "text": _("Enter a time as HH:MM.")})
    purpose = post.get("purpose", "")
    if purpose not in PURPOSES:
        problems.append({"field": "purpose", "label": str(FIELDS["purpose"]), "text": _("Choose one of the purposes.")})
    return {"code": post.get("code", "").strip()[:80], "purpose": purpose, "districts": quotas,
            "appear_from": day("appear_from"), "appear_to": day("appear_to"),
            "place": post.get("place", "").strip()[:400], "appear_time": at}


@require_http_methods(["GET", "POST"])
@officer_page
def campaign_new(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    packs = [p["code"] for p in policy.installed()]
    chosen = request.POST.get("pack", settings.MUSTER_DEFAULT_PACK)
    context: dict[str, Any] = {"packs": packs, "purposes": PURPOSES, "form": request.POST, "pack": chosen}
    if chosen not in packs:
        context.update(pack=settings.MUSTER_DEFAULT_PACK, districts=[], problems=[
            {"field": "pack", "label": str(FIELDS["pack"]), "text": _("Choose one of the packs.")}])
        return render(request, "console/campaign_new.html", context, status=400)
    pack = policy.get_pack(chosen)
    context["districts"] = [{"code": d, "quota": request.POST.get(f"quota_{d}", "")} for d in _districts(actor, pack)]
    if request.method == "GET":
        return render(request, "console/campaign_new.html", context)
    problems: list[dict[str, str]] = []
    fields = _parse(request.POST, problems)
    if not problems:
        try:
            campaign = campaigns.create(pack, campaigns.CampaignRequest(**fields), actor=actor,
                                        today=today_in(pack, known_now()))
        except campaigns.CampaignError as exc:
            problems = _problems(str(exc))
        else:
            return redirect("console:campaign", code=campaign.code)
    context["problems"] = problems
    return render(request, "console/campaign_new.html", context, status=400)


def _dry_run(actor: Any, code: str) -> tuple[dict[str, Any] | None, str]:
    """The preview per district, or why there is none (a role that may not issue sees none)."""
    try:
        return campaigns.issue(actor, code, known_now(), dry_run=True).as_dict(), ""
    except AccessDenied:
        return None, ""
    except campaigns.IssueError as exc:
        return None, str(exc)


@require_GET
@officer_page
def campaign(request: HttpRequest, code: str) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    shown = campaigns.show_in_scope(actor, code[:80])
    plan, cannot = _dry_run(actor, shown["code"])
    return render(request, "console/campaign.html", {"c": shown, "plan": plan, "cannot": cannot,
                                                     "purposes": PURPOSES, "issued": request.GET.get("issued")})


@require_POST
@officer_page
def campaign_issue(request: HttpRequest, code: str) -> HttpResponse:
    """Issue after the dry run; the services check the districts again, and refuse other roles."""
    actor = request.actor  # type: ignore[attr-defined]
    shown = campaigns.show_in_scope(actor, code[:80])
    if request.POST.get("confirm") != "yes":
        plan, cannot = _dry_run(actor, shown["code"])
        return render(request, "console/campaign.html", {
            "c": shown, "plan": plan, "cannot": cannot, "purposes": PURPOSES,
            "problems": [{"field": "confirm", "label": str(gettext_lazy("Confirm")),
                          "text": _("Tick the box to confirm you have checked the dry run.")}]}, status=400)
    try:
        result = campaigns.issue(actor, shown["code"], known_now())
    except campaigns.IssueError as exc:
        return render(request, "console/campaign.html", {
            "c": shown, "plan": None, "cannot": str(exc), "purposes": PURPOSES}, status=400)
    return redirect(f"{reverse('console:campaign', args=[shown['code']])}?issued={result.issued}")
