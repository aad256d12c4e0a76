"""Signed checkpoints of the audit chain's head, published to an append-only file.

Each line of MUSTER_AUDIT_CHECKPOINTS is {"id", "hash", "at", "sig"}: the id and HMAC of the chain's
last record at `at`, signed with the Ed25519 key in MUSTER_AUDIT_SIGNING_KEY (outside the database).
`muster audit verify` checks every signature and that the chain still passes through every
published head, so records deleted or rewritten after a checkpoint show even if the chain was
recomputed. Ship the file elsewhere as it grows (README, "The audit trail").
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from muster.audit import trail
from muster.rules.audit_chain import checkpoint_payload


class SigningKeyMissing(RuntimeError):
    """No signing key where MUSTER_AUDIT_SIGNING_KEY says; the message says how to make one."""


@dataclass(frozen=True)
class Checkpoint:
    line: int
    record_id: int
    record_hash: str
    at: str
    sig: str


def key_path() -> Path:
    return Path(settings.MUSTER_AUDIT_SIGNING_KEY)


def checkpoints_path() -> Path:
    return Path(settings.MUSTER_AUDIT_CHECKPOINTS)


def ensure_signing_key() -> bool:
    """Create the signing key (mode 0600) if it is missing, outside production; True if created."""
    path = key_path()
    if path.exists():
        return False
    if settings.MUSTER_ENV == "production":
        raise SigningKeyMissing(f"MUSTER_AUDIT_SIGNING_KEY: no key at {path}; make one with "
                                f"`openssl genpkey -algorithm ed25519 -out {path}` and keep it off the database host")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return True


def _private_key() -> Ed25519PrivateKey:
    path = key_path()
    try:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise SigningKeyMissing(f"MUSTER_AUDIT_SIGNING_KEY: no key at {path}; `muster init` makes one "
                                "outside production") from None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise SigningKeyMissing(f"MUSTER_AUDIT_SIGNING_KEY: {path} is not an Ed25519 private key")
    return loaded


def public_key() -> Ed25519PublicKey:
    return _private_key().public_key()


def read() -> tuple[list[Checkpoint], list[str]]:
    """The published checkpoints, and the problems of lines that are not checkpoints."""
    path = checkpoints_path()
    found: list[Checkpoint] = []
    problems: list[str] = []
    if not path.exists():
        return found, problems
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            item: Any = json.loads(text)
            found.append(Checkpoint(number, int(item["id"]), str(item["hash"]), str(item["at"]), str(item["sig"])))
        except (ValueError, KeyError, TypeError):
            problems.append(f"{path}:{number}: not a checkpoint")
    return found, problems


def publish(now: datetime) -> Checkpoint | None:
    """Append a signed checkpoint of the chain's head, unless the last one already names it."""
    head = trail.head()
    if head is None:
        return None
    ensure_signing_key()
    last = _last_line()
    if last is not None and last.get("id") == head[0]:
        return None
    at = now.astimezone(UTC).isoformat()
    sig = _private_key().sign(checkpoint_payload(head[0], head[1], at)).hex()
    path = checkpoints_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    line = json.dumps({"id": head[0], "hash": head[1], "at": at, "sig": sig}, separators=(",", ":")) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return Checkpoint(0, head[0], head[1], at, sig)


def _last_line() -> dict[str, Any] | None:
    """The last checkpoint published (reading only the file's end), or None."""
    path = checkpoints_path()
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 4096))
            tail = f.read().splitlines()
    except FileNotFoundError:
        return None
    try:
        found: Any = json.loads(tail[-1]) if tail else None
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def signature_holds(key: Ed25519PublicKey, checkpoint: Checkpoint) -> bool:
    try:
        key.verify(bytes.fromhex(checkpoint.sig),
                   checkpoint_payload(checkpoint.record_id, checkpoint.record_hash, checkpoint.at))
    except (InvalidSignature, ValueError):
        return False
    return True
