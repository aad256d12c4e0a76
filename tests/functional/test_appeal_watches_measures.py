"""An appeal at a level that suspends named measure kinds, filed before the summons is missed,
also suspends the measures of those kinds that start later (on missing), through the tick: they
are applied and suspended in the same turn, partners see them not in force, a dismissal reinstates
them with the rest and an allowed appeal lifts them. Other kinds, and other summonses, are untouched.

The `ru` pack's levels suspend nothing (the commission) or the whole call-up decision (the court),
so the test gives the commission a rule a pack may state: suspend exit and driving bans."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from muster import engine
from muster.campaigns import issuing
from muster.campaigns import services as campaigns
from muster.casework import appeals
from muster.casework.models import Appeal
from muster.kernel.actor import Actor
from muster.ledger.models import Event
from muster.measures.models import Measure
from muster.policy import loader
from muster.rules.notice_numbers import format_summons_number
from muster.summons.models import Summons
from tests.conftest import at

pytestmark = pytest.mark.django_db
OFFICER = Actor.officer("t")
NAMED = ("exit_ban", "driving_ban")


@pytest.fixture
def named_kinds(ru, monkeypatch):
    """The ru pack whose first appeal level suspends exit and driving bans automatically."""
    def changed(version):
        cw = version.casework
        levels = tuple(replace(level, suspends="measures", measure_kinds=NAMED, suspension="automatic")
                       if level.level == 1 else level for level in cw.appeals)
        return replace(version, casework=replace(cw, appeals=levels))

    pack = replace(ru, versions=tuple(changed(v) for v in ru.versions))
    real = loader.get_pack
    monkeypatch.setattr(loader, "get_pack", lambda code: pack if code == "ru" else real(code))
    return pack


def _statuses(summons: Summons) -> dict[str, str]:
    return dict(Measure.objects.filter(summons=summons).values_list("kind", "status"))


def test_measures_of_the_named_kinds_that_start_on_missing_are_held_until_the_ruling(named_kinds, people):
    people(4)
    campaigns.create(named_kinds, campaigns.CampaignRequest(
        code="C", purpose="call_up", districts={"RU-RYA": 4}, appear_from=date(2026, 3, 10),
        appear_to=date(2026, 3, 10), place="x"), actor=OFFICER, today=date(2026, 3, 2))
    issuing.issue(campaigns.get("C"), at("2026-03-02"), actor=OFFICER)
    engine.turn(at("2026-03-09", 12), actor=OFFICER, send=False)
    served = list(Summons.objects.filter(status="served").order_by("id"))
    assert len(served) >= 3
    to_dismiss, to_allow, plain = served[:3]

    def file(s: Summons) -> dict:
        return appeals.file(OFFICER, f"summons:{format_summons_number(s.number)}", "not fit to serve",
                            at("2026-03-09", 13))

    dismissed_no, allowed_no = file(to_dismiss)["number"], file(to_allow)["number"]
    assert _statuses(to_dismiss) == {"exit_ban": "suspended"}  # in force at filing: suspended then

    counts = engine.turn(at("2026-04-05", 12), actor=OFFICER, send=False)  # past the grace days: missed
    for s in (to_dismiss, to_allow, plain):
        s.refresh_from_db()
    assert (to_dismiss.status, to_allow.status, plain.status) == ("missed", "missed", "missed")
    held = _statuses(to_dismiss)
    assert len(held) == 7
    assert {k for k, v in held.items() if v == "suspended"} == set(NAMED)  # driving ban held as it started
    assert {v for k, v in held.items() if k not in NAMED} == {"active"}
    assert set(_statuses(plain).values()) == {"active"}  # no appeal, nothing held
    assert counts["measures_held_by_appeals"] == 2  # a driving ban on each appealed summons
    driving = Measure.objects.get(summons=to_dismiss, kind="driving_ban")
    assert list(Event.objects.filter(measure_id=driving.pk).order_by("id").values_list("type", flat=True)) == [
        "measure.applied", "measure.suspended"]
    assert sorted(Appeal.objects.get(subject_id=to_dismiss.pk).suspended) == sorted(
        Measure.objects.filter(summons=to_dismiss, kind__in=NAMED).values_list("pk", flat=True))
    assert engine.turn(at("2026-04-05", 13), actor=OFFICER, send=False)["measures_held_by_appeals"] == 0

    appeals.decide(OFFICER, dismissed_no, "dismissed", "no grounds", at("2026-04-06", 10))
    appeals.decide(OFFICER, allowed_no, "allowed", "unfit", at("2026-04-06", 10))
    assert set(_statuses(to_dismiss).values()) == {"active"}  # both bans in force again
    assert set(_statuses(to_allow).values()) == {"lifted"}
    engine.turn(at("2026-04-07", 12), actor=OFFICER, send=False)
    assert set(_statuses(to_dismiss).values()) == {"active"}  # a decided appeal watches nothing
