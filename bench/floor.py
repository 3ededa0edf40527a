"""The floor: the least a Python WebSocket server can do for the same readers, a bare
``websockets`` server that sends one pre-built frame to every connection with ``broadcast()``.
Liveblog's latency divided by this one's says how much of it is Liveblog's own."""

import asyncio
import json
import multiprocessing
from multiprocessing.connection import Connection

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
