"""The one seam to Daphne, autobahn and Twisted: how Liveblog's server starts, and how a
reader's socket is written to. Nothing else in the project knows their insides; the tests that
gate an upgrade of any of the three are listed in the README ("Upgrading the server").

Start-up, through Daphne's public extension points (``CommandLineInterface.server_class``, the
server's endpoints and its WebSocket factory's options):

- The listening socket's queue holds LIVEBLOG_LISTEN_BACKLOG connections (4096, capped by the
  kernel's ``net.core.somaxconn``) instead of Twisted's 50: when a worker restarts, thousands of
  readers reconnect within a second or two, and past the queue the kernel drops their handshakes.
- ``failByDrop`` off: a client that breaks a limit (a message above
  ``--websocket-max-message-size``) gets a close frame with a reason (1009, 1002) before the
  connection drops, instead of a bare 1006.
- The message limit applies to what readers send (they have nothing to say), not to what they
  are sent: frames carry whole entries. Autobahn checks it in ``sendMessage`` for both
  directions and has no option to tell them apart, so the factory builds a protocol subclass
  that lifts it while sending.

Writing, with ``reader_for``: a reader on plain TCP without compression, whose ``send`` is
Daphne's own, is written to straight from the fan-out (``SocketReader``): frames encoded once
for every reader, one ``send()`` each, nothing through Twisted's write loop unless the kernel
did not take the whole write. Anything else (another server, TLS, compression, a middleware
that wraps ``send``) goes through the ASGI ``send`` (``AsgiReader``), its backlog measured
here wherever Daphne is underneath.

Keeping the line open: Daphne pings every connection each ``--ping-interval`` seconds and closes
one whose pong does not come within ``--ping-timeout``. A reader the fan-out wrote to since the
last check is not pinged: the frames kept the line open, and a peer that vanished under them is
found by the kernel instead (``TCP_USER_TIMEOUT``: data unacknowledged for the interval plus the
timeout closes the socket) or by the backlog bound. During an event that means no ping traffic
to 10,000 readers at all; a quiet line is pinged as before.
"""

import fcntl
import os
import socket
import sys
import termios
import time
from collections.abc import Callable, Mapping
from typing import Any

from autobahn.websocket.protocol import WebSocketProtocol as AutobahnProtocol
from daphne.cli import CommandLineInterface
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol

from liveblog.delivery.readers import AsgiReader, Reader, Send

OPEN = AutobahnProtocol.STATE_OPEN
OUTQ = termios.TIOCOUTQ if sys.platform == "linux" else None  # SIOCOUTQ for a TCP socket
USER_TIMEOUT = getattr(socket, "TCP_USER_TIMEOUT", None)  # Linux: ms data may stay unacknowledged
SCOPE_KEY = "liveblog.connection"  # where the scope carries Daphne's protocol for the socket
# Bytes written straight to a socket between two readings of its kernel send queue: a reader
# that stopped reading is found at most this far past LIVEBLOG_READER_BUFFER, and a reader that
# keeps up costs one ioctl per this many bytes instead of one per frame.
MEASURE_EVERY = 64 * 1024


class SocketReader:
    """A reader written to straight from the fan-out: to its socket whenever nothing is queued
    before the frames, else through Twisted's buffer, which keeps them in order."""

    __slots__ = ("protocol", "transport", "send", "fileno", "unmeasured", "written")

    def __init__(self, protocol: Any) -> None:
        self.protocol, self.transport = protocol, protocol.transport
        self.send = self.transport.socket.send
        self.fileno = self.transport.socket.fileno()
        self.unmeasured = 0
        self.written = False  # since the last ping check: see ReaderProtocol.check_timeouts
        server = protocol.server
        give_up = (server.ping_interval + server.ping_timeout) * 1000
        if USER_TIMEOUT:
            self.transport.socket.setsockopt(socket.IPPROTO_TCP, USER_TIMEOUT, int(give_up))
        protocol.socket_reader = self

    def write(self, wire: bytes, frames: list[str]) -> int:
        transport = self.transport
        if self.protocol.state != OPEN:
            return 0  # closing: frames after a close frame break the protocol; it leaves soon
        self.written = True
        if not transport.dataBuffer and not transport._tempDataLen:
            try:
                sent = self.send(wire)
            except OSError:
                sent = 0  # full, or broken: Twisted's write path finds out which, and closes
            if sent == len(wire):
                self.unmeasured += sent
                if self.unmeasured < MEASURE_EVERY:
                    return 0
                self.unmeasured = 0
                return kernel_queue(self.fileno)
            wire = wire[sent:]
        transport.write(wire)
        return self.backlog()

    def backlog(self) -> int:
        return twisted_backlog(self.transport)

    def abort(self) -> None:
        self.transport.abortConnection()


