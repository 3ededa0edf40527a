"""Many live events on one worker: 1,000 events with a feed of 600 changes each, three readers on
each, one Daphne process on PostgreSQL. Prints the worker's memory, each periodic check of the
feeds and its duration, the new PostgreSQL connections per second while readers idle and while
entries are posted, and how long readers wait for their hello. Prints figures only; see
bench/README.md."""

import argparse
import asyncio
import json
import multiprocessing
import random
import shlex
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from .proc import Witness, child_setup, next_command, now, rss_kib
from .target import (
    REDIS_URL,
    bench_env,
    local_open,
    log_problems,
    manage,
    prepare_database,
    start_daphne,
    stop,
    wait_ready,
)
from .wire import open_reader

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/liveblog_many_events"
PREFIX = "many-"
PARAGRAPH = (
    "The delegation from {n} read the names of the victims of the 1988 massacre, city by city, "
    "and asked the assembly to open the archives. "
)

# Seeding, run inside Django (manage.py shell -c) --------------------------------------------


def seed(events: int, changes: int, frame_bytes: int) -> None:
    """``events`` live events whose heads stand at ``changes``, and the frame of one entry of about
    ``frame_bytes`` rendered as the API renders it (on the demo event); prints the events' ids and
    epochs and that frame, as JSON, for ``fill_feeds``."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from liveblog import services
    from liveblog.models import Change, Event, new_epoch

    # The body is in a frame twice (Markdown and HTML), beside some 900 bytes of the rest.
    paragraphs = max(1, round((frame_bytes - 900) / (2 * len(PARAGRAPH))))
    body = "".join(PARAGRAPH.format(n=n) for n in range(paragraphs))
    demo = Event.objects.get(slug="1988-massacre-conference")
    entry = services.entry_create(event=demo, by=None, body=body)
    frame = Change.objects.filter(event=demo, entry=entry).order_by("-seq")[0].frame
    User.objects.filter(username="bench").update(is_staff=True)  # posts to every event
    created = Event.objects.bulk_create(
        Event(
            title=f"Live event {n}",
            slug=f"{PREFIX}{n:04d}",
            starts_at=timezone.now(),
            status=Event.Status.LIVE,
            seq=changes,
            epoch=new_epoch(),
        )
        for n in range(events)
    )
    print(json.dumps({"events": [[e.pk, e.epoch] for e in created], "entry": entry.pk, "frame": frame}))


def fill_feeds(database_url: str, seeded: dict, changes: int) -> None:
    """Each event's feed: ``changes`` copies of the seeded frame with the event's seq and epoch,
    through COPY (600,000 posts through the API would take hours, rows through the ORM minutes)."""
    template = json.loads(seeded["frame"])
    with psycopg.connect(database_url) as db, db.cursor() as cursor:
        columns = "event_id, seq, type, entry_id, frame, created_at"
        with cursor.copy(f"COPY liveblog_change ({columns}) FROM STDIN") as copy:  # noqa: S608
            for pk, epoch in seeded["events"]:
                for seq in range(1, changes + 1):
                    frame = json.dumps(
                        {**template, "seq": seq, "epoch": epoch}, ensure_ascii=False, separators=(",", ":")
                    )
                    copy.write_row((pk, seq, "entry.created", seeded["entry"], frame, "now"))
    print(f"{len(seeded['events'])} events, {changes} changes each, frames of {len(frame)} characters")


def recreate(database_url: str) -> None:
    """The bench's own database, dropped and created afresh: only a name that says it is one."""
    name = urlsplit(database_url).path.lstrip("/")
    if "bench" not in name and "many_events" not in name:
        sys.exit(f"{name}: this bench drops its database; name one with 'bench' or 'many_events' in it")
    with psycopg.connect(database_url.replace(f"/{name}", "/postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


# The readers: one client process ------------------------------------------------------------


@dataclass
class Readers:
    hello_ms: list[float] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    created: int = 0  # entry.created frames received, all readers together
    resets: int = 0
    closed: int = 0


def run_readers(conn: Connection, base: str, slugs: list[str], per_event: int, seq: int, gate: int) -> None:
    child_setup()
    asyncio.run(_readers(conn, base, slugs, per_event, seq, gate))


async def _readers(
    conn: Connection, base: str, slugs: list[str], per_event: int, seq: int, gate: int
) -> None:
    got = Readers()
    sockets = []
    limit = asyncio.Semaphore(gate)

    async def open_one(slug: str) -> None:
        hello = asyncio.get_running_loop().create_future()

        def on_message(message: bytes, received: float) -> None:
            if not hello.done():
                hello.set_result(received)
            elif b'"type":"entry.created"' in message[:40]:
                got.created += 1
            elif b'"type":"reset"' in message[:20]:
                got.resets += 1

        url = base.replace("http://", "ws://") + f"/ws/events/{slug}/?after={seq}"
        async with limit:
            started = now()
            try:
                ws = await open_reader(url, base, on_message)
                received = await asyncio.wait_for(hello, 30)
            except Exception as error:
                got.failed.append(f"{type(error).__name__}: {error}"[:100])
                return
        got.hello_ms.append((received - started) * 1000)
        sockets.append(ws)

    started = now()
    await asyncio.gather(*(open_one(slug) for slug in slugs for _ in range(per_event)))
    conn.send(("connected", now() - started, got.hello_ms, got.failed))
    await next_command(conn)  # the bench is done posting
    await asyncio.sleep(2)  # the last frames
    got.closed = sum(ws.closed.done() for ws in sockets)
    conn.send(("done", got.created, got.resets, got.closed))
    for ws in sockets:
        ws.abort()


# Measuring ---------------------------------------------------------------------------------


def sessions(monitor: psycopg.Connection) -> int:
    """Connections ever made to the bench's database (PostgreSQL 14+)."""
    row = monitor.execute(
        "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
    ).fetchone()
    return int(row[0]) if row else 0


def feed_checks(base: str) -> tuple[int, float]:
    """The worker's periodic checks so far, and their total seconds, from /metrics."""
    with local_open(f"{base}/metrics") as response:
        text = response.read().decode()
    values = dict(line.rsplit(" ", 1) for line in text.splitlines() if line.startswith("liveblog_feed_check"))
    return int(float(values["liveblog_feed_check_seconds_count"])), float(
        values["liveblog_feed_check_seconds_sum"]
    )


@dataclass
class Window:
    """What happened on the worker over some seconds: its checks, connections, memory."""

    seconds: float = 0
    passes: list[float] = field(default_factory=list)  # each check's duration
    sessions: int = 0
    rss_peak_kib: int = 0


def watch(base: str, pid: int, monitor: psycopg.Connection, seconds: float, during=None) -> Window:
    """Sample every 0.2 s for ``seconds``; ``during(t)`` is called at each sample (posting)."""
    window = Window()
    count, total = feed_checks(base)
    before, started = sessions(monitor), now()
    while (elapsed := now() - started) < seconds:
        if during is not None:
            during(elapsed)
        new_count, new_total = feed_checks(base)
        if new_count > count:
            window.passes.append((new_total - total) / (new_count - count))  # one each, sampled often
            count, total = new_count, new_total
        window.rss_peak_kib = max(window.rss_peak_kib, rss_kib([pid]))
        time.sleep(0.2)
    window.seconds = now() - started
    # The monitor's own queries are on its one connection, made before the window.
    window.sessions = sessions(monitor) - before
    return window


def post(base: str, token: str, slug: str, n: int) -> float:
    request = urllib.request.Request(  # noqa: S310 (local_open checks the URL)
        f"{base}/api/events/{slug}/entries/",
        data=json.dumps({"body": f"Posted while many events are live, number {n}."}).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    started = now()
    with local_open(request, timeout=30) as response:
        if response.status != 201:
            raise RuntimeError(f"POST answered {response.status}")
    return now() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


# The run ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    witness = Witness()
    recreate(args.database_url)
    with tempfile.TemporaryDirectory(prefix="liveblog-many-") as tmp_name:
        tmp = Path(tmp_name)
        env = bench_env(tmp, args.database_url, None if args.no_redis else REDIS_URL)
        env["LIVEBLOG_READERS_INTERVAL"] = str(args.interval)
        token = prepare_database(env, tmp)
        seeding = f"from bench.many_events import seed; seed{(args.events, args.changes, args.frame_bytes)}"
        fill_feeds(
            args.database_url, json.loads(manage(env, "shell", "-c", seeding).splitlines()[-1]), args.changes
        )
        server = start_daphne(env, tmp / "daphne.log")
        try:
            wait_ready(server)
            measure(args, server, token)
        finally:
            stop(server)
            problems = log_problems(server.log)
            print(f"server log: {len(problems)} warnings/errors")
            for line in problems[:12]:  # the first ones: what went wrong before the rest
                print("  " + line[:300])
    print(witness.line())
    print("command: " + shlex.join([sys.executable, "-m", "bench.many_events", *(argv or sys.argv[1:])]))


def measure(args, server, token: str) -> None:
    pid, base = server.proc.pid, server.url
    slugs = [f"{PREFIX}{n:04d}" for n in range(args.events)]
    monitor = psycopg.connect(args.database_url, autocommit=True)
    rss_started = rss_kib([pid])
    before, started = sessions(monitor), now()
    ours, theirs = multiprocessing.Pipe()
    client = multiprocessing.Process(
        target=run_readers, args=(theirs, base, slugs, args.readers, args.changes, args.connect_concurrency)
    )
    client.start()
    _, connect_s, hello_ms, failed = ours.recv()
    connect_sessions, connect_wall = sessions(monitor) - before, now() - started
    print(f"{len(hello_ms)} readers connected in {connect_s:.1f} s ({len(failed)} failed)", flush=True)

    idle = watch(base, pid, monitor, args.idle)
    posted: list[float] = []
    pace = args.duration / max(1, args.posts)

    def post_due(elapsed: float) -> None:
        while len(posted) < args.posts and len(posted) * pace <= elapsed:
            posted.append(post(base, token, random.choice(slugs), len(posted)))

    live = watch(base, pid, monitor, args.duration, post_due)
    ours.send("stop")
    _, created, resets, closed = ours.recv()
    client.join(10)
    report(args, locals())


def report(args, m: dict) -> None:
    idle, live, hello_ms = m["idle"], m["live"], m["hello_ms"]
    rows = [
        ("events × readers", f"{args.events} × {args.readers}, feeds of {args.changes} changes"),
        ("readers connected (failed)", f"{len(hello_ms)} ({len(m['failed'])}) in {m['connect_s']:.1f} s"),
        (
            "hello: p50 / p99 / max",
            "{:.0f} / {:.0f} / {:.0f} ms".format(*(percentile(hello_ms, p) for p in (50, 99, 100))),
        ),
        (
            "RSS: started, readers connected, peak",
            f"{m['rss_started'] / 1024:.0f} / {idle.rss_peak_kib / 1024:.0f}"
            f" / {max(idle.rss_peak_kib, live.rss_peak_kib) / 1024:.0f} MiB",
        ),
        (
            "new PostgreSQL connections, connecting",
            f"{m['connect_sessions']} in {m['connect_wall']:.1f} s"
            f" ({m['connect_sessions'] / m['connect_wall']:.1f}/s)",
        ),
        (
            "new PostgreSQL connections, readers idle",
            f"{idle.sessions} in {idle.seconds:.0f} s ({idle.sessions / idle.seconds:.2f}/s)",
        ),
        (
            "new PostgreSQL connections, posting",
            f"{live.sessions} in {live.seconds:.0f} s ({live.sessions / live.seconds:.2f}/s),"
            f" {len(m['posted'])} POSTs",
        ),
        ("periodic checks, readers idle (s each)", " ".join(f"{s:.3f}" for s in idle.passes)),
        ("periodic checks, posting (s each)", " ".join(f"{s:.3f}" for s in live.passes)),
        (
            "POST p50 / p99",
            "{:.0f} / {:.0f} ms".format(*(1000 * percentile(m["posted"], p) for p in (50, 99))),
        ),
        (
            "entry frames received (expected)",
            f"{m['created']} ({len(m['posted']) * args.readers}); resets {m['resets']}, closed {m['closed']}",
        ),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.many_events", description=__doc__)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--readers", type=int, default=3, help="readers per event")
    parser.add_argument("--changes", type=int, default=600, help="changes in each event's feed")
    parser.add_argument("--frame-bytes", type=int, default=2000, help="about the size of each frame")
    parser.add_argument("--database-url", default=DATABASE_URL, help="dropped and created afresh")
    parser.add_argument("--no-redis", action="store_true", help="the in-memory layer")
    parser.add_argument("--interval", type=float, default=5, help="LIVEBLOG_READERS_INTERVAL")
    parser.add_argument("--idle", type=float, default=30, help="seconds readers idle, measured")
    parser.add_argument("--duration", type=float, default=30, help="seconds of posting, measured")
    parser.add_argument("--posts", type=int, default=60, help="entries posted over --duration")
    parser.add_argument("--connect-concurrency", type=int, default=50)
    return parser.parse_args(argv)


if __name__ == "__main__":
    main()
