"""Schemathesis against the running server's OpenAPI document: no 5xx, no answer off the schema."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import muster_process, person_row, snils, write_csv
from tests.functional.test_processes import _free_port

CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,"
          "response_schema_conformance,negative_data_rejection,ignored_auth")


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_schema_violation(tmp_path, scratch_database_url):
    def run(*args: str) -> str:
        done = muster_process(list(args), scratch_database_url, tmp_path)
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("init", "--simulation")
    rows = [person_row(snils(i), birth_date=f"{1998 + i % 6}-0{1 + i % 9}-1{i % 10}", district="RU-RYA")
            for i in range(20)]
    run("import", "persons", str(write_csv(tmp_path / "p.csv", rows)))
    run("campaign", "create", "--code", "K", "--pack", "ru", "--purpose", "call_up", "--district", "RU-RYA:20",
        "--appear-from", "2026-03-10", "--appear-to", "2026-03-12", "--place", "x", "--now", "2026-03-02T09:00+03:00")
    run("campaign", "issue", "K", "--now", "2026-03-02T09:00+03:00")
    run("tick", "--now", "2026-04-05T09:00+03:00", "--no-send")
    key = json.loads(run("partner", "add", "Border", "--kinds", "exit_ban,credit_ban", "--submit",
                         "address,postcode,district,contact,death,emigration,enrolment,medical,employment", "--json"))["api_key"]
    port = _free_port()
    env = {**os.environ, "MUSTER_DATABASE_URL": scratch_database_url}
    server = subprocess.Popen([sys.executable, "-m", "muster.interfaces.cli.main", "serve", "--port", str(port),
                               "--workers", "2"], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        tool = Path(sys.executable).parent / "schemathesis"
        result = subprocess.run(
            [str(tool), "run", f"{base}/api/v1/openapi.json", "--url", base, "--checks", CHECKS,
             "-H", f"Authorization: Bearer {key}", "--max-examples", "60", "--seed", "2026",
             "--request-timeout", "10", "--generation-database", "none"],
            cwd=tmp_path, env={**env, "NO_COLOR": "1"}, capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
        counts = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
        assert counts and int(counts[1]) > 100 and counts[1] == counts[2], result.stdout[-3000:]
    finally:
        server.terminate()
        server.wait(timeout=30)
        assert b"Traceback" not in server.stderr.read(), "the server logged a crash"
