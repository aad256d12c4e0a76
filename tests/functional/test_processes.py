"""Muster as an operator runs it: real processes, a real server, a real kill."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import REPO, muster_process


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_killed_import_leaves_whole_state_and_rerun_completes(tmp_path, scratch_database_url):
    assert muster_process(["init", "--simulation"], scratch_database_url, tmp_path).returncode == 0
    data = tmp_path / "big.csv"
    assert muster_process(["generate", "persons", "--count", "100000", "--seed", "9", "--out", str(data)],
                          scratch_database_url, tmp_path).returncode == 0
    env = {**os.environ, "MUSTER_DATABASE_URL": scratch_database_url}
    proc = subprocess.Popen([sys.executable, "-m", "muster.interfaces.cli.main", "import", "persons", str(data), "--json"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.5)  # well inside the import (several seconds for 100k rows)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    counts = json.loads(muster_process(["liable", "--on", "2026-01-01", "--json"], scratch_database_url,
                                       tmp_path).stdout)
    total = counts["count"] + sum(counts["not_liable"].values())
    assert proc.returncode == -signal.SIGKILL, "the import finished before the kill"
    assert total in (0, 100000), "a killed import leaves the registry as it was, or whole"
    rerun = muster_process(["import", "persons", str(data), "--json"], scratch_database_url, tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    result = json.loads(rerun.stdout)
    assert result["imported"] + result["unchanged"] == 100000


@pytest.mark.slow
def test_serve_runs_a_real_server(tmp_path, scratch_database_url):
    assert muster_process(["init", "--simulation"], scratch_database_url, tmp_path).returncode == 0
    port = _free_port()
    env = {**os.environ, "MUSTER_DATABASE_URL": scratch_database_url}
    server = subprocess.Popen([sys.executable, "-m", "muster.interfaces.cli.main", "serve", "--port", str(port),
                               "--workers", "1"], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        body = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    body = response.read().decode()
                    server_header = response.headers.get("Server", "")
                break
            except OSError:
                time.sleep(0.1)
        assert body is not None, server.stderr.read1().decode() if server.poll() is not None else "no answer"
        assert "Muster registry status" in body
        assert "gunicorn" in server_header.lower()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/admin/css/base.css", timeout=2) as r:
            assert r.status == 200
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_console_script_is_installed():
    exe = REPO / ".venv" / "bin" / "muster"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "muster.interfaces.cli.main"]
    out = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "import" in out.stdout


def test_demo_without_serving(tmp_path, scratch_database_url):
    result = muster_process(["demo", "--count", "3000", "--no-serve", "--json"], scratch_database_url, tmp_path,
                            env_extra={"MUSTER_DEMO_PASSWORD": "demo-password-for-tests"})
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["import"]["imported"] == 3000
    assert data["liable_today"] > 0 and data["not_liable"]["sex"] > 0
    assert data["admin"] == {"username": "demo", "password_set": True}
    again = json.loads(muster_process(["demo", "--count", "3000", "--no-serve", "--json"], scratch_database_url,
                                      tmp_path).stdout)
    assert again["import"]["unchanged"] == 3000 and again["admin"]["password_set"] is False
