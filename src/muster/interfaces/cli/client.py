"""The `muster` entry point: hands the command to a warm server (warm.py) when there is one.

It imports only the standard library before deciding, so a command the warm server runs costs
a bare interpreter's start-up. With MUSTER_WARM_SOCKET unset, or a socket that is not a private
socket of this user, or a server that does not answer or asks for it, the command runs here as
it always did. The client's files are handed over only to a socket owned by this user with no
group or other permission, and a server process of this same user (SO_PEERCRED).
"""

from __future__ import annotations

import json
import os
import socket
import stat
import struct
import sys

LOCAL_COMMANDS = frozenset({"serve", "worker", "demo", "init", "warm"})  # as warm.LOCAL_COMMANDS
HEADER = struct.Struct("!I")


def main() -> None:
    argv = sys.argv[1:]
    path = os.environ.get("MUSTER_WARM_SOCKET")
    command = next((a for a in argv if not a.startswith("-")), "")
    if path and command not in LOCAL_COMMANDS:
        code = through_server(path, argv)
        if code is not None:
            sys.exit(code)
    from muster.interfaces.cli.main import main as run_here

    run_here()


def trusted_socket(path: str) -> bool:
    """A socket of this user that no one else can connect to or have replaced."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISSOCK(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


def through_server(path: str, argv: list[str]) -> int | None:
    """The command's exit status as run by the warm server, or None: run it here."""
    if not trusted_socket(path):
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(2)
        sock.connect(path)
        _pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                              struct.calcsize("3i")))
        if uid != os.getuid():
            return None
        body = json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
        data = HEADER.pack(len(body)) + body
        sent = socket.send_fds(sock, [data], [0, 1, 2])
        sock.sendall(data[sent:])
    except OSError:
        sock.close()
        return None
    try:
        sock.settimeout(None)  # the command takes as long as it takes
        answer = b""
        while not answer.endswith(b"\n"):
            more = sock.recv(4096)
            if not more:
                break
            answer += more
    except OSError:
        answer = b""
    except KeyboardInterrupt:  # closing the socket interrupts the command on the server
        sock.close()
        return 130
    finally:
        sock.close()
    try:
        reply = json.loads(answer)
    except ValueError:
        # The files were handed over: the command may have run, so it is not run again here.
        print("muster: the warm server went away before the command ended", file=sys.stderr)
        return 1
    if "fallback" in reply:
        return None
    return int(reply["exit"])


if __name__ == "__main__":
    main()
