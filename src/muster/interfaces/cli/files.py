"""Files a command writes beside its input: checked before anything is read or imported."""

from __future__ import annotations

import os
from pathlib import Path


def errors_file_problem(errors_path: Path, input_path: Path, option: str = "--errors") -> str | None:
    """Why the rejected rows cannot be written to `errors_path`, or None. It may not be the input
    (writing it would overwrite the data being imported, also through a link) nor a folder, and
    its folder must exist and be writable."""
    if errors_path.is_dir():
        return f"{option} {errors_path}: is a folder; name a file to write the rejected rows to"
    folder = errors_path.parent
    if not folder.is_dir():
        return f"{option} {errors_path}: the folder {folder} does not exist"
    if not os.access(folder, os.W_OK):
        return f"{option} {errors_path}: the folder {folder} is not writable"
    if errors_path.resolve() == input_path.resolve() or (
            errors_path.exists() and input_path.exists() and os.path.samefile(errors_path, input_path)):
        return f"{option} {errors_path}: is the input file; the rejected rows would overwrite it"
    return None
