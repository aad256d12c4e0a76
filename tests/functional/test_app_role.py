"""Issue 11 C3 (PostgreSQL): Muster runs as the application's role, which cannot UPDATE or DELETE
audit or access-log rows; `muster init`, run by the owner, sets the role up, and the whole
application works as a login role that is a member of it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest

from tests.conftest import at, muster_process, person_row, snils, write_csv

NOW = at("2026-03-02")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def app_login(scratch_database_url):
    """A login role in the app role (made after the owner's `muster init`), and its database URL."""
    if not scratch_database_url.startswith("postgres"):
        pytest.skip("database roles are PostgreSQL's")
    import psycopg

    name = f"muster_web_{uuid.uuid4().hex[:8]}"
    owner_url = scratch_database_url
    yield name, owner_url, owner_url.replace("//postgres@", f"//{name}@", 1)
    with psycopg.connect(owner_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{owner_url.rsplit("/", 1)[1]}" WITH (FORCE)')
        conn.execute(f'DROP ROLE IF EXISTS "{name}"')


def test_the_app_role_runs_muster_but_cannot_change_audit_rows(app_login, tmp_path):
    import psycopg

    name, owner_url, app_url = app_login
    assert "@" in app_url and name in app_url, app_url
    first = muster_process(["init", "--json"], owner_url, tmp_path)
    assert first.returncode == 0, first.stderr
    role = json.loads(first.stdout)["audit"]["database_role"]
    assert role["role"] == "muster_app" and "skipped" not in role, role
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{name}" LOGIN IN ROLE muster_app')

    def run(*args: str) -> subprocess.CompletedProcess:
        done = muster_process(list(args), app_url, tmp_path)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done

    again = json.loads(run("init", "--json").stdout)
    assert "skipped" in again["audit"]["database_role"]  # the app role grants nothing itself
    rows = [person_row(snils(i), birth_date="2000-05-01", district="RU-RYA") for i in range(1, 21)]
    run("import", "persons", str(write_csv(tmp_path / "p.csv", rows)))
    run("campaign", "create", "--code", "K", "--pack", "ru", "--purpose", "call_up", "--district", "RU-RYA:20",
        "--appear-from", "2026-03-10", "--appear-to", "2026-03-12", "--place", "x", "--now", NOW.isoformat())
    run("campaign", "issue", "K", "--now", NOW.isoformat())
    key = json.loads(run("partner", "add", "Border", "--kinds", "exit_ban", "--json").stdout)["api_key"]
    run("tick", "--now", at("2026-04-05").isoformat())
    port = _free_port()
    env = {**os.environ, "MUSTER_DATABASE_URL": app_url}
    server = subprocess.Popen([sys.executable, "-m", "muster.interfaces.cli.main", "serve", "--port", str(port),
                               "--workers", "1"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    try:
        answer = None
        for _ in range(150):
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/measures/{snils(1)}",
                                                 headers={"Authorization": f"Bearer {key}"})
                with urllib.request.urlopen(request, timeout=2) as response:
                    answer = json.loads(response.read())
                break
            except OSError:
                time.sleep(0.1)
        assert answer is not None, server.stderr.read1().decode() if server.poll() is not None else "no answer"
    finally:
        server.terminate()
        server.wait(timeout=30)
    sealed = json.loads(run("audit", "seal", "--json").stdout)
    assert sealed["checkpoint"] is not None
    verified = json.loads(run("audit", "verify", "--json").stdout)
    assert verified["intact"] and verified["sealed_rows"] >= 1, verified  # the check's read, sealed

    with psycopg.connect(app_url, autocommit=True) as conn:
        for sql in ("UPDATE audit_auditrecord SET purpose = 'x'", "DELETE FROM audit_auditrecord",
                    "UPDATE audit_partnerread SET purpose = 'x'", "DELETE FROM audit_partnerread",
                    "DELETE FROM audit_feedread", "TRUNCATE audit_auditrecord"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
    with psycopg.connect(owner_url, autocommit=True) as conn:  # the owner is stopped by the trigger
        for sql in ("UPDATE audit_auditrecord SET purpose = 'x'", "DELETE FROM audit_partnerread"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                conn.execute(sql)
