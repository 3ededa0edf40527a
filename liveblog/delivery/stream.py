"""One event's stream in this process: its frames in seq order, the replay ring, and the fan-out
of each frame to every reader here."""

import asyncio
import logging
import time
from collections import deque
from collections.abc import Coroutine
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings

from liveblog.delivery import metrics
from liveblog.delivery.presence import Presence
from liveblog.delivery.readers import Reader
from liveblog.delivery.ring import Published, Ring
from liveblog.delivery.wire import websocket_frames
from liveblog.frames import REPLAY_LIMIT, reset_frame
from liveblog.models import Change

log = logging.getLogger(__name__)

RING_SIZE = 512  # frames each stream keeps for readers that reconnect, within LIVEBLOG_RING_BYTES
GAP_WAIT = 0.25  # seconds a frame that arrived early waits for the missing ones
# Readers sent to before other tasks get a turn: some 15 ms of writes. Every turn of the loop polls
# all the sockets, which at 10,000 readers cost more than the writes themselves once per 100.
FAN_OUT_SLICE = 1000
BATCH_BYTES = 64 * 1024  # frames waiting together go to each reader as one write, up to this
OUTSIDE_FEED = 0  # the seq of a frame that is not a change (the reader count): sent, not kept
# A reader past LIVEBLOG_READER_BUFFER is dropped once it has stayed past it this long, or at once
# past this many times it: the bound counts time, so a large frame read slowly is not a stall.
BEHIND_SECONDS = 1.0
BEHIND_FACTOR = 4


@database_sync_to_async
def frames_after(slug: str, seq: int, limit: int) -> list[Published]:
    changes = Change.objects.filter(event__slug=slug, seq__gt=seq).order_by("seq")
    return [Published(*row) for row in changes.values_list("seq", "frame", "type", "entry_id")[:limit]]


