"""Liveblog as production runs it, for the benchmark: a fresh database with the demo event and an
editor's token, Daphne processes with DEBUG off, and the write API."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from fanout_proc import now, raise_nofile_limit, stop_process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.server import free_port, manage, production_env  # noqa: E402

SLUG = "1988-massacre-conference"
EDITOR = "bench"
FILLER = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. "
APPLICATION = "config.asgi:application"  # the one bin/serve serves
# One editor posts every round's entry, a burst's fifty within a second, and runs follow each
# other within a minute (the counts live in Redis with --redis): the per-user write limit is
# lifted so that it never answers 429. The throttle's own check still runs on every POST.
WRITE_RATE = "100000/m"


def bench_env(tmp: Path, database_url: str | None, redis_url: str | None) -> dict[str, str]:
    extra = {"LIVEBLOG_WRITE_RATE": WRITE_RATE}
    if database_url:
        extra["DATABASE_URL"] = database_url
    if redis_url:
        extra["REDIS_URL"] = redis_url
    return production_env(tmp, **extra)


def prepare_database(env: dict[str, str], tmp: Path) -> str:
    """Migrate, collect static files, load the demo event; return the editor's API token."""
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    (tmp / "samples").symlink_to(ROOT / "samples")
    demo_env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "fanout_settings",  # see that module: keeps BASE_DIR in tmp
        "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT)]),
        "LIVEBLOG_BENCH_BASE_DIR": str(tmp),
    }
    manage(demo_env, "load_demo")
    return manage(env, "create_editor", EDITOR, "--event", SLUG, "--token").split()[-1]


@dataclass
class Daphne:
    proc: subprocess.Popen
    url: str
    log: Path

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + f"/ws/events/{SLUG}/"


def start_daphne(
    env: dict[str, str],
    log: Path,
    application: str = APPLICATION,
    port: int | None = None,
    backlog: int | None = None,
) -> Daphne:
    """The production command line, bin/serve (Daphne with its WebSocket limits; it execs, so the
    process is Daphne's own). bin/serve always serves config.asgi:application: another
    application runs under liveblog.serve with Daphne's default limits. The output goes to a
    file: a pipe nobody reads would eventually block the server on its own logging.
    ``port``: the same one again, for a restart. ``backlog``: the listen queue's length
    (LIVEBLOG_LISTEN_BACKLOG; bin/serve's default is 4096)."""
    port = port or free_port()
    where = ["-b", "127.0.0.1", "-p", str(port)]
    if backlog:
        env = {**env, "LIVEBLOG_LISTEN_BACKLOG": str(backlog)}
    if application == APPLICATION:
        command = [str(ROOT / "bin" / "serve"), *where]
    else:
        command = [sys.executable, "-m", "liveblog.serve", *where, application]
    with open(log, "w") as out:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**env, "PYTHON": sys.executable},
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=raise_nofile_limit,
        )
    return Daphne(proc, f"http://127.0.0.1:{port}", log)


def wait_healthy(server: Daphne, timeout: float = 30) -> None:
    deadline = now() + timeout
    while now() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"Daphne exited with {server.proc.returncode}:\n{tail(server.log)}")
        try:
            local_open(server.url + "/healthz", timeout=2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"Daphne did not answer /healthz within {timeout} s:\n{tail(server.log)}")


def stop_daphne(server: Daphne) -> None:
    stop_process(server.proc)


def tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(no log: {exc})"


def log_problems(log: Path) -> list[str]:
    """Lines of Daphne's output that say something went wrong."""
    markers = (" WARNING ", " ERROR ", " CRITICAL ", "Traceback")
    return [line for line in log.read_text(errors="replace").splitlines() if any(m in line for m in markers)]


def dropped_readers(log: Path) -> int:
    """Readers the server disconnected for falling too far behind (publishing.Stream._send_all
    logs each one at INFO)."""
    marker = "disconnecting a reader of"
    return sum(marker in line for line in log.read_text(errors="replace").splitlines())


def local_open(request: str | urllib.request.Request, timeout: float = 10):
    """urlopen, for the servers this benchmark started on 127.0.0.1 and nothing else."""
    url = request if isinstance(request, str) else request.full_url
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"not a local server: {url}")
    return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310


def head_seq(base: str) -> int:
    with local_open(f"{base}/api/events/{SLUG}/") as response:
        return json.loads(response.read())["seq"]


def post_entry(base: str, token: str, body: str) -> float:
    """Post one entry through the write API; return how long the POST took, in seconds."""
    return create_entry(base, token, body)[1]


def create_entry(base: str, token: str, body: str) -> tuple[int, float]:
    """Post one entry; return its id and how long the POST took. The answer carries no seq:
    concurrent posts get theirs in commit order, which ``entry_seqs`` reads back."""
    request = urllib.request.Request(  # noqa: S310 (local_open checks the URL)
        f"{base}/api/events/{SLUG}/entries/",
        data=json.dumps({"body": body, "city": "paris"}).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    started = now()
    with local_open(request, timeout=30) as response:
        if response.status != 201:
            raise RuntimeError(f"POST answered {response.status}: {response.read()[:300]!r}")
        entry_id = json.loads(response.read())["id"]
    return entry_id, now() - started


def entry_seqs(base: str, after: int) -> dict[int, int]:
    """Entry id: seq of its entry.created frame, for the changes after ``after``."""
    with local_open(f"{base}/api/events/{SLUG}/changes/?after={after}") as response:
        frames = json.loads(response.read())["frames"]
    return {f["entry"]["id"]: f["seq"] for f in frames if f.get("type") == "entry.created"}


def frame_size(base: str, seq: int) -> int:
    """Bytes of the stored frame of change ``seq``, from the change feed (it is sent as stored)."""
    with local_open(f"{base}/api/events/{SLUG}/changes/?after={seq - 1}") as response:
        frames = json.loads(response.read())["frames"]
    compact = json.dumps(frames[0], ensure_ascii=False, separators=(",", ":"))
    return len(compact.encode())


def entry_body(number: int, length: int) -> str:
    head = f"Bench round {number:03d}. "
    return (head + FILLER * (length // len(FILLER) + 1))[:length].rstrip() or head


def calibrate(base: str, token: str, target: int) -> tuple[int, int]:
    """Find the body length whose frame is ``target`` bytes; return it and the frame's size.
    The body appears twice in a frame, as Markdown and as HTML, hence the halving. The two
    posts also warm the server's code paths up before anything is measured."""
    probe = 100
    post_entry(base, token, entry_body(0, probe))
    empty = frame_size(base, head_seq(base)) - 2 * probe
    length = max(20, (target - empty) // 2)
    post_entry(base, token, entry_body(0, length))
    return length, frame_size(base, head_seq(base))
