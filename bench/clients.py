"""The readers: client processes, each holding many WebSocket connections on one asyncio loop and
noting when every entry.created frame reaches every connection.

The readers live in processes of their own so that the clients' CPU is not the server's, and
several of them so that one client loop does not become the bottleneck it is meant to measure.
With ``resume`` they behave like the reader page when the server goes away: reconnect with
jittered exponential backoff and ``?after=<last seq applied>``."""

import asyncio
import json
import multiprocessing
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from .proc import child_setup, next_command, now
from .wire import WireReader, open_reader


@dataclass(frozen=True)
class ReaderPlan:
    """What one client process does: reader ``i`` connects to ``urls[i % len(urls)]``."""

    urls: tuple[str, ...]
    origins: tuple[str, ...]
    indexes: tuple[int, ...]
    concurrency: int  # handshakes in flight at once in this process
    open_timeout: float
    resume: bool = False  # reconnect when the server drops the connection, as the page does
    resume_timeout: float = 60.0  # seconds from a drop after which a reader gives up


@dataclass
class ReaderResult:
    index: int
    hello_seq: int | None = None
    got: list[tuple[int, float]] = field(default_factory=list)  # (seq, receive time) of entries
    other: list[str] = field(default_factory=list)  # frame types that should not have come
    error: str | None = None
    epoch: str | None = None
    applied: int = 0  # the highest seq received: what a reconnection resumes after
    drops: list[float] = field(default_factory=list)  # when the server dropped the connection
    resumed: list[float] = field(default_factory=list)  # when a reconnection's hello arrived
    retries: int = 0  # reconnection attempts that failed (the server was not back yet)
    retry_errors: Counter[str] = field(default_factory=Counter)


@dataclass
class ConnectReport:
    ok: int
    failed: int
    started: float
    finished: float
    errors: dict[str, int]


# Frames of the feed begin {"type":"…","seq":N: reading that much is enough to classify them,
# and spares the clients from parsing ~1 KiB of JSON per frame (their CPU is shared with the server).
_HEAD = re.compile(rb'\{"type":\s*"([^"]+)",\s*"seq":\s*(\d+)')


def frame_head(message: bytes) -> tuple[str, int | None]:
    match = _HEAD.match(message)
    if match:
        return match[1].decode(), int(match[2])
    frame = json.loads(message)  # hello, readers, reset: rare and small
    return str(frame.get("type")), frame.get("seq")


# The reader page's reconnection (liveblog/static/liveblog/js/reader.js): the ceiling starts at
# 0.5 s and doubles per failed attempt up to 30 s; each delay is drawn from 50-100% of it, so that
# thousands of pages dropped at once do not come back at once.
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 30.0


def backoff(attempt: int) -> float:
    ceiling = min(BACKOFF_MAX, BACKOFF_FIRST * 2**attempt)
    return ceiling / 2 + random.random() * ceiling / 2


def resume_url(url: str, result: ReaderResult) -> str:
    epoch = f"&epoch={result.epoch}" if result.epoch else ""  # the page sends the epoch it shows
    return f"{url.split('?')[0]}?after={result.applied}{epoch}"


def run_worker(conn: Connection, plan: ReaderPlan) -> None:
    child_setup()
    asyncio.run(Worker(conn, plan).run())


