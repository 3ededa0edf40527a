"""The fan-out's fast path against a real Daphne: frames framed once and written straight to each
reader's socket, several at a time under a burst, must read exactly as the change feed stores them."""

import asyncio
import json
import os
import signal
import threading

import pytest

from tests.helpers import SLUG, Api, changes_after, head, reader, run

pytestmark = pytest.mark.server

# Frames of each length class of RFC 6455: under 126 bytes (a deletion), up to 65,535 (most
# entries) and beyond (a long entry in a script of three UTF-8 bytes per character).
BODIES = ["ok", "Berlin: the panel opens. " * 8, "—" * 19990]  # within the 20,000-character limit


async def feed_frames(ws, n: int, timeout: float = 30) -> list[dict]:
    """The next ``n`` frames of the feed, leaving out the greeting and reader counts."""
    got: list[dict] = []
    async with asyncio.timeout(timeout):
        while len(got) < n:
            frame = json.loads(await ws.recv())
            if frame["type"] not in ("hello", "readers"):
                got.append(frame)
    return got


def post_burst(api: Api, count: int, threads: int = 6) -> None:
    """``count`` entries posted from several threads at once, as a newsroom does at a key moment."""
    bodies = [f"{n}: {BODIES[n % len(BODIES)]}" for n in range(count)]

    def post(share: list[str]) -> None:
        for body in share:
            api.post_entry(body, city="berlin")

    workers = [threading.Thread(target=post, args=(bodies[n::threads],)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def test_a_burst_reaches_live_and_returning_readers_exactly_as_stored(new_site):
    site = new_site(LIVEBLOG_WRITE_RATE="100000/m")
    with site.serve() as base:
        api, start = site.api(base), head(base)
        demo_entry = api.call("GET", f"/api/events/{SLUG}/entries/")["results"][0]["id"]

        async def scenario() -> tuple[list[dict], list[dict]]:
            async with reader(base, start) as live:
                # The page reads as frames come: one that stopped reading would be dropped.
                reading = asyncio.create_task(feed_frames(live, 31))
                await asyncio.to_thread(post_burst, api, 30)
                await asyncio.to_thread(api.call, "DELETE", f"/api/entries/{demo_entry}/")
                live_frames = await reading
            # A reader that was away for all of it gets the lot replayed, in one write.
            async with reader(base, start) as returning:
                return live_frames, await feed_frames(returning, 31)

        live_frames, replayed = run(scenario())
        stored = changes_after(base, start)
        assert [f["seq"] for f in stored] == list(range(start + 1, start + 32))
        assert live_frames == stored
        assert replayed == stored
        assert stored[-1] == {"type": "entry.deleted", "seq": start + 31, "epoch": stored[0]["epoch"],
                              "entry": {"id": demo_entry}, "counts": stored[-1]["counts"]}  # fmt: skip
        assert stored[-1]["counts"]["all"] == stored[-2]["counts"]["all"] - 1
        assert max(len(json.dumps(f, ensure_ascii=False).encode()) for f in stored) > 65535


def test_frames_that_piled_up_while_a_worker_was_stalled_arrive_in_order(two_processes):
    """A worker that could not run for a moment (a pause, a starved core) finds many frames
    waiting from Redis: its readers get them all, in seq order, in as few writes as it can."""
    first, second, token, _ = two_processes
    api, start = Api(first, token), head(first)

    async def scenario() -> list[dict]:
        async with reader(second, start) as live:
            reading = asyncio.create_task(feed_frames(live, 24))
            os.kill(second.pid, signal.SIGSTOP)
            try:
                await asyncio.to_thread(post_burst, api, 24)
                await asyncio.sleep(0.5)  # the frames wait in the stopped worker's Redis socket
            finally:
                os.kill(second.pid, signal.SIGCONT)
            return await reading

    got = run(scenario())
    assert got == changes_after(first, start)
