"""A failover to a replica that had not received the last changes: the event's head goes back,
its epoch unchanged. Readers on two Daphne processes (on Redis) must reload, or hold exactly what
the database holds; none may be replayed a frame the database no longer has."""

import asyncio
import json
import shutil
import sqlite3
from contextlib import AsyncExitStack, ExitStack, closing

import pytest
from websockets.asyncio.client import connect

from tests.helpers import SLUG, head, read_frames, reader, run
from tests.server import free_port, redis_server, require_service

pytestmark = pytest.mark.server

POSTED, LOST, AFTER = 25, 20, 5  # entries posted, lost with the failover, posted after it


def rewind(database: str, seq: int) -> None:
    """What the replica holds: the feed up to ``seq``, without the entries the lost changes made."""
    with closing(sqlite3.connect(database)) as db, db:
        (event,) = db.execute("SELECT id FROM liveblog_event WHERE slug = ?", (SLUG,)).fetchone()
        db.execute(
            "DELETE FROM liveblog_entry WHERE id IN (SELECT entry_id FROM liveblog_change"
            " WHERE event_id = ? AND seq > ? AND entry_id IS NOT NULL)",
            (event, seq),
        )
        db.execute("DELETE FROM liveblog_change WHERE event_id = ? AND seq > ?", (event, seq))
        db.execute("UPDATE liveblog_event SET seq = ? WHERE id = ?", (seq, event))


def entries_in_database(database: str, since_id: int) -> set[int]:
    with closing(sqlite3.connect(database)) as db:
        rows = db.execute(
            "SELECT e.id FROM liveblog_entry e JOIN liveblog_event v ON v.id = e.event_id"
            " WHERE v.slug = ? AND e.id > ? AND e.status = 'published' AND e.deleted_at IS NULL",
            (SLUG, since_id),
        )
        return {id for (id,) in rows}


async def follow(ws, seconds: float) -> tuple[set[int], bool]:
    """What a page following the socket for ``seconds`` shows of the entries it saw created, and
    whether it was told to reload."""
    shown: set[int] = set()
    try:
        async with asyncio.timeout(seconds):
            while True:
                frame = json.loads(await ws.recv())
                if frame["type"] == "reset":
                    return shown, True
                if frame["type"] == "entry.created":
                    shown.add(frame["entry"]["id"])
                elif frame["type"] == "entry.deleted":
                    shown.discard(frame["entry"]["id"])
    except TimeoutError:
        return shown, False


@pytest.fixture
def two_workers(new_site):
    if not shutil.which("redis-server"):
        require_service("redis-server binary", "127.0.0.1", 1)
    redis_port = free_port()
    site = new_site(REDIS_URL=f"redis://127.0.0.1:{redis_port}/0", LIVEBLOG_READERS_INTERVAL="5")
    with ExitStack() as stack:
        stack.enter_context(redis_server(redis_port))
        first, second = stack.enter_context(site.serve()), stack.enter_context(site.serve())
        yield first, second, site.api(first), site.env["DATABASE_URL"].removeprefix("sqlite:///")


def test_readers_reload_when_a_failover_takes_the_feed_back(two_workers):
    first, second, api, database = two_workers
    start = head(first)
    epoch = api.call("GET", f"/api/events/{SLUG}/")["epoch"]
    newest_before = max(entries_in_database(database, 0))

    async def scenario():
        async with AsyncExitStack() as sockets:
            readers = [await sockets.enter_async_context(reader(base, start)) for base in (first, second) * 3]
            for ws in readers:
                await read_frames(ws, 1)  # hello
            for n in range(POSTED):
                await asyncio.to_thread(api.post_entry, f"Before the failover {n}")
            for ws in readers:
                assert [f["seq"] for f in await read_frames(ws, POSTED)] == list(range(start + 1, start + 26))

            await asyncio.to_thread(rewind, database, start + POSTED - LOST)
            for n in range(AFTER):
                await asyncio.to_thread(api.post_entry, f"After the failover {n}")
            followed = await asyncio.gather(*(follow(ws, 5) for ws in readers))

        in_database = entries_in_database(database, newest_before)
        assert len(in_database) == POSTED - LOST + AFTER
        for shown, reset in followed:
            assert reset or shown == in_database

    run(scenario())

    # A head that went back is a new epoch, in the database: pages that were away come back with
    # the old one and the seq they had seen, and reload; none is replayed a lost frame.
    assert api.call("GET", f"/api/events/{SLUG}/")["epoch"] != epoch
    now = start + POSTED - LOST + AFTER
    for base in (first, second):
        for after in (start, start + 3, start + POSTED - LOST, now - 1, start + 12, start + POSTED):
            assert run(replay(base, after, epoch)) == "reset", (base, after)


async def replay(base: str, after: int, epoch: str) -> list[dict] | str:
    """The frames a page that had seen up to ``after`` is sent on reconnecting, or "reset"."""
    url = base.replace("http://", "ws://") + f"/ws/events/{SLUG}/?after={after}&epoch={epoch}"
    async with connect(url, origin=base) as ws:
        await read_frames(ws, 1)  # hello
        frames: list[dict] = []
        try:
            async with asyncio.timeout(1):
                while True:
                    frame = json.loads(await ws.recv())
                    if frame["type"] == "reset":
                        return "reset"
                    if frame["type"] != "readers":
                        frames.append(frame)
        except TimeoutError:
            return frames
