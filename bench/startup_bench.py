"""Benchmark start-up: how long an operator's point command takes, end to end (process start,
imports, Django set-up, the query, the answer), against `python -c pass` for the interpreter alone.

It makes a small SQLite database (init and 100 people) in a temporary folder, then runs each
command --runs times through the installed `muster` script (the way an operator runs it) and
prints the median, the fastest and the slowest in milliseconds, and how many modules the command
imports (a figure a busy machine does not blur). Byte code is written to a cache of its own and
each command runs once before it is timed, as on an installed system (even where
PYTHONDONTWRITEBYTECODE is set). --muster times another installation, e.g. the revision before,
side by side. --warm also starts `muster warm` and times the same commands through it (column
"warm"; the modules counted are the client's). Times are not asserted anywhere.

    .venv/bin/python bench/startup_bench.py [--runs 21] [--muster OTHER/.venv/bin/muster]
        [--database-url URL] [--warm] [--json]
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


def _modules(args: list[str], env: dict[str, str]) -> int:
    """How many modules the command imports (Python's -X importtime prints a line for each)."""
    done = subprocess.run(args, env={**env, "PYTHONPROFILEIMPORTTIME": "1"}, capture_output=True, text=True)
    return sum(1 for line in done.stderr.splitlines() if line.startswith("import time:")) - 1


def _time(args: list[str], env: dict[str, str], runs: int) -> tuple[list[float], int]:
    """The times of `runs` runs, and the exit status (the revision before may fail a command)."""
    subprocess.run(args, env=env, capture_output=True)  # writes the byte code
    times, status = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(args, env=env, capture_output=True)
        times.append((time.perf_counter() - start) * 1000)
        status = done.returncode
    return times, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--muster", help="another `muster` script to time beside this one")
    parser.add_argument("--database-url", help="default: a new SQLite database in a temporary folder")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--warm", action="store_true", help="also time the commands through `muster warm`")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {**os.environ, "MUSTER_DATABASE_URL": options.database_url or f"sqlite:///{folder / 'bench.sqlite3'}",
               "MUSTER_OUTBOX_DIR": str(folder / "outbox"), "MUSTER_SPOOL_DIR": str(folder / "spool"),
               "PYTHONPYCACHEPREFIX": str(folder / "pycache")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.pop("MUSTER_WARM_SOCKET", None)  # the "this" column runs every command itself
        national_id = _prepare(env, folder)
        pack_file = HERE.parent / "src" / "muster" / "packs" / "ru" / "pack.toml"
        commands = {
            "muster --version": ["--version"],
            "muster policy check ru/pack.toml": ["policy", "check", str(pack_file)],
            "muster packs list": ["packs", "list"],
            "muster person show ID": ["person", "show", national_id],
            "muster person show ID --json": ["person", "show", national_id, "--json"],
            "muster campaign show NONE --json": ["campaign", "show", "NONE", "--json"],
        }
        installs = {"this": MUSTER, **({"other": [options.muster]} if options.muster else {})}
        figures: dict[str, dict[str, dict[str, float]]] = {
            "python -c pass": {"this": _figures([sys.executable, "-c", "pass"], env, options.runs)}}
        for label, args in commands.items():
            figures[label] = {name: _figures([*muster, *args], env, options.runs) for name, muster in installs.items()}
        if options.warm:
            installs["warm"] = MUSTER
            _time_warm(env, folder, commands, figures, options.runs)
    if options.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"median of {options.runs} runs each, ms (min-max); modules imported")
    print("| command | " + " | ".join(installs) + " |")
    print("|---|" + "---:|" * len(installs))
    for label, by_install in figures.items():
        cells = [f"{f['median_ms']} ({f['min_ms']}-{f['max_ms']}); {int(f['modules'])}"
                 + (f"; exit {int(f['exit'])}" if f["exit"] not in (0, 3, 4) else "") for f in by_install.values()]
        print(f"| `{label}` | " + " | ".join(cells) + " |")


def _time_warm(env: dict[str, str], folder: Path, commands: dict[str, list[str]],
               figures: dict[str, dict[str, dict[str, float]]], runs: int) -> None:
    """Start `muster warm` on the same database and time each command through it."""
    sock = folder / "warm.sock"
    server = subprocess.Popen([*MUSTER, "warm", "--socket", str(sock)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            if sock.exists() or server.poll() is not None:
                break
            time.sleep(0.1)
        warm_env = {**env, "MUSTER_WARM_SOCKET": str(sock)}
        for label, args in commands.items():
            figures[label]["warm"] = _figures([*MUSTER, *args], warm_env, runs)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _figures(args: list[str], env: dict[str, str], runs: int) -> dict[str, float]:
    times, status = _time(args, env, runs)
    return {"median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1),
            "max_ms": round(max(times), 1), "modules": _modules(args, env), "exit": status}


if __name__ == "__main__":
    main()
