"""`muster warm`: point commands through a warm server answer as a direct run does, with the same
actor in the access log, and the client runs the command itself whenever the server must not."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from muster.interfaces.cli import client
from tests.conftest import muster_process

PASSWORD = "a-long-password-for-tests"


def _client(args: list[str], url: str, cwd: Path, sock: Path, env_extra: dict[str, str] | None = None,
            input: str | None = None) -> subprocess.CompletedProcess:
    """`muster ARGS` as an operator runs it, with MUSTER_WARM_SOCKET set."""
    env = {**os.environ, "MUSTER_DATABASE_URL": url, "MUSTER_WARM_SOCKET": str(sock), **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "muster", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, input=input, stdin=None if input is not None else subprocess.DEVNULL)


@pytest.fixture
def warm(tmp_path, scratch_database_url):
    """An initialised database with five people, a warm server on it, and the people's ids."""
    assert muster_process(["init", "--simulation"], scratch_database_url, tmp_path).returncode == 0
    people = tmp_path / "people.csv"
    assert muster_process(["generate", "persons", "--count", "5", "--seed", "1", "--out", str(people)],
                          scratch_database_url, tmp_path).returncode == 0
    muster_process(["import", "persons", str(people)], scratch_database_url, tmp_path)
    ids = [line.split(",")[0] for line in people.read_text(encoding="utf-8").splitlines()[1:]]
    sock = tmp_path / "warm.sock"
    env = {**os.environ, "MUSTER_DATABASE_URL": scratch_database_url}
    log = tmp_path / "warm.log"
    with open(log, "wb") as err:
        server = subprocess.Popen([sys.executable, "-m", "muster.interfaces.cli.main", "warm", "--socket", str(sock)],
                                  cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        for _ in range(600):
            if server.poll() is not None:
                pytest.fail(log.read_text())
            if "listening" in log.read_text():
                break
            time.sleep(0.1)
        yield server, sock, ids
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=30)
        assert not sock.exists() or server.returncode == -signal.SIGKILL, "SIGTERM removes the socket"


def _log(tmp_path: Path) -> list[str]:
    """What the server said: a line per command served or sent back (never its arguments)."""
    return (tmp_path / "warm.log").read_text().splitlines()


def _reads(url: str) -> list[tuple[str, str]]:
    """(actor, purpose) of every person.read in the audit trail, oldest first."""
    query = "SELECT actor, purpose FROM audit_auditrecord WHERE action = 'person.read' ORDER BY id"
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return list(conn.execute(query))
    import psycopg

    with psycopg.connect(url.replace("postgresql://", "postgres://", 1)) as conn:
        return [tuple(row) for row in conn.execute(query)]


def _served(server: subprocess.Popen) -> None:
    assert server.poll() is None, "the warm server stopped"


def test_point_commands_through_the_server_answer_as_a_direct_run(warm, tmp_path, scratch_database_url):
    server, sock, ids = warm
    for args in (["packs", "list", "--json"], ["person", "show", ids[0], "--json"],
                 ["packs", "list", "--bogus", "--json"], ["person", "show", "not-an-id", "--json"], ["--version"]):
        direct = muster_process(args, scratch_database_url, tmp_path, stdin=subprocess.DEVNULL)
        through = _client(args, scratch_database_url, tmp_path, sock)
        assert (through.returncode, through.stdout, through.stderr) == (direct.returncode, direct.stdout,
                                                                        direct.stderr), args
    _served(server)
    assert sum("served a command" in line for line in _log(tmp_path)) == 5
    reads = _reads(scratch_database_url)
    assert len(reads) == 2 and reads[0] == reads[1], "the same actor and purpose as a direct run"
    # Per command: the client's MUSTER_ACTOR, and its stdin.
    added = _client(["user", "add", "clerk2", "--role", "operator", "--password-stdin", "--json"],
                    scratch_database_url, tmp_path, sock, input=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["username"] == "clerk2"
    again = _client(["person", "show", ids[1], "--json"], scratch_database_url, tmp_path, sock,
                    env_extra={"MUSTER_ACTOR": "clerk2"})
    assert again.returncode == 0, again.stderr
    assert _reads(scratch_database_url)[-1][0] == "cli:clerk2"
    assert sum("served a command" in line for line in _log(tmp_path)) == 7
    assert not any(i in line for line in _log(tmp_path) for i in ids), "no national id in the server's log"
    _served(server)


def test_other_settings_fall_back_and_a_dead_server_runs_locally(warm, tmp_path, scratch_database_url):
    server, sock, _ids = warm
    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    assert muster_process(["init"], other, tmp_path).returncode == 0
    direct = muster_process(["packs", "list", "--json"], other, tmp_path)
    through = _client(["packs", "list", "--json"], other, tmp_path, sock)
    assert (through.returncode, through.stdout) == (0, direct.stdout), "run by the client on its own database"
    assert any("sent back to the client: different MUSTER_*/DJANGO_* settings" in line for line in _log(tmp_path))
    assert not any("served a command" in line for line in _log(tmp_path))
    _served(server)
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=30)
    assert sock.exists()  # a stale socket: nothing answers
    direct = muster_process(["packs", "list", "--json"], scratch_database_url, tmp_path)
    alone = _client(["packs", "list", "--json"], scratch_database_url, tmp_path, sock)
    assert (alone.returncode, alone.stdout) == (0, direct.stdout)


