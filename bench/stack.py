"""The embedded stack (`bash scripts/run.sh`: supervisor, the embedded Redis, web, Celery worker and beat on SQLite)
in a temporary var dir on a free port, for the reliability scripts (bench/soak.py, bench/worker_faults.py)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """`with Stack(minutes_label, **env) as stack:` starts run.sh and waits for the web and the worker; the
    caller's process is then set up with Django on the same database (stack.django())."""

    def __init__(self, **extra_env: str):
        self.var = Path(tempfile.mkdtemp(prefix="portal-stack-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.env = dict(os.environ, PORTAL_VAR_DIR=str(self.var), PORT=str(self.port),
                        DJANGO_SETTINGS_MODULE="portal.settings.local", **extra_env)
        self.env.pop("CELERY_BROKER_URL", None)
        self.env.pop("DATABASE_URL", None)
        self.ctl = [str(ROOT / ".venv/bin/supervisorctl"), "-c", str(ROOT / "scripts/supervisord.conf")]
        self.process: subprocess.Popen | None = None

    def worker_pid(self) -> int:
        out = subprocess.run([*self.ctl, "pid", "worker"], capture_output=True, text=True, env=self.env).stdout
        out = out.strip()
        return int(out) if out.isdigit() and int(out) > 0 else 0

    def start(self, timeout: float = 660) -> None:
        os.environ.update(self.env)
        out = open(self.var / "run.out", "w")  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603
            ["bash", str(ROOT / "scripts/run.sh")], cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                urllib.request.urlopen(self.url, timeout=5)  # noqa: S310
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"run.sh exited ({self.process.returncode}); see {self.var}/run.out") from None
                time.sleep(1)
        while not self.worker_pid() and time.monotonic() - started < timeout:
            time.sleep(1)
        log(f"Stack up after {time.monotonic() - started:.0f} s on port {self.port} (var dir {self.var}); "
            f"worker pid {self.worker_pid()}")

    def django(self) -> None:
        import django

        sys.path.insert(0, str(ROOT))
        django.setup()

    def kill_worker(self, wait: float = 120) -> dict:
        """SIGKILL the worker; returns {old, new, back_s} once supervisor has started a new one."""
        old = self.worker_pid()
        os.kill(old, signal.SIGKILL)
        killed_at = time.monotonic()
        log(f"SIGKILL worker pid {old}")
        new = 0
        while time.monotonic() - killed_at < wait:
            new = self.worker_pid()
            if new and new != old:
                break
            time.sleep(0.2)
        back = time.monotonic() - killed_at
        log(f"worker back as pid {new} after {back:.1f} s" if new and new != old else "worker NOT back")
        return {"old": old, "new": new if new != old else 0, "back_s": back}

    def log_text(self, name: str) -> str:
        path = self.var / "log" / name
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self, keep: bool = False) -> None:
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=90)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        if keep:
            print(f"var dir kept: {self.var}")
        else:
            shutil.rmtree(self.var, ignore_errors=True)

    def __enter__(self) -> "Stack":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop(keep=os.environ.get("STACK_KEEP") == "1")
