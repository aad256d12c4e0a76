"""Benchmark straight-through processing: enrolment submissions decided by system:stp.

    .venv/bin/python bench/stp_bench.py --registry 1000000 --facts 100000 --ingest 10000 --runs 1

On PostgreSQL, in a database of its own (dropped after): a registry of men of call-up age
(`muster generate persons` + `muster import persons`), a partner granted `enrolment`, then
  (a) ingest: `--ingest` enrolment submissions POSTed to `muster serve` (gunicorn, 2 workers) by
      8 client threads: requests/s (a sample: the whole 100,000 over HTTP takes minutes and measures
      the same thing);
  (b) processing: `--facts` enrolment facts in store (the ingested ones plus the rest written
      straight into the facts table as the API writes them), about 90 % matching the study rule,
      some not full-time, some about national ids the registry does not hold; then
      `muster stp run` as a child process: seconds from stored facts to decisions (target: under
      60 s for 100,000), and how the facts ended.
Each run is a fresh database. Figures go to bench/out/stp.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PY = sys.executable

# The facts: ~90 % full-time bachelor/master students (the study rule holds), ~6 % part-time (an
# officer), ~4 % about national ids past the generator's end (no person).
FACTS = r"""
import json, os, random, sys
from datetime import date, timedelta
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "muster.kernel.settings")
import django; django.setup()
from muster.policy import loader
from muster.registry.synthetic import Generator
registry, count, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
pack = loader.get_pack("ru")
gen = Generator(pack, seed=7, as_of=date(2026, 1, 1), cohort="conscripts")
rng = random.Random(seed)
people = rng.sample(range(registry), min(count, registry))
today = date.today()
out = []
for i in range(count):
    unknown = rng.random() < 0.04
    nid = gen.national_id(registry + i) if unknown else gen.national_id(people[i % len(people)])
    data = {"institution": "University", "programme": "Physics", "level": rng.choice(["bachelor", "master"]),
            "full_time": rng.random() >= 0.06, "started_on": (today - timedelta(days=400)).isoformat(),
            "expected_end": (today + timedelta(days=rng.randint(100, 1500))).isoformat(), "status": "enrolled"}
    out.append({"national_id": nid, "kind": "enrolment", "data": data})
print(json.dumps(out))
"""

STORE = r"""
import json, os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "muster.kernel.settings")
import django; django.setup()
from django.utils import timezone
from muster.partners.models import Partner, RegisterFact
from muster.policy import loader
from muster.registry.models import Person
pack = loader.get_pack("ru")
rows = json.load(open(sys.argv[1]))
partner = Partner.objects.get(name="Education")
wanted = [pack.id_scheme.normalise(r["national_id"]) for r in rows]
found = {}
for i in range(0, len(wanted), 20000):
    found.update(dict(Person.objects.filter(national_id__in=wanted[i:i + 20000]).values_list("national_id", "id")))
now = timezone.now()
RegisterFact.objects.bulk_create([RegisterFact(person_id=found.get(n), partner=partner, source="enrolment",
                                               facts=r["data"], observed_at=now, received_at=now)
                                  for n, r in zip(wanted, rows)], batch_size=5000)
