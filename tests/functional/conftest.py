"""Fixtures shared by the functional tests of the partner interface."""

from __future__ import annotations

from datetime import date

import pytest

from muster import engine
from muster.notices import campaigns, issuing
from muster.partners import keys
from tests.conftest import at

NOW = at("2026-03-02")
LATER = at("2026-04-05")  # past the grace days: everyone who did not appear has missed


@pytest.fixture
def world(ru, people):
    ids = people(4)
    campaigns.create(ru, campaigns.CampaignRequest(code="C", purpose="call_up", districts={"RU-RYA": 4},
                                                   appear_from=date(2026, 3, 10), appear_to=date(2026, 3, 12),
                                                   place="x"), actor="t", today=NOW.date())
    issuing.issue(campaigns.get("C"), NOW, actor="t")
    border = keys.add("Border", ["exit_ban"], "", actor="t")["api_key"]
    bureau = keys.add("Bureau", ["credit_ban"], "", actor="t")["api_key"]
    engine.turn(LATER, actor="t", send=False)
    return {"ids": ids, "border": border, "bureau": bureau}
