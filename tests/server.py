"""Run Liveblog the way production does: Daphne, DEBUG off, collected static files."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(tmp: Path, **extra: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "server-test-secret-key-that-is-long-enough-for-django-checks",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp / "static"),
        **extra,
    }


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    if done.returncode:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def demo_site(env: dict[str, str]) -> None:
    """The demo, set up as `make run` does it: the database, the static files, the sample event."""
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    manage(env, "load_demo")


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 20, *, any_answer: bool = False) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            proc.log.seek(0)
            raise AssertionError(f"the server exited with {proc.returncode}:\n{proc.log.read()}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            if any_answer:
                return
            time.sleep(0.1)
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the server did not answer {url} within {timeout} s")


class Served(str):
    """A server's base URL, with ``pid``: its process, for a test that signals it."""

    pid: int


@contextmanager
def daphne(
    env: dict[str, str], port: int | None = None, *, health: bool = True, log_path: Path | None = None
):
    """Daphne as bin/serve starts it in production; ``health=False`` waits for any answer.
    ``log_path`` keeps the server's log there, to be read once it has stopped."""
    port = port or free_port()
    # The log goes to a file: a pipe nobody reads fills up and stalls a chatty server.
    log = log_path.open("w+") if log_path else tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        ["bin/serve", "-b", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env={**env, "PYTHON": sys.executable},
        stdout=subprocess.DEVNULL,
        stderr=log,
        text=True,
    )
    proc.log = log
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", proc, any_answer=not health)
        served = Served(f"http://127.0.0.1:{port}")
        served.pid = proc.pid
        yield served
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


class Api:
    """The JSON API as a script uses it: token authentication, JSON in and out."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base, token

    def call(self, method: str, path: str, body: dict | None = None, **headers: str) -> dict:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json", **headers},
            method=method,
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"{}")
