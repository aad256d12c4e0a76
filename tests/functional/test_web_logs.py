"""No national id in the logs: the real log output of a real server (`muster serve`) answering a
404 and 4xx on partner paths, and of Django's development-server and Muster's own loggers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from tests.conftest import muster_process, snils

NATIONAL_ID = snils(5)  # 11 digits
SPACED = f"{NATIONAL_ID[:3]}-{NATIONAL_ID[3:6]}-{NATIONAL_ID[6:9]} {NATIONAL_ID[9:]}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_real_server_logs_no_national_id_on_404_and_4xx(tmp_path, scratch_database_url):
    assert muster_process(["init"], scratch_database_url, tmp_path).returncode == 0
    port = _free_port()
    env = {**os.environ, "MUSTER_DATABASE_URL": scratch_database_url, "MUSTER_MAX_BODY_BYTES": "4096"}
    server = subprocess.Popen([sys.executable, "-m", "muster.interfaces.cli.main", "serve", "--port", str(port),
                               "--workers", "1"], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        wrong_key = {"Authorization": "Bearer mst_000000000000_wrong"}
        statuses = [
            _status(f"{base}/api/v1/persons/{NATIONAL_ID}/summonses"),  # a prober's guess: 404
            _status(f"{base}/api/v1/measures/{NATIONAL_ID}?probe=1", headers=wrong_key),  # Django's route: 401
            _status(f"{base}/api/v1/measures/{urllib.request.quote(SPACED)}/x", headers=wrong_key),
            _status(f"{base}/api/v1/submissions", data=b"{" + b" " * 8000 + b"}",
                    headers={**wrong_key, "Content-Type": "application/json"}),  # too large
            _status(f"{base}/verify/?n={NATIONAL_ID}&c=ABCD"),
        ]
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    log = err.decode()
    assert statuses == [404, 401, 404, 413, 400], log
    assert "Not Found: /api/v1/persons/***/***" in log
    assert "Unauthorized: /api/v1/measures/***" in log
    assert NATIONAL_ID not in log and SPACED not in log and NATIONAL_ID[:9] not in log, log


def test_the_development_server_and_musters_loggers_are_masked(tmp_path):
    script = ("import logging, django; django.setup(); "
              "logging.getLogger('django.server').info('\"%s\" %s %s', "
              f"'GET /api/v1/measures/{NATIONAL_ID} HTTP/1.1', 404, 12); "
              f"logging.getLogger('muster.registry').warning('no person %s', '{SPACED}'); "
              f"logging.getLogger('django.request').warning('Not Found: %s', '/persons/{NATIONAL_ID}')")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          env={**os.environ, "DJANGO_SETTINGS_MODULE": "muster.kernel.settings"})
    assert done.returncode == 0, done.stderr
    assert '"GET /api/v1/measures/*** HTTP/1.1" 404 12' in done.stderr
    assert "no person ***" in done.stderr and "Not Found: /persons/***" in done.stderr
    assert NATIONAL_ID not in done.stderr and SPACED not in done.stderr
