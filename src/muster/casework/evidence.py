"""Evidence files: checked, then stored content-addressed outside the database.

Only PDF, JPEG and PNG are taken, recognised by their content (never their name), at most
MAX_BYTES each. A file is stored once under its SHA-256 (MUSTER_EVIDENCE_DIR/ab/cdef...), written
atomically, so two applications citing the same document share it and a crash leaves no half file.
The database keeps the SHA-256, size and type (muster.casework.models).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

MAX_BYTES = 10 * 1024 * 1024
TYPES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


class EvidenceRejected(ValueError):
    """A file that is not taken as evidence; the message names the file and why."""


@dataclass(frozen=True)
class StoredFile:
    name: str
    sha256: str
    size: int
    type: str


def sniff(data: bytes) -> str | None:
    """The file's type by its first bytes, or None."""
    return next((kind for magic, kind in TYPES.items() if data.startswith(magic)), None)


def check(name: str, data: bytes) -> str:
    """The type of an acceptable evidence file, or EvidenceRejected."""
    if len(data) > MAX_BYTES:
        raise EvidenceRejected(f"{name}: {len(data):,} bytes is more than the {MAX_BYTES // (1024 * 1024)} MB "
                               f"an evidence file may have")
    if not data:
        raise EvidenceRejected(f"{name}: the file is empty")
    kind = sniff(data)
    if kind is None:
        raise EvidenceRejected(f"{name}: not a PDF, JPEG or PNG file (judged by its content, not its name)")
    return kind


def root() -> Path:
    return Path(settings.MUSTER_EVIDENCE_DIR)


def path_of(sha256: str) -> Path:
    return root() / sha256[:2] / sha256[2:]


def store(name: str, data: bytes) -> StoredFile:
    """Check and store one file; returns what the database keeps of it."""
    kind = check(name, data)
    digest = hashlib.sha256(data).hexdigest()
    target = path_of(digest)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return StoredFile(name=Path(name).name, sha256=digest, size=len(data), type=kind)


def read(sha256: str) -> bytes:
    """The stored file's bytes (its hash is checked: a file changed on disk is refused)."""
    data = path_of(sha256).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise EvidenceRejected(f"evidence file {sha256[:12]}… no longer matches its SHA-256")
    return data
