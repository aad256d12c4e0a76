"""Fixtures shared by the functional tests of the partner interface."""

from __future__ import annotations

import uuid
from datetime import date, time

import pytest
from django.utils import timezone

from muster import engine
from muster.campaigns import issuing
from muster.campaigns import services as campaigns
from muster.campaigns.models import Campaign
from muster.kernel.actor import Actor
from muster.ledger.models import Event
from muster.measures.models import LegalBasis, Measure
from muster.partners import keys
from muster.registry.models import Person
from muster.summons.models import Summons
from tests.conftest import at
from tests.functional.portal_support import provider, provider_url  # noqa: F401 - the portal's OpenID provider

NOW = at("2026-03-02")
LATER = at("2026-04-05")  # past the grace days: everyone who did not appear has missed


@pytest.fixture
def world(ru, people):
    ids = people(4)
    campaigns.create(ru, campaigns.CampaignRequest(code="C", purpose="call_up", districts={"RU-RYA": 4},
                                                   appear_from=date(2026, 3, 10), appear_to=date(2026, 3, 12),
                                                   place="x"), actor=Actor.officer("t"), today=NOW.date())
    issuing.issue(campaigns.get("C"), NOW, actor=Actor.officer("t"))
    border = keys.add("Border", ["exit_ban"], "", actor=Actor.officer("t"))["api_key"]
    bureau = keys.add("Bureau", ["credit_ban"], "", actor=Actor.officer("t"))["api_key"]
    engine.turn(LATER, actor=Actor.officer("t"), send=False)
    return {"ids": ids, "border": border, "bureau": bureau}


def new_measure(person: Person, basis: str = "basis", start: date = date(2026, 3, 2), kind: str = "exit_ban") -> Measure:
    """An active measure on a summons of its own for `person` (a campaign of one), with its
    measure.applied event: a writer outside the batches, as an officer's action would be."""
    campaign = Campaign.objects.create(code=f"ONE-{uuid.uuid4().hex[:8]}", purpose="call_up", pack_code="ru",
                                       policy_version="v", place="x", appear_from=start, appear_to=start,
                                       appear_time=time(9), created_by="t")
    summons = Summons.objects.create(campaign=campaign, person=person, district="RU-RYA", placed_at=NOW,
                                     placed_on=start, appearance_date=start, status="missed", policy_version="v",
                                     issue_run=0)
    measure = Measure.objects.create(person=person, summons=summons, kind=kind, status="active",
                                     basis=LegalBasis.objects.get_or_create(text=basis)[0], effective_from=start,
                                     policy_version="v")
    Event.objects.create(type="measure.applied", person=person, summons_id=summons.pk, measure_id=measure.pk,
                         payload={"kind": kind}, occurred_at=timezone.now())
    return measure
