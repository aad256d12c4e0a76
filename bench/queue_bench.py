"""Benchmark the work queue: a district's first page with 1,000,000 open applications in it.

    .venv/bin/python bench/queue_bench.py                       # the issue's size: 1,000,000 in one district
    .venv/bin/python bench/queue_bench.py --open 20000 --others 5000 --calls 50 --cli-calls 2   # a quick check

On PostgreSQL only, in a database of its own (created, then dropped unless --keep): `muster init`,
then, set-based (`INSERT ... SELECT generate_series`), one person per application and
  - --open open applications in the busiest district (RU-MOW), all kinds, due dates spread over
    the six weeks around today, a third with an appearance date (some within the urgency threshold),
    a tenth assigned to an officer;
  - --others applications spread over the other districts, a quarter of them decided or withdrawn
    (not in any queue);
then ANALYZE. It times, in one process, `muster.casework.services.queue` (what `muster queue list`
calls) for the district's first page (50 rows) --calls times for each filter set (none, --urgent,
--overdue, --kind excuse, --urgent --overdue), reporting p50/p95/max in milliseconds; and the
end-to-end `muster queue list --district RU-MOW --json` as a process (--cli-calls times each), which
adds Python's and Django's start-up. The issue's target: first page p95 under 100 ms.
Figures go to bench/out/queue.json.
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
DISTRICT = "RU-MOW"
FILTERS: dict[str, list[str]] = {
    "first_page": [], "urgent": ["--urgent"], "overdue": ["--overdue"], "kind_excuse": ["--kind", "excuse"],
    "urgent_overdue": ["--urgent", "--overdue"],
}

# People then applications, set-based. %(n)s open in the district, %(m)s elsewhere; ids offset so
# both statements can run against the same generate_series shape. Kinds cycle through the five;
# due dates spread over -21..+20 days around today; every third has an appearance date 0..59 days
# ahead; one in ten is assigned (in review).
FILL = """
INSERT INTO registry_person (national_id, sex, birth_date, citizenship, district)
SELECT 'QB' || lpad(g::text, 10, '0'), 'M', DATE '2002-01-01' + (g %% 2500), 'RU', %(district)s
FROM generate_series(1, %(n)s) g;
INSERT INTO registry_person (national_id, sex, birth_date, citizenship, district)
SELECT 'QO' || lpad(g::text, 10, '0'), 'M', DATE '2002-01-01' + (g %% 2500), 'RU', (%(others)s::text[])[1 + g %% %(k)s]
FROM generate_series(1, %(m)s) g;
INSERT INTO casework_application (person_id, kind, ground, channel, appearance_date, status, submitted_at,
    submitted_on, due_on, district, pack_code, policy_version, created_by, assigned_to_id)
SELECT p.id, (ARRAY['deferment','exemption','alternative_service','excuse','correction'])[1 + p.id %% 5],
    (ARRAY['study','category_v','convictions','illness','personal_data'])[1 + p.id %% 5], 'portal',
    CASE WHEN p.id %% 3 = 0 THEN CURRENT_DATE + (p.id %% 60)::int END,
    CASE WHEN p.id %% 10 = 0 THEN 'in_review'
         WHEN p.national_id LIKE 'QO%%' AND p.id %% 4 = 1 THEN 'decided'
         WHEN p.national_id LIKE 'QO%%' AND p.id %% 4 = 2 THEN 'withdrawn' ELSE 'submitted' END,
    now() - interval '20 days', CURRENT_DATE - 20, CURRENT_DATE - 21 + (p.id %% 42)::int, p.district, 'ru',
    'ru-2026-01-01', 'bench', CASE WHEN p.id %% 10 = 0 THEN %(officer)s END
