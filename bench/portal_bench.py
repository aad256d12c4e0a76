"""Benchmark the citizen portal: signed-in citizens browsing their pages under locust.

    .venv/bin/python bench/portal_bench.py --people 1000000 --users 100 --duration 300   # the full size
    .venv/bin/python bench/portal_bench.py --people 20000 --users 10 --duration 30       # a quick try

On PostgreSQL, in a fresh database of its own: a registry of `--people` men of call-up age (the
generator's conscripts, as bench/api_bench.py), a campaign whose summonses all end missed, so each
summoned person has a summons, measures and messages. `muster serve` (gunicorn, 2 workers) runs the
portal against the loopback OpenID provider (oidc-provider-mock, in this process); `--users`
distinct summoned people each sign in once through the real provider (authorize, code, callback),
then locust (bench/portal_locustfile.py) browses record -> notices -> measures -> access log with
1-3 s think time for `--duration` seconds. Each page view is a real self-read in the access log.

The server runs in the development configuration (production refuses an http:// issuer, and the
loopback provider speaks http); the sign-in rate limit is lifted for the one client address.
Output: p50/p95/p99 and errors per page, and p95 over the 300 ms target, in bench/out/portal.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PY = sys.executable
TARGET_P95_MS = 300.0
sys.path.insert(0, str(HERE))
from notices_bench import bench_pack  # noqa: E402 - a sibling script

SETUP = r"""
import json, math, os, sys
from datetime import date, datetime
from zoneinfo import ZoneInfo
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "muster.kernel.settings")
import django; django.setup()
from muster.kernel.actor import Actor
from muster.campaigns import services as campaigns
from muster.campaigns import issuing
from muster.delivery import messages as notify
from muster.delivery.models import Delivery, PersonMessage
from muster.policy import loader
from muster.summons import tick
from muster.summons.models import Summons
pack = loader.get_pack("ru")
summonses, users = int(sys.argv[1]), int(sys.argv[2])
msk = ZoneInfo("Europe/Moscow")
codes = [d.code for d in pack.districts]
campaign = campaigns.create(pack, campaigns.CampaignRequest(
    code="PORTAL", purpose="call_up", districts={c: math.ceil(summonses / len(codes)) for c in codes},
    appear_from=date(2026, 3, 10), appear_to=date(2026, 3, 31), place="bench"), actor=Actor.officer("bench"),
    today=date(2026, 3, 2))
issuing.issue(campaign, datetime(2026, 3, 2, 9, tzinfo=msk), actor=Actor.officer("bench"))
later = datetime(2026, 4, 25, 9, tzinfo=msk)
tick.tick(later, actor=Actor.officer("bench"))
notify.make_messages(later)
Delivery.objects.filter(channel__in=("email", "sms"), state="queued").update(state="sent", next_attempt_at=None)
PersonMessage.objects.filter(email_state="queued").update(email_state="sent", next_attempt_at=None)
people = list(Summons.objects.filter(status="missed", person__measures__isnull=False).order_by("?")
              .values_list("person__national_id", flat=True).distinct()[:users])
