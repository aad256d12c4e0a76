"""Shared fixtures. Functional tests use the database named by MUSTER_DATABASE_URL
(SQLite by default, PostgreSQL in CI's second run): never a mock."""

from __future__ import annotations

import csv
import getpass
import os
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from muster.rules.person_record import PERSON_COLUMNS

REPO = Path(__file__).resolve().parent.parent
# Tests' webhook receivers listen on loopback; production refuses this setting. For the muster
# processes tests start (they inherit the environment); `allow_loopback_webhooks` sets it here.
os.environ.setdefault("MUSTER_WEBHOOK_ALLOW_PRIVATE", "true")


@pytest.fixture(autouse=True)
def allow_loopback_webhooks(settings):
    settings.MUSTER_WEBHOOK_ALLOW_PRIVATE = True


def write_csv(path: Path, rows: list[dict[str, str]], header=PERSON_COLUMNS) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(c, "") for c in header])
    return path


def person_row(national_id: str = "112-233-445 95", **overrides: str) -> dict[str, str]:
    row = {
        "national_id": national_id, "family_name": "Иванов", "given_name": "Иван",
        "patronymic": "Петрович", "sex": "M", "birth_date": "2000-05-01", "death_date": "",
        "citizenship": "RU", "district": "RU-MOW", "address": "ул. Ленина, д. 1",
        "postcode": "101000", "email": "ivan@example.ru", "phone": "+79161234567",
        "electronic_account": "true",
    }
    row.update(overrides)
    return row


def snils(n: int) -> str:
    """A valid SNILS for a small sequence number n (distinct n, distinct ids)."""
    from muster.rules.national_id import snils_check_digits

    number = 100_000_000 + n
    return f"{number:09d}{snils_check_digits(number):02d}"


@pytest.fixture(autouse=True)
def _audit_files(tmp_path, settings):
    """Each test publishes the audit chain's checkpoints with a signing key of its own."""
    settings.MUSTER_AUDIT_SIGNING_KEY = tmp_path / "muster-audit" / "signing-key.pem"
    settings.MUSTER_AUDIT_CHECKPOINTS = tmp_path / "muster-audit" / "checkpoints.jsonl"


@pytest.fixture
def packs(db):
    """The packs installed in a test database, which is a simulation: tests move its clock."""
    from muster.policy import loader, mode

    mode.choose(mode.SIMULATION, "tests")
    for directory in loader.pack_dirs():
        loader.install(directory)
    return loader


@pytest.fixture
def ru(packs):
    return packs.get_pack("ru")


@pytest.fixture
def cli_run(packs):
    """Run a muster command in this process, against the test database."""
    from click.testing import CliRunner

    from muster.accounts.services import ensure_first_operator
    from muster.interfaces.cli.main import build

    ensure_first_operator(getpass.getuser())  # as `muster init` does: the OS user is the first operator
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(build(), list(args), input=input, catch_exceptions=False)

    return run


@pytest.fixture
def scratch_database_url(tmp_path):
    """A database of its own for tests that run muster in a subprocess; dropped afterwards."""
    url = os.environ.get("MUSTER_DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    import psycopg

    from muster.kernel.config import parse_database_url

    cfg = parse_database_url(url)
    name = f"muster_scratch_{uuid.uuid4().hex[:10]}"
    admin = dict(host=cfg["HOST"] or None, port=cfg["PORT"] or None, user=cfg["USER"] or None,
                 password=cfg["PASSWORD"] or None, dbname="postgres", autocommit=True)
    with psycopg.connect(**{k: v for k, v in admin.items() if v is not None}) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = url.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(**{k: v for k, v in admin.items() if v is not None}) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def muster_process(args: list[str], database_url: str, cwd: Path, env_extra: dict[str, str] | None = None,
                   **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "MUSTER_DATABASE_URL": database_url, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "muster.interfaces.cli.main", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, **kw)


# --- campaigns ------------------------------------------------------------------

MSK = ZoneInfo("Europe/Moscow")


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00").replace(tzinfo=MSK)


@pytest.fixture
def people(tmp_path, ru):
    """Import `count` liable men in a district; half with an electronic account."""
    from muster.registry.importer import import_persons

    def make(count: int, district: str = "RU-RYA", start: int = 0, **overrides: str) -> list[str]:
        rows = [person_row(snils(start + i), birth_date=f"{1997 + i % 8}-0{1 + i % 9}-1{i % 10}",
                           district=district, electronic_account="true" if i % 2 == 0 else "false",
                           **overrides) for i in range(count)]
        import_persons(write_csv(tmp_path / f"people-{district}-{start}.csv", rows), ru)
        return [snils(start + i) for i in range(count)]

    return make
