"""A reader that stops reading is dropped once its backlog passes the bound; others go on."""

import asyncio
import base64
import os
import socket
import threading
import time
import urllib.request

import pytest

from tests.helpers import SLUG, head, read_frames, reader, run
from tests.server import manage

pytestmark = pytest.mark.server


def stalled_reader(base: str, after: int, *, console: bool = False, cookie: str = "") -> socket.socket:
    """A WebSocket client that completes the handshake and then never reads again: a reader's
    page, or with ``console`` an editor's console signed in with the ``cookie``."""
    host, port = base.removeprefix("http://").split(":")
    route = f"/ws/events/{SLUG}/console/" if console else f"/ws/events/{SLUG}/"
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window fills quickly
    sock.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    cookie_line = f"Cookie: {cookie}\r\n" if cookie else ""
    sock.sendall(
        (
            f"GET {route}?after={after} HTTP/1.1\r\nHost: {host}:{port}\r\nOrigin: {base}\r\n{cookie_line}"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    assert sock.recv(4096).startswith(b"HTTP/1.1 101")
    return sock


def dropped(sock: socket.socket) -> bool:
    """True once the server has aborted the connection (a reset, or the end of the stream)."""
    sock.settimeout(0.2)
    try:
        while True:
            if not sock.recv(1 << 20):
                return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_a_stalled_reader_is_dropped_and_the_others_get_everything(new_site):
    site = new_site(LIVEBLOG_READER_BUFFER="262144", LIVEBLOG_WRITE_RATE="100000/m")
    with site.serve() as base:
        api, seq = site.api(base), head(base)
        stalled = stalled_reader(base, seq)
        posts = 40  # 600 KB: within what the kernel alone would queue for the stalled socket

        async def scenario():
            async with reader(base, seq) as live:
                await read_frames(live, 1)

                def post_all():
                    for n in range(posts):
                        api.post_entry(f"{n} " + "x" * 15000)

                posting = asyncio.create_task(asyncio.to_thread(post_all))  # this reader keeps reading
                got = await read_frames(live, posts, timeout=60)
                await posting
                assert [f["seq"] for f in got] == list(range(seq + 1, seq + posts + 1))

        run(scenario())
        deadline = time.monotonic() + 10
        while not dropped(stalled) and time.monotonic() < deadline:
            pass
        assert dropped(stalled), "the stalled reader is still connected"


def test_a_reader_that_never_answers_pings_is_closed(new_site):
    """A reader gone without a word (a laptop lid shut, a dead mobile link) still holds its
    socket: the server pings it and closes it once no pong came in time."""
    site = new_site(LIVEBLOG_WS_PING_INTERVAL="1", LIVEBLOG_WS_PING_TIMEOUT="2")
    with site.serve() as base:
        silent = stalled_reader(base, head(base))  # it never reads, so it never answers
        connected = time.monotonic()
        while not dropped(silent) and time.monotonic() - connected < 15:
            pass
        assert dropped(silent), "the silent reader is still connected after 15 s"


def opcodes(sock: socket.socket, seconds: float) -> list[int]:
    """The opcodes of the frames a reader's socket receives within ``seconds`` (1: text, 9: ping)."""
    seen, data = [], b""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            chunk = sock.recv(1 << 16)
        except TimeoutError:
            break
        assert chunk, "the server closed the reader's connection"
        data += chunk
        while len(data) >= 2:  # a server's frames are not masked
            size, start = data[1] & 0x7F, 2
            if size >= 126:
                width = 2 if size == 126 else 8
                if len(data) < 2 + width:
                    break
                size, start = int.from_bytes(data[2 : 2 + width], "big"), 2 + width
            if len(data) < start + size:
                break
            seen.append(data[0] & 0x0F)
            data = data[start + size :]
    return seen


def test_frames_keep_a_readers_line_open_and_a_quiet_line_is_pinged(new_site):
    """While entries flow, the frames themselves keep the line open: no ping is sent on top of
    them. Once the line goes quiet, the reader is pinged again."""
    site = new_site(
        LIVEBLOG_WS_PING_INTERVAL="1", LIVEBLOG_WS_PING_TIMEOUT="30", LIVEBLOG_WRITE_RATE="100000/m"
    )
    with site.serve() as base:
        api = site.api(base)
        sock = stalled_reader(base, head(base))  # it reads below, and never answers a ping
        busy: list[int] = []
        for n in range(16):  # 5 s: two and a half ping intervals, at least two of Daphne's checks
            api.post_entry(f"Entry {n} of a busy minute.")
            busy += opcodes(sock, 0.3)
        assert busy.count(1) >= 16 and 9 not in busy, busy
        assert 9 in opcodes(sock, 6), "a quiet reader was not pinged within 6 s"


SESSION = """
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
user = get_user_model().objects.get(username="newsdesk")
session = SessionStore()
session.update({"_auth_user_id": str(user.pk), "_auth_user_hash": user.get_session_auth_hash(),
                "_auth_user_backend": "django.contrib.auth.backends.ModelBackend"})
session.create()
print(session.session_key)
"""


def test_an_editors_console_that_stops_reading_is_dropped_too(new_site):
    """The console's route wraps ``send`` (the session middleware), so its frames go through
    the ASGI send rather than straight to the socket: its backlog is measured all the same."""
    site = new_site(LIVEBLOG_READER_BUFFER="262144", LIVEBLOG_WRITE_RATE="100000/m")
    cookie = "sessionid=" + manage(site.env, "shell", "-c", SESSION).split()[-1]
    with site.serve() as base:
        api, seq = site.api(base), head(base)
        console = stalled_reader(base, seq, console=True, cookie=cookie)
        metrics = urllib.request.urlopen(f"{base}/metrics", timeout=10).read().decode()
        assert "liveblog_readers_slow_path 1.0" in metrics
        for n in range(40):  # 600 KB: within what the kernel alone would queue for the socket
            api.post_entry(f"{n} " + "x" * 15000)
        deadline = time.monotonic() + 10
        while not dropped(console) and time.monotonic() < deadline:
            pass
        assert dropped(console), "the stalled console is still connected"
        metrics = urllib.request.urlopen(f"{base}/metrics", timeout=10).read().decode()
        assert "liveblog_readers_dropped_slow_total 1.0" in metrics


def test_a_reader_that_reads_a_burst_slowly_is_not_dropped(new_site):
    """The bound counts time: 400 KB of frames at once to a phone reading 1 MB/s is past the
    256 KiB bound for a moment, and that reader keeps its connection and gets every frame."""
    site = new_site(LIVEBLOG_READER_BUFFER="262144", LIVEBLOG_WRITE_RATE="100000/m")
    with site.serve() as base:
        api, seq = site.api(base), head(base)
        slow = stalled_reader(base, seq)
        received = bytearray()
        stop = threading.Event()

        def read_at_a_megabyte_a_second() -> None:
            slow.settimeout(0.5)
            while not stop.is_set():
                try:
                    chunk = slow.recv(16 * 1024)
                except TimeoutError:
                    continue
                if not chunk:
                    return
                received.extend(chunk)
                time.sleep(len(chunk) / 1_000_000)

        reading = threading.Thread(target=read_at_a_megabyte_a_second)
        reading.start()
        try:
            bodies = [f"{n} " + "—" * 19_000 for n in range(4)]  # some 115 KB of frame each
            for body in bodies:
                api.post_entry(body)
            deadline = time.monotonic() + 15
            while received.count(b'"type":"entry.created"') < 4 and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            stop.set()
            reading.join()
        assert received.count(b'"type":"entry.created"') == 4, "the slow reader was dropped"
        assert not dropped(slow)


def test_a_reader_further_behind_than_a_replay_may_hold_reloads_instead(new_site):
    """A replay is held to the bound the fan-outs keep (four times LIVEBLOG_READER_BUFFER): a
    reader that missed more gets `reset` (its page reloads) instead of megabytes it would then be
    dropped for; one that missed less replays as before."""
    site = new_site(LIVEBLOG_READER_BUFFER="16384", LIVEBLOG_WRITE_RATE="100000/m")
    with site.serve() as base:
        api, seq = site.api(base), head(base)
        for n in range(8):  # about 10 KB of frame each: 80 KB in all, past 4 × 16 KiB
            api.post_entry(f"Entry {n}. " + "The names were read, city by city. " * 140)

        async def scenario():
            async with reader(base, seq) as far_behind:
                hello, reset = await read_frames(far_behind, 2)
                closed = await far_behind.wait_closed() or far_behind.close_code
            async with reader(base, seq + 5) as near:
                replayed = await read_frames(near, 4)
            return hello, reset, closed, replayed

        hello, reset, closed, replayed = run(scenario())
    assert hello["type"] == "hello" and hello["seq"] == seq + 8
    assert reset["type"] == "reset" and "reload" in reset["reason"] and closed == 4000
    assert [frame["type"] for frame in replayed] == ["hello"] + ["entry.created"] * 3
    assert [frame["seq"] for frame in replayed[1:]] == [seq + 6, seq + 7, seq + 8]
