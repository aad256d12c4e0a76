"""`muster warm`: a warm command server, so a point command skips Django's import and set-up.

Django's own start-up (~300-400 ms) is most of a point command and no lazy import removes it.
This process pays it once: it sets Django up with every app, loads every command, closes its
database connections and listens on a private Unix socket. The client (client.py) sends its
argv, folder and environment with its stdin, stdout and stderr; the server forks, and the child
runs the command on those files exactly as the client would have, with the client's user.
Only the same OS user is served (SO_PEERCRED), and only with the same settings (the MUSTER_* and
DJANGO_* environment and the folder relative paths are resolved in): otherwise the client is
told to run the command itself.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import pkgutil
import select
import signal
import socket
import struct
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

import click

# Commands that run for long, serve, or change what the server set up: the client runs them.
LOCAL_COMMANDS = frozenset({"serve", "worker", "demo", "init", "warm"})
# Read for each command, not once into the settings: a client may differ in these.
PER_COMMAND = frozenset({"MUSTER_ACTOR", "MUSTER_WARM_SOCKET"})
MAX_REQUEST = 4 * 1024 * 1024
HEADER = struct.Struct("!I")


def default_socket() -> Path:
    """$XDG_RUNTIME_DIR (private to the user) when there is one, else ./muster-warm.sock."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir():
        return Path(runtime) / f"muster-{os.getuid()}.sock"
    return Path.cwd() / "muster-warm.sock"


def settings_environment(env: dict[str, str]) -> dict[str, str]:
    """The part of an environment the settings are read from (once, at set-up)."""
    return {k: v for k, v in env.items()
            if (k.startswith("MUSTER_") or k.startswith("DJANGO_")) and k not in PER_COMMAND}


def register(cli: click.Group) -> None:
    @cli.command("warm")
    @click.option("--socket", "socket_path", type=click.Path(dir_okay=False, path_type=Path),
                  help="Where to listen (default: $XDG_RUNTIME_DIR/muster-UID.sock or ./muster-warm.sock).")
    def warm(socket_path: Path | None) -> None:
        """Keep Django warm and run point commands for `muster` clients (set MUSTER_WARM_SOCKET)."""
        Server(socket_path or default_socket()).run()


class Server:
    def __init__(self, path: Path) -> None:
        self.path = path.absolute()
        self.env = settings_environment(dict(os.environ))  # before set-up adds DJANGO_SETTINGS_MODULE
        self.cwd = os.getcwd()
        self.uid = os.getuid()
        self.listener: socket.socket | None = None

    def warm_up(self) -> None:
        from django.db import connections

        from muster.interfaces.cli import main

        main.setup_django()  # every app: main._all_apps is True until a command narrows it
        main.build()
        _preload()
        connections.close_all()

    def bind(self) -> socket.socket:
        """Listen on the socket, mode 0600; refuse if a server already answers there."""
        if self.path.exists() or self.path.is_symlink():
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                probe.connect(str(self.path))
            except OSError:
                self.path.unlink()  # a stale socket of a server gone
            else:
                raise click.ClickException(f"a warm server already answers at {self.path}")
            finally:
                probe.close()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o077)
        try:
            listener.bind(str(self.path))
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        listener.listen(64)
        return listener

    def run(self) -> None:
        self.warm_up()
        self.listener = self.bind()
        previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        click.echo(f"muster warm: listening; export MUSTER_WARM_SOCKET={self.path}", err=True)
        try:
            while True:
                conn, _ = self.listener.accept()
                try:
                    self.handle(conn)
                except Exception:  # noqa: BLE001 - one bad request must not stop the server
                    traceback.print_exc()
                    conn.close()
        except SystemExit:
            pass
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.listener.close()
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()

    def handle(self, conn: socket.socket) -> None:
        """Check the peer, read its request and fork the child; a thread waits and answers."""
        _pid, uid, _gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                              struct.calcsize("3i")))
        if uid != self.uid:
            conn.close()  # another user: no answer at all
            return
        conn.settimeout(5)  # a client that connects and says nothing does not hold the others up
        request, fds = _receive(conn)
        try:
            reason = self.refusal(request, fds)
            if reason:
                print(f"muster warm: sent back to the client: {reason}", file=sys.stderr, flush=True)
                _answer(conn, {"fallback": reason})
                return
            child = os.fork()
            if child == 0:
                _child(conn, self.listener, request, fds)  # never returns
            threading.Thread(target=_wait, args=(conn, child), daemon=True).start()
            conn = None  # type: ignore[assignment]  # the thread answers and closes it
        finally:
            for fd in fds:
                os.close(fd)
            if conn is not None:
                conn.close()

    def refusal(self, request: dict[str, Any], fds: list[int]) -> str | None:
        """Why this server must not run the request (the client then runs it), or None."""
        argv, env = request.get("argv"), request.get("env")
        if (len(fds) != 3 or not isinstance(argv, list) or not isinstance(env, dict)
                or not isinstance(request.get("cwd"), str)
                or not all(isinstance(x, str) for x in [*argv, *env, *env.values()])):
            return "malformed request"
        command = next((a for a in argv if isinstance(a, str) and not a.startswith("-")), "")
        if command in LOCAL_COMMANDS:
            return f"`{command}` runs locally"
        if settings_environment(env) != self.env:
            return "different MUSTER_*/DJANGO_* settings"
        if request.get("cwd") != self.cwd:
            return "another folder (relative paths in the settings)"
        return None


