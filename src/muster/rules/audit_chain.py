"""The audit trail's hash chain: each record's hash covers its fields and the previous hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping

GENESIS = "0" * 64


def chain_hash(prev_hash: str, fields: Mapping[str, object]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def first_break(records: Iterable[tuple[int, str, str, Mapping[str, object]]]) -> int | None:
    """The id of the first record whose chain does not hold, or None if all do.

    Each item is (id, prev_hash, hash, fields), in id order.
    """
    expected_prev = GENESIS
    for record_id, prev_hash, own_hash, fields in records:
        if prev_hash != expected_prev or chain_hash(prev_hash, fields) != own_hash:
            return record_id
        expected_prev = own_hash
    return None
