"""The audit chain: each record's HMAC covers its fields and the previous record's HMAC.

The key lives outside the database (MUSTER_AUDIT_KEY), so whoever can rewrite the tables cannot
recompute a chain that verifies. The access log's rows are chained through *seals*: a seal is a
record of the chain whose digest covers a range of access-log rows. Checkpoints (the chain's head,
signed) are published outside the database; `checkpoint_payload` is what is signed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence

GENESIS = "0" * 64


def canonical(fields: Mapping[str, object]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str).encode()


def chain_hash(key: bytes, prev_hash: str, fields: Mapping[str, object]) -> str:
    """The record's HMAC-SHA256 under `key`, over the previous HMAC and the record's fields."""
    return hmac.new(key, prev_hash.encode() + b"\n" + canonical(fields), hashlib.sha256).hexdigest()


def unkeyed_hash(prev_hash: str, fields: Mapping[str, object]) -> str:
    """The chain as it was before the key (SHA-256 only): kept to re-chain old records once."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(fields)).hexdigest()


def first_break(key: bytes, records: Iterable[tuple[int, str, str, Mapping[str, object]]]) -> int | None:
    """The id of the first record whose chain does not hold, or None if all do.

    Each item is (id, prev_hash, hash, fields), in id order.
    """
    expected_prev = GENESIS
    for record_id, prev_hash, own_hash, fields in records:
        if prev_hash != expected_prev or not hmac.compare_digest(chain_hash(key, prev_hash, fields), own_hash):
            return record_id
        expected_prev = own_hash
    return None


def rows_digest(key: bytes, rows: Iterable[Sequence[object]]) -> tuple[int, str]:
    """(count, HMAC) of access-log rows in id order, each a sequence of plain values: what a seal holds."""
    mac = hmac.new(key, b"muster-seal\n", hashlib.sha256)
    count = 0
    for row in rows:
        mac.update(canonical({"r": list(row)}) + b"\n")
        count += 1
    return count, mac.hexdigest()


def seal_purpose(count: int, digest: str) -> str:
    """How a seal record states what it covers (in the record's purpose)."""
    return f"{count} rows, digest {digest}"


def parse_seal(object_id: str, purpose: str) -> tuple[int, int, int, str] | None:
    """(after id, up to id, count, digest) of a seal record, or None if it is not well formed."""
    try:
        after, upto = (int(x) for x in object_id.split("..", 1))
        count_text, digest = purpose.split(" rows, digest ", 1)
        return after, upto, int(count_text), digest
    except ValueError:
        return None


def checkpoint_payload(record_id: int, record_hash: str, at: str) -> bytes:
    """The bytes a checkpoint's signature covers: the chain's head at one moment."""
    return canonical({"id": record_id, "hash": record_hash, "at": at})