def test_ctrl_c_in_the_client_interrupts_the_command_on_the_server(warm, tmp_path, scratch_database_url):
    server, sock, _ids = warm
    env = {**os.environ, "MUSTER_DATABASE_URL": scratch_database_url, "MUSTER_WARM_SOCKET": str(sock)}
    waiting = subprocess.Popen([sys.executable, "-m", "muster", "user", "add", "clerk3", "--password-stdin"],
                               cwd=tmp_path, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    try:
        for _ in range(300):  # handed over: the server has forked a child for it
            if subprocess.run(["ps", "-o", "pid=", "--ppid", str(server.pid)], capture_output=True,
                              text=True).stdout.strip():
                break
            time.sleep(0.1)
        waiting.send_signal(signal.SIGINT)
        assert waiting.wait(timeout=30) == 130
        for _ in range(300):
            if any("served a command" in line for line in _log(tmp_path)):
                break
            time.sleep(0.1)
        assert any("served a command, exit 1" in line for line in _log(tmp_path)), _log(tmp_path)
    finally:
        waiting.kill()
        waiting.communicate()
    _served(server)


def _listener(path: Path, mode: int) -> socket.socket:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    os.chmod(path, mode)
    listener.listen(1)
    listener.settimeout(0.5)
    return listener


@pytest.mark.parametrize("mode", [0o660, 0o606, 0o777])
def test_a_socket_others_can_reach_is_never_handed_the_files(tmp_path, mode):
    path = tmp_path / "open.sock"
    listener = _listener(path, mode)
    try:
        done = _client(["--version"], "sqlite:///unused.sqlite3", tmp_path, path)
        assert done.returncode == 0 and "muster" in done.stdout  # run locally
        with pytest.raises(TimeoutError):
            listener.accept()  # never even connected to
    finally:
        listener.close()


def test_a_socket_of_another_user_is_never_handed_the_files(tmp_path, monkeypatch):
    path = tmp_path / "theirs.sock"
    listener = _listener(path, 0o600)
    try:
        if os.geteuid() == 0:
            os.chown(path, 65534, -1)
            done = _client(["--version"], "sqlite:///unused.sqlite3", tmp_path, path)
            assert done.returncode == 0 and "muster" in done.stdout
            with pytest.raises(TimeoutError):
                listener.accept()
        assert client.trusted_socket(str(path)) is (os.geteuid() != 0)
        monkeypatch.setattr(os, "getuid", lambda: os.geteuid() + 1)
        assert client.trusted_socket(str(path)) is False
        assert client.through_server(str(path), ["--version"]) is None
    finally:
        listener.close()


def test_long_running_commands_are_never_sent(monkeypatch):
    monkeypatch.setenv("MUSTER_WARM_SOCKET", "/nonexistent/never-used.sock")
    sent: list[list[str]] = []
    monkeypatch.setattr(client, "through_server", lambda path, argv: sent.append(argv))
    for command in ("serve", "worker", "demo", "init", "warm"):
        monkeypatch.setattr(sys, "argv", ["muster", command, "--help"])
        with pytest.raises(SystemExit):
            client.main()
    assert sent == []