FROM registry_person p WHERE p.national_id LIKE 'Q%%';
ANALYZE registry_person;
ANALYZE casework_application
"""

CHILD = r"""
import json, os, sys, time, statistics
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "muster.kernel.settings")
import django; django.setup()
from muster.casework import services
from muster.kernel import clock
from muster.kernel.actor import Actor
from muster.policy import loader
pack = loader.get_pack("ru")
actor = Actor.officer("bench")
district, calls = sys.argv[1], int(sys.argv[2])
filters = {"first_page": {}, "urgent": {"urgent": True}, "overdue": {"overdue": True},
           "kind_excuse": {"kind": "excuse"}, "urgent_overdue": {"urgent": True, "overdue": True}}
out = {}
for name, kw in filters.items():
    times, rows = [], 0
    for _ in range(calls):
        t = time.perf_counter()
        page = services.queue(actor, pack, clock.now(), district=district, **kw)
        times.append((time.perf_counter() - t) * 1000)
        rows = len(page["items"])
    times.sort()
    out[name] = {"rows": rows, "p50_ms": round(statistics.median(times), 2),
                 "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2), "max_ms": round(times[-1], 2)}
print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open", type=int, default=1_000_000, help="open applications in the district")
    parser.add_argument("--others", type=int, default=500_000, help="applications in the other districts")
    parser.add_argument("--calls", type=int, default=200, help="service calls per filter set")
    parser.add_argument("--cli-calls", type=int, default=5, help="`muster queue list` processes per filter set")
    parser.add_argument("--pg", default=os.environ.get("MUSTER_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
                        help="an administrative connection (the benchmark creates and drops its database)")
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    args = parser.parse_args()

    import psycopg

    name = f"muster_bench_queue_{uuid.uuid4().hex[:8]}"
    url = args.pg.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "MUSTER_DATABASE_URL": url}
    try:
        result = run(args, url, env)
    finally:
        if args.keep:
            print(f"kept: {url}", file=sys.stderr)
        else:
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    OUT.mkdir(exist_ok=True)
    (OUT / "queue.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


def run(args: argparse.Namespace, url: str, env: dict[str, str]) -> dict[str, object]:
    import psycopg

    subprocess.run([PY, "-m", "muster.interfaces.cli.main", "init"], env=env, check=True, capture_output=True)
    with psycopg.connect(url, autocommit=True) as conn:
        districts = [r[0] for r in conn.execute("SELECT code FROM registry_district WHERE pack_code = 'ru' "
                                                "AND code <> %s ORDER BY 1", [DISTRICT])] or ["RU-SPE"]
        officer = conn.execute("SELECT min(id) FROM auth_user").fetchone()[0]
        t = time.perf_counter()
        params = {"district": DISTRICT, "n": args.open, "m": args.others, "others": districts,
                  "k": len(districts), "officer": officer}
        for statement in filter(str.strip, FILL.split(";\n")):
            used = {k: v for k, v in params.items() if f"%({k})s" in statement}
            conn.execute(statement, used or None)
        fill_s = time.perf_counter() - t
        counts = dict(conn.execute("SELECT status, count(*) FROM casework_application WHERE district = %s "
                                   "GROUP BY status", [DISTRICT]).fetchall())
    child = subprocess.run([PY, "-c", CHILD, DISTRICT, str(args.calls)], env=env, check=True,
                           capture_output=True, text=True)
    service = json.loads(child.stdout.strip().splitlines()[-1])
    cli: dict[str, dict[str, float]] = {}
    for label, flags in FILTERS.items():
        times = []
        for _ in range(args.cli_calls):
            t = time.perf_counter()
            subprocess.run([PY, "-m", "muster.interfaces.cli.main", "queue", "list", "--district", DISTRICT,
                            *flags, "--json"], env=env, check=True, capture_output=True)
            times.append((time.perf_counter() - t) * 1000)
        cli[label] = {"p50_ms": round(statistics.median(times)), "max_ms": round(max(times))}
    return {"open_in_district": args.open, "others": args.others, "district": DISTRICT,
            "district_statuses": counts, "fill_s": round(fill_s, 1), "calls": args.calls,
            "cli_calls": args.cli_calls, "service": service, "cli_process": cli,
            "target": "first page p95 under 100 ms"}


if __name__ == "__main__":
    main()
