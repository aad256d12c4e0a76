"""The public check that a paper notice is genuine. It shows the office and the
appearance date only, and is rate-limited per client (an address, or an IPv6 /64) and minute."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from muster.interfaces.clients import client_address, count_hit
from muster.kernel import clock
from muster.rules.clients import limit_key, minute_window
from muster.rules.notice_numbers import InvalidNumber, parse_summons_number
from muster.summons import services as summons


def _over_limit(request: HttpRequest) -> bool:
    """A fixed one-minute window per client (an IPv4 address or an IPv6 /64): the count is keyed
    by the client and the minute, so it never outlives its minute however often it is hit."""
    client = limit_key(client_address(request))
    key = f"verify-rate:{client}:{minute_window(clock.now())}"
    return count_hit(key, 120) > settings.MUSTER_VERIFY_RATE_PER_MINUTE


@never_cache
@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    number_text = request.GET.get("n", "").strip()
    code = request.GET.get("c", "").strip()
    context: dict[str, object] = {"n": number_text, "c": code}
    if not number_text and not code:
        return render(request, "public/verify.html", context)
    if _over_limit(request):
        context["error"] = "Too many checks from your address. Please wait a minute and try again."
        return render(request, "public/verify.html", context, status=429)
    try:
        number = parse_summons_number(number_text)
    except InvalidNumber as exc:
        context["error"] = f"The number {exc}."
        return render(request, "public/verify.html", context, status=400)
    found = summons.verify_notice(number, code)
    if found is None:
        context["result"] = "not_genuine"
        return render(request, "public/verify.html", context, status=404)
    context.update(result="genuine", **found)
    return render(request, "public/verify.html", context)
