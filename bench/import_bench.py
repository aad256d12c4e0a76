"""Benchmark `bench/import`: bulk import of persons against a raw-insert baseline.

For each database (SQLite, PostgreSQL) and size (100k, 1M rows) it runs, in
fresh child processes on fresh databases:
  - the import (`muster import persons`, timed inside the child around the
    import call itself, so process start-up is not counted), and its peak RSS;
  - the baseline: the same rows into a bare table with the same indexes, by a
    raw COPY of the CSV (PostgreSQL) or a raw executemany of csv.reader rows in
    one transaction (SQLite).
Each is repeated --runs times; the median is reported with the ratio of rates.

    .venv/bin/python bench/import_bench.py [--runs 3] [--sizes 100000,1000000]
        [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--only sqlite|postgresql]
Results go to bench/out/import.json and are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PY = sys.executable
COLUMNS = ("national_id, family_name, given_name, patronymic, sex, birth_date, death_date, "
           "citizenship, district, address, postcode, email, phone, electronic_account")

IMPORT_CHILD = """
import json, os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "muster.kernel.settings")
import django; django.setup()
from pathlib import Path
from muster.policy import loader
from muster.registry.importer import import_persons
pack = loader.get_pack("ru")
t = time.perf_counter()
r = import_persons(Path(sys.argv[1]), pack, source="bench")
seconds = time.perf_counter() - t
t = time.perf_counter()
again = import_persons(Path(sys.argv[1]), pack, source="bench")
print(json.dumps({"seconds": seconds, "imported": r.imported, "rejected": r.rejected,
                  "reimport_seconds": time.perf_counter() - t, "reimport_unchanged": again.unchanged}))
"""

SQLITE_BASELINE_CHILD = """
import csv, json, sqlite3, sys, time
db = sqlite3.connect(sys.argv[2])
db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=NORMAL")
db.execute("CREATE TABLE bare (id INTEGER PRIMARY KEY, national_id TEXT, family_name TEXT, given_name TEXT, "
           "patronymic TEXT, sex TEXT, birth_date DATE, death_date DATE, citizenship TEXT, district TEXT, "
           "address TEXT, postcode TEXT, email TEXT, phone TEXT, electronic_account BOOL)")
db.execute("CREATE UNIQUE INDEX bare_nid ON bare (national_id)")
db.execute("CREATE INDEX bare_district_birth ON bare (district, birth_date)")
t = time.perf_counter()
with open(sys.argv[1], encoding="utf-8", newline="") as f, db:
    rows = csv.reader(f); next(rows)
    db.executemany("INSERT INTO bare (%s) VALUES (%s)" % (sys.argv[3], ",".join("?" * 14)), rows)
print(json.dumps({"seconds": time.perf_counter() - t}))
"""

PG_BASELINE_CHILD = """
import json, sys, time, psycopg
with psycopg.connect(sys.argv[2]) as conn:
    conn.execute("CREATE TABLE bare (id bigserial PRIMARY KEY, national_id text, family_name text, "
                 "given_name text, patronymic text, sex text, birth_date date, death_date date, "
                 "citizenship text, district text, address text, postcode text, email text, phone text, "
                 "electronic_account boolean)")
    conn.execute("CREATE UNIQUE INDEX bare_nid ON bare (national_id)")
    conn.execute("CREATE INDEX bare_district_birth ON bare (district, birth_date)")
    conn.commit()
    t = time.perf_counter()
    with conn.cursor() as cur, cur.copy("COPY bare (%s) FROM STDIN WITH (FORMAT csv, HEADER true)" % sys.argv[3]) as copy:
        with open(sys.argv[1], "rb") as f:
            while chunk := f.read(1 << 20):
                copy.write(chunk)
    conn.commit()
    print(json.dumps({"seconds": time.perf_counter() - t}))
