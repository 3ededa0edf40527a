"""The readers' WebSocket: hello, what they missed, then the live frames."""

import fcntl
import json
import sys
import termios
import time
from typing import Any
from urllib.parse import parse_qs

from autobahn.websocket.protocol import WebSocketProtocol
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from liveblog.clients import scope_client_ip
from liveblog.models import Event
from liveblog.publishing import SEQ, hub, replay_problem, reset_frame

CLOSE_UNSUPPORTED = 1003  # readers send no binary data
CLOSE_POLICY = 1008  # a reader that keeps talking
CLOSE_TOO_MANY = 4029  # too many sockets from one client address
OPEN = WebSocketProtocol.STATE_OPEN
OUTQ = termios.TIOCOUTQ if sys.platform == "linux" else None  # SIOCOUTQ for a TCP socket


class ReaderConsumer(AsyncWebsocketConsumer):
    # Frames reach readers through the hub, not the channel layer: no per-reader channel.
    channel_layer_alias = "readers-have-no-channel-layer"

    async def dispatch(self, message: dict) -> None:
        # Channels closes stale database connections before every handler, a thread hop each.
        # This consumer touches the database only through database_sync_to_async, which does
        # that itself, so the handlers run straight away.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.ip = scope_client_ip(self.scope)
        if not hub.admit(self.ip):
            await self.close(code=CLOSE_TOO_MANY)  # a client address already holds its share
            return
        self.admitted = True
        self.slug = self.scope["url_route"]["kwargs"]["slug"]
        query = parse_qs(self.scope["query_string"].decode("latin-1"))
        self.stream = await hub.stream(self.slug, epoch=query.get("epoch", [None])[0])
        if self.stream is None:
            await self.close(code=4404)
            return
        if not await self.allowed():
            await self.close(code=4403)
            return
        await self.accept()
        # Found once: push() and backlog() run for every frame.
        self.protocol, self.transport = _connection(self.base_send)
        after = _int(query.get("after", [""])[0])
        if after is not None and after > self.stream.head:
            await self.stream.catch_up()  # the page saw changes still on their way here
        head, epoch = self.stream.head, self.stream.epoch
        await self.send(
            json.dumps(
                {
                    "type": "hello",
                    "event": self.slug,
                    "epoch": epoch,
                    "seq": head,
                    "readers": self.stream.readers_total,
                }
            )
        )
        reason = self._reset_reason(after, head, query.get("epoch", [epoch])[0])
        if reason:
            await self.send(reset_frame(reason))
            await self.close(code=4000)
            return
        await self.stream.join(self, self.base_send, head if after is None else after)
        await self.joined()

    async def allowed(self) -> bool:
        return True

    def push(self, wire: bytes) -> bool:
        """Write frames already framed for the wire (``wire_frames``) to this reader's socket, at
        once when nothing is queued before them; False where only the ASGI send can: under
        another server, with compression, or once the socket is closing."""
        protocol, transport = self.protocol, self.transport
        if transport is None or protocol.state != OPEN or protocol._perMessageCompress or protocol.send_queue:
            return False
        if not transport.dataBuffer and not transport._tempDataLen and transport.connected:
            # Straight to the kernel: through Twisted, every frame to every reader would cost a
            # writer registration, a loop turn and its removal besides the send itself.
            try:
                sent = transport.socket.send(wire)
            except OSError:
                sent = 0  # full, or broken: Twisted's write path finds out which, and closes
            if sent == len(wire):
                return True
            if sent:
                wire = wire[sent:]
        transport.write(wire)
        return True

    def backlog(self) -> int:
        """Bytes sent to this reader that it has not received: in Daphne's buffer, and in the
        kernel's send queue (which grows to megabytes for a reader that stopped reading)."""
        transport = self.transport
        if transport is None:
            return 0
        queued = _kernel_queue(getattr(transport, "socket", None))  # gone once the connection is lost
        return len(transport.dataBuffer) + transport._tempDataLen + queued

    def abort(self) -> None:
        """Drop the connection at once: a close frame would wait behind the backlog."""
        transport = getattr(self, "transport", None)
        if transport is not None:
            transport.abortConnection()

    async def joined(self) -> None:
        """Called once the socket receives live frames."""

    def _reset_reason(self, after: int | None, head: int, epoch: str) -> str | None:
        if epoch != self.stream.epoch:
            return "The report was restored; reload to see it as it is now."
        return None if after is None else replay_problem(head=head, after=after)

    async def disconnect(self, code: int) -> None:
        stream = getattr(self, "stream", None)
        if stream is not None:
            stream.leave(self)
        if getattr(self, "admitted", False):
            hub.release(self.ip)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Readers have nothing to say: text is ignored, within a rate; binary is refused."""
        if bytes_data is not None:
            await self.close(code=CLOSE_UNSUPPORTED)
            return
        now = time.monotonic()
        self.said = [t for t in getattr(self, "said", []) if now - t < 60] + [now]
        if len(self.said) > settings.LIVEBLOG_READER_MESSAGES_PER_MINUTE:
            await self.close(code=CLOSE_POLICY)


def _connection(send) -> tuple[Any, Any]:
    """Daphne's WebSocket protocol and TCP transport behind an ASGI send (a partial of the
    protocol's reply handler), or (None, None) under another server, over TLS or in tests."""
    protocol = getattr(send, "args", (None,))[0]
    transport = getattr(protocol, "transport", None)
    plain_tcp = all(hasattr(transport, name) for name in ("dataBuffer", "_tempDataLen", "socket"))
    return (protocol, transport) if plain_tcp and hasattr(protocol, "send_queue") else (None, None)


_queued = bytearray(4)


def _kernel_queue(sock) -> int:
    """Bytes in the socket's send queue: not yet sent, or sent and not yet acknowledged."""
    if not OUTQ or sock is None:
        return 0
    try:
        fcntl.ioctl(sock.fileno(), OUTQ, _queued)
    except OSError:
        return 0  # closed meanwhile: the disconnect handler removes the reader
    return int.from_bytes(_queued, sys.byteorder)


def _int(value: str) -> int | None:
    return int(value) if SEQ.fullmatch(value) else None


class ConsoleConsumer(ReaderConsumer):
    """An editor's console: the same feed as readers, plus who else has the console open."""

    async def allowed(self) -> bool:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return False
        return await database_sync_to_async(_is_editor)(self.slug, user)

    async def joined(self) -> None:
        user = self.scope["user"]
        self.stream.console_join(self, self.base_send, user.get_full_name() or user.get_username())


def _is_editor(slug: str, user) -> bool:
    event = Event.objects.filter(slug=slug).first()
    return event is not None and event.is_editor(user)