def _preload() -> None:
    """Import Muster's own modules the commands import lazily (services, clock, ...), so no child
    pays for them. Heavy libraries (pyarrow, reportlab) stay lazy: they are imported where used,
    and no thread is started before a fork."""
    import muster

    for module in pkgutil.walk_packages(muster.__path__, "muster."):
        name = module.name
        # What an interface may import: the areas' services (which bring their own models and batch
        # modules with them), the kernel and the pure rules; never a model or batch module by name.
        if name.endswith(".services") or name.startswith(("muster.kernel.", "muster.rules.")):
            importlib.import_module(name)


def _stop(signum: int, frame: Any) -> None:
    raise SystemExit(0)


def _receive(conn: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """A length-prefixed JSON request; the client's fds 0, 1, 2 come with its first bytes."""
    data, fds, _flags, _addr = socket.recv_fds(conn, 65536, 3)
    try:
        while len(data) < HEADER.size:
            more = conn.recv(65536)
            if not more:
                raise ValueError("short request")
            data += more
        (size,) = HEADER.unpack_from(data)
        if size > MAX_REQUEST:
            raise ValueError("request too large")
        while len(data) < HEADER.size + size:
            more = conn.recv(65536)
            if not more:
                raise ValueError("short request")
            data += more
        return json.loads(data[HEADER.size:HEADER.size + size]), list(fds)
    except Exception:
        for fd in fds:
            os.close(fd)
        raise


def _answer(conn: socket.socket, message: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):  # the client may be gone
        conn.sendall(json.dumps(message).encode() + b"\n")


def _wait(conn: socket.socket, pid: int) -> None:
    """Reap the child and send the client its exit status; a client gone first (Ctrl-C) has its
    command interrupted, as it would have been in the client's own process."""
    pidfd = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([pidfd, conn.fileno()], [], [])
        if pidfd not in ready:
            os.kill(pid, signal.SIGINT)
    finally:
        os.close(pidfd)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    code = code if code >= 0 else 128 - code
    print(f"muster warm: served a command, exit {code}", file=sys.stderr, flush=True)  # no argv: ids
    _answer(conn, {"exit": code})
    conn.close()


def _child(conn: socket.socket, listener: socket.socket | None, request: dict[str, Any], fds: list[int]) -> None:
    """Become the client's process: its files, folder and environment; run the command; exit."""
    code = 1
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # KeyboardInterrupt, as in a direct run
        conn.close()
        if listener is not None:
            listener.close()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        sys.stdin = io.TextIOWrapper(open(0, "rb", buffering=0, closefd=False), encoding="utf-8")  # noqa: SIM115
        sys.stdout = io.TextIOWrapper(open(1, "wb", closefd=False), encoding="utf-8",  # noqa: SIM115
                                      line_buffering=os.isatty(1))
        sys.stderr = io.TextIOWrapper(open(2, "wb", closefd=False), encoding="utf-8",  # noqa: SIM115
                                      errors="backslashreplace", line_buffering=True)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in request["env"].items()})
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "muster.kernel.settings")
        import random

        from django.db import connections

        random.seed()  # not the same sequence in every child
        connections.close_all()  # never a connection of the server's
        from muster.interfaces.cli import main

        sys.argv = ["muster", *request["argv"]]
        try:
            main.cli.main(args=list(request["argv"]), prog_name="muster")
            code = 0
        except SystemExit as done:
            code = _exit_code(done.code)
    except BaseException:  # noqa: BLE001 - as an uncaught exception ends a process: traceback, 1
        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # the client may have closed its end
                stream.flush()
        os._exit(code)


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1
