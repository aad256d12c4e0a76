"""The pure audit-chain rule: keyed, so that no one without the key recomputes a chain that holds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.rules.audit_chain import (
    GENESIS,
    chain_hash,
    first_break,
    parse_seal,
    rows_digest,
    seal_purpose,
    unkeyed_hash,
)

KEY = b"k" * 32


def chain(key: bytes, records: list[dict[str, object]]) -> list[tuple[int, str, str, dict[str, object]]]:
    out, prev = [], GENESIS
    for i, fields in enumerate(records, start=1):
        own = chain_hash(key, prev, fields)
        out.append((i, prev, own, fields))
        prev = own
    return out


RECORDS = [{"actor": f"cli:{n}", "action": "person.read", "purpose": "appeal"} for n in range(6)]


@pytest.mark.parametrize(("how", "broken"), [
    ("intact", None),
    ("same chain, other key", 1),
    ("unkeyed chain", 1),
    ("field edited", 3),
    ("record deleted", 4),  # the one after the gap
    ("records swapped", 3),  # id 3 now comes second
])
def test_first_break(how, broken):
    records = chain(KEY, RECORDS)
    if how == "same chain, other key":
        records = chain(b"x" * 32, RECORDS)
    elif how == "unkeyed chain":
        prev, records = GENESIS, []
        for i, fields in enumerate(RECORDS, start=1):
            own = unkeyed_hash(prev, fields)
            records.append((i, prev, own, fields))
            prev = own
    elif how == "field edited":
        i, prev, own, fields = records[2]
        records[2] = (i, prev, own, {**fields, "actor": "cli:nobody"})
    elif how == "record deleted":
        del records[2]
    elif how == "records swapped":
        records[1], records[2] = records[2], records[1]
    assert first_break(KEY, records) == broken


@given(st.lists(st.dictionaries(st.sampled_from(["actor", "purpose", "object_id"]), st.text(max_size=8),
                                min_size=1), min_size=1, max_size=6),
       st.data())
def test_any_edit_of_any_record_breaks_the_chain_there(records, data):
    chained = chain(KEY, records)
    at = data.draw(st.integers(0, len(chained) - 1))
    i, prev, own, fields = chained[at]
    name = data.draw(st.sampled_from(sorted(fields)))
    edited = {**fields, name: str(fields[name]) + "!"}
    chained[at] = (i, prev, own, edited)
    assert first_break(KEY, chained) == i


@given(st.lists(st.tuples(st.integers(), st.text(max_size=5)), max_size=5))
def test_a_seal_digest_changes_with_any_row(rows):
    count, digest = rows_digest(KEY, rows)
    assert count == len(rows)
    assert rows_digest(KEY, [*rows, (1, "x")])[1] != digest
    if rows:
        assert rows_digest(KEY, rows[:-1])[1] != digest
    assert parse_seal("3..9", seal_purpose(count, digest)) == (3, 9, count, digest)
