"""The shape of a partner's API key, `mst_<key id>_<secret>`: parsed without I/O, so the check's
hot path and the key store agree on it. Only the SHA-256 of the secret is ever stored."""

from __future__ import annotations

import hashlib

KEY_PREFIX = "mst"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_key(key: str) -> tuple[str, str] | None:
    """(key id, digest of the secret part), or None if the key is not shaped like ours."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], digest(parts[2])