"""


def run_child(code: str, args: list[str], env: dict[str, str]) -> tuple[dict, int]:
    """Run a child process; return its JSON result and its peak RSS in KiB."""
    proc = subprocess.Popen([PY, "-c", code, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"child failed ({proc.returncode}): {err.decode()[-2000:]}")
    return json.loads(out.decode().strip().splitlines()[-1]), usage.ru_maxrss


def muster(args: list[str], env: dict[str, str]) -> None:
    subprocess.run([PY, "-m", "muster.interfaces.cli.main", *args], env=env, check=True, capture_output=True)


class Postgres:
    def __init__(self, admin_url: str):
        self.admin_url = admin_url

    def fresh(self) -> str:
        import psycopg

        name = f"muster_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.admin_url.rsplit("/", 1)[0] + "/" + name

    def drop(self, url: str) -> None:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def ensure_file(rows: int) -> Path:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"persons-{rows}.csv"
    if not path.exists():
        print(f"generating {rows} rows ...", file=sys.stderr)
        muster(["generate", "persons", "--count", str(rows), "--seed", "42", "--out", str(path)], dict(os.environ))
    return path


def bench_one(engine: str, path: Path, pg: Postgres, work: Path) -> dict:
    env = dict(os.environ)
    if engine == "sqlite":
        db_url = f"sqlite:///{work / f'import-{uuid.uuid4().hex[:8]}.sqlite3'}"
    else:
        db_url = pg.fresh()
    env["MUSTER_DATABASE_URL"] = db_url
    try:
        muster(["init", "--simulation"], env)
        result, rss = run_child(IMPORT_CHILD, [str(path)], env)
    finally:
        if engine == "postgresql":
            pg.drop(db_url)
    if engine == "sqlite":
        base_db = work / f"bare-{uuid.uuid4().hex[:8]}.sqlite3"
        baseline, _ = run_child(SQLITE_BASELINE_CHILD, [str(path), str(base_db), COLUMNS], env)
    else:
        base_url = pg.fresh()
        try:
            baseline, _ = run_child(PG_BASELINE_CHILD, [str(path), base_url, COLUMNS], env)
        finally:
            pg.drop(base_url)
    assert result["imported"] == result["reimport_unchanged"] == int(path.stem.split("-")[1])
    return {"import_s": result["seconds"], "baseline_s": baseline["seconds"], "rss_kib": rss,
            "reimport_s": result["reimport_seconds"], "imported": result["imported"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    engines = [args.only] if args.only else ["sqlite", "postgresql"]
    pg = Postgres(args.pg)
    work = OUT / "work"
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for engine in engines:
        for rows in sizes:
            path = ensure_file(rows)
            runs = []
            for i in range(args.runs):
                r = bench_one(engine, path, pg, work)
                print(f"{engine} {rows} run {i + 1}: import {r['import_s']:.2f}s, re-import "
                      f"{r['reimport_s']:.2f}s, baseline "
                      f"{r['baseline_s']:.2f}s, peak RSS {r['rss_kib'] / 1024:.0f} MiB", file=sys.stderr)
                runs.append(r)
                for f in work.glob("*.sqlite3*"):
                    f.unlink()
            imp = statistics.median(r["import_s"] for r in runs)
            base = statistics.median(r["baseline_s"] for r in runs)
            results.append({"engine": engine, "rows": rows, "runs": len(runs),
                            "import_s": imp, "baseline_s": base,
                            "reimport_s": statistics.median(r["reimport_s"] for r in runs),
                            "import_rows_per_s": rows / imp, "baseline_rows_per_s": rows / base,
                            "ratio": base / imp,
                            "peak_rss_mib": statistics.median(r["rss_kib"] for r in runs) / 1024,
                            "all_runs": runs})
    (OUT / "import.json").write_text(json.dumps({"when": time.strftime("%Y-%m-%d %H:%M"), "results": results},
                                                indent=2))
    print("| database | rows | import (median s) | rows/s | baseline (median s) | baseline rows/s | ratio "
          "| peak RSS | re-import, all unchanged (median s) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['engine']} | {r['rows']:,} | {r['import_s']:.2f} | {r['import_rows_per_s']:,.0f} | "
              f"{r['baseline_s']:.2f} | {r['baseline_rows_per_s']:,.0f} | {r['ratio']:.0%} | "
              f"{r['peak_rss_mib']:.0f} MiB | {r['reimport_s']:.2f} |")


if __name__ == "__main__":
    main()
