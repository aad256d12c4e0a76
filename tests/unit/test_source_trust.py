"""The pack's ranking of sources (rules.source_trust), its schema, and the merge rule with ranks."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.policy.files import builtin_packs_dir, check_file, read_pack_dir
from muster.rules.merge import Stored, field_wins
from muster.rules.source_trust import SourceTrust
from muster.rules.toml_reader import PolicyError

T1, T2 = datetime(2025, 1, 1), datetime(2025, 6, 1)
TRUST = SourceTrust(ranks=(("death_date", ("partner:ЗАГС", "import")),), authoritative=(("death_date", ("partner:ЗАГС",)),))


@pytest.mark.parametrize(
    ("source", "rank"), [("partner:ЗАГС", 0), ("import", 1), ("partner:Border", 2), ("anything", 2)])
def test_rank_is_the_place_in_the_ranking_and_unnamed_sources_rank_last(source, rank):
    assert TRUST.rank("death_date", source) == rank
    assert TRUST.rank("email", source) == 0  # no ranking for the field: every source is equal


def test_authoritative_is_per_field():
    assert TRUST.is_authoritative("death_date", "partner:ЗАГС")
    assert not TRUST.is_authoritative("death_date", "import")
    assert not TRUST.is_authoritative("district", "partner:ЗАГС")


@pytest.mark.parametrize(
    ("stored", "incoming", "at", "rank", "wins"),
    [
        (Stored("a", T1, rank=0), "b", T2, 1, False),  # less trusted, newer: never overrides
        (Stored("a", T1, rank=0), "b", datetime(2999, 1, 1), 1, False),  # whatever its time
        (Stored("a", T2, rank=1), "b", T1, 0, True),  # more trusted, older: wins
        (Stored("a", T1, rank=1), "b", T2, 1, True),  # equal trust: the newer wins
        (Stored("a", T2, rank=1), "b", T1, 1, False),  # equal trust: the older loses
        (Stored("a", T1, rank=0), "a", T2, 0, False),  # equal value changes nothing
        (Stored("a", T2, rank=1), "a", T1, 0, True),  # ... but a more trusted source takes it over
        (Stored("a", T1, rank=0), None, T2, 0, False),  # empty never erases
        (Stored(None, None, rank=0), "b", T1, 5, True),  # nothing stored: anything fills it
    ],
)
def test_field_wins_with_ranks(stored, incoming, at, rank, wins):
    assert field_wins(stored, incoming, at, rank) is wins


observation = st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 30), st.integers(0, 2))


@given(st.lists(observation, min_size=1, max_size=6), st.randoms())
def test_the_most_trusted_source_holds_the_field_whatever_the_order_of_arrival(observations, rnd):
    """Arrivals in any order end with a value from the most trusted source that sent one."""
    def merged(order):
        stored = None
        for value, day, rank in order:
            at = T1 + timedelta(days=day)
            if field_wins(stored, value, at, rank):
                stored = Stored(value, at, rank)
        return stored

    shuffled = list(observations)
    rnd.shuffle(shuffled)
    final = merged(shuffled)
    best_rank = min(r for _, _, r in observations)
    assert final is not None and final.rank == best_rank
    assert any(v == final.value and r == best_rank for v, _, r in observations)


def test_builtin_packs_name_the_civil_registry_authoritative_for_deaths():
    ru, _ = read_pack_dir(builtin_packs_dir() / "ru")
    us, _ = read_pack_dir(builtin_packs_dir() / "registration-only")
    assert ru.sources.is_authoritative("death_date", "partner:ЗАГС")
    assert ru.sources.rank("death_date", "partner:ЗАГС") < ru.sources.rank("death_date", "import")
    assert us.sources.is_authoritative("death_date", "partner:Vital Records")


def _pack_with(tmp_path: Path, sources: str) -> Path:
    import shutil

    target = tmp_path / "ru"
    shutil.copytree(builtin_packs_dir() / "ru", target)
    f = target / "pack.toml"
    text = f.read_text(encoding="utf-8")
    f.write_text(text[:text.index("[sources.rank]")] + sources, encoding="utf-8")
    return f


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        ('[sources.rank]\nbirthday = ["import"]\n', "key 'sources.rank.birthday': is not a registry field"),
        ('[sources.rank]\ndeath_date = []\n', "key 'sources.rank.death_date': must name at least one source"),
        ('[sources.rank]\ndeath_date = ["import", "import"]\n', "key 'sources.rank.death_date': names a source twice"),
        ('[sources.rank]\ndeath_date = "import"\n', "key 'sources.rank.death_date': expected an array"),
        ('[sources.rank]\ndeath_date = [3]\n', "key 'sources.rank.death_date[0]': expected a string"),
        ('[sources.rank]\ndeath_date = ["import", "partner:ЗАГС"]\n[sources.authoritative]\n'
         'death_date = ["partner:ЗАГС"]\n', "key 'sources.authoritative.death_date': an authoritative source must"),
        ('[sources.authoritative]\ndistrict = ["partner:X"]\n', "key 'sources.authoritative.district'"),
        ('[sources]\ntrust = 1\n', "key 'sources.trust': unknown key"),
    ],
)
def test_a_bad_sources_table_is_refused_with_file_and_key(tmp_path, sources, expected):
    path = _pack_with(tmp_path, sources)
    with pytest.raises(PolicyError) as info:
        check_file(path)
    assert "ru/pack.toml" in str(info.value) and expected in str(info.value)
