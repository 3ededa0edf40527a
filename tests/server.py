"""Live sites for the tests: Liveblog as production runs it (Daphne through bin/serve, DEBUG off,
collected static files), started by deploy/launch.py as the benchmarks and the topology start it.

Setting a site up (migrate, collectstatic, load_demo, editors) takes several seconds of
manage.py runs; a session does it once (``DemoTemplate``) and each test that needs a site of its
own gets a copy of that database in a few milliseconds."""

import concurrent.futures
import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from deploy.launch import ROOT, free_port, manage, production_env, serving, wait_port
from tests.helpers import SLUG, Api, unavailable

__all__ = [  # what the tests import from here, beside this module's own
    "ROOT",
    "free_port",
    "manage",
    "production_env",
    "wait_port",
]

EDITOR_PASSWORD = "correct-horse-battery"  # alice's and bob's, editors of the demo event
DATABASE_FILES = ("db.sqlite3", ".demo-admin-password")  # load_demo keeps the login beside the database

MIGRATE, COLLECTSTATIC = ("migrate", "--noinput"), ("collectstatic", "--noinput")
SET_UP_DEMO = f"""
import io, json
from django.contrib.auth.models import User
from django.core.management import call_command

def command(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()

loaded = command("load_demo")
token = command("create_editor", "newsdesk", "--event", "{SLUG}", "--token").split()[-1]
for name in ("alice", "bob"):
    command("create_editor", name, "--event", "{SLUG}")
    user = User.objects.get(username=name)
    user.set_password("{EDITOR_PASSWORD}")
    user.save()
print(json.dumps({{"load_demo": loaded, "token": token}}))
"""

# Whether the running test may start a server: only tests marked ``server`` may (conftest sets
# this for each test), so that ``pytest -m "not server"`` is the quick loop it says it is.
servers_allowed = True


class Served(str):
    """A server's base URL, with ``pid``: its process, for a test that signals it."""

    pid: int


@contextmanager
def daphne(
    env: dict[str, str], port: int | None = None, *, health: bool = True, log_path: Path | None = None
) -> Iterator[Served]:
    """Daphne as bin/serve starts it in production; ``health=False`` waits for any answer.
    ``log_path`` keeps the server's log there, to be read once it has stopped."""
    if not servers_allowed:
        raise RuntimeError("this test starts a server: mark it with @pytest.mark.server")
    with _log_file(log_path) as log, serving(env, log, port=port, any_answer=not health) as server:
        served = Served(server.url)
        served.pid = server.proc.pid
        yield served


@contextmanager
def _log_file(path: Path | None) -> Iterator[Path]:
    """``path``, or a temporary file removed afterwards."""
    if path:
        yield path
        return
    handle, name = tempfile.mkstemp(prefix="daphne-", suffix=".log")
    os.close(handle)
    try:
        yield Path(name)
    finally:
        os.unlink(name)


@dataclass
class Site:
    """A site of the test's own: its environment (for manage.py and daphne) and the token of
    ``newsdesk``, an editor of the demo event. Not serving until ``serve()``."""

    env: dict[str, str]
    token: str = ""

    def serve(self, port: int | None = None, **options):
        return daphne(self.env, port, **options)

    def api(self, base: str) -> Api:
        return Api(base, self.token)


@dataclass
class DemoTemplate:
    """The demo site set up once: migrated, static files collected, the demo event loaded, an
    editor with a token (newsdesk) and two with a password (alice, bob). ``copy`` gives a test a
    database of its own from it; the collected static files are shared (nothing writes them)."""

    root: Path
    token: str = ""
    load_demo_output: str = ""
    _migrated: Path = field(init=False)

    def __post_init__(self) -> None:
        self._migrated = self.root / "migrated"
        env = production_env(self.root)
        with concurrent.futures.ThreadPoolExecutor(2) as pool:  # neither needs the other
            done = [pool.submit(manage, env, *args) for args in (MIGRATE, COLLECTSTATIC)]
            for future in done:
                future.result()
        self._migrated.mkdir()
        shutil.copy(self.root / "db.sqlite3", self._migrated / "db.sqlite3")
        # One manage.py run for the rest: each run starts Django again, a second or more.
        set_up = json.loads(manage(env, "shell", "-c", SET_UP_DEMO).splitlines()[-1])
        self.load_demo_output, self.token = set_up["load_demo"], set_up["token"]

    def copy(self, tmp: Path, *, demo: bool = True, **extra: str) -> Site:
        """A site in ``tmp`` with the demo (or, ``demo=False``, only migrated); ``extra`` adds to
        its environment."""
        source = self.root if demo else self._migrated
        for name in DATABASE_FILES:
            if (source / name).exists():
                shutil.copy(source / name, tmp / name)
        if demo:  # the demo's photos, linked: renditions are never written twice
            shutil.copytree(self.root / "media", tmp / "media", copy_function=os.link)
        env = production_env(tmp, STATIC_ROOT=str(self.root / "static"), **extra)
        return Site(env, self.token if demo else "")


def require_service(name: str, host: str, port: int) -> None:
    """Skip on a newcomer's machine without the service; on CI (CI=true) fail instead."""
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError as error:
        unavailable(f"{name} is not reachable at {host}:{port} ({error}); start it to run this test")


@contextmanager
def redis_server(port: int, *options: str):
    """A Redis of the test's own, so that it can be stopped and started again."""
    binary = shutil.which("redis-server")
    if binary is None:
        require_service("redis-server", "127.0.0.1", 0)  # skips, or fails on CI, with a reason
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", *options],
        stdout=subprocess.DEVNULL,
    )
    wait_port(port)
    try:
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=10)
