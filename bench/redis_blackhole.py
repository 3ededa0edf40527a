"""Redis black-holed (packets dropped, nothing reset) under a running site: when the workers
notice, how soon the subscription is made again once Redis answers, and how fast delivery is
afterwards.

    .venv/bin/python -m bench.redis_blackhole [--duration 600] [--posts 50]

Two workers (bin/serve) on SQLite reach a Redis of the run's own through a proxy
(bench/faults.py) that stops forwarding without closing anything, as a network that drops every
packet does. Settings are production's defaults: a ping through the subscription every 5 s, a
new subscription after 15 s without an answer, the database's check every 5 s. A reader holds a
WebSocket on the second worker; entries are posted through the first: some before (the
baseline), one every 5 s while Redis is unreachable, and --posts after the subscription is back.
Prints figures only."""

import argparse
import re
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from deploy.launch import serving

from .faults import BlackHole, RedisProcess
from .figures import percentile
from .redis_outage import Reader, request, subscription
from .target import SLUG, bench_env, head_seq, prepare_database


class Editor:
    """Posts through one worker; when each POST started and how long it took."""

    def __init__(self, base: str, token: str) -> None:
        self.url, self.token = f"{base}/api/events/{SLUG}/entries/", token
        self.started: dict[int, float] = {}  # entry id: when its POST started
        self.took: list[float] = []
        self.failed = 0

    def post(self, label: str) -> int | None:
        started = time.monotonic()
        status, body = request(self.url, token=self.token, data={"body": f"{label} entry.", "city": "paris"})
        self.took.append(time.monotonic() - started)
        if status != 201:
            self.failed += 1
            return None
        self.started[body["id"]] = started
        return body["id"]


def delivery(editor: Editor, reader: Reader, entries: list[int], timeout: float = 30) -> list[float]:
    """Seconds from each entry's POST to the reader's having it, sorted; waits for them all."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(e in reader.received for e in entries):
        time.sleep(0.05)
    return sorted(reader.received[e] - editor.started[e] for e in entries if e in reader.received)


def post_some(editor: Editor, count: int, every: float, label: str) -> list[int]:
    entries = []
    for _ in range(count):
        entry = editor.post(label)
        if entry is not None:
            entries.append(entry)
        time.sleep(every)
    return entries


def metric(base: str, name: str) -> float:
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
        found = re.search(rf"^{name} (\S+)$", response.read().decode(), re.MULTILINE)
    return float(found[1]) if found else float("nan")


def wait_state(base: str, state: str, timeout: float) -> float | None:
    """When (time.monotonic()) the worker's /healthz named its subscription ``state``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if subscription(base) == state:
            return time.monotonic()
        time.sleep(0.1)
    return None


def summary(seconds: list[float], expected: int, done: str = "arrived") -> str:
    if not seconds:
        return f"0/{expected} {done}"
    ms = [s * 1000 for s in seconds]
    return (
        f"{len(ms)}/{expected} {done}; p50 {percentile(ms, 50):.0f} ms, p99 {percentile(ms, 99):.0f} ms, "
        f"max {ms[-1]:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=600, help="seconds black-holed (600)")
    parser.add_argument("--posts", type=int, default=50, help="entries posted after the return (50)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="redis-blackhole-") as tmp, ExitStack() as stack:
        redis = RedisProcess().start()
        stack.callback(redis.stop)
        proxy = BlackHole(redis.port).start()
        stack.callback(proxy.close)
        env = bench_env(Path(tmp), None, f"redis://127.0.0.1:{proxy.port}/0")
        token = prepare_database(env, Path(tmp))
        log = Path(tmp) / "reading.log"
        posting = stack.enter_context(serving(env, Path(tmp) / "posting.log")).url
        reading = stack.enter_context(serving(env, log)).url
        reader = Reader(reading, head_seq(posting)).start()
        stack.callback(reader.stop)
        if wait_state(reading, "up", 30) is None:
            raise RuntimeError("the reading worker never subscribed")
        editor = Editor(posting, token)
        baseline = delivery(editor, reader, post_some(editor, 10, 0.5, "Baseline"))

        proxy.black_hole()
        cut = time.monotonic()
        noticed = wait_state(reading, "down", 60)
        during: list[int] = []
        took_before = len(editor.took)
        while time.monotonic() - cut < args.duration:
            during += post_some(editor, 1, 0, "Black-holed")
            time.sleep(max(0.0, min(5.0, args.duration - (time.monotonic() - cut))))
        took_during = sorted(editor.took[took_before:])
        failed_during = editor.failed
        silent = metric(reading, "liveblog_redis_subscription_silent_seconds")
        age = metric(reading, "liveblog_redis_subscription_age_seconds")
        fallback = delivery(editor, reader, during)

        proxy.resume()
        back = time.monotonic()
        resubscribed = wait_state(reading, "up", 120)
        after = delivery(editor, reader, post_some(editor, args.posts, 0.2, "After"))
        lines = log.read_text(errors="replace").splitlines()

    warned = sum("WARNING" in line and "Redis subscription lost" in line for line in lines)
    recovered = sum("INFO" in line and "after it was lost" in line for line in lines)
    print(f"Redis black-holed for {args.duration:g} s (packets dropped, nothing reset) under two workers\n")
    print(f"  before: post to reader                 {summary(baseline, 10)}")
    print(f"  noticed by the reading worker          {_after(noticed, cut, 'after the cut')}")
    print(f"  at the end: subscription silent for    {silent:.0f} s, age {age:.0f} s (from /metrics)")
    print(f"  during: POST response                  {summary(took_during, len(took_during), 'answered')}")
    print(f"  during: POSTs that failed              {failed_during}")
    print(f"  during: post to reader (database)      {summary(fallback, len(during))}")
    print(f"  subscribed again                       {_after(resubscribed, back, 'after Redis answered')}")
    print(f"  after: post to reader                  {summary(after, args.posts)}")
    print(f"  reading worker's log                   {warned} 'lost' warning(s), {recovered} 'again'")
    print(f"\n  command: python -m bench.redis_blackhole --duration {args.duration:g} --posts {args.posts}")


def _after(at: float | None, start: float, what: str) -> str:
    return f"{at - start:.1f} s {what}" if at is not None else "never"


if __name__ == "__main__":
    main()
