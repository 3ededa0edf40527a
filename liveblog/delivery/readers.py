"""Readers as a stream sees them: something that takes frames and says how far behind it is.

Two kinds: a socket the server adapter writes to directly (``liveblog.server.SocketReader``,
the fast path), and ``AsgiReader`` for every other case (another server, TLS, compression, a
middleware that wraps ``send``), which goes through the ASGI ``send`` in order.
"""

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

Send = Callable[[Any], Awaitable[None]]  # an ASGI send


class Reader(Protocol):
    def write(self, wire: bytes, frames: list[str]) -> int:
        """Send ``frames`` (``wire``: the same frames encoded for the socket, shared by every
        reader of a fan-out) and return the reader's backlog in bytes: what was sent to it and
        it has not received yet, as far as the reader measured it this time (0: no sign of one)."""
        ...

    def abort(self) -> None:
        """Drop the connection at once: a close frame would wait behind the backlog."""
        ...


class AsgiReader:
    """A reader reached through its ASGI ``send``: frames queue here and one task hands them to
    ``send`` in order, so that a server that makes ``send`` wait holds up this reader only.
    Its backlog is what waits here plus, where the server adapter can tell, what waits in the
    server and the kernel (``measure``)."""

    def __init__(self, send: Send, *, measure: Callable[[], int] | None = None, close: Callable[[], None]):
        self.send, self.measure, self.close = send, measure, close
        self.queue: deque[str] = deque()
        self.queued = 0  # characters waiting here; a byte count for all but non-ASCII text
        self.wake = asyncio.Event()
        self.task = asyncio.ensure_future(self._run())

    def write(self, wire: bytes, frames: list[str]) -> int:
        self.queue.extend(frames)
        self.queued += sum(map(len, frames))
        self.wake.set()
        return self.queued + (self.measure() if self.measure else 0)

    def abort(self) -> None:
        self.task.cancel()
        self.close()

    def stop(self) -> None:
        self.task.cancel()

    async def _run(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.queue:
                frame = self.queue.popleft()
                try:
                    await self.send({"type": "websocket.send", "text": frame})
                except Exception:
                    log.info("a reader's connection failed; closing it", exc_info=True)
                    self.close()
                    return
                finally:
                    self.queued -= len(frame)
