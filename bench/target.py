"""The server under test: Liveblog as production runs it (deploy/launch.py starts it through
bin/serve, as the tests do), a fresh database with the demo event and an editor's token, and the
write API."""

import concurrent.futures
import json
import urllib.request
from pathlib import Path

from deploy.launch import ROOT, Server, free_port, manage, production_env, start, stop, tail, wait_ready

from .proc import now, raise_nofile_limit

# For the benchmarks, beside this module's own:
__all__ = ["ROOT", "Server", "free_port", "manage", "stop", "tail", "wait_ready"]

SLUG = "1988-massacre-conference"
REDIS_URL = "redis://127.0.0.1:6379/13"  # production runs with Redis; the bench's own database
EDITOR = "bench"
FILLER = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. "
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
    with concurrent.futures.ThreadPoolExecutor(2) as pool:  # neither needs the other
        running = [pool.submit(manage, env, command, "--noinput") for command in ("migrate", "collectstatic")]
        for done in running:
            done.result()
    (tmp / "samples").symlink_to(ROOT / "samples")
    demo_env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "bench.settings",  # see that module: keeps BASE_DIR in tmp
        "LIVEBLOG_BENCH_BASE_DIR": str(tmp),
    }
    manage(demo_env, "load_demo")
    return manage(env, "create_editor", EDITOR, "--event", SLUG, "--token").split()[-1]


def ws_url(server: Server) -> str:
    """The demo event's WebSocket on ``server``."""
    return server.url.replace("http://", "ws://") + f"/ws/events/{SLUG}/"


def start_daphne(env: dict[str, str], log: Path, **options) -> Server:
    """bin/serve, as deploy/launch.py starts it, with the open-file limit raised in the child (each
    reader is a file descriptor). ``options``: launch.start's (port, application, backlog)."""
    return start(env, log, preexec_fn=raise_nofile_limit, **options)


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
