"""The floors: the least a WebSocket server can do for the same readers. A bare ``websockets``
server that sends one pre-built frame to every connection with ``broadcast()`` (the least a Python
server can do), and the same with Node.js and its ``ws`` package (floor.js). Liveblog's figures
divided by a floor's say how much of them is Liveblog's own."""

import asyncio
import contextlib
import json
import multiprocessing
import select
import shutil
import subprocess
from multiprocessing.connection import Connection
from pathlib import Path

from websockets.asyncio.server import ServerConnection, broadcast, serve

from .proc import child_setup, next_command


def entry_frame(seq: int, size: int) -> str:
    """A frame shaped like Liveblog's entry.created (type and seq first), padded to ``size``."""
    empty = json.dumps({"type": "entry.created", "seq": seq, "epoch": "floor", "entry": {"body": ""}})
    return empty.replace('"body": ""', '"body": "' + "x" * max(0, size - len(empty)) + '"')


class Floor:
    def __init__(self, conn: Connection, frame_bytes: int):
        self.conn, self.frame_bytes = conn, frame_bytes
        self.clients: set[ServerConnection] = set()

    async def serve(self, port: int) -> None:
        # compression=None: Liveblog's Daphne does not compress either.
        async with serve(self._handler, "127.0.0.1", port, compression=None):
            self.conn.send(("ready", port))
            while (command := await next_command(self.conn))[0] == "broadcast":
                # Built once per round and sent as the same text to all, as Liveblog's hub does.
                broadcast(self.clients, entry_frame(command[1], self.frame_bytes))

    async def _handler(self, ws: ServerConnection) -> None:
        await ws.send(json.dumps({"type": "hello", "event": "floor", "seq": 0, "readers": 0}))
        self.clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            self.clients.discard(ws)


def run_floor(conn: Connection, port: int, frame_bytes: int) -> None:
    child_setup()
    asyncio.run(Floor(conn, frame_bytes).serve(port))


class FloorServer:
    """The bench process's handle on the floor server process."""

    def __init__(self, port: int, frame_bytes: int):
        context = multiprocessing.get_context("spawn")
        self.conn, theirs = context.Pipe()
        self.proc = context.Process(target=run_floor, args=(theirs, port, frame_bytes), daemon=True)
        self.proc.start()
        theirs.close()
        if not self.conn.poll(30) or self.conn.recv()[0] != "ready":
            self.stop()
            raise RuntimeError("the floor server did not start")
        self.url = f"ws://127.0.0.1:{port}/ws/floor/?after=0"

    def trigger(self, seq: int) -> None:
        self.conn.send(("broadcast", seq))

    def stop(self) -> None:
        if self.proc.is_alive():
            self.conn.send(("stop",))
            self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()


BENCH = Path(__file__).resolve().parent
NODE_INSTALL = "apt-get install -y nodejs npm  (Debian/Ubuntu)"


class FloorUnavailable(RuntimeError):
    """The Node.js floor cannot run here (no node or npm); the message says how to get them."""


def install_ws() -> None:
    """bench/node_modules from bench/package-lock.json (`npm ci`), when it is not there yet."""
    if (BENCH / "node_modules" / "ws" / "package.json").exists():
        return
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise FloorUnavailable(f"node and npm are not installed: {NODE_INSTALL}")
    done = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund"], cwd=BENCH, capture_output=True, text=True, timeout=300
    )
    if done.returncode:
        raise FloorUnavailable(f"npm ci in bench/ failed:\n{done.stdout}{done.stderr}")


class NodeFloorServer:
    """The bench process's handle on floor.js: a bare Node.js ``ws`` server doing what Floor does,
    for the same clients. Its process is node itself, so its CPU is read as the others' are."""

    def __init__(self, port: int, frame_bytes: int):
        install_ws()
        self.proc = subprocess.Popen(
            ["node", str(BENCH / "floor.js"), str(port), str(frame_bytes)],
            cwd=BENCH,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            preexec_fn=child_setup,
        )
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        if not ready or not self.proc.stdout.readline().startswith("ready"):
            self.stop()
            raise RuntimeError("the Node.js floor server did not start")
        self.url = f"ws://127.0.0.1:{port}/ws/floor/?after=0"

    def trigger(self, seq: int) -> None:
        self.proc.stdin.write(f"broadcast {seq}\n")
        self.proc.stdin.flush()

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(BrokenPipeError):
                self.proc.stdin.close()  # floor.js exits at the end of its input
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
