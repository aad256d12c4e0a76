"""Benchmark the call-up pipeline: issuing summonses, the tick, and postal letters.

    .venv/bin/python bench/notices_bench.py --engine postgresql --registry 2000000 --summonses 1000000
    .venv/bin/python bench/notices_bench.py --engine sqlite --registry 200000 --summonses 100000
    .venv/bin/python bench/notices_bench.py --engine sqlite --letters 10000 --registry 20000 --summonses 10000

Each run builds a fresh database from a generated registry of men of call-up age, using a
copy of the `ru` pack whose offices can see 2,000 people a day (the real capacities would
not fit a million appearances into one window). It then times, inside one process:
  - `campaign issue` (summonses with numbers, appearance dates, deliveries, events, exit bans);
  - a tick 7 days later (postings to electronic accounts, service, events), sending nothing;
  - a tick after the grace days (everyone missed: six more measures each, and their events);
  - optionally a print batch of --letters letters (letters/s).
Figures go to bench/out/notices-<engine>-<summonses>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PY = sys.executable

CHILD = r"""
import json, os, sys, time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "muster.kernel.settings")
import django; django.setup()
from muster.kernel.actor import Actor
from muster.campaigns import services as campaigns
from muster.campaigns import issuing
from muster.delivery import letters
from muster.summons import tick
from muster.delivery.models import Delivery
from muster.policy import loader
pack = loader.get_pack("ru")
summonses, letters_wanted = int(sys.argv[1]), int(sys.argv[2])
districts = [d.code for d in pack.districts]
quota = -(-summonses // len(districts))
now = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/Moscow"))
campaign = campaigns.create(pack, campaigns.CampaignRequest(
    code="BENCH", purpose="call_up", districts={d: quota for d in districts},
    appear_from=date(2026, 3, 10), appear_to=date(2026, 3, 31), place="bench"), actor=Actor.officer("bench"), today=now.date())
out = {}
t = time.perf_counter()
result = issuing.issue(campaign, now, actor=Actor.officer("bench"))
out["issue_s"] = time.perf_counter() - t
out["issued"] = result.issued
out["deliveries"] = result.deliveries
if letters_wanted:
    Delivery.objects.filter(channel="post").exclude(
        pk__in=Delivery.objects.filter(channel="post").order_by("id").values("pk")[:letters_wanted]).update(state="failed")
    t = time.perf_counter()
    batch = letters.make_batch(now, Path(sys.argv[3]), actor=Actor.officer("bench"))
    out["letters"] = batch["letters"]
    out["letters_s"] = time.perf_counter() - t
t = time.perf_counter()
out["tick_service"] = tick.tick(now + timedelta(days=7), actor=Actor.officer("bench"))
out["tick_service_s"] = time.perf_counter() - t
if sys.argv[4] == "daily":
    # The engine as operators run it: one tick a day, each over every open summons, each day's
    # misses (those whose grace days ended) with their measures and events.
    out["tick_daily"] = []
    day = datetime(2026, 3, 30, 9, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    while day <= datetime(2026, 4, 25, 9, 0, tzinfo=ZoneInfo("Europe/Moscow")):
        t = time.perf_counter()
        counts = tick.tick(day, actor=Actor.officer("bench"))
        out["tick_daily"].append({"day": day.date().isoformat(), "s": time.perf_counter() - t,
                                  "missed": counts["missed"], "measures_applied": counts["measures_applied"]})
        day += timedelta(days=1)
    out["tick_daily_max_s"] = max(d["s"] for d in out["tick_daily"])
    out["tick_daily_max_missed"] = max(d["missed"] for d in out["tick_daily"])
else:
    # Catching up: one tick after every grace period has ended, everyone missed at once.
    t = time.perf_counter()
    out["tick_missed"] = tick.tick(datetime(2026, 4, 25, 9, 0, tzinfo=ZoneInfo("Europe/Moscow")), actor=Actor.officer("bench"))
    out["tick_missed_s"] = time.perf_counter() - t
print(json.dumps(out))
"""


def muster(args: list[str], env: dict[str, str]) -> None:
    subprocess.run([PY, "-m", "muster.interfaces.cli.main", *args], env=env, check=True, capture_output=True)


def bench_pack(work: Path) -> Path:
    """A copy of the built-in ru pack with offices that see 2,000 people a day."""
    target = work / "packs" / "ru"
    if target.exists():
        shutil.rmtree(target)
    source = Path(__file__).resolve().parent.parent / "src" / "muster" / "packs" / "ru"
    shutil.copytree(source, target)
    pack = target / "pack.toml"
    pack.write_text(re.sub(r"daily_capacity = \d+", "daily_capacity = 2000", pack.read_text(encoding="utf-8")),
                    encoding="utf-8")
    return target.parent


def run_once(engine: str, registry: int, summonses: int, letters: int, pg_admin: str, missed: str) -> dict:
    OUT.mkdir(exist_ok=True)
    work = OUT / "work"
    work.mkdir(parents=True, exist_ok=True)
    people = OUT / f"conscripts-{registry}.csv"
    env = dict(os.environ)
    if not people.exists():
        muster(["generate", "persons", "--count", str(registry), "--seed", "7", "--cohort", "conscripts",
                "--as-of", "2026-01-01", "--out", str(people)], env)
    env["MUSTER_PACKS_DIRS"] = str(bench_pack(work))
    env["MUSTER_OUTBOX_DIR"] = str(work / "outbox")
    name = f"muster_bench_{uuid.uuid4().hex[:8]}"
    if engine == "sqlite":
        env["MUSTER_DATABASE_URL"] = f"sqlite:///{work / (name + '.sqlite3')}"
    else:
        import psycopg

        with psycopg.connect(pg_admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["MUSTER_DATABASE_URL"] = pg_admin.rsplit("/", 1)[0] + "/" + name
    try:
        muster(["init", "--simulation"], env)
        muster(["import", "persons", str(people), "--observed-at", "2026-01-01T00:00:00+00:00"], env)
        proc = subprocess.run([PY, "-c", CHILD, str(summonses), str(letters), str(work / "letters"), missed], env=env,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr[-3000:])
        return json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        if engine == "postgresql":
            import psycopg

            with psycopg.connect(pg_admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for f in work.glob("*.sqlite3*"):
            f.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), required=True)
    parser.add_argument("--registry", type=int, default=2_000_000)
    parser.add_argument("--summonses", type=int, default=1_000_000)
    parser.add_argument("--letters", type=int, default=0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--missed", choices=("catch-up", "daily"), default="catch-up",
                        help="after the service tick: one tick with everyone missed at once, or a tick a day")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="the server to use; bench/tuned_pg.py starts one configured for the machine")
    args = parser.parse_args()
    runs = []
    for i in range(args.runs):
        r = run_once(args.engine, args.registry, args.summonses, args.letters, args.pg, args.missed)
        print(f"run {i + 1}: " + json.dumps({k: (round(v, 2) if isinstance(v, float) else v)
                                             for k, v in r.items() if k != "tick_daily"}), file=sys.stderr)
        runs.append(r)
    summary = {"engine": args.engine, "server": args.pg, "missed": args.missed, "registry": args.registry,
               "summonses": args.summonses, "runs": runs}
    for key in ("issue_s", "tick_service_s", "tick_missed_s", "tick_daily_max_s", "letters_s"):
        values = [r[key] for r in runs if key in r]
        if values:
            summary[key + "_median"] = statistics.median(values)
    if "letters_s_median" in summary:
        summary["letters_per_s"] = runs[0]["letters"] / summary["letters_s_median"]
    (OUT / f"notices-{args.engine}-{args.summonses}-{args.missed}.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps({k: v for k, v in summary.items() if k != "runs"}, indent=2))


if __name__ == "__main__":
    main()
