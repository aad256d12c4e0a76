"""The import contracts guard: on a copy of the source, each forbidden import is reported broken.

pyproject.toml holds three import-linter contracts (docs/architecture.md, "Layers"). A contract
that cannot fail guards nothing, so each case here adds one import the architecture forbids to a
copy of the package and runs lint-imports on it; the real tree must pass (scripts/test runs it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).parent / "lint-imports"


def _lint(tmp_path: Path, module: str, line: str) -> subprocess.CompletedProcess:
    shutil.copytree(ROOT / "src" / "muster", tmp_path / "src" / "muster",
                    ignore=shutil.ignore_patterns("__pycache__", "packs"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    if module:
        path = tmp_path / "src" / Path(*module.split(".")).with_suffix(".py")
        path.write_text(path.read_text() + f"\n{line}  # noqa\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src")}
    return subprocess.run([str(LINT), "--no-cache"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_copy_as_it_is_keeps_every_contract(tmp_path):
    done = _lint(tmp_path, "", "")
    assert done.returncode == 0, done.stdout
    assert "3 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(("module", "line", "contract"), [
    # A pure rule reaching for the engine (the review's example), for Django, or for the kernel.
    ("muster.rules.merge", "import muster.summons.tick", "Rule modules are pure"),
    ("muster.rules.merge", "import django.db", "Rule modules are pure"),
    ("muster.rules.merge", "from muster.kernel import clock", "Rule modules are pure"),
    # The kernel knows no area; a lower area does not call a higher one.
    ("muster.kernel.db", "import muster.registry.services", "Layers"),
    ("muster.measures.signoff", "import muster.partners.keys", "Layers"),
    ("muster.registry.records", "import muster.interfaces.cli.main", "Layers"),
    # An interface touching a model or a batch module instead of a service.
    ("muster.interfaces.cli.registry", "import muster.registry.models", "Interfaces call services only"),
    ("muster.interfaces.partner_api.views", "import muster.partners.feed", "Interfaces call services only"),
])
def test_a_forbidden_import_breaks_its_contract(tmp_path, module, line, contract):
    done = _lint(tmp_path, module, line)
    assert done.returncode != 0, done.stdout
    assert "BROKEN" in done.stdout
    broken = [chunk for chunk in done.stdout.split("\n\n") if "BROKEN" in chunk]
    assert any(contract in " ".join(chunk.split()) for chunk in broken), done.stdout