class Stream:
    """Frames are queued by ``deliver`` in any order and go out in seq order; a missing seq is
    fetched from the database after GAP_WAIT. ``head`` is the last seq queued for fan-out,
    ``sent`` the last one every reader was sent."""

    def __init__(self, slug: str, head: int, epoch: str, recent: list[Published]):
        self.slug, self.epoch = slug, epoch
        self.head = self.sent = head
        self.readers: dict[Reader, None] = {}
        self.behind: dict[Reader, float] = {}  # readers past the bound, since when
        self.readers_total = 0  # readers of the event in every process, as last counted
        self.presence = Presence()
        self.ring = Ring(RING_SIZE, recent, max_bytes=settings.LIVEBLOG_RING_BYTES)
        self.stale = False  # the database's feed is no longer the one sent here: reopen it
        self.pending: dict[int, Published] = {}
        self.outbox: deque[Published] = deque()
        self.lock = asyncio.Lock()
        self.wake = asyncio.Event()
        self.filling = False
        self.idle_since: float | None = None
        self.tasks: set[asyncio.Future] = set()
        self.spawn(self._fan_out())

    def deliver(self, published: Published) -> None:
        """Queue a frame; release it and any it unblocks in seq order. Call in the loop."""
        if published.seq <= self.head:
            return  # already delivered (local and Redis paths both bring it)
        self.pending[published.seq] = published
        while self.head + 1 in self.pending:
            self.head += 1
            self.outbox.append(self.pending.pop(self.head))
        if self.outbox:
            self.wake.set()
        if self.pending and not self.filling:
            self.spawn(self._fill(wait=GAP_WAIT))

    def contradicts(self, published: Published) -> bool:
        """True if a frame at a seq already sent is not the frame sent at that seq: the database's
        feed went back and on along another history (a failover to a replica that had not received
        the last changes). A duplicate of a frame sent is the same text."""
        return published.seq <= self.head and self.ring.differs(published)

    def broadcast(self, frame: str) -> None:
        """A frame outside the feed (the reader count): sent in turn, not kept."""
        self.outbox.append(Published(OUTSIDE_FEED, frame))
        self.wake.set()

    def reset_all(self, reason: str) -> None:
        self.broadcast(reset_frame(reason))

    async def catch_up(self) -> None:
        """Fetch from the database every change this stream has not delivered yet."""
        await self._fill(wait=0)

    async def join(self, reader: Reader, after: int) -> str | None:
        """Send the reader what it missed after ``after``, then the live frames. Returns None, or
        why the reader must reload instead: a replay larger than a reader may ever be behind
        (BEHIND_FACTOR times LIVEBLOG_READER_BUFFER), which the next fan-out would drop it for,
        after this process had held it all; a page load is smaller."""
        if after > self.head:
            await self.catch_up()
        async with self.lock:
            if after < self.sent:
                frames = await self._since(after)
                size = sum(map(len, frames))
                if size > BEHIND_FACTOR * settings.LIVEBLOG_READER_BUFFER:
                    return f"{size:,} characters of changes were missed; reload."
                if frames:
                    reader.write(websocket_frames(frames), frames)
            self.readers[reader] = None
        return None

    def leave(self, reader: Reader) -> None:
        self.readers.pop(reader, None)
        self.behind.pop(reader, None)
        self.presence.leave(reader)

    def idle(self) -> bool:
        """True once the stream has had no reader for a while: it can be dropped."""
        if self.readers:
            self.idle_since = None
            return False
        self.idle_since = self.idle_since or time.monotonic()
        return time.monotonic() - self.idle_since > 60

    def close(self) -> None:
        for task in self.tasks:
            task.cancel()

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _since(self, after: int) -> list[str]:
        frames = self.ring.since(after)  # the ring ends at `sent`: it is added to as frames go out
        if frames is not None:
            return frames
        rows = await frames_after(self.slug, after, self.sent - after)
        return [published.frame for published in rows if published.seq <= self.sent]

    async def _fill(self, *, wait: float) -> None:
        self.filling = True
        try:
            if wait:
                await asyncio.sleep(wait)
            if wait and not self.pending:
                return  # the missing frames arrived by themselves
            for published in await frames_after(self.slug, self.head, REPLAY_LIMIT * 2):
                self.deliver(published)
        except Exception:
            log.exception("could not fetch missed changes of %s", self.slug)
        finally:
            self.filling = False
        if self.pending:
            self.spawn(self._fill(wait=GAP_WAIT))  # still missing: try again shortly

    async def _fan_out(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            async with self.lock:
                while self.outbox:
                    batch = self._next_batch()
                    started = time.perf_counter()
                    await self._send_all([published.frame for published in batch])
                    metrics.FANOUT_SECONDS.observe(time.perf_counter() - started)
                    metrics.CHANGES_FANNED_OUT.inc(len(batch))
                    for published in batch:
                        if published.seq != OUTSIDE_FEED:
                            self.ring.add(published)
                            self.sent = published.seq

    def _next_batch(self) -> list[Published]:
        """The frames waiting, in order, up to BATCH_BYTES (at least one): under a burst, each
        reader gets every frame that arrived during the previous fan-out in one write."""
        batch = [self.outbox.popleft()]
        size = len(batch[0].frame)
        while self.outbox and size + len(self.outbox[0].frame) <= BATCH_BYTES:
            batch.append(self.outbox.popleft())
            size += len(batch[-1].frame)
        return batch

    async def _send_all(self, frames: list[str]) -> None:
        # Serialized once at commit, framed once here for every reader: per reader, one write.
        wire = websocket_frames(frames)
        readers = list(self.readers)
        limit = settings.LIVEBLOG_READER_BUFFER
        metrics.FRAMES_SENT.inc(len(readers) * len(frames))
        now = time.monotonic()
        for n, reader in enumerate(readers, 1):
            try:
                backlog = reader.write(wire, frames)
            except Exception:
                log.warning("dropping a reader of %s that could not be sent to", self.slug, exc_info=True)
                self._drop(reader)
            else:
                if backlog > limit:
                    self._behind(reader, backlog, now)
                elif self.behind:
                    self.behind.pop(reader, None)
            if n % FAN_OUT_SLICE == 0:
                await asyncio.sleep(0)  # handshakes and the Redis subscription get their turn

    def _behind(self, reader: Reader, backlog: int, now: float) -> None:
        """A reader past the bound has until BEHIND_SECONDS to get back under it: one that reads
        a burst or a large frame slowly catches up; one that stopped reading is dropped, and at
        once past BEHIND_FACTOR times the bound, before its frames pile up in this process."""
        since = self.behind.setdefault(reader, now)
        limit = settings.LIVEBLOG_READER_BUFFER
        if now - since >= BEHIND_SECONDS or backlog > BEHIND_FACTOR * limit:
            log.info("disconnecting a reader of %s that fell %d bytes behind", self.slug, backlog)
            metrics.READERS_DROPPED_SLOW.inc()
            self._drop(reader)

    def _drop(self, reader: Reader) -> None:
        """Closed, so that its page reconnects and catches up rather than stays silent."""
        self.readers.pop(reader, None)
        self.behind.pop(reader, None)
        reader.abort()
