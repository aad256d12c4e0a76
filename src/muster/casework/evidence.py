"""Evidence files: checked, then stored content-addressed outside the database.

Only PDF, JPEG and PNG are taken, recognised by their content (never their name), at most
10 MB each, and only when decoding them is bounded: the checks and their bounds are in
muster.rules.evidence (images) and muster.casework.evidence_pdf (PDF). A refused file raises
EvidenceRejected with the file's name and the reason in plain words.

A file is stored once under its SHA-256 (MUSTER_EVIDENCE_DIR/ab/cdef...), written atomically
(a temporary file in the same directory, fsync, rename, fsync of the directory), so two
applications citing the same document share it and a crash leaves no half file. The directory
holds people's documents: it is made 0700, and one that another user owns or that group or
others may write (or others read) is refused, as the access-log spool's is. `read` checks the
hash, so a file changed on disk is never served. The database keeps the SHA-256, size and type
(muster.casework.models); reading a file goes on the person's access log in the service that
calls `read`.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from muster.casework.evidence_pdf import check_pdf
from muster.kernel.private_dirs import UnsafeDirectory, ensure_private
from muster.rules import evidence as rules
from muster.rules.evidence import MAX_BYTES, Unacceptable

__all__ = ["MAX_BYTES", "EvidenceRejected", "EvidenceStoreProblem", "StoredFile", "check", "path_of", "read",
           "root", "sniff", "store"]

_SHA256 = re.compile(r"[0-9a-f]{64}")
sniff = rules.sniff


class EvidenceRejected(ValueError):
    """A file that is not taken as evidence; the message names the file and why."""


class EvidenceStoreProblem(RuntimeError):
    """MUSTER_EVIDENCE_DIR is unsafe or unusable; the message says which and what to do."""


@dataclass(frozen=True)
class StoredFile:
    name: str
    sha256: str
    size: int
    type: str


def check(name: str, data: bytes) -> str:
    """The type of an acceptable evidence file, or EvidenceRejected naming the file and why."""
    try:
        kind = rules.first_look(data)
        if kind == rules.PDF:
            check_pdf(data)
        else:
            rules.check_image(data)
    except Unacceptable as reason:
        raise EvidenceRejected(f"{Path(name).name}: {reason}") from None
    return kind


def root() -> Path:
    """The evidence directory, made if missing and refused if others could reach into it."""
    try:
        return ensure_private(Path(settings.MUSTER_EVIDENCE_DIR), "MUSTER_EVIDENCE_DIR")
    except UnsafeDirectory as exc:
        raise EvidenceStoreProblem(str(exc)) from None


def path_of(sha256: str) -> Path:
    """Where the file with this SHA-256 lives (a malformed hash is refused: no path tricks)."""
    if not _SHA256.fullmatch(sha256):
        raise EvidenceRejected(f"{sha256[:70]!r} is not a SHA-256 (64 lowercase hex digits)")
    return root() / sha256[:2] / sha256[2:]


def store(name: str, data: bytes) -> StoredFile:
    """Check and store one file; returns what the database keeps of it."""
    kind = check(name, data)
    digest = hashlib.sha256(data).hexdigest()
    target = path_of(digest)
    if not _holds(target, digest):
        target.parent.mkdir(mode=0o700, exist_ok=True)
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
        _sync_directory(target.parent)
    return StoredFile(name=Path(name).name, sha256=digest, size=len(data), type=kind)


def read(sha256: str) -> bytes:
    """The stored file's bytes (its hash is checked: a file changed on disk is refused)."""
    target = path_of(sha256)
    try:
        data = _read(target)
    except FileNotFoundError:
        raise EvidenceRejected(f"evidence file {sha256[:12]}… is missing from MUSTER_EVIDENCE_DIR") from None
    except OSError as error:  # a symbolic link (O_NOFOLLOW), a directory, no permission
        raise EvidenceRejected(f"evidence file {sha256[:12]}… cannot be read ({error.strerror})") from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise EvidenceRejected(f"evidence file {sha256[:12]}… no longer matches its SHA-256")
    return data


def _read(target: Path) -> bytes:
    fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as source:
        return source.read(MAX_BYTES + 1)


def _holds(target: Path, digest: str) -> bool:
    """The file is already stored, whole (a damaged copy is replaced)."""
    try:
        return hashlib.sha256(_read(target)).hexdigest() == digest
    except OSError:
        return False


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
