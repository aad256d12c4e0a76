"""The synthetic population is the same file for a seed, however many processes make it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from muster.policy.files import find_builtin_pack
from muster.registry import synthetic

RU = find_builtin_pack("ru")


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synthetic, "CHUNK", 700)  # several chunks from a small file (forked workers inherit it)


def _make(path: Path, seed: int, jobs: int, count: int = 2500) -> bytes:
    gen = synthetic.Generator(RU, seed=seed, as_of=date(2026, 1, 1), bad_share=0.05)
    done: list[int] = []
    synthetic.write(path, gen, count, done.append, jobs=jobs)
    assert done[-1] == count
    return path.read_bytes()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_the_same_bytes_for_any_number_of_processes(small_chunks: None, tmp_path: Path, suffix: str) -> None:
    one = _make(tmp_path / f"one{suffix}", seed=11, jobs=1)
    three = _make(tmp_path / f"three{suffix}", seed=11, jobs=3)
    assert one == three
    assert _make(tmp_path / f"other{suffix}", seed=12, jobs=2) != one


def test_each_chunk_draws_from_its_own_stream(small_chunks: None, tmp_path: Path) -> None:
    text = _make(tmp_path / "p.csv", seed=5, jobs=2).decode().splitlines()
    assert len(text) == 2501 and len(set(text[1:])) == 2500
    gen = synthetic.Generator(RU, seed=5, as_of=date(2026, 1, 1), bad_share=0.05)
    assert gen.chunk_rows(0, 2500) != gen.chunk_rows(1, 2500)[:700]
    # The first chunk is drawn from the seed itself: files of one chunk are those earlier versions wrote.
    import random
    assert gen.stream(0).random() == random.Random(5).random()


def test_national_ids_are_unique_across_chunks(small_chunks: None) -> None:
    gen = synthetic.Generator(RU, seed=3, as_of=date(2026, 1, 1))
    ids = [row[0] for row in gen.rows(5000)]
    assert len(set(ids)) == 5000