class Worker:
    """One client process: connect the planned readers, listen, report when asked."""

    def __init__(self, conn: Connection, plan: ReaderPlan):
        self.conn, self.plan = conn, plan
        self.results = {i: ReaderResult(i) for i in plan.indexes}
        self.connected = 0  # readers whose first hello arrived: every frame must reach them all
        self.counts: Counter[int] = Counter()
        self.listeners: set[asyncio.Task] = set()
        self.finishing = False

    async def run(self) -> None:
        self.conn.send(("connected", await self._connect_all()))
        while await next_command(self.conn) != "report":
            pass
        self.finishing = True
        self.conn.send(("report", list(self.results.values())))
        for task in self.listeners:
            task.cancel()  # the process exits next; the kernel closes the sockets

    async def _connect_all(self) -> ConnectReport:
        gate = asyncio.Semaphore(self.plan.concurrency)
        started = now()
        await asyncio.gather(*(self._open(index, gate) for index in self.plan.indexes))
        errors = Counter(r.error for r in self.results.values() if r.error)
        return ConnectReport(self.connected, sum(errors.values()), started, now(), dict(errors))

    async def _open(self, index: int, gate: asyncio.Semaphore) -> None:
        result = self.results[index]
        async with gate:
            try:
                ws, hello = await self._handshake(result, self._url(index))
            except Exception as exc:
                result.error = describe(exc)
                return
        result.hello_seq = result.applied = hello["seq"]
        result.epoch = hello.get("epoch")
        self.connected += 1
        task = asyncio.ensure_future(self._listen(ws, result))
        self.listeners.add(task)

    def _url(self, index: int) -> str:
        return self.plan.urls[index % len(self.plan.urls)]

    async def _handshake(self, result: ReaderResult, url: str) -> tuple[WireReader, dict]:
        """Connect; a reader counts as connected once its hello arrived: then the page is live.
        Every message after the hello is noted as it arrives."""
        hello: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        ws: WireReader | None = None

        def on_message(message: bytes, received: float) -> None:
            if not hello.done():
                hello.set_result(message)
            else:
                self._note(ws, result, message, received)

        try:
            async with asyncio.timeout(self.plan.open_timeout):
                ws = await open_reader(url, self.plan.origins[result.index % len(self.plan.urls)], on_message)
                first = json.loads(await hello)  # small, and its epoch is needed to resume
            if first.get("type") != "hello" or not isinstance(first.get("seq"), int):
                raise RuntimeError(f"the first frame was {first.get('type')!r}, not hello")
            return ws, first
        except BaseException:
            if ws is not None:
                ws.abort()
            raise

    def _note(self, ws: WireReader | None, result: ReaderResult, message: bytes, received: float) -> None:
        kind, seq = frame_head(message)
        if kind == "entry.created" and seq is not None:
            result.got.append((seq, received))
            if seq > result.applied:  # a repeat or a late one is not news; a gap shows later
                result.applied = seq
                self._tally(seq)
        elif kind != "readers":
            result.other.append(kind)
            if kind == "reset" and ws is not None:
                ws.close_reason = "reset by the server"  # the page would reload, not reconnect
                ws.abort()

    async def _listen(self, ws: WireReader, result: ReaderResult) -> None:
        while True:
            error = await ws.closed
            if self.finishing:
                return
            if not self.plan.resume or error.startswith("reset"):
                result.error = error
                return
            result.drops.append(now())
            resumed = await self._resume(result)
            if resumed is None:
                return
            ws = resumed

    async def _resume(self, result: ReaderResult) -> WireReader | None:
        """Reconnect as the page does until a hello arrives or ``resume_timeout`` passes."""
        deadline = now() + self.plan.resume_timeout
        attempt, last_error = 0, "no attempt"
        while now() < deadline and not self.finishing:
            await asyncio.sleep(min(backoff(attempt), max(0.0, deadline - now())))
            attempt += 1
            try:
                ws, _ = await self._handshake(result, resume_url(self._url(result.index), result))
            except Exception as exc:
                last_error = describe(exc)
                result.retries += 1
                result.retry_errors[last_error.split(":")[0]] += 1
                continue
            result.resumed.append(now())
            return ws
        if not self.finishing:
            result.error = f"did not resume within {self.plan.resume_timeout:g} s: {last_error}"[:160]
        return None

    def _tally(self, seq: int) -> None:
        # The bench process waits for this before the next round.
        self.counts[seq] += 1
        if self.counts[seq] == self.connected:
            self.conn.send(("got", seq))


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:120]


class Fleet:
    """The bench process's side of the client processes."""

    def __init__(self, plans: list[ReaderPlan]):
        context = multiprocessing.get_context("spawn")  # a clean interpreter, no inherited loop
        self.conns: list[Connection] = []
        self.procs: list[multiprocessing.process.BaseProcess] = []
        for plan in plans:
            ours, theirs = context.Pipe()
            proc = context.Process(target=run_worker, args=(theirs, plan), daemon=True)
            proc.start()
            theirs.close()
            self.conns.append(ours)
            self.procs.append(proc)
        self.finished: Counter[int] = Counter()  # seq: client processes whose readers all have it
        self.replies: dict[str, list[Any]] = {"connected": [], "report": []}

    @staticmethod
    def plans(
        urls: list[str],
        readers: int,
        procs: int,
        concurrency: int,
        timeout: float,
        resume: bool = False,
        resume_timeout: float = 60.0,
    ) -> list[ReaderPlan]:
        origins = tuple(url.replace("ws://", "http://").split("/ws/")[0] for url in urls)
        return [
            ReaderPlan(
                tuple(urls),
                origins,
                tuple(range(p, readers, procs)),
                concurrency,
                timeout,
                resume,
                resume_timeout,
            )
            for p in range(procs)
        ]

    @property
    def pids(self) -> list[int]:
        return [proc.pid for proc in self.procs if proc.pid is not None]

    def wait_connected(self, timeout: float) -> list[ConnectReport] | None:
        if not self._pump(lambda: len(self.replies["connected"]) == len(self.conns), timeout):
            return None
        return self.replies["connected"]

    def wait_round(self, seq: int, timeout: float) -> bool:
        return self._pump(lambda: self.finished[seq] == len(self.conns), timeout)

    def collect(self, timeout: float = 60) -> list[ReaderResult]:
        for conn in self.conns:
            conn.send("report")
        if not self._pump(lambda: len(self.replies["report"]) == len(self.conns), timeout):
            raise RuntimeError("the client processes did not report in time")
        return [result for report in self.replies["report"] for result in report]

    def _pump(self, done, timeout: float) -> bool:
        """Handle the client processes' messages until ``done()`` or the timeout."""
        deadline = now() + timeout
        while not done():
            left = deadline - now()
            if left <= 0:
                return False
            for conn in wait(self.conns, left):
                try:
                    kind, payload = conn.recv()
                except EOFError:
                    raise RuntimeError("a client process died; see its traceback above") from None
                if kind == "got":
                    self.finished[payload] += 1
                else:
                    self.replies[kind].append(payload)
        return True

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join()
