"""An open appeal that suspends the call-up decision (ru's court) holds its summons, through
`muster tick`: the tick does not mark it missed and applies none of the measures that start on
missing; a dismissal reinstates what filing suspended and lets the next tick mark it missed (as of
the day it was missed) and apply them; an allowed appeal cancels the summons for good. The
commission (suspends nothing) holds nothing."""

from __future__ import annotations

import json
from datetime import date

import pytest

from muster.campaigns import issuing
from muster.campaigns import services as campaigns
from muster.kernel.actor import Actor
from muster.measures.models import Measure
from muster.rules.notice_numbers import format_summons_number
from muster.summons.models import Summons
from tests.conftest import at

pytestmark = pytest.mark.django_db
OFFICER = Actor.officer("t")


def _json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _tick(cli_run, day: str) -> dict:
    return _json(cli_run("tick", "--now", at(day, 12).isoformat(), "--no-send", "--json"))


def _statuses(summons: Summons) -> dict[str, str]:
    return dict(Measure.objects.filter(summons=summons).values_list("kind", "status"))


def test_the_court_holds_a_summons_until_it_rules(ru, people, cli_run):
    people(4)
    campaigns.create(ru, campaigns.CampaignRequest(code="C", purpose="call_up", districts={"RU-RYA": 4},
                                                   appear_from=date(2026, 3, 10), appear_to=date(2026, 3, 10),
                                                   place="x"), actor=OFFICER, today=date(2026, 3, 2))
    issuing.issue(campaigns.get("C"), at("2026-03-02"), actor=OFFICER)
    _tick(cli_run, "2026-03-09")
    served = list(Summons.objects.filter(status="served").order_by("id"))
    assert len(served) >= 4, [s.status for s in Summons.objects.all()]
    allowed, dismissed, commission, plain = served[:4]
    numbers = {s.pk: format_summons_number(s.number) for s in served}

    def file(s: Summons, *level: str) -> dict:
        return _json(cli_run("appeal", "file", "--against", f"summons:{numbers[s.pk]}", *level, "--reason",
                             "not fit to serve", "--at", at("2026-03-09", 13).isoformat(), "--json"))

    to_allow, to_dismiss = file(allowed, "--level", "2"), file(dismissed, "--level", "2")
    file(commission)  # level 1: suspends nothing, holds nothing
    assert to_allow["body"] == "court" and [m["kind"] for m in to_allow["suspends"]] == ["exit_ban"]

    _tick(cli_run, "2026-04-05")  # well past the grace days
    for s in served:
        s.refresh_from_db()
    assert (allowed.status, dismissed.status, commission.status, plain.status) == (
        "served", "served", "missed", "missed")
    assert _statuses(allowed) == {"exit_ban": "suspended"}  # nothing that starts on missing
    assert _statuses(dismissed) == {"exit_ban": "suspended"}
    assert len(_statuses(plain)) == 7 and set(_statuses(plain).values()) == {"active"}
    assert _tick(cli_run, "2026-04-05")["missed"] == 0  # a second tick still holds them

    _json(cli_run("appeal", "decide", to_dismiss["number"], "dismissed", "--reason", "no grounds",
                  "--at", at("2026-04-06", 10).isoformat(), "--json"))
    _json(cli_run("appeal", "decide", to_allow["number"], "allowed", "--reason", "unfit",
                  "--at", at("2026-04-06", 10).isoformat(), "--json"))
    assert _statuses(dismissed) == {"exit_ban": "active"}
    assert _tick(cli_run, "2026-04-07")["missed"] == 1
    dismissed.refresh_from_db()
    allowed.refresh_from_db()
    assert dismissed.status == "missed" and dismissed.missed_on == plain.missed_on
    assert len(_statuses(dismissed)) == 7 and set(_statuses(dismissed).values()) == {"active"}
    assert allowed.status == "cancelled" and set(_statuses(allowed).values()) == {"lifted"}
