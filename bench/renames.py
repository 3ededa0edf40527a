"""Renaming a city of a big event while readers watch and editors post: 20,000 entries in Berlin,
two Daphne workers on PostgreSQL and Redis, readers on both, an editor posting five times a
second through one of them. The city is renamed and moved to another time zone, then a speaker
who appears in every one of those entries has their title corrected, each as the admin does it
(services.sessions_changed, services.speaker_update). Prints how long each took to reach every
reader, the other editor's POST latency, each worker's event-loop lag and the resets readers got.
Prints figures only; see bench/README.md."""

import argparse
import asyncio
import json
import shlex
import sys
import tempfile
import threading
import time
from pathlib import Path

from .many_events import percentile, recreate
from .proc import Witness, now
from .target import (
    REDIS_URL,
    SLUG,
    bench_env,
    create_entry,
    local_open,
    log_problems,
    manage,
    prepare_database,
    start_daphne,
    stop,
    tail,
    wait_ready,
    ws_url,
)
from .wire import open_reader

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/liveblog_bench_renames"
NEW_NAME = "Berlin-Tempelhof"
NEW_TITLE = "Spokesman of the families"

# Run inside Django (manage.py shell -c) -----------------------------------------------------


def seed(count: int) -> None:
    """``count`` published entries in Berlin, all quoting one speaker: one written by the service,
    the rest copies of its row (the rename touches no entry row, so how they were written does
    not matter to it, and copies take seconds where the service would take minutes)."""
    from datetime import timedelta

    from django.utils import timezone

    from liveblog import services
    from liveblog.models import Entry, Event

    event = Event.objects.get(slug=SLUG)
    berlin = event.sessions.get(slug="berlin")
    speaker = services.speaker_get_or_create(name="Mr. Hamid Moaser")
    first = services.entry_create(
        event=event, by=None, body="The families read the names.", session=berlin, speaker=speaker
    )
    fields = {
        f.attname: getattr(first, f.attname)
        for f in Entry._meta.concrete_fields
        if not f.primary_key and f.attname not in ("occurred_at", "created_at", "updated_at")
    }
    start = timezone.now() - timedelta(minutes=count)
    Entry.objects.bulk_create(
        (Entry(**fields, occurred_at=start + timedelta(seconds=n)) for n in range(count - 1)), batch_size=2000
    )
    print(Entry.objects.filter(session=berlin, speaker=speaker).count())


RENAME_CITY = """
import time
from django.db import transaction
from liveblog import services
from liveblog.models import Event, Session
event = Event.objects.get(slug="{slug}")
started = time.monotonic()
with transaction.atomic():
    services.lock_event(event)
    Session.objects.filter(event=event, slug="berlin").update(city="{name}", timezone="America/Toronto")
    services.sessions_changed(event=event, by=None)
print(time.monotonic() - started, time.time())
"""

CORRECT_SPEAKER = """
import time
from liveblog import services
from liveblog.models import Speaker
started = time.monotonic()
services.speaker_update(speaker=Speaker.objects.get(name="Hamid Moaser"), by=None, title="{title}")
print(time.monotonic() - started, time.time())
"""

# The readers --------------------------------------------------------------------------------


class Readers:
    """Sockets on both workers, in a thread of their own; when each saw a given text."""

    def __init__(self, urls: list[str], origin: str) -> None:
        self.urls, self.origin = urls, origin
        self.seen: dict[str, list[float]] = {NEW_NAME: [], NEW_TITLE: []}
        self.resets = self.connected = 0
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def on_message(self, message: bytes, received: float) -> None:
        if b'"type":"reset"' in message[:20]:
            self.resets += 1
        elif b'"type":"event.updated"' in message[:30]:
            for text, times in self.seen.items():
                if text.encode() in message:
                    times.append(time.time())  # the clock the renaming process reads

    async def open_all(self) -> None:
        limit = asyncio.Semaphore(50)

        async def one(url: str) -> None:
            async with limit:
                await open_reader(url, self.origin, self.on_message)
                self.connected += 1

        await asyncio.gather(*(one(url) for url in self.urls))

    def start(self) -> None:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.open_all(), self.loop).result(120)

    def wait_for(self, text: str, seconds: float) -> list[float]:
        deadline = now() + seconds
        while len(self.seen[text]) < self.connected and now() < deadline:
            time.sleep(0.02)
        return list(self.seen[text])


# Measuring ------------------------------------------------------------------------------------


def lag_buckets(base: str) -> dict[float, float]:
    """The worker's event-loop lag histogram, cumulative counts per upper bound, from /metrics."""
    with local_open(f"{base}/metrics") as response:
        text = response.read().decode()
    buckets = {}
    for line in text.splitlines():
        if line.startswith("liveblog_event_loop_lag_seconds_bucket"):
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            buckets[float(bound)] = float(line.rsplit(" ", 1)[1])
    return buckets


