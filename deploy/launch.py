"""Liveblog started as production starts it, on this machine: `bin/serve` (Daphne with production's
WebSocket limits), its output in a file, and a wait until it answers. The tests, the benchmarks
and `deploy/topology.py` all start their servers through here, so they run the same command.

It also sets up a throwaway production-like site for the tests and the benchmarks: `DEBUG=0`,
SQLite in a given directory, the static files collected, the demo event loaded.

Nothing here imports Django or Liveblog: the benchmarks' client processes and the topology script
stay light, and the server under test is only ever the one `bin/serve` starts."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPLICATION = "config.asgi:application"  # the one bin/serve serves


class NotReady(RuntimeError):
    """The server exited, or did not answer in time; the message ends with its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, seconds: float = 10, host: str = "127.0.0.1") -> None:
    """Wait until something listens on ``host:port``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {host}:{port} after {seconds} s")


def production_env(tmp: Path, **extra: str) -> dict[str, str]:
    """Production settings for a site kept in ``tmp``: DEBUG off, SQLite there, static files
    collected there. Plain HTTP on 127.0.0.1, so no SSL redirect and no secure cookies."""
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
        "MEDIA_ROOT": str(tmp / "media"),
        **extra,
    }


def manage(env: dict[str, str], *args: str) -> str:
    """``manage.py ARGS`` with ``env``; its output, or an error carrying everything it printed."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@dataclass
class Server:
    """One Daphne process started by ``start``."""

    proc: subprocess.Popen
    url: str  # http://127.0.0.1:<port>
    log: Path

    @property
    def port(self) -> int:
        return int(self.url.rpartition(":")[2])

    def tail(self, lines: int = 30) -> str:
        return tail(self.log, lines)


def tail(log: Path, lines: int = 30) -> str:
    """The last lines of a server's log."""
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError as error:
        return f"(no log: {error})"


def start(
    env: dict[str, str],
    log: Path,
    *,
    port: int | None = None,
    application: str = APPLICATION,
    backlog: int | None = None,
    new_session: bool = False,
    preexec_fn: Callable[[], object] | None = None,
) -> Server:
    """Start ``bin/serve -b 127.0.0.1 -p PORT`` (it execs, so the process is Daphne's own) with
    its output in ``log``: a pipe nobody reads would fill up and stall a chatty server.
    ``application`` other than the default runs under ``python -m liveblog.server`` with Daphne's
    default WebSocket limits (bin/serve serves only the project's own). ``backlog``: the listen
    queue (LIVEBLOG_LISTEN_BACKLOG; bin/serve's default is 4096). ``new_session``: the process
    leads a process group of its own, to be stopped by another command later."""
    port = port or free_port()
    where = ["-b", "127.0.0.1", "-p", str(port)]
    if backlog:
        env = {**env, "LIVEBLOG_LISTEN_BACKLOG": str(backlog)}
    if application == APPLICATION:
        command = [str(ROOT / "bin" / "serve"), *where]
    else:
        command = [sys.executable, "-m", "liveblog.server", *where, application]
    with open(log, "w") as out:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**env, "PYTHON": sys.executable},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=new_session,
            preexec_fn=preexec_fn,
        )
    return Server(proc, f"http://127.0.0.1:{port}", log)


def wait_ready(server: Server, timeout: float = 30, *, any_answer: bool = False) -> None:
    """Until ``/healthz`` answers 200, or any HTTP answer at all with ``any_answer`` (a server
    without its database answers 503)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise NotReady(f"the server exited with {server.proc.returncode}:\n{server.tail()}")
        try:
            urllib.request.urlopen(server.url + "/healthz", timeout=2).close()
            return
        except urllib.error.HTTPError:
            if any_answer:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise NotReady(f"the server did not answer {server.url}/healthz within {timeout:g} s:\n{server.tail()}")


def stop(server: Server, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if it lingers; never leaves the process behind."""
    if server.proc.poll() is None:
        server.proc.terminate()
        try:
            server.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()


@contextmanager
def serving(
    env: dict[str, str], log: Path, *, timeout: float = 30, any_answer: bool = False, **options
) -> Iterator[Server]:
    """A started and answering server for the ``with`` block; stopped after it."""
    server = start(env, log, **options)
    try:
        wait_ready(server, timeout, any_answer=any_answer)
        yield server
    finally:
        stop(server)
