"""Benchmark the partner interface: the measures check under wrk, the event feed, webhook lag.

    .venv/bin/python bench/api_bench.py --registry 200000 --summonses 50000 --runs 3

On PostgreSQL, in a database of its own: a registry of men of call-up age, a campaign whose
summonses all end missed (seven measures each), and a partner that enforces every kind. Then:
  - `GET /api/v1/measures/{id}` on `muster serve` (gunicorn, 2 workers x 4 threads, MUSTER_ENV=production),
    loaded by wrk with a realistic mix of ids (half never summoned, 30 % with measures in force,
    10 % lifted, 10 % unknown to the registry); each run records how the work was split over the
    workers (their shares of CPU time), against a bare WSGI app on the same gunicorn
    configuration serving a constant answer from memory (bench/bare_app.py), and against a
    constant answer from Django itself (/api/v1/_bare); p50, p99, requests/s, at saturation
    (--connections) and under a light load (2 connections);
  - the event feed paged over HTTP with limit=1000: events/s;
  - webhook lag: `muster worker` runs as operators run it; measures are lifted one by one (an officer
    recording appearances) and a receiver on loopback notes when each lift arrives.
wrk comes from Debian (installed here if missing). Figures go to bench/out/api.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PY = sys.executable
sys.path.insert(0, str(HERE))
from notices_bench import bench_pack  # noqa: E402 - a sibling script

SETUP = r"""
import json, math, os, sys
from datetime import date, datetime
from zoneinfo import ZoneInfo
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "muster.kernel.settings")
import django; django.setup()
from muster.kernel.actor import Actor
from muster import engine
from muster.campaigns import services as campaigns
from muster.campaigns import issuing
from muster.summons.models import Summons
from muster.partners import keys
from muster.policy import loader
pack = loader.get_pack("ru")
summonses = int(sys.argv[1])
msk = ZoneInfo("Europe/Moscow")
codes = [d.code for d in pack.districts]
campaign = campaigns.create(pack, campaigns.CampaignRequest(
    code="BENCH", purpose="call_up", districts={c: math.ceil(summonses / len(codes)) for c in codes},
    appear_from=date(2026, 3, 10), appear_to=date(2026, 3, 31), place="bench"), actor=Actor.officer("bench"), today=date(2026, 3, 2))
issuing.issue(campaign, datetime(2026, 3, 2, 9, tzinfo=msk), actor=Actor.officer("bench"))
import time
from muster.delivery import messages as notify
from muster.summons import tick
from muster.partners import feed
later = datetime(2026, 4, 25, 9, tzinfo=msk)
for name, kinds in (("Border", ["exit_ban"]), ("Traffic", ["driving_ban", "vehicle_registration_ban"]),
                    ("Credit", ["credit_ban"])):
    keys.add(name, kinds, "", actor=Actor.officer("bench"))
