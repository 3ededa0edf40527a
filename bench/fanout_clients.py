"""The readers: client processes, each holding many WebSocket connections on one asyncio loop and
noting when every entry.created frame reaches every connection.

The readers live in processes of their own so that the clients' CPU is not the server's, and
several of them so that one client loop does not become the bottleneck it is meant to measure."""

import asyncio
import json
import multiprocessing
import re
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from fanout_proc import child_setup, next_command, now
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed


@dataclass(frozen=True)
class ReaderPlan:
    """What one client process does: reader ``i`` connects to ``urls[i % len(urls)]``."""

    urls: tuple[str, ...]
    origins: tuple[str, ...]
    indexes: tuple[int, ...]
    concurrency: int  # handshakes in flight at once in this process
    open_timeout: float


@dataclass
class ReaderResult:
    index: int
    hello_seq: int | None = None
    got: list[tuple[int, float]] = field(default_factory=list)  # (seq, receive time) of entries
    other: list[str] = field(default_factory=list)  # frame types that should not have come
    error: str | None = None


@dataclass
class ConnectReport:
    ok: int
    failed: int
    started: float
    finished: float
    errors: dict[str, int]


# Frames of the feed begin {"type":"…","seq":N: reading that much is enough to classify them,
# and spares the clients from parsing ~1 KiB of JSON per frame (their CPU is shared with the server).
_HEAD = re.compile(r'\{"type":\s*"([^"]+)",\s*"seq":\s*(\d+)')


def frame_head(message: str) -> tuple[str, int | None]:
    match = _HEAD.match(message)
    if match:
        return match[1], int(match[2])
    frame = json.loads(message)  # hello, readers, reset: rare and small
    return str(frame.get("type")), frame.get("seq")


def run_worker(conn: Connection, plan: ReaderPlan) -> None:
    child_setup()
    asyncio.run(Worker(conn, plan).run())


class Worker:
    """One client process: connect the planned readers, listen, report when asked."""

    def __init__(self, conn: Connection, plan: ReaderPlan):
        self.conn, self.plan = conn, plan
        self.results = {i: ReaderResult(i) for i in plan.indexes}
        self.sockets: list[ClientConnection] = []
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
        return ConnectReport(len(self.sockets), sum(errors.values()), started, now(), dict(errors))

    async def _open(self, index: int, gate: asyncio.Semaphore) -> None:
        result = self.results[index]
        server = index % len(self.plan.urls)
        async with gate:
            try:
                ws = await connect(
                    self.plan.urls[server],
                    origin=self.plan.origins[server],  # the origin check rejects a missing one
                    open_timeout=self.plan.open_timeout,
                    ping_interval=None,  # browsers do not ping; the server's pings are answered
                    compression=None,  # Daphne does not accept permessage-deflate anyway
                    proxy=None,
                )
                result.hello_seq = await self._hello(ws)
            except Exception as exc:
                result.error = f"{type(exc).__name__}: {exc}"[:120]
                return
        self.sockets.append(ws)
        task = asyncio.ensure_future(self._listen(ws, result))
        self.listeners.add(task)

    async def _hello(self, ws: ClientConnection) -> int:
        """A reader counts as connected once its hello arrived: that is when the page is live."""
        try:
            async with asyncio.timeout(self.plan.open_timeout):
                kind, seq = frame_head(await ws.recv())
            if kind != "hello" or seq is None:
                raise RuntimeError(f"the first frame was {kind!r}, not hello")
            return seq
        except BaseException:
            ws.transport.abort()
            raise

    async def _listen(self, ws: ClientConnection, result: ReaderResult) -> None:
        try:
            async for message in ws:
                received = now()  # first thing: the parsing below is the client's cost
                kind, seq = frame_head(message)
                if kind == "entry.created" and seq is not None:
                    result.got.append((seq, received))
                    self._tally(seq)
                elif kind != "readers":
                    result.other.append(kind)
        except ConnectionClosed as exc:
            result.error = f"closed: {exc}"[:120]
        else:
            if not self.finishing:
                result.error = "closed by the server"

    def _tally(self, seq: int) -> None:
        # The bench process waits for this before the next round.
        self.counts[seq] += 1
        if self.counts[seq] == len(self.sockets):
            self.conn.send(("got", seq))


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
        urls: list[str], readers: int, procs: int, concurrency: int, timeout: float
    ) -> list[ReaderPlan]:
        origins = tuple(url.replace("ws://", "http://").split("/ws/")[0] for url in urls)
        return [
            ReaderPlan(tuple(urls), origins, tuple(range(p, readers, procs)), concurrency, timeout)
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