def reader_for(scope: Mapping[str, Any], send: Send, *, close: Callable[[], None]) -> Reader:
    """The fastest way to reach this reader. ``close`` ends the connection from the ASGI side."""
    protocol = scope.get("extensions", {}).get(SCOPE_KEY)
    transport = _tcp_transport(protocol)
    if transport is None:
        return AsgiReader(send, close=close)  # another server, or a test's in-process client
    if _is_daphnes_own(send, protocol) and protocol.transport is transport and not _compressed(protocol):
        return SocketReader(protocol)

    def abort() -> None:
        transport.abortConnection()

    # Through ``send``, with Daphne underneath to measure the backlog and to abort.
    return AsgiReader(send, measure=lambda: twisted_backlog(transport), close=abort)


def twisted_backlog(transport: Any) -> int:
    """Bytes sent to a reader that it has not received: in Twisted's buffer, and in the
    kernel's send queue (which grows to megabytes for a reader that stopped reading)."""
    socket = getattr(transport, "socket", None)  # gone once the connection is lost
    queued = kernel_queue(socket.fileno()) if socket is not None else 0
    return len(transport.dataBuffer) + transport._tempDataLen + queued


_queued = bytearray(4)


def kernel_queue(fileno: int) -> int:
    """Bytes in a socket's send queue: not yet sent, or sent and not yet acknowledged."""
    if not OUTQ or fileno < 0:
        return 0
    try:
        fcntl.ioctl(fileno, OUTQ, _queued)
    except OSError:
        return 0  # closed meanwhile: the disconnect handler removes the reader
    return int.from_bytes(_queued, sys.byteorder)


def _tcp_transport(protocol: Any) -> Any:
    """The TCP transport under Daphne's WebSocket protocol, under TLS too; None elsewhere."""
    transport = getattr(protocol, "transport", None)
    for _ in range(3):  # TLS wraps the TCP transport once
        if all(hasattr(transport, name) for name in ("dataBuffer", "_tempDataLen", "socket")):
            return transport
        transport = getattr(transport, "transport", None)
    return None


def _is_daphnes_own(send: Send, protocol: Any) -> bool:
    """Whether ``send`` is the one Daphne made for this protocol, not a middleware's wrapper."""
    return getattr(send, "args", None) == (protocol,)


def _compressed(protocol: Any) -> bool:
    return protocol._perMessageCompress is not None


class ReaderProtocol(WebSocketProtocol):
    maxMessagePayloadSize: int  # set from the factory's options on each connection
    socket_reader: SocketReader | None = None  # set when the fan-out writes to it directly

    def check_timeouts(self) -> None:
        """Daphne's periodic check (timeouts, and a ping once ``ping_interval`` has passed since
        the last): frames written since the previous check count as that ping."""
        reader = self.socket_reader
        if reader is not None and reader.written:
            reader.written = False
            self.last_ping = time.time()
        super().check_timeouts()

    def sendMessage(self, *args: Any, **kwargs: Any) -> None:
        # sendMessage writes synchronously, so lifting the limit for its duration is exact.
        limit, self.maxMessagePayloadSize = self.maxMessagePayloadSize, 0
        try:
            super().sendMessage(*args, **kwargs)
        finally:
            self.maxMessagePayloadSize = limit


class LiveblogServer(Server):
    def __init__(self, *, endpoints: list[str], ready_callable: Callable | None = None, **options: Any):
        backlog = int(os.environ.get("LIVEBLOG_LISTEN_BACKLOG") or 4096)
        endpoints = [f"{e}:backlog={backlog}" if e.startswith("tcp:") else e for e in endpoints]
        self.then_ready = ready_callable
        super().__init__(endpoints=endpoints, ready_callable=self._ready, **options)

    def _ready(self) -> None:
        """Runs once the factories exist, before the first connection is accepted."""
        self.ws_factory.protocol = ReaderProtocol
        self.ws_factory.setProtocolOptions(failByDrop=False)
        from liveblog import loop_lag, scheduler  # Django is set up by now: the application was loaded

        scheduler.start()
        loop_lag.start()
        if self.then_ready:
            self.then_ready()

    def create_application(self, protocol: Any, scope: dict) -> Any:
        if scope.get("type") == "websocket":
            scope["extensions"] = {**(scope.get("extensions") or {}), SCOPE_KEY: protocol}
        return super().create_application(protocol, scope)


class LiveblogCommandLine(CommandLineInterface):
    server_class = LiveblogServer


if __name__ == "__main__":
    LiveblogCommandLine.entrypoint()
