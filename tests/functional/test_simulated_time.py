"""Simulated time is explicit (issue 11, A3): a database is live or a simulation, chosen at
`muster init`; a live database's --now may not run ahead of the wall clock plus the skew; the
worker waits for a tick that ran ahead instead of dying, and an operator can close such a tick."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta

import pytest
from django.utils import timezone

from muster.audit.models import AuditRecord
from muster.campaigns import services as campaigns
from muster.kernel.actor import Actor
from muster.policy.models import DatabaseMode
from muster.summons import tick
from muster.summons.models import Run
from tests.conftest import muster_process


def _live() -> None:
    DatabaseMode.objects.update(mode="live")


def _ahead(days: float = 30) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


@pytest.mark.django_db
def test_a_live_database_refuses_now_ahead_of_the_wall_clock(cli_run, ru, people):
    _live()
    people(2)
    campaigns.create(ru, campaigns.CampaignRequest(code="C", purpose="call_up", districts={"RU-RYA": 2},
                                                   appear_from=timezone.now().date() + timedelta(days=5),
                                                   appear_to=timezone.now().date() + timedelta(days=9), place="x"),
                     actor=Actor.officer("t"))
    for command in (("tick",), ("campaign", "issue", "C"), ("letters", "batch"), ("webhooks", "send")):
        result = cli_run(*command, "--now", _ahead(), "--json")
        assert result.exit_code == 2, (command, result.output)
        error = json.loads(result.stdout)["error"]
        assert "is in the future" in error and "this database is live" in error
        assert "muster init --simulation" in error
    assert not Run.objects.exists()  # nothing ran
    within_skew = cli_run("tick", "--now", (timezone.now() + timedelta(seconds=60)).isoformat(), "--json")
    assert within_skew.exit_code == 0, within_skew.output


@pytest.mark.django_db
def test_a_simulation_may_run_ahead_and_the_mode_never_changes(cli_run):
    assert cli_run("tick", "--now", _ahead(365 * 3), "--json").exit_code == 0
    to_live = cli_run("init", "--live", "--json")
    assert to_live.exit_code == 2 and "never becomes live" in json.loads(to_live.stdout)["error"]
    assert json.loads(cli_run("init", "--json").stdout)["mode"] == "simulation"  # kept without a flag
    _live()
    to_sim = cli_run("init", "--simulation", "--json")
    assert to_sim.exit_code == 2 and "a live database never becomes a simulation" in to_sim.stdout
    assert DatabaseMode.objects.get().mode == "live"


@pytest.mark.django_db
def test_closing_a_tick_that_ran_ahead_lets_real_ticks_run_again_and_is_audited(cli_run, packs):
    _live()
    tick.tick(timezone.now() + timedelta(days=400), actor=Actor.officer("before the guard"))  # as old code could
    blocked = cli_run("tick", "--json")
    assert blocked.exit_code == 2 and "earlier than the last tick" in blocked.stdout
    shown = json.loads(cli_run("clock", "show", "--json").stdout)
    assert shown["mode"] == "live" and shown["ahead_by_seconds"] > 399 * 86400
    no_reason = cli_run("clock", "close-ahead", "--reason", " ", "--json")
    assert no_reason.exit_code == 2
    closed = cli_run("clock", "close-ahead", "--reason", "tick --now typed wrong", "--json")
    assert closed.exit_code == 0, closed.output
    (run,) = json.loads(closed.stdout)["closed"]
    assert run["summonses_changed"] == 0
    record = AuditRecord.objects.get(action="tick.close_ahead")
    assert record.object_id == str(run["run"]) and "tick --now typed wrong" in record.purpose
    assert cli_run("tick", "--json").exit_code == 0
    assert json.loads(cli_run("clock", "close-ahead", "--reason", "again", "--json").stdout) == {"closed": []}
    DatabaseMode.objects.update(mode="simulation")
    refused = cli_run("clock", "close-ahead", "--reason", "x", "--json")
    assert refused.exit_code == 2 and "simulation" in refused.stdout


def test_a_new_database_is_live_unless_init_says_simulation(tmp_path, scratch_database_url):
    first = muster_process(["init"], scratch_database_url, tmp_path)
    assert first.returncode == 0 and "database: live" in first.stdout, first.stderr
    ahead = muster_process(["tick", "--now", "2999-01-01", "--json"], scratch_database_url, tmp_path)
    assert ahead.returncode == 2 and "Traceback" not in ahead.stderr
    assert "this database is live" in json.loads(ahead.stdout)["error"]


def _worker(database_url: str, cwd, *args: str, env_extra: dict[str, str] | None = None) -> subprocess.Popen:
    env = {**os.environ, "MUSTER_DATABASE_URL": database_url, **(env_extra or {})}
    return subprocess.Popen([sys.executable, "-m", "muster.interfaces.cli.main", "worker", *args], cwd=cwd,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_the_worker_waits_for_a_tick_run_ahead_and_says_why_once(tmp_path, scratch_database_url):
    """Before: one `tick --now 2030-01-01` and `muster worker` died with a traceback."""
    assert muster_process(["init", "--simulation"], scratch_database_url, tmp_path).returncode == 0
    ahead = muster_process(["tick", "--now", _ahead(365 * 3), "--json"], scratch_database_url, tmp_path)
    assert ahead.returncode == 0, ahead.stderr
    worker = _worker(scratch_database_url, tmp_path, "--interval", "0.2", "--json")
    try:
        time.sleep(6)
        assert worker.poll() is None, worker.stderr.read()  # still running, not crashed
    finally:
        worker.terminate()
        out, err = worker.communicate(timeout=30)
    assert "Traceback" not in err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["event"] for line in lines] == ["wait"]  # said once, not every loop
    assert "ahead of the wall clock" in lines[0]["reason"] and "simulation" in lines[0]["reason"]


def test_the_worker_resumes_when_the_clock_catches_up(tmp_path, scratch_database_url):
    env = {"MUSTER_CLOCK_SKEW": "30"}
    assert muster_process(["init"], scratch_database_url, tmp_path, env_extra=env).returncode == 0
    soon = (timezone.now() + timedelta(seconds=15)).isoformat()  # the worker starts well before
    ahead = muster_process(["tick", "--now", soon, "--json"], scratch_database_url, tmp_path, env_extra=env)
    assert ahead.returncode == 0, ahead.stderr  # within the skew: allowed on a live database
    worker = _worker(scratch_database_url, tmp_path, "--interval", "0.2", "--iterations", "2", env_extra=env)
    out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("worker: a tick every 0.2 s by the wall clock (live database)")
    waits = [line for line in lines if " waiting: " in line]
    assert len(waits) == 1 and "muster clock close-ahead" in waits[0]
    assert "{" not in out  # readable lines, not Python dicts


def test_the_worker_prints_json_lines_one_a_turn(tmp_path, scratch_database_url):
    assert muster_process(["init", "--simulation"], scratch_database_url, tmp_path).returncode == 0
    worker = _worker(scratch_database_url, tmp_path, "--interval", "0", "--iterations", "2", "--json")
    out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err
    turns = [json.loads(line) for line in out.splitlines()]
    assert [t["event"] for t in turns] == ["turn", "turn"]
    assert all(t["counts"] == {} and date.fromisoformat(t["at"][:10]) for t in turns)


@pytest.mark.django_db(transaction=True)
def test_a_database_set_up_before_modes_is_recorded_live():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("policy", "0002_no_pattern_indexes")], [("policy", "0003_database_mode")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        old.get_model("policy", "PackRecord").objects.create(code="ru", name="ru", source_dir="x", document="",
                                                             digest="0" * 64, loaded_at=timezone.now())
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        assert DatabaseMode.objects.get().mode == "live"
    finally:  # every later migration back (the tests after this one need their tables)
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