timing = {}
t = time.perf_counter(); tick.tick(later, actor=Actor.officer("bench")); timing["tick_s"] = time.perf_counter() - t
t = time.perf_counter(); written = feed.publish(later); timing["publish_s"] = time.perf_counter() - t
timing["published"] = sum(written.values())
t = time.perf_counter(); timing["messages"] = notify.make_messages(later); timing["messages_s"] = time.perf_counter() - t
# The backlog of "you have a notice" emails and SMS is not what this benchmark measures: mark it sent.
from muster.delivery.models import PersonMessage
from muster.delivery.models import Delivery
Delivery.objects.filter(channel__in=("email", "sms"), state="queued").update(state="sent", next_attempt_at=None)
PersonMessage.objects.filter(email_state="queued").update(email_state="sent", next_attempt_at=None)
kinds = sorted({m.kind for v in pack.versions for m in v.measures})
t = time.perf_counter(); partner = keys.add("Everything", kinds, "", actor=Actor.officer("bench"))
timing["backfill_s"] = time.perf_counter() - t
# A realistic mix of questions: half about people never summoned, some about lifted measures, some
# about national ids the registry does not hold (valid numbers from the same generator, past its end).
import random
from django.utils import timezone
from muster.registry.models import Person
from muster.summons import outcomes
from muster.rules.notice_numbers import format_summons_number, summons_number
from muster.registry.synthetic import Generator
registry = int(sys.argv[2])
sample = 20000
lifted = list(Summons.objects.filter(status="missed").order_by("?").values_list("id", flat=True)[:sample // 10])
for sid in lifted:
    outcomes.record(format_summons_number(summons_number(sid)), "appeared", timezone.now(), actor=Actor.officer("bench"))
feed.publish(timezone.now())  # published now: the webhook partner added later starts after them
notify.make_messages(timezone.now())  # and the people's messages about them made and marked sent
PersonMessage.objects.filter(email_state="queued").update(email_state="sent", next_attempt_at=None)
mix = {
    "never_summoned": list(Person.objects.filter(summonses__isnull=True).order_by("?")
                           .values_list("national_id", flat=True)[:sample // 2]),
    "measures_in_force": list(Summons.objects.filter(status="missed").order_by("?")
                              .values_list("person__national_id", flat=True)[:sample * 3 // 10]),
    "lifted": list(Summons.objects.filter(id__in=lifted).values_list("person__national_id", flat=True)),
    "unknown": [Generator(pack, seed=7, as_of=date(2026, 1, 1), cohort="conscripts").national_id(registry + k)
                for k in range(sample // 10)],
}
ids = [i for group in mix.values() for i in group]
random.Random(7).shuffle(ids)
if sys.argv[3] == "summoned":  # the sample of the revisions before the hardening: people with measures in force
    mix = {"measures_in_force": list(Summons.objects.filter(status="missed").order_by("?")
                                     .values_list("person__national_id", flat=True)[:sample])}
    ids = mix["measures_in_force"]
print(json.dumps({"api_key": partner["api_key"], "feed": partner["feed_length"], "ids": ids, "timing": timing,
                  "mix": {k: len(v) for k, v in mix.items()}}))
"""

LIFT = r"""
import os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "muster.kernel.settings")
import django; django.setup()
from django.utils import timezone
from muster.kernel.actor import Actor
from muster.summons import outcomes
from muster.summons.models import Summons
from muster.rules.notice_numbers import format_summons_number, summons_number
ids = list(Summons.objects.filter(status="missed").order_by("id").values_list("id", flat=True)[:int(sys.argv[1])])
for sid in ids:
    outcomes.record(format_summons_number(summons_number(sid)), "appeared", timezone.now(), actor=Actor.officer("bench"))
    time.sleep(float(sys.argv[2]))
"""

WRK_SCRIPT = """
local ids = {}
for line in io.lines("%(ids)s") do ids[#ids + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/v1/measures/" .. ids[(i %% #ids) + 1], {["Authorization"] = "Bearer %(key)s",
                     ["X-Forwarded-Proto"] = "https", ["X-Forwarded-For"] = "127.0.0.1"})
end
"""


# Production redirects plain HTTP to https: the load comes as from the TLS-terminating proxy in front.
BEHIND_TLS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, capture_output=True)
    return shutil.which("wrk") or "wrk"


def muster(args: list[str], env: dict[str, str]) -> str:
    return subprocess.run([PY, "-m", "muster.interfaces.cli.main", *args], env=env, check=True, capture_output=True,
                          text=True).stdout


def wait_up(url: str) -> None:
    for _ in range(200):
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def parse_wrk(text: str) -> dict[str, float]:
    def ms(value: str, unit: str) -> float:
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", text)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", text)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if not (p50 and p99 and rps):
        raise RuntimeError(text)
    return {"p50_ms": ms(*p50.groups()), "p99_ms": ms(*p99.groups()), "rps": float(rps[1]),
            "non_2xx": int(errors[1]) if errors else 0}


def _cpu_of_workers(master: int | None) -> dict[int, float]:
    """CPU seconds used so far by each worker (child) of a gunicorn master, from /proc."""
    if master is None:
        return {}
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:  # ppid
            found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return found


def load(wrk: str, url: str, script: Path, seconds: int, connections: int,
         master: int | None = None) -> dict[str, float]:
    """One wrk run; with `master`, how the work was split over its workers (shares of their CPU time)."""
    before = _cpu_of_workers(master)
    out = subprocess.run([wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
                         capture_output=True, text=True, check=True).stdout
    result: dict = parse_wrk(out)
    if master is not None:
        used = {pid: cpu - before.get(pid, 0.0) for pid, cpu in _cpu_of_workers(master).items()}
        total = sum(used.values()) or 1.0
        result["worker_cpu_shares"] = sorted((round(u / total, 3) for u in used.values()), reverse=True)
    return result


def feed_rate(base: str, key: str) -> dict[str, float]:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    after, events = 0, 0
    start = time.perf_counter()
    while True:
        conn.request("GET", f"/api/v1/events?after={after}&limit=1000", headers={"Authorization": f"Bearer {key}", **BEHIND_TLS})
        page = json.loads(conn.getresponse().read())
        events += len(page["events"])
        after = page["next_after"]
        if not page["has_more"]:
            break
    seconds = time.perf_counter() - start
    return {"events": events, "seconds": seconds, "events_per_s": events / seconds}


class Receiver(BaseHTTPRequestHandler):
    arrivals: list[float] = []
    since = 0.0  # lifts from before the measured phase (the setup's, in the new partner's history) do not count

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if body["type"] == "measure.lifted":
            from datetime import datetime

            sent = datetime.fromisoformat(body["timestamp"]).timestamp()
            if sent >= Receiver.since:
                Receiver.arrivals.append(time.time() - sent)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def webhook_lag(env: dict[str, str], lifts: int) -> dict[str, float]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Receiver.arrivals = []
    muster(["partner", "add", "Border hook", "--kinds", "exit_ban", "--webhook",
            f"http://127.0.0.1:{server.server_port}/hook"], env)
    log = open(OUT / "api-work" / "worker.log", "w")  # noqa: SIM115 - closed with the worker
    worker = subprocess.Popen([PY, "-m", "muster.interfaces.cli.main", "worker", "--interval", "0.5", "--json"],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        Receiver.since = time.time()
        subprocess.run([PY, "-c", LIFT, str(lifts), "0.05"], env=env, check=True, capture_output=True)
        deadline = time.monotonic() + 120
        while len(Receiver.arrivals) < lifts and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        log.close()
        server.shutdown()
    lags = sorted(Receiver.arrivals)
    if not lags:
        return {"lifts": lifts, "received": 0}
    return {"lifts": lifts, "received": len(lags), "p50_s": statistics.median(lags),
            "p99_s": lags[min(len(lags) - 1, int(len(lags) * 0.99))], "worker_interval_s": 0.5}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", type=int, default=200_000)
    parser.add_argument("--summonses", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--lifts", type=int, default=200)
    parser.add_argument("--sample", choices=("realistic", "summoned"), default="realistic",
                        help="summoned: only people with measures in force, as the benchmark before the hardening "
                             "drew them (to compare the code alone with that revision)")
    parser.add_argument("--keep-db", action="store_true", help="leave the benchmark's database (its name is printed)")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    wrk = ensure_wrk()
    OUT.mkdir(exist_ok=True)
    work = OUT / "api-work"
    work.mkdir(parents=True, exist_ok=True)
    import psycopg

    name = f"muster_bench_api_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "MUSTER_DATABASE_URL": args.pg.rsplit("/", 1)[0] + "/" + name,
           "MUSTER_SPOOL_DIR": str(work / "spool-worker"),
           "MUSTER_PACKS_DIRS": str(bench_pack(work)), "MUSTER_OUTBOX_DIR": str(work / "outbox"),
           "MUSTER_WEBHOOK_ALLOW_PRIVATE": "true"}  # the webhook receiver of `webhook_lag` is on loopback
    # The rate limiter runs on every check, with a rate this load never reaches: its cost is measured, not its 429s.
    served = {**env, "MUSTER_WEBHOOK_ALLOW_PRIVATE": "false", "MUSTER_CHECK_RATE_PER_SECOND": "1000000",
              "MUSTER_CHECK_RATE_BURST": "1000000", "MUSTER_ENV": "production", "MUSTER_BENCH_ENDPOINT": "true", "MUSTER_SECRET_KEY": uuid.uuid4().hex * 2,
              "MUSTER_ALLOW_FILE_OUTBOX": "true", "MUSTER_ALLOWED_HOSTS": "127.0.0.1,localhost",
              "MUSTER_SPOOL_DIR": str(work / "spool"), "MUSTER_AUDIT_KEY": uuid.uuid4().hex * 2,
              "MUSTER_TRUSTED_PROXY": "X-Forwarded-For"}
    for spool in (work / "spool", work / "spool-worker"):  # private to Muster, or serve and worker refuse
        spool.mkdir(mode=0o700, exist_ok=True)
        spool.chmod(0o700)
    procs: list[subprocess.Popen] = []
    try:
        people = OUT / f"conscripts-{args.registry}.csv"
        if not people.exists():
            muster(["generate", "persons", "--count", str(args.registry), "--seed", "7", "--cohort", "conscripts",
                    "--as-of", "2026-01-01", "--out", str(people)], env)
        muster(["init", "--simulation"], env)
        muster(["import", "persons", str(people), "--observed-at", "2026-01-01T00:00:00+00:00"], env)
        setup = json.loads(subprocess.run([PY, "-c", SETUP, str(args.summonses), str(args.registry), args.sample], env=env, check=True,
                                          capture_output=True, text=True).stdout.strip().splitlines()[-1])
        ids_file = work / "ids.txt"
        ids_file.write_text("\n".join(setup["ids"]) + "\n")
        script = work / "measures.lua"
        script.write_text(WRK_SCRIPT % {"ids": ids_file, "key": setup["api_key"]})
        api_port, bare_port = 18431, 18432
        procs.append(subprocess.Popen([PY, "-m", "muster.interfaces.cli.main", "serve", "--port", str(api_port),
                                       "--workers", "2"], env=served, stderr=(work / "serve.log").open("w")))
        procs.append(subprocess.Popen([PY, "-m", "gunicorn", "--bind", f"127.0.0.1:{bare_port}", "--workers", "2",
                                       "--threads", "4", "--worker-class", "gthread", "--log-level", "warning",
                                       "--reuse-port",
                                       "--chdir", str(HERE), "bare_app:app"], env=env, stderr=subprocess.DEVNULL))
        api, bare = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{bare_port}"
        api_master, bare_master = procs[0].pid, procs[1].pid
        wait_up(f"{api}/healthz")
        wait_up(f"{bare}/")
        load(wrk, api, script, 3, args.connections)  # warm up both
        load(wrk, bare, script, 3, args.connections)
        bare_script = work / "bare.lua"
        bare_script.write_text('request = function() return wrk.format("GET", "/api/v1/_bare", '
                               '{["X-Forwarded-Proto"] = "https", ["X-Forwarded-For"] = "127.0.0.1"}) end\n')
        runs = []
        for _ in range(args.runs):
            runs.append({"measures_light": load(wrk, api, script, args.seconds, 2, api_master),
                         "bare_light": load(wrk, bare, script, args.seconds, 2, bare_master),
                         "measures": load(wrk, api, script, args.seconds, args.connections, api_master),
                         "bare": load(wrk, bare, script, args.seconds, args.connections, bare_master),
                         "django_bare": load(wrk, api, bare_script, args.seconds, args.connections, api_master)})
        feed = [feed_rate(api, setup["api_key"]) for _ in range(args.runs)]
        for p in procs:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=60)
        procs = []
        lag = webhook_lag(env, args.lifts)

        def med(side: str, key: str) -> float:
            return statistics.median(r[side][key] for r in runs)

        result = {
            "registry": args.registry, "summonses": args.summonses, "feed_length": setup["feed"],
            "sample_mix": setup["mix"],
            "outbox": setup["timing"],
            "wrk": {"threads": 2, "connections": args.connections, "seconds": args.seconds, "runs": runs},
            "measures_median": {k: med("measures", k) for k in ("rps", "p50_ms", "p99_ms")},
            "bare_median": {k: med("bare", k) for k in ("rps", "p50_ms", "p99_ms")},
            "django_bare_median": {k: med("django_bare", k) for k in ("rps", "p50_ms", "p99_ms")},
            "measures_light_median": {k: med("measures_light", k) for k in ("rps", "p50_ms", "p99_ms")},
            "bare_light_median": {k: med("bare_light", k) for k in ("rps", "p50_ms", "p99_ms")},
            "feed": feed, "feed_events_per_s_median": statistics.median(f["events_per_s"] for f in feed),
            "webhook_lag": lag,
        }
        result["throughput_ratio"] = result["measures_median"]["rps"] / result["bare_median"]["rps"]
        result["throughput_ratio_same_stack"] = (result["measures_median"]["rps"]
                                                 / result["django_bare_median"]["rps"])
        (OUT / "api.json").write_text(json.dumps(result, indent=2))
        print(json.dumps({k: v for k, v in result.items() if k not in ("wrk", "feed")}, indent=2))
    finally:
        for p in procs:
            p.kill()
        if args.keep_db:
            print(f"kept database {name}", file=sys.stderr)
        else:
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
