"""Benchmark start-up: how long an operator's point command takes, end to end (process start,
imports, Django set-up, the query, the answer), against `python -c pass` for the interpreter alone.

It makes a small SQLite database (init and 100 people) in a temporary folder, then runs each
command --runs times through the installed `muster` script (the way an operator runs it) and
prints the median, the fastest and the slowest in milliseconds. Times are not asserted anywhere.

    .venv/bin/python bench/startup_bench.py [--runs 21] [--database-url URL] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
MUSTER = [str(BIN / "muster")] if (BIN / "muster").exists() else [sys.executable, "-m", "muster.interfaces.cli.main"]


def _run(args: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, capture_output=True, text=True, check=check)


def _prepare(env: dict[str, str], folder: Path) -> str:
    """An initialised database with 100 people; the national id of one of them."""
    _run([*MUSTER, "init"], env)
    people = folder / "people.csv"
    _run([*MUSTER, "generate", "persons", "--count", "100", "--seed", "1", "--out", str(people)], env)
    _run([*MUSTER, "import", "persons", str(people)], env, check=False)
    return people.read_text(encoding="utf-8").splitlines()[1].split(",")[0]


def _time(args: list[str], env: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(args, env=env, capture_output=True)
        times.append((time.perf_counter() - start) * 1000)
        if done.returncode not in (0, 3, 4):
            raise SystemExit(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--database-url", help="default: a new SQLite database in a temporary folder")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {**os.environ, "MUSTER_DATABASE_URL": options.database_url or f"sqlite:///{folder / 'bench.sqlite3'}",
               "MUSTER_OUTBOX_DIR": str(folder / "outbox"), "MUSTER_SPOOL_DIR": str(folder / "spool")}
        national_id = _prepare(env, folder)
        pack_file = HERE.parent / "src" / "muster" / "packs" / "ru" / "pack.toml"
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "muster --version": [*MUSTER, "--version"],
            "muster policy check ru/pack.toml": [*MUSTER, "policy", "check", str(pack_file)],
            "muster packs list": [*MUSTER, "packs", "list"],
            "muster person show ID": [*MUSTER, "person", "show", national_id],
            "muster person show ID --json": [*MUSTER, "person", "show", national_id, "--json"],
            "muster campaign show NONE --json": [*MUSTER, "campaign", "show", "NONE", "--json"],
        }
        figures = {}
        for label, args in commands.items():
            times = _time(args, env, options.runs)
            figures[label] = {"median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1),
                              "max_ms": round(max(times), 1), "runs": options.runs}
    if options.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"| command | median ms | min | max |  ({options.runs} runs each)")
    print("|---|---:|---:|---:|")
    for label, f in figures.items():
        print(f"| `{label}` | {f['median_ms']} | {f['min_ms']} | {f['max_ms']} |")


if __name__ == "__main__":
    main()
