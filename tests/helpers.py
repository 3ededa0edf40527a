"""Posting entries and reading frames, as editors and readers do: in process (Django's test client)
or against a running site (tests/server.py), where the demo event is the one under test."""

import asyncio
import concurrent.futures
import json
import os
import urllib.request
from typing import NoReturn

import pytest
from websockets.asyncio.client import connect

SLUG = "1988-massacre-conference"  # the demo event (manage.py load_demo)


def post_entry(client, slug: str = "summit", *, headers: dict[str, str] | None = None, **data):
    """POST an entry through the API with a test client; the response, whatever it is."""
    return client.post(f"/api/events/{slug}/entries/", data, format="json", headers=headers)


class Api:
    """A running site's JSON API as a script uses it: token authentication, JSON in and out. A
    4xx or 5xx raises urllib's HTTPError."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base, token

    def call(self, method: str, path: str, body: dict | None = None, **headers: str) -> dict:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json", **headers},
            method=method,
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"{}")

    def upload_photo(
        self, data: bytes, *, alt: str = "A photo", slug: str = SLUG, name: str = "photo.jpg"
    ) -> dict:
        """POST a photo as the console does (multipart/form-data); the media object (201)."""
        boundary = "liveblog-test-boundary"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="alt"\r\n\r\n{alt}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(
            f"{self.base}/api/events/{slug}/media/",
            data=body,
            headers={
                "Authorization": f"Token {self.token}",
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def post_entry(self, body: str, *, slug: str = SLUG, **fields) -> dict:
        """The entry as created (201), with its id, version and local time."""
        return self.call("POST", f"/api/events/{slug}/entries/", {"body": body, **fields})


def head(base: str, slug: str = SLUG) -> int:
    """The event's head seq, as a page load reads it."""
    with urllib.request.urlopen(f"{base}/api/events/{slug}/", timeout=10) as response:
        return json.loads(response.read())["seq"]


def changes_after(base: str, seq: int, slug: str = SLUG) -> list[dict]:
    """The frames of the change feed after ``seq``, as stored."""
    with urllib.request.urlopen(f"{base}/api/events/{slug}/changes/?after={seq}", timeout=10) as response:
        return json.loads(response.read())["frames"]


def reader(base: str, after: int, slug: str = SLUG):
    """A reader's WebSocket to a running site (``async with``), from the site's own origin."""
    ws_url = base.replace("http://", "ws://") + f"/ws/events/{slug}/?after={after}"
    return connect(ws_url, origin=base)


async def read_frames(ws, n: int, timeout: float = 10) -> list[dict]:
    """The next ``n`` frames, leaving out reader counts (they come every few seconds)."""
    got: list[dict] = []
    async with asyncio.timeout(timeout):
        while len(got) < n:
            frame = json.loads(await ws.recv())
            if frame["type"] != "readers":
                got.append(frame)
    return got


def run(coroutine):
    """Run a scenario on a loop of its own: Playwright's sync API may hold this thread's loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def unavailable(message: str) -> NoReturn:
    """Something a test needs is not on this machine: a newcomer's run skips the test saying
    why; CI, which installs everything, fails instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI: {message}")
    pytest.skip(message)
