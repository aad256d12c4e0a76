"""Legal bases are stored once per text and kept as they were when a measure was applied."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from muster import engine
from muster.campaigns import issuing
from muster.campaigns import services as campaigns
from muster.kernel.actor import Actor
from muster.measures.models import LegalBasis, Measure
from tests.conftest import at

NOW = at("2026-03-02")


@pytest.mark.django_db
def test_a_million_measures_name_a_handful_of_texts_and_keep_them_when_the_policy_is_edited(ru, people):
    people(3)
    campaigns.create(ru, campaigns.CampaignRequest(code="C", purpose="call_up", districts={"RU-RYA": 3},
                                                   appear_from=date(2026, 3, 10), appear_to=date(2026, 3, 12),
                                                   place="x"), actor=Actor.officer("t"), today=NOW.date())
    issuing.issue(campaigns.get("C"), NOW, actor=Actor.officer("t"))
    engine.turn(at("2026-04-05"), actor=Actor.officer("t"), send=False)
    measures = list(Measure.objects.select_related("basis"))
    version = next(v for v in ru.versions if v.code == measures[0].policy_version)
    assert len(measures) == 3 * len(version.measures)
    assert {m.kind: m.legal_basis for m in measures} == {r.kind: r.legal_basis for r in version.measures}
    assert LegalBasis.objects.count() == len({r.legal_basis for r in version.measures})
    before = dict(LegalBasis.objects.values_list("text", "id"))
    assert LegalBasis.ids_for(list(before)) == before  # the same texts: the same rows, none added
    exit_ban = next(m for m in measures if m.kind == "exit_ban")
    edited = exit_ban.legal_basis + " (as amended)"
    new_id = LegalBasis.ids_for([edited])[edited]
    assert new_id not in before.values()
    exit_ban.refresh_from_db()
    assert exit_ban.legal_basis == edited.removesuffix(" (as amended)")  # what the person was told stands


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_each_text_into_a_basis_row():
    executor = MigrationExecutor(connection)
    before, after = [("measures", "0003_no_redundant_indexes")], [("measures", "0004_legal_basis_rows")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Person, Measure0003 = old.get_model("registry", "Person"), old.get_model("measures", "Measure")
    person = Person.objects.create(national_id="10000000100", sex="M", birth_date=date(2000, 1, 1))
    for summons_id, kind, text in [(1, "exit_ban", "Law A"), (1, "driving_ban", "Law B"), (2, "exit_ban", "Law A")]:
        Measure0003.objects.create(person_id=person.pk, summons_id=summons_id, kind=kind, status="active",
                                   legal_basis=text, effective_from=date(2026, 3, 2), policy_version="v")
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    rows = new.get_model("measures", "Measure").objects.order_by("id").values_list("kind", "basis__text")
    assert list(rows) == [("exit_ban", "Law A"), ("driving_ban", "Law B"), ("exit_ban", "Law A")]
    assert new.get_model("measures", "LegalBasis").objects.count() == 2
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
