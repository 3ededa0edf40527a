"""The kickoff surge: a link goes out and thousands of phones open the reader page in the same
seconds, each click with its own tracking parameters, through nginx to several workers on
PostgreSQL, while an editor posts once a second. Prints the editor's POST latency, the page
answers by status, PostgreSQL's busiest moment in connections, and the renderings per worker.

    .venv/bin/python -m bench.surge [--loads 5000] [--seconds 10] [--workers 2] [--pool 10]

Needs nginx, PostgreSQL on 127.0.0.1:5432 (user postgres) and Redis on 127.0.0.1:6379: it runs
deploy/topology.py in a temporary directory on a database made for the run and dropped after
it. Prints figures only; see bench/README.md."""

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import psycopg

from tests.helpers import SLUG, Api

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgres://postgres@127.0.0.1:5432"
RENDERS = re.compile(r"^liveblog_page_renders_total (\S+)$", re.MULTILINE)


class Backends(threading.Thread):
    """The most connections the run's database had at once, sampled every 20 ms."""

    def __init__(self, database: str) -> None:
        super().__init__(daemon=True)
        self.database, self.most, self.done = database, 0, threading.Event()

    def run(self) -> None:
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
            while not self.done.is_set():
                self.most = max(self.most, conn.execute(query, (self.database,)).fetchone()[0])
                time.sleep(0.02)


class Editor(threading.Thread):
    """Posts an entry once a second through the entrance, timing each answer."""

    def __init__(self, api: Api) -> None:
        super().__init__(daemon=True)
        self.api, self.seconds, self.statuses, self.done = api, [], Counter(), threading.Event()

    def run(self) -> None:
        n = 0
        while not self.done.is_set():
            started = time.monotonic()
            try:
                self.api.post_entry(f"Kickoff entry {n}.", slug=SLUG)
                self.statuses[201] += 1
            except urllib.error.HTTPError as error:
                self.statuses[error.code] += 1
            except OSError:  # no answer within the client's 30 s, or a refused connection
                self.statuses[0] += 1
            self.seconds.append(time.monotonic() - started)
            n += 1
            self.done.wait(max(0.0, 1.0 - (time.monotonic() - started)))


async def page_load(host: str, port: int, path: str, slots: asyncio.Semaphore) -> tuple[int, str, float]:
    """One click: a connection of its own, as a phone opening a link makes."""
    async with slots:
        started = time.monotonic()
        try:
            reader, writer = await asyncio.open_connection(host, port)
            request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
            writer.write(request.encode())
            answer = await asyncio.wait_for(reader.read(), 60)
            writer.close()
        except (OSError, TimeoutError):
            return 0, "", time.monotonic() - started
        head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        cache = re.search(r"^X-Cache: (\S+)", head, re.MULTILINE | re.IGNORECASE)
        return int(head.split()[1]), cache.group(1) if cache else "", time.monotonic() - started


async def surge(entrance: str, loads: int, seconds: float, connections: int) -> list[tuple[int, str, float]]:
    """``loads`` page loads spread evenly over ``seconds``, each with its own tracking parameters."""
    host, port = entrance.removeprefix("http://").split(":")
    slots = asyncio.Semaphore(connections)
    tasks = []
    start = time.monotonic()
    for n in range(loads):
        await asyncio.sleep(max(0.0, start + n * seconds / loads - time.monotonic()))
        path = f"/events/{SLUG}/?utm_source=social&utm_campaign=kickoff&fbclid={uuid.uuid4().hex}"
        tasks.append(asyncio.create_task(page_load(host, int(port), path, slots)))
    return await asyncio.gather(*tasks)


def renders(worker: str) -> float:
    with urllib.request.urlopen(f"{worker}/metrics", timeout=10) as response:
        found = RENDERS.search(response.read().decode())
    return float(found.group(1)) if found else 0.0


def topology(run: Path, database: str, workers: int, pool: int, *command: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_POOL_SIZE": str(pool), "LIVEBLOG_WRITE_RATE": "100000/m"}
    args = ["--dir", str(run), "--port", "0", "--workers", str(workers)]
    args += ["--database-url", f"{POSTGRES}/{database}", "--redis-url", "redis://127.0.0.1:6379/12"]
    return subprocess.run(
        [sys.executable, "deploy/topology.py", *args, *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=command[-1] == "up",
    )


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def measure(args: argparse.Namespace, run: Path, database: str) -> None:
    topology(run, database, args.workers, args.pool, "up")
    state = json.loads((run / "topology.json").read_text())
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"{POSTGRES}/{database}",
        "SECRET_KEY": "x" * 50,
        "DEBUG": "0",
        "STATIC_ROOT": str(run / "static"),
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "load_demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    out = subprocess.run(
        [*manage, "create_editor", "surge", "--event", SLUG, "--token"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    token = out.stdout.split()[-1]
    entrance, workers = state["entrance"], state["workers"]
    before = [renders(w) for w in workers]
    backends, editor = Backends(database), Editor(Api(entrance, token))
    backends.start()
    editor.start()
    started = time.monotonic()
    answers = asyncio.run(surge(entrance, args.loads, args.seconds, args.connections))
    wall = time.monotonic() - started
    editor.done.set()
    editor.join()
    backends.done.set()
    backends.join()
    rendered = [renders(w) - b for w, b in zip(workers, before, strict=True)]
    report(args, answers, wall, editor, backends, rendered)


def report(args, answers, wall, editor: Editor, backends: Backends, rendered: list[float]) -> None:
    statuses = Counter(status for status, _, _ in answers)
    caches = Counter(cache or "-" for _, cache, _ in answers)
    seconds = [s for _, _, s in answers]
    posts = sum(editor.statuses.values())
    print(f"command: python -m bench.surge {' '.join(sys.argv[1:])}")
    print(f"page loads: {len(answers)} in {wall:.1f} s through nginx to {args.workers} workers, each click")
    print(f"  with its own fbclid; answers by status: {dict(sorted(statuses.items()))}")
    print(f"  nginx's cache: {dict(caches.most_common())}")
    print(f"  page load p50 {p(seconds, 50) * 1000:.0f} ms, p99 {p(seconds, 99) * 1000:.0f} ms")
    print(f"editor: {posts} POSTs, {dict(editor.statuses)}; p50 {p(editor.seconds, 50) * 1000:.0f} ms,")
    print(f"  p99 {p(editor.seconds, 99) * 1000:.0f} ms, max {max(editor.seconds) * 1000:.0f} ms")
    print(f"PostgreSQL: at most {backends.most} connections at once (pools: {args.workers} x {args.pool})")
    per_change = [r / (posts + 1) for r in rendered]
    print(f"renderings per worker: {rendered}; per change: {[round(r, 2) for r in per_change]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=5000, help="page loads in all")
    parser.add_argument("--seconds", type=float, default=10, help="over how long")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pool", type=int, default=10, help="DATABASE_POOL_SIZE of each worker (0: none)")
    parser.add_argument("--connections", type=int, default=500, help="page loads in flight at most")
    args = parser.parse_args()
    database = f"liveblog_surge_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    with tempfile.TemporaryDirectory() as tmp:
        try:
            measure(args, Path(tmp), database)
        finally:
            topology(Path(tmp), database, args.workers, args.pool, "down")
            with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