print(json.dumps({"stored": len(rows), "known": sum(1 for n in wanted if n in found)}))
"""


def muster(args: list[str], env: dict[str, str]) -> str:
    return subprocess.run([PY, "-m", "muster.interfaces.cli.main", *args], env=env, check=True, capture_output=True,
                          text=True).stdout


def child(code: str, args: list[str], env: dict[str, str]) -> str:
    return subprocess.run([PY, "-c", code, *args], env=env, check=True, capture_output=True,
                          text=True).stdout.strip().splitlines()[-1]


def wait_up(port: int) -> None:
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"muster serve on port {port} did not come up")


def ingest(port: int, key: str, bodies: list[dict], threads: int = 8) -> dict:
    """POST every body once; requests/s over the whole run, and the status codes seen."""
    codes: dict[int, int] = {}
    lock = threading.Lock()

    def work(part: list[dict]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for body in part:
            conn.request("POST", "/api/v1/submissions", body=json.dumps(body),
                         headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json",
                                  "Idempotency-Key": uuid.uuid4().hex, "X-Forwarded-Proto": "https",
                                  "X-Forwarded-For": "127.0.0.1"})
            status = conn.getresponse()
            status.read()
            with lock:
                codes[status.status] = codes.get(status.status, 0) + 1

    parts = [bodies[i::threads] for i in range(threads)]
    t = time.perf_counter()
    workers = [threading.Thread(target=work, args=(p,)) for p in parts]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    seconds = time.perf_counter() - t
    return {"requests": len(bodies), "seconds": seconds, "rps": len(bodies) / seconds if seconds else 0.0,
            "status": codes}


def one_run(args: argparse.Namespace, people: Path, work: Path) -> dict:
    import psycopg

    name = f"muster_bench_stp_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "MUSTER_DATABASE_URL": args.pg.rsplit("/", 1)[0] + "/" + name}
    served = {**env, "MUSTER_ENV": "production", "MUSTER_SECRET_KEY": uuid.uuid4().hex * 2,
              "MUSTER_ALLOW_FILE_OUTBOX": "true", "MUSTER_ALLOWED_HOSTS": "127.0.0.1,localhost",
              "MUSTER_SPOOL_DIR": str(work / "spool"), "MUSTER_AUDIT_KEY": uuid.uuid4().hex * 2,
              "MUSTER_OUTBOX_DIR": str(work / "outbox"), "MUSTER_TRUSTED_PROXY": "X-Forwarded-For"}
    (work / "spool").mkdir(mode=0o700, exist_ok=True)
    (work / "spool").chmod(0o700)
    serve = None
    try:
        muster(["init", "--simulation"], env)
        t = time.perf_counter()
        muster(["import", "persons", str(people), "--observed-at", "2026-01-01T00:00:00+00:00"], env)
        imported_s = time.perf_counter() - t
        key = json.loads(muster(["partner", "add", "Education", "--kinds", "exit_ban", "--submit", "enrolment",
                                 "--json"], env))["api_key"]
        facts_file = work / "facts.json"
        facts_file.write_text(child(FACTS, [str(args.registry), str(args.facts), "11"], env))
        bodies = json.loads(facts_file.read_text())
        sample, rest = bodies[:args.ingest], bodies[args.ingest:]
        serve = subprocess.Popen([PY, "-m", "muster.interfaces.cli.main", "serve", "--port", str(args.port),
                                  "--workers", "2"], env=served, stderr=(work / "serve.log").open("w"))
        wait_up(args.port)
        api = ingest(args.port, key, sample)
        serve.terminate()
        serve.wait(30)
        serve = None
        rest_file = work / "rest.json"
        rest_file.write_text(json.dumps(rest))
        stored = json.loads(child(STORE, [str(rest_file)], env))
        t = time.perf_counter()
        if args.profile:  # the same run under cProfile, its statistics kept for a look
            done = json.loads(subprocess.run(
                [PY, "-m", "cProfile", "-o", str(args.profile), "-m", "muster.interfaces.cli.main", "stp", "run",
                 "--json"], env=env, check=True, capture_output=True, text=True).stdout)
        else:
            done = json.loads(muster(["stp", "run", "--json"], env))
        stp_s = time.perf_counter() - t
        return {"import_s": imported_s, "ingest": api, "stored_directly": stored, "stp_run_s": stp_s,
                "stp": done}
    finally:
        if serve is not None:
            serve.terminate()
            serve.wait(30)
        if not args.keep:
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--registry", type=int, default=1_000_000, help="people in the registry")
    parser.add_argument("--facts", type=int, default=100_000, help="enrolment facts to decide")
    parser.add_argument("--ingest", type=int, default=10_000, help="of them, sent through the partner API")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--port", type=int, default=18451)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--profile", type=Path, help="run `muster stp run` under cProfile, statistics to this file")
    parser.add_argument("--keep", action="store_true", help="keep the database (for a look afterwards)")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    work = OUT / "stp-work"
    work.mkdir(parents=True, exist_ok=True)
    people = OUT / f"conscripts-{args.registry}.csv"
    if not people.exists():
        muster(["generate", "persons", "--count", str(args.registry), "--seed", "7", "--cohort", "conscripts",
                "--as-of", "2026-01-01", "--out", str(people)], dict(os.environ))
    runs = [one_run(args, people, work) for _ in range(args.runs)]
    summary = {"registry": args.registry, "facts": args.facts, "ingest_sample": args.ingest, "runs": runs,
               "median_ingest_rps": statistics.median(r["ingest"]["rps"] for r in runs),
               "median_stp_run_s": statistics.median(r["stp_run_s"] for r in runs),
               "target_stp_run_s": 60}
    (OUT / "stp.json").write_text(json.dumps(summary, indent=2, default=str))
    print(json.dumps({k: v for k, v in summary.items() if k != "runs"}, indent=2))
    for r in runs:
        print(json.dumps({"ingest_rps": round(r["ingest"]["rps"], 1), "status": r["ingest"]["status"],
                          "stp_run_s": round(r["stp_run_s"], 2), "decided": r["stp"]["decided"],
                          "outcomes": r["stp"]["sources"]["enrolment"]["outcomes"]}))


if __name__ == "__main__":
    main()
