"""A private PostgreSQL server configured for this machine, for the batch benchmarks.

    .venv/bin/python bench/tuned_pg.py start   # prints its URL; data in bench/out/pg-tuned
    .venv/bin/python bench/tuned_pg.py stop

The machine's own server runs Debian's stock configuration (128 MB of shared buffers, 1 GB of
WAL between checkpoints), made for a small shared host. A production server for Muster is
sized for its machine; these are the usual settings for 24 GiB and 2 cores (as pgtune gives
them), with durability untouched (fsync, synchronous_commit and full_page_writes stay on).
It runs as the `postgres` user on port 5433, from the same Debian binaries.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "out" / "pg-tuned"
PORT = 5433
SETTINGS = {
    "shared_buffers": "6GB",
    "effective_cache_size": "18GB",
    "maintenance_work_mem": "1GB",
    "work_mem": "64MB",
    "wal_buffers": "16MB",
    "max_wal_size": "16GB",
    "min_wal_size": "2GB",
    "checkpoint_timeout": "15min",
    "checkpoint_completion_target": "0.9",
    "random_page_cost": "1.1",
    "effective_io_concurrency": "200",
    "max_worker_processes": "2",
    "max_parallel_workers": "2",
    "max_parallel_workers_per_gather": "1",
}
URL = f"postgresql://postgres@127.0.0.1:{PORT}/postgres"


def binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        sys.exit("PostgreSQL's server binaries are not installed (Debian's postgresql package)")
    return Path(found[-1]).parent


def as_postgres(*args: str) -> None:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, *args], check=True, stdout=subprocess.DEVNULL)


def start() -> None:
    bin_dir = binaries()
    if not (DATA / "PG_VERSION").exists():
        DATA.mkdir(parents=True, exist_ok=True)
        shutil.chown(DATA, "postgres", "postgres") if os.geteuid() == 0 else None
        as_postgres(str(bin_dir / "initdb"), "-D", str(DATA), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--locale=C.UTF-8")
        with open(DATA / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# bench/tuned_pg.py\n" + "".join(f"{k} = '{v}'\n" for k, v in SETTINGS.items()))
    as_postgres(str(bin_dir / "pg_ctl"), "-D", str(DATA), "-l", str(DATA / "server.log"), "-w",
                "-o", f"-p {PORT} -k /tmp -c listen_addresses=127.0.0.1", "start")
    print(URL)


def stop() -> None:
    as_postgres(str(binaries() / "pg_ctl"), "-D", str(DATA), "-m", "fast", "-w", "stop")


if __name__ == "__main__":
    {"start": start, "stop": stop}[sys.argv[1] if len(sys.argv) > 1 else "start"]()
