"""`muster serve` spreads connections over all its workers: each listens on a socket of its own."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import muster_process


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening_sockets(port: int) -> int:
    """LISTEN entries for the port in /proc/net/tcp (state 0A): one per socket, not per process."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "0A":
            count += 1
    return count


@pytest.mark.slow
def test_every_worker_has_its_own_listening_socket(tmp_path, scratch_database_url):
    assert muster_process(["init"], scratch_database_url, tmp_path).returncode == 0
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "muster.interfaces.cli.main", "serve", "--port", str(port),
                               "--workers", "3"], cwd=tmp_path,
                              env={**os.environ, "MUSTER_DATABASE_URL": scratch_database_url},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _listening_sockets(port) < 3:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            time.sleep(0.1)
        assert _listening_sockets(port) == 3, "each of the 3 workers listens with SO_REUSEPORT"
        for _ in range(6):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                assert response.status == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