print(json.dumps({"people": people, "summonses": Summons.objects.count()}))
"""


def muster(args: list[str], env: dict[str, str]) -> str:
    return subprocess.run([PY, "-m", "muster.interfaces.cli.main", *args], env=env, check=True, capture_output=True,
                          text=True).stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str) -> None:
    for _ in range(300):
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def sign_in(base: str, provider: str, national_id: str, n: int) -> dict[str, str]:
    """One person signs in as a browser would: to the provider, its form, back with the code."""
    import requests

    sub = f"citizen-{n}"
    requests.put(f"{provider}/users/{quote(sub, safe='')}", json={"national_id": national_id},
                 timeout=10).raise_for_status()
    session = requests.Session()
    to_provider = session.get(f"{base}/portal/sign-in/", allow_redirects=False, timeout=30)
    back = requests.post(to_provider.headers["Location"], data={"sub": sub}, allow_redirects=False, timeout=30)
    parts = urlsplit(back.headers["Location"])
    done = session.get(f"{base}{parts.path}?{parts.query}", allow_redirects=False, timeout=30)
    if done.status_code != 302 or done.headers.get("Location") != "/portal/record/":
        raise RuntimeError(f"sign-in {n} ended with {done.status_code} {done.headers.get('Location')}")
    return dict(session.cookies)


def read_stats(prefix: Path) -> dict[str, dict[str, float]]:
    pages = {}
    with open(f"{prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            pages[row["Name"]] = {"requests": int(row["Request Count"]), "errors": int(row["Failure Count"]),
                                  "p50_ms": float(row["50%"]), "p95_ms": float(row["95%"]),
                                  "p99_ms": float(row["99%"]), "rps": float(row["Requests/s"])}
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--summonses", type=int, default=0, help="default: a tenth of --people (at least --users)")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--duration", type=int, default=300, help="seconds of browsing")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep-db", action="store_true", help="leave the benchmark's database (its name is printed)")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    summonses = args.summonses or max(args.people // 10, args.users * 2)
    import logging

    import oidc_provider_mock
    import psycopg

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the provider's request lines

    OUT.mkdir(exist_ok=True)
    work = OUT / "portal-work"
    work.mkdir(parents=True, exist_ok=True)
    name = f"muster_bench_portal_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "MUSTER_DATABASE_URL": args.pg.rsplit("/", 1)[0] + "/" + name,
           "MUSTER_PACKS_DIRS": str(bench_pack(work)), "MUSTER_OUTBOX_DIR": str(work / "outbox"),
           "MUSTER_SPOOL_DIR": str(work / "spool")}
    (work / "spool").mkdir(mode=0o700, exist_ok=True)
    (work / "spool").chmod(0o700)
    server = None
    try:
        people_csv = OUT / f"conscripts-{args.people}.csv"
        if not people_csv.exists():
            muster(["generate", "persons", "--count", str(args.people), "--seed", "7", "--cohort", "conscripts",
                    "--as-of", "2026-01-01", "--out", str(people_csv)], env)
        started = time.perf_counter()
        muster(["init", "--simulation"], env)
        muster(["import", "persons", str(people_csv), "--observed-at", "2026-01-01T00:00:00+00:00"], env)
        setup = json.loads(subprocess.run([PY, "-c", SETUP, str(summonses), str(args.users)], env=env, check=True,
                                          capture_output=True, text=True).stdout.strip().splitlines()[-1])
        setup_s = time.perf_counter() - started
        if len(setup["people"]) < args.users:
            raise RuntimeError(f"only {len(setup['people'])} people with measures for {args.users} users")
        with oidc_provider_mock.run_server_in_thread(require_nonce=True) as provider_server:
            provider = f"http://127.0.0.1:{provider_server.server_port}"
            port = free_port()
            served = {**env, "MUSTER_OIDC_ISSUER": provider, "MUSTER_PORTAL_SIGNIN_RATE_PER_MINUTE": "1000000"}
            server = subprocess.Popen([PY, "-m", "muster.interfaces.cli.main", "serve", "--port", str(port),
                                       "--workers", str(args.workers)], env=served,
                                      stderr=(work / "serve.log").open("w"))
            base = f"http://127.0.0.1:{port}"
            wait_up(f"{base}/healthz")
            sessions = [sign_in(base, provider, nid, n) for n, nid in enumerate(setup["people"])]
            sessions_file = work / "sessions.json"
            sessions_file.write_text(json.dumps(sessions))
            prefix = work / "locust"
            ramp = max(1, math.ceil(args.users / 10))  # all users on within about 10 s
            ran = subprocess.run([PY, "-m", "locust", "-f", str(HERE / "portal_locustfile.py"), "--headless",
                            "-u", str(args.users), "-r", str(ramp), "--run-time", f"{args.duration}s",
                            "--host", base, "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
                           env={**os.environ, "MUSTER_PORTAL_SESSIONS": str(sessions_file)},
                           check=False, capture_output=True, text=True)  # exit 1 when a request failed: counted
        if not Path(f"{prefix}_stats.csv").exists():
            raise RuntimeError(f"locust wrote no figures: {ran.stderr[-2000:]}")
        pages = read_stats(prefix)
        overall = pages.pop("Aggregated")
        result = {"people": args.people, "summonses": setup["summonses"], "users": args.users,
                  "duration_s": args.duration, "workers": args.workers, "think_time_s": [1, 3],
                  "setup_s": round(setup_s, 1), "pages": pages, "overall": overall,
                  "errors": overall["errors"], "target_p95_ms": TARGET_P95_MS,
                  "p95_over_target": round(overall["p95_ms"] / TARGET_P95_MS, 3),
                  "worst_page_p95_over_target": round(max(p["p95_ms"] for p in pages.values()) / TARGET_P95_MS, 3)}
        (OUT / "portal.json").write_text(json.dumps(result, indent=2))
        print(json.dumps(result, indent=2))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=60)
        if args.keep_db:
            print(f"kept database {name}", file=sys.stderr)
        else:
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
