"""`muster serve --json`: its own messages are JSON lines on stdout (where it serves, that it
stopped), for a supervisor to read; the server's log stays on stderr."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import muster_process

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_json_says_where_it_serves_and_that_it_stopped(tmp_path, scratch_database_url):
    assert muster_process(["init"], scratch_database_url, tmp_path).returncode == 0
    port = _free_port()
    env = {**os.environ, "MUSTER_DATABASE_URL": scratch_database_url}
    server = subprocess.Popen([sys.executable, "-m", "muster.interfaces.cli.main", "serve", "--port", str(port),
                               "--workers", "1", "--json"], cwd=tmp_path, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert server.stdout is not None
        first = json.loads(server.stdout.readline())
        assert first == {"event": "serving", "url": f"http://127.0.0.1:{port}/",
                         "admin": f"http://127.0.0.1:{port}/admin/", "workers": 1}
        answered = False
        for _ in range(300):
            try:
                with urllib.request.urlopen(first["url"], timeout=2) as response:
                    answered = response.status == 200
                break
            except OSError:
                time.sleep(0.1)
        assert answered  # the server is up (and handles SIGTERM) before it is told to stop
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert lines == [{"event": "stopped", "url": f"http://127.0.0.1:{port}/"}]
