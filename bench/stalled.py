"""Stalled readers: connections that complete the WebSocket handshake and never read again, as a
phone that went into a tunnel. The server must drop them before their frames pile up, and the
other readers must not pay for them. Held by the bench process itself: they cost no CPU."""

import base64
import os
import socket
import struct
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .proc import now, tcp_queues

TCP_CLOSE, TCP_CLOSE_WAIT = 7, 8  # tcpi_state values (include/net/tcp_states.h)


@dataclass
class Stalled:
    sockets: list[socket.socket] = field(default_factory=list)
    server_ports: list[int] = field(default_factory=list)  # each socket's server port
    opened: list[float] = field(default_factory=list)  # when each one's handshake completed
    closed: dict[int, float] = field(default_factory=dict)  # socket's index: when first seen closed
    failed: int = 0
    errors: dict[str, int] = field(default_factory=dict)


def handshake(url: str, timeout: float) -> socket.socket:
    """Open the WebSocket and read the 101 answer, nothing more. A small receive buffer, set
    before connecting so that the window is small from the start, fills after a few frames."""
    parts = urlsplit(url)
    sock = socket.socket()
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(timeout)
        sock.connect((parts.hostname, parts.port))
        key = base64.b64encode(os.urandom(16)).decode()
        origin = f"http://{parts.hostname}:{parts.port}"
        sock.sendall(
            (
                f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\nOrigin: {origin}\r\n"
                f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        answer = sock.recv(4096)  # the hello may come with it; it is never read otherwise
        if not answer.startswith(b"HTTP/1.1 101"):
            raise RuntimeError(f"answered {answer[:40]!r}")
    except BaseException:
        sock.close()
        raise
    return sock


def open_stalled(urls: list[str], count: int, timeout: float = 10, budget: float = 120) -> Stalled:
    """``count`` stalled connections, round-robin over the servers, one after another (each
    handshake takes a millisecond or two); at most ``budget`` seconds in all."""
    stalled = Stalled()
    deadline = now() + budget
    for n in range(count):
        url = urls[n % len(urls)]
        if now() > deadline:
            stalled.failed += count - n
            stalled.errors["connecting took too long"] = count - n
            break
        try:
            stalled.sockets.append(handshake(url, timeout))
            stalled.server_ports.append(urlsplit(url).port)
            stalled.opened.append(now())
        except Exception as exc:
            stalled.failed += 1
            error = f"{type(exc).__name__}: {exc}"[:100]
            stalled.errors[error] = stalled.errors.get(error, 0) + 1
    return stalled


def closed_by_server(sock: socket.socket) -> bool:
    """The server aborts a stalled reader with a reset (SO_LINGER 0): the socket is closed on
    this side too, without anything having to be read from it."""
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
    return struct.unpack("B", info[:1])[0] in (TCP_CLOSE, TCP_CLOSE_WAIT)


def note_closed(stalled: Stalled) -> int:
    """Note the ones closed since the last look; return how many are closed in all."""
    for n, sock in enumerate(stalled.sockets):
        if n not in stalled.closed and closed_by_server(sock):
            stalled.closed[n] = now()
    return len(stalled.closed)


def wait_closed(stalled: Stalled, seconds: float) -> None:
    """Look once a second until the server has closed them all, or ``seconds`` passed."""
    deadline = now() + seconds
    while note_closed(stalled) < len(stalled.sockets) and now() < deadline:
        time.sleep(min(1.0, max(0.0, deadline - now())))


def lifetimes(stalled: Stalled) -> list[float]:
    """Seconds from each closed one's handshake to its being seen closed (to within a second)."""
    return sorted(at - stalled.opened[n] for n, at in stalled.closed.items())


def queued_bytes(stalled: Stalled) -> tuple[list[int], list[int]]:
    """For the stalled connections still open: bytes the server's kernel holds for each (its send
    queue) and bytes waiting in each one's own receive buffer. Neither counts against the
    server's LIVEBLOG_READER_BUFFER, which sees only what the kernel has not taken yet."""
    server_side: list[int] = []
    client_side: list[int] = []
    queues = tcp_queues()  # one read of the table: it has a line per connection
    for sock, port in zip(stalled.sockets, stalled.server_ports, strict=True):
        if closed_by_server(sock):
            continue
        local = sock.getsockname()[1]
        server_side.append(queues.get((port, local), (0, 0))[0])
        client_side.append(queues.get((local, port), (0, 0))[1])
    return server_side, client_side


def close_all(stalled: Stalled) -> None:
    for sock in stalled.sockets:
        sock.close()
