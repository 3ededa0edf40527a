"""Redis killed (SIGKILL) under a running site: what health checks, pages and editors get while
it is gone, and how soon readers equal the database once it is back.

    .venv/bin/python -m bench.redis_outage [--outage 60]

Two workers (bin/serve) on SQLite and a Redis of the run's own. A checker asks each worker's
/healthz every second, a page loader fetches the reader page of each and the home page in turn,
an editor posts an entry through the first worker every second, and a reader holds a WebSocket
on the second. After a few seconds Redis is killed; --outage seconds later a new one starts on
the same port; then one more entry is posted and the run waits until the reader has every
change the database has. Prints figures only (the suite's short version asserts them)."""

import argparse
import json
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from websockets.sync.client import connect

from deploy.launch import serving

from .faults import RedisProcess
from .figures import percentile
from .target import SLUG, bench_env, head_seq, prepare_database


@dataclass
class Sample:
    at: float  # time.monotonic() when the request started
    what: str  # "health", "page" or "post"
    status: int  # 0: no answer (refused, reset, timed out)
    seconds: float
    body: dict = field(default_factory=dict)


# How long a probe waits for an answer, as a load balancer's health check does (Kubernetes: 1 s,
# docker-compose.yml: 5 s): an answer that comes later is no answer.
PATIENCE = 2.0


def request(url: str, *, token: str = "", data: dict | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Token {token}"} if token else {})
    body = json.dumps(data).encode() if data is not None else None
    try:
        with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=PATIENCE) as response:
            text = response.read()
            json_answer = response.headers.get_content_type() == "application/json"
            return response.status, json.loads(text) if json_answer else {}
    except urllib.error.HTTPError as error:
        return error.code, {}
    except OSError:  # refused, reset, or no answer within PATIENCE
        return 0, {}


class Probes:
    """Threads that keep asking the workers, each at its own pace, until ``stop()``."""

    def __init__(self, posting: str, reading: str, token: str) -> None:
        self.posting, self.reading, self.token = posting, reading, token
        self.samples: list[Sample] = []
        self.posted: dict[int, float] = {}  # entry id: when its POST started
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._every, args=(1.0, self._health), daemon=True),
            threading.Thread(target=self._every, args=(0.2, self._page), daemon=True),
            threading.Thread(target=self._every, args=(1.0, self.post), daemon=True),
        ]
        self._pages = [f"{posting}/events/{SLUG}/", f"{reading}/events/{SLUG}/", f"{reading}/"]
        self._turn = 0

    def start(self) -> "Probes":
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def post(self) -> None:
        url = f"{self.posting}/api/events/{SLUG}/entries/"
        started = time.monotonic()
        status, body = self._time("post", lambda: request(url, token=self.token, data=self._entry()))
        if status == 201:
            self.posted[body["id"]] = started

    def _entry(self) -> dict:
        return {"body": f"Posted at {time.monotonic():.3f} by the outage bench.", "city": "paris"}

    def _every(self, interval: float, probe: Callable[[], object]) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            probe()
            self._stop.wait(max(0.0, interval - (time.monotonic() - started)))

    def _health(self) -> None:
        for url in (f"{self.posting}/healthz", f"{self.reading}/healthz"):
            self._time("health", lambda url=url: request(url))

    def _page(self) -> None:
        url = self._pages[self._turn % len(self._pages)]
        self._turn += 1
        self._time("page", lambda: request(url))

    def _time(self, what: str, call: Callable[[], tuple[int, dict]]) -> tuple[int, dict]:
        started = time.monotonic()
        status, body = call()
        self.samples.append(Sample(started, what, status, time.monotonic() - started, body))
        return status, body


class Reader:
    """A reader's WebSocket on a thread: when each entry reached it, and the last seq it has."""

    def __init__(self, base: str, after: int) -> None:
        self.url = base.replace("http://", "ws://") + f"/ws/events/{SLUG}/?after={after}"
        self.origin = base
        self.seqs: list[int] = []
        self.received: dict[int, float] = {}  # entry id: when its frame arrived
        self.hello = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)

    def start(self) -> "Reader":
        self._thread.start()
        if not self.hello.wait(30):
            raise RuntimeError("the reader got no hello")
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def has_all(self, head: int) -> bool:
        return bool(self.seqs) and self.seqs[-1] >= head and self.seqs == sorted(set(self.seqs))

    def _read(self) -> None:
        with connect(self.url, origin=self.origin) as ws:  # type: ignore[arg-type]
            while not self._stop.is_set():
                try:
                    frame = json.loads(ws.recv(timeout=0.2))
                except TimeoutError:
                    continue
                if frame["type"] == "hello":
                    self.hello.set()
                elif "seq" in frame:
                    self.seqs.append(frame["seq"])
                    if frame["type"] == "entry.created":
                        self.received[frame["entry"]["id"]] = time.monotonic()