def lag_p99(before: dict[float, float], after: dict[float, float]) -> str:
    """The p99 of the lag samples taken between two readings, as the bucket bound that holds it."""
    counts = {bound: after[bound] - before.get(bound, 0) for bound in sorted(after)}
    total = counts[float("inf")]
    for bound, count in counts.items():
        if count >= 0.99 * total:
            return f"≤ {bound * 1000:.0f} ms of {total:.0f} samples"
    return "no samples"


class Poster(threading.Thread):
    """Another editor posting every ``pace`` seconds until stopped; each POST's latency."""

    def __init__(self, base: str, token: str, pace: float) -> None:
        super().__init__(daemon=True)
        self.base, self.token, self.pace = base, token, pace
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self.done = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.done.wait(self.pace):
            n += 1
            try:
                self.latencies.append(create_entry(self.base, self.token, f"Meanwhile in Paris, {n}.")[1])
            except Exception as error:
                self.failures.append(f"{type(error).__name__}: {error}"[:120])


def timed(env: dict[str, str], script: str) -> tuple[float, float]:
    """Run ``script`` in manage.py shell; the seconds its transaction took and the time it
    committed, as it printed them."""
    took, committed = manage(env, "shell", "-c", script).split()[-2:]
    return float(took), float(committed)


# The run ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    witness = Witness()
    recreate(args.database_url)
    with tempfile.TemporaryDirectory(prefix="liveblog-renames-") as tmp_name:
        tmp = Path(tmp_name)
        env = bench_env(tmp, args.database_url, REDIS_URL)
        token = prepare_database(env, tmp)
        seeded = manage(env, "shell", "-c", f"from bench.renames import seed; seed({args.entries})")
        print(f"{seeded.split()[-1]} entries in Berlin quoting one speaker", flush=True)
        servers = [start_daphne(env, tmp / f"daphne-{n}.log") for n in range(2)]
        try:
            for server in servers:
                wait_ready(server)
            measure(args, env, servers, token)
        finally:
            for server in servers:
                stop(server)
                problems = log_problems(server.log)
                print(f"{server.url} log: {len(problems)} warnings/errors")
                if problems:
                    print(tail(server.log, 20))
    print(witness.line())
    print("command: " + shlex.join([sys.executable, "-m", "bench.renames", *(argv or sys.argv[1:])]))


def measure(args, env: dict[str, str], servers, token: str) -> None:
    readers = Readers([ws_url(s) for s in servers for _ in range(args.readers)], servers[0].url)
    readers.start()
    print(f"{readers.connected} readers connected", flush=True)
    lag_before = [lag_buckets(s.url) for s in servers]
    poster = Poster(servers[1].url, token, args.pace)
    poster.start()
    time.sleep(2)  # the posts' steady state, before

    rename_took, rename_at = timed(env, RENAME_CITY.format(slug=SLUG, name=NEW_NAME))
    renamed = readers.wait_for(NEW_NAME, 30)
    correct_took, correct_at = timed(env, CORRECT_SPEAKER.format(title=NEW_TITLE))
    corrected = readers.wait_for(NEW_TITLE, 30)
    time.sleep(2)  # the posts' steady state, after
    poster.done.set()
    poster.join(30)
    lags = [lag_p99(before, lag_buckets(s.url)) for before, s in zip(lag_before, servers, strict=True)]

    rows = [
        ("entries in the city, readers", f"{args.entries:,}, {readers.connected} on 2 workers"),
        ("city renamed: transaction", f"{rename_took * 1000:.0f} ms"),
        (
            "city renamed: every reader has it",
            f"{len(renamed)}/{readers.connected} within"
            f" {1000 * (max(renamed, default=time.time()) - rename_at):.0f} ms of the commit",
        ),
        ("speaker corrected: transaction", f"{correct_took * 1000:.0f} ms"),
        (
            "speaker corrected: every reader has it",
            f"{len(corrected)}/{readers.connected}"
            f" within {1000 * (max(corrected, default=time.time()) - correct_at):.0f} ms of the commit",
        ),
        (
            "other editor's POSTs: p50 / p99 / max",
            "{:.0f} / {:.0f} / {:.0f} ms".format(
                *(1000 * percentile(poster.latencies, p) for p in (50, 99, 100))
            )
            + f" ({len(poster.latencies)} POSTs, {len(poster.failures)} failed)",
        ),
        ("event-loop lag p99, worker 1", lags[0]),
        ("event-loop lag p99, worker 2", lags[1]),
        ("resets received by readers", str(readers.resets)),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    if poster.failures:
        print("POST failures:", json.dumps(poster.failures[:5]))


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.renames", description=__doc__)
    parser.add_argument("--entries", type=int, default=20000, help="entries in the city renamed")
    parser.add_argument("--readers", type=int, default=200, help="readers on each of the two workers")
    parser.add_argument("--pace", type=float, default=0.2, help="seconds between the other editor's posts")
    parser.add_argument("--database-url", default=DATABASE_URL, help="dropped and created afresh")
    return parser.parse_args(argv)


if __name__ == "__main__":
    main()
