"""Who is there: the number of readers of each event across every process, and the editors who
have its console open. Each process reports its own to Redis every LIVEBLOG_READERS_INTERVAL
seconds and adds up every live process's reports; without Redis, this process's are the total."""

import json
import time

import redis.asyncio as aioredis
from django.conf import settings

from liveblog.delivery.readers import Reader
from liveblog.delivery.wire import websocket_frames
from liveblog.frames import presence_frame

Counts = dict[str, tuple[int, list[str]]]  # event slug -> (readers, editors)


class Presence:
    """The editors with one event's console open: here, and in other processes."""

    def __init__(self) -> None:
        self.consoles: dict[Reader, str] = {}
        self.elsewhere: list[str] = []
        self.shown: list[str] = []

    def join(self, reader: Reader, name: str) -> None:
        self.consoles[reader] = name
        self.share()

    def leave(self, reader: Reader) -> None:
        if self.consoles.pop(reader, None) is not None:
            self.share()

    def here(self) -> list[str]:
        return sorted(set(self.consoles.values()))

    def share(self, elsewhere: list[str] | None = None) -> None:
        """Tell the consoles here who has the console open (here, or anywhere), when it changed."""
        if elsewhere is not None:
            self.elsewhere = elsewhere
        names = sorted(set(self.here() + self.elsewhere))
        if names == self.shown:
            return
        self.shown = names
        frame = presence_frame(names)
        wire = websocket_frames([frame])
        for reader in list(self.consoles):
            reader.write(wire, [frame])


async def shared_counts(client: aioredis.Redis, process_id: str, local: Counts) -> Counts:
    """Report this process's readers and editors to Redis; add up every live process's."""
    now = time.time()
    shared = {}
    for slug, (count, editors) in local.items():
        key = readers_key(slug)
        async with client.pipeline(transaction=False) as pipe:
            pipe.hset(key, process_id, json.dumps([count, now, editors]))
            pipe.expire(key, 3600)
            pipe.hgetall(key)
            *_, reports = await pipe.execute()
        live = _fresh(reports.values())
        shared[slug] = (sum(r[0] for r in live), sorted({name for r in live for name in r[2]}))
    return shared


def readers_key(slug: str) -> str:
    """The Redis hash where each process reports an event's readers and editors."""
    return f"{settings.LIVEBLOG_REDIS_PREFIX}:readers:{slug}"


def total_readers(reports) -> int:
    """An event's readers in every live process, from the reports stored under its key."""
    return sum(report[0] for report in _fresh(reports))


def _fresh(reports) -> list[list]:
    fresh_after = time.time() - 3 * settings.LIVEBLOG_READERS_INTERVAL
    return [r for r in map(_report, reports) if r and r[1] >= fresh_after]


def _report(value: bytes) -> list | None:
    """One process's [readers, reported at, editors]; None for anything else under that key."""
    try:
        count, at, editors = json.loads(value)
        return [int(count), float(at), [str(name) for name in editors]]
    except (ValueError, TypeError):
        return None