@dataclass
class Outage:
    """What one outage cost. Times in seconds, from time.monotonic()."""

    killed: float
    returned: float
    samples: list[Sample]
    posted: dict[int, float]
    received: dict[int, float]
    resubscribed: float | None  # after the return
    converged: float | None  # after the return: the reader has every change the database has
    redis_seen_unavailable: bool

    def during(self, what: str) -> list[Sample]:
        return [s for s in self.samples if s.what == what and self.killed <= s.at < self.returned]

    def share_ok(self, what: str, *, window: str = "during") -> tuple[int, int]:
        samples = self.during(what) if window == "during" else [s for s in self.samples if s.what == what]
        ok = sum(200 <= s.status < 300 for s in samples)
        return ok, len(samples)

    def delivery_during(self) -> list[float]:
        """Seconds from each POST made while Redis was gone to the reader's having the entry."""
        return sorted(
            self.received[entry] - at
            for entry, at in self.posted.items()
            if self.killed <= at < self.returned and entry in self.received
        )


def watch_return(reader: Reader, reading: str, head: int, timeout: float = 60) -> tuple[float | None, ...]:
    """When (time.monotonic()) the reading worker had subscribed again, and when the reader had
    every change up to ``head``; None for what did not happen within ``timeout``."""
    resubscribed = converged = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and None in (resubscribed, converged):
        if converged is None and reader.has_all(head):
            converged = time.monotonic()
        if resubscribed is None and subscription(reading) == "up":
            resubscribed = time.monotonic()
        time.sleep(0.02)
    return resubscribed, converged


def since(start: float, end: float | None) -> float | None:
    return None if end is None else end - start


def subscription(base: str) -> str:
    return request(f"{base}/healthz")[1].get("subscription", "")


def outage(posting: str, reading: str, token: str, redis: RedisProcess, seconds: float) -> Outage:
    """Kill ``redis`` for ``seconds`` under load (``Probes``) and a reader on ``reading``; start it
    again, and measure until the reader equals the database (at most 60 s)."""
    reader = Reader(reading, head_seq(posting)).start()
    deadline = time.monotonic() + 30
    while subscription(reading) != "up":
        if time.monotonic() > deadline:
            raise RuntimeError("the reading worker never subscribed")
        time.sleep(0.1)
    probes = Probes(posting, reading, token).start()
    try:
        time.sleep(3)  # the probes' figures before the outage, for comparison
        killed = time.monotonic()
        redis.kill()
        time.sleep(seconds)
        redis.start()
        returned = time.monotonic()
        probes.post()  # one more, at once, through a Redis that has just come back
        resubscribed, converged = watch_return(reader, reading, head_seq(posting))
    finally:
        probes.stop()
        reader.stop()
    unavailable = any(
        s.body.get("redis") == "unavailable" for s in probes.samples if s.what == "health" and s.at >= killed
    )
    return Outage(
        killed,
        returned,
        probes.samples,
        probes.posted,
        reader.received,
        since(returned, resubscribed),
        since(returned, converged),
        unavailable,
    )


def report(result: Outage, seconds: float) -> None:
    print(f"Redis killed (SIGKILL) for {seconds:g} s under two workers; then started again on its port\n")
    print(f"  {'during the outage':<34}{'answered 2xx':>16}{'p50':>10}{'p99':>10}{'max':>10}")
    for what, label in (
        ("health", "/healthz (each worker, 1/s)"),
        ("page", "pages (reader, home)"),
        ("post", "editor POSTs (1/s)"),
    ):
        ok, total = result.share_ok(what)
        times = sorted(s.seconds * 1000 for s in result.during(what))
        share = f"{ok}/{total} ({100 * ok / total:.0f} %)" if total else "none"
        figures = [f"{percentile(times, p):.0f} ms" if times else "-" for p in (50, 99, 100)]
        print(f"  {label:<34}{share:>16}{figures[0]:>10}{figures[1]:>10}{figures[2]:>10}")
    seen = "yes" if result.redis_seen_unavailable else "no"
    print(f"\n  /healthz said redis 'unavailable' during the outage: {seen}")
    delivery = result.delivery_during()
    if delivery:
        posted = sum(1 for at in result.posted.values() if result.killed <= at < result.returned)
        print(
            f"  entries posted during the outage reached the reader (database's periodic check): "
            f"{len(delivery)}/{posted}, "
            f"median {statistics.median(delivery):.1f} s, max {delivery[-1]:.1f} s after their POST"
        )
    for label, value in (
        ("subscribed again", result.resubscribed),
        ("reader equal to the database", result.converged),
    ):
        print(
            f"  {label}: "
            + (f"{value:.2f} s after Redis returned" if value is not None else "not within 60 s")
        )
    ok, total = result.share_ok("health", window="all")
    print(f"\n  whole run: /healthz {ok}/{total} answered 200 (a probe waits {PATIENCE:g} s for its answer)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outage", type=float, default=60, help="seconds Redis stays dead (60)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="redis-outage-") as tmp, ExitStack() as stack:
        redis = RedisProcess().start()
        stack.callback(redis.stop)
        env = bench_env(Path(tmp), None, f"redis://127.0.0.1:{redis.port}/0")
        token = prepare_database(env, Path(tmp))
        posting = stack.enter_context(serving(env, Path(tmp) / "posting.log")).url
        reading = stack.enter_context(serving(env, Path(tmp) / "reading.log")).url
        report(outage(posting, reading, token, redis, args.outage), args.outage)
        print(f"\n  command: python -m bench.redis_outage --outage {args.outage:g}")


if __name__ == "__main__":
    main()
