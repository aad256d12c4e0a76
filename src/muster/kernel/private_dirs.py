"""Directories that hold personal data outside the database (the partner checks' spool, evidence
files): made 0700 if missing, and refused when another user owns them or group or others may
write into them (or others read them). The one check both use, so they cannot drift apart."""

from __future__ import annotations

import os
import stat
from pathlib import Path


class UnsafeDirectory(RuntimeError):
    """The directory cannot be used safely; the message names the setting, the path and the fix."""


def ensure_private(directory: Path, setting: str) -> Path:
    """Make `directory` (mode 0700) if it is missing and check it is Muster's alone; `setting`
    names the environment variable that chose it, for the message."""
    where = f"{setting} {directory}"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = directory.lstat()
    except OSError as error:
        raise UnsafeDirectory(f"{where}: cannot be made or read ({error.strerror})") from None
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeDirectory(f"{where}: not a directory")
    if info.st_uid != os.geteuid():
        raise UnsafeDirectory(f"{where}: owned by uid {info.st_uid}, not by the user running Muster "
                              f"(uid {os.geteuid()}); chown it or choose another directory")
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o027:
        raise UnsafeDirectory(f"{where}: mode {mode:04o} lets group or others in; it must be 0700 or 0750 "
                              f"(chmod 700 {directory})")
    return directory
