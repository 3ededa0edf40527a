"""A lean WebSocket reader for the bench's client processes: the handshake and RFC 6455 framing on
a bare asyncio protocol, so that holding thousands of readers costs the clients little CPU.

With a full client library the clients spent three times the server's CPU per frame, on the same
two cores: the bench measured mostly itself. This one reads what the server sends (text, ping,
close), answers pings, and hands each text message on with the time its bytes arrived. It sends
nothing else: readers have nothing to say."""

import asyncio
import base64
import hashlib
import os
import struct
from collections.abc import Callable
from urllib.parse import urlsplit

from .proc import now

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10

OnMessage = Callable[[bytes, float], None]


class HandshakeError(Exception):
    """The server answered the upgrade with something other than 101."""


class WireReader(asyncio.Protocol):
    """One reader's connection. ``opened`` resolves once the upgrade is accepted; ``closed`` with
    the reason once the connection ends; ``on_message(payload, received)`` gets each message."""

    def __init__(self, request: bytes, key: bytes, on_message: OnMessage):
        self.request, self.accept = request, base64.b64encode(hashlib.sha1(key + GUID).digest())  # noqa: S324 - RFC 6455
        self.on_message = on_message
        self.buffer = bytearray()
        self.upgraded = False
        self.fragments: list[bytes] = []
        loop = asyncio.get_running_loop()
        self.opened, self.closed = loop.create_future(), loop.create_future()
        self.transport: asyncio.Transport | None = None
        self.close_reason = "closed by the server"

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        received = now()  # first thing: the parsing below is the client's cost
        self.buffer += data
        if not self.upgraded and not self._upgrade():
            return
        self._frames(received)

    def connection_lost(self, exc: Exception | None) -> None:
        reason = f"closed: {type(exc).__name__}: {exc}"[:120] if exc else self.close_reason
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(reason))
        if not self.closed.done():
            self.closed.set_result(reason)

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def _upgrade(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        del self.buffer[: end + 4]
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
        status = head[0].split(" ", 2)
        if len(status) < 2 or status[1] != "101":
            self.opened.set_exception(HandshakeError(f"HTTP {' '.join(status[1:])}"))
            self.abort()
            return False
        if headers.get("sec-websocket-accept", "").encode() != self.accept:
            self.opened.set_exception(HandshakeError("wrong Sec-WebSocket-Accept"))
            self.abort()
            return False
        self.upgraded = True
        self.opened.set_result(None)
        return True

    def _frames(self, received: float) -> None:
        buffer, offset, size = self.buffer, 0, len(self.buffer)
        while size - offset >= 2:
            first, second = buffer[offset], buffer[offset + 1]
            length, start = second & 0x7F, offset + 2
            if second & 0x80:
                self._fail("the server masked a frame")
                return
            if length == 126:
                if size - start < 2:
                    break
                (length,) = struct.unpack_from("!H", buffer, start)
                start += 2
            elif length == 127:
                if size - start < 8:
                    break
                (length,) = struct.unpack_from("!Q", buffer, start)
                start += 8
            if size - start < length:
                break
            payload = bytes(buffer[start : start + length])
            offset = start + length
            self._frame(first & 0x80, first & 0x0F, payload, received)
        del buffer[:offset]

    def _frame(self, final: int, opcode: int, payload: bytes, received: float) -> None:
        if opcode in (OP_TEXT, OP_BINARY, OP_CONTINUATION):
            self.fragments.append(payload)
            if final:
                message = b"".join(self.fragments) if len(self.fragments) > 1 else payload
                self.fragments = []
                self.on_message(message, received)
        elif opcode == OP_PING:
            self._send(OP_PONG, payload)
        elif opcode == OP_CLOSE:
            code = struct.unpack_from("!H", payload)[0] if len(payload) >= 2 else 1005
            self.close_reason = f"closed by the server: {code} {payload[2:].decode(errors='replace')}"[:120]
            self._send(OP_CLOSE, payload[:2])
            if self.transport is not None:
                self.transport.close()

    def _send(self, opcode: int, payload: bytes) -> None:
        """A client's frames are masked (RFC 6455 5.3); only control frames are ever sent."""
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(bytes((0x80 | opcode, 0x80 | len(payload))) + mask + masked)

    def _fail(self, reason: str) -> None:
        self.close_reason = reason
        self.abort()


async def open_reader(url: str, origin: str, on_message: OnMessage) -> WireReader:
    """Connect to ``ws://host:port/path?query`` and complete the upgrade."""
    parts = urlsplit(url)
    key = base64.b64encode(os.urandom(16))
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    request = (
        f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key.decode()}\r\nSec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n"
    ).encode()
    loop = asyncio.get_running_loop()
    _, reader = await loop.create_connection(
        lambda: WireReader(request, key, on_message), parts.hostname, parts.port or 80
    )
    try:
        await reader.opened
    except BaseException:
        reader.abort()
        raise
    return reader
