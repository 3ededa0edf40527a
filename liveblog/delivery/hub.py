"""This process's hub: the registry of event streams, their epochs, the periodic check that
catches up whatever delivery missed, and this process's Redis subscription."""

import asyncio
import contextvars
import logging
import sys
import time
import uuid
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from channels.db import database_sync_to_async
from django.conf import settings
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

from liveblog import heads, redis_clients
from liveblog.delivery import metrics
from liveblog.delivery.admission import Admission
from liveblog.delivery.bus import Subscription
from liveblog.delivery.presence import Counts, readers_key, shared_counts, total_readers
from liveblog.delivery.readers import AsgiReader
from liveblog.delivery.ring import Published
from liveblog.delivery.samples import Samples
from liveblog.delivery.stream import RING_SIZE, Stream
from liveblog.frames import REPLAY_LIMIT, readers_frame
from liveblog.models import Change, Event, new_epoch

log = logging.getLogger(__name__)

RESTORED = "The report was restored; reload to see it as it is now."
REWOUND = "The report went back to an earlier state; reload to see it as it is now."


@dataclass
class Feed:
    """An event's feed as the database has it: its head, and the frames after a stream's head."""

    seq: int
    epoch: str
    frames: list[Published] = field(default_factory=list)


@database_sync_to_async
def feeds_for_opening(slugs: list[str]) -> dict[str, Feed]:
    """The events' heads in one query, and each one's recent frames, on one connection: after a
    restart, the readers of hundreds of events reconnect at once."""
    found = {}
    for pk, slug, seq, epoch in Event.objects.filter(slug__in=slugs).values_list(
        "pk", "slug", "seq", "epoch"
    ):
        found[slug] = Feed(seq, epoch, recent_changes(pk))
    return found


def recent_changes(event_pk: int) -> list[Published]:
    """The event's last frames, as many as a ring keeps (RING_SIZE, LIVEBLOG_RING_BYTES), in seq
    order: read newest first, a few at a time, so that large frames the ring would drop at once
    are not read."""
    newest = Change.objects.filter(event_id=event_pk).order_by("-seq")
    columns = ("seq", "frame", "type", "entry_id")
    recent: list[Published] = []
    size = 0
    while len(recent) < RING_SIZE and size < settings.LIVEBLOG_RING_BYTES:
        chunk = [Published(*row) for row in newest.values_list(*columns)[len(recent) : len(recent) + 64]]
        recent += chunk
        size += sum(sys.getsizeof(published.frame) for published in chunk)
        if len(chunk) < 64:
            break
    return recent[::-1]


@database_sync_to_async
def feeds(marks: dict[str, int]) -> dict[str, Feed]:
    """The events' heads in one query, and, for those past the seq in ``marks`` (a stream's head),
    the frames after it: one connection for all of a worker's streams, and no more queries when
    nothing changed."""
    found = {}
    for pk, slug, seq, epoch in Event.objects.filter(slug__in=marks).values_list(
        "pk", "slug", "seq", "epoch"
    ):
        feed = found[slug] = Feed(seq, epoch)
        if seq > marks[slug]:
            feed.frames = changes_after(pk, marks[slug], REPLAY_LIMIT * 2)
    return found


def changes_after(event_pk: int, seq: int, limit: int) -> list[Published]:
    changes = Change.objects.filter(event_id=event_pk, seq__gt=seq).order_by("seq")
    return [Published(*row) for row in changes.values_list("seq", "frame", "type", "entry_id")[:limit]]


class Hub:
    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.streams: dict[str, Stream] = {}
        self.opening: dict[str, asyncio.Future] = {}
        self.early: dict[str, list[tuple[Published, str]]] = {}  # frames heard while opening
        self.waiting: list[str] = []  # events whose streams are to be opened
        self.opener: asyncio.Future | None = None
        self.tasks: set[asyncio.Future] = set()
        self.subscription: Subscription | None = None
        self.redis: aioredis.Redis | None = None
        self.admission = Admission()
        self.samples = Samples()  # readers over time, for the desk's chart
        self.process_id = uuid.uuid4().hex

    async def stream(self, slug: str, *, epoch: str | None = None) -> Stream | None:
        """The event's stream in this process, opened on its first reader; None: no such event.
        A stream whose epoch differs from ``epoch`` (the event was restored) is opened afresh."""
        self._bind()
        stream = self.streams.get(slug)
        if stream is not None and not stream.stale and (epoch is None or stream.epoch == epoch):
            return stream
        if slug not in self.opening:
            self.opening[slug] = asyncio.get_running_loop().create_future()
            self.waiting.append(slug)
            if self.opener is None or self.opener.done():  # else the running one takes it
                self.opener = asyncio.ensure_future(self._open_waiting())
        return await asyncio.shield(self.opening[slug])

    def deliver_threadsafe(self, slug: str, published: Published, epoch: str) -> None:
        loop = self.loop
        if loop is None or loop.is_closed():
            return  # no reader has connected to this process
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self.deliver(slug, published, epoch)
        else:
            # A fresh context: the caller's (a sync thread inside asgiref's executor) would make
            # the tasks this frame spawns look like they run in that executor too.
            loop.call_soon_threadsafe(self.deliver, slug, published, epoch, context=contextvars.Context())

    def deliver(self, slug: str, published: Published, epoch: str) -> None:
        heads.forget(slug)  # a change made in another process: its pages here are out of date
        if slug in self.opening:  # kept for the stream being opened (see _open)
            self.early.setdefault(slug, []).append((published, epoch))
        else:
            self._hand(slug, published, epoch)

    def _hand(self, slug: str, published: Published, epoch: str) -> None:
        stream = self.streams.get(slug)
        if stream is None:
            return
        if epoch and epoch != stream.epoch:
            # Another epoch never mixes with this stream's seqs: if the database has moved to it
            # (a restore), the stream is opened afresh and its readers reload.
            self._spawn(self._reopen(slug, epoch))
        elif stream.contradicts(published):
            self._spawn(self._check([stream]))  # the feed may have gone back: the database says
        else:
            stream.deliver(published)

    def readers(self) -> Iterable[Any]:
        return (reader for stream in self.streams.values() for reader in stream.readers)

    def subscription_state(self) -> str:
        """For /healthz: ``up``, ``down``, ``idle`` (no reader here yet, so nothing to deliver)
        or ``not configured`` (no REDIS_URL: one process, nothing to subscribe to)."""
        if not settings.REDIS_URL:
            return "not configured"
        if self.subscription is None:
            return "idle"
        return "up" if self.subscription.up else "down"

    def reset(self) -> None:
        """Forget every stream and task: a new loop (a test, a restarted server) starts afresh."""
        for task in self.tasks:
            task.cancel()
        for stream in self.streams.values():
            stream.close()
        self.loop, self.streams, self.opening, self.tasks = None, {}, {}, set()
        if self.opener is not None:
            self.opener.cancel()
        self.early, self.waiting, self.opener = {}, [], None
        self.subscription = self.redis = None

    def _bind(self) -> None:
        loop = asyncio.get_running_loop()
        if self.loop is loop:
            return
        self.reset()
        self.loop = loop
        self._spawn(self._tick())
        if settings.REDIS_URL:
            self.redis = client = redis_clients.async_client(socket_timeout=2)
            self.subscription = Subscription(client, self.deliver, self._catch_up_every_stream)
            self._spawn(self.subscription.run())

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _open_waiting(self) -> None:
        """Open the streams asked for, those asked for meanwhile in the next round: one database
        call for all the events whose first readers arrive together."""
        while self.waiting:
            slugs, self.waiting = self.waiting, []
            found: dict[str, Feed] = {}
            failed: Exception | None = None
            try:
                found = await feeds_for_opening(slugs)
            except Exception as error:
                failed = error
            for slug in slugs:
                # Frames committed after the rows were read arrived meanwhile: they were kept
                # for the new stream, so that opening costs no second query.
                opening, early = self.opening.pop(slug), self.early.pop(slug, [])
                if failed is not None:
                    opening.set_exception(failed)
                    continue
                opening.set_result(self._install(slug, found.get(slug)))
                for published, epoch in early:
                    self._hand(slug, published, epoch)

    def _install(self, slug: str, feed: Feed | None) -> Stream | None:
        if feed is None:
            return None
        old = self.streams.get(slug)
        if old is not None and old.epoch == feed.epoch and not old.stale:
            return old
        recent = feed.frames
        stream = self.streams[slug] = Stream(
            slug, max([feed.seq, *(p.seq for p in recent)]), feed.epoch, recent
        )
        if old is not None:
            old.reset_all(REWOUND if old.stale else RESTORED)
        return stream

    async def _reopen(self, slug: str, epoch: str) -> None:
        await self.stream(slug, epoch=epoch)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(settings.LIVEBLOG_READERS_INTERVAL)
            try:
                await self._check_feeds()
            except Exception:
                log.warning("could not check the feeds for missed changes", exc_info=True)
            try:
                await self._count_readers()
            except Exception:
                log.warning("could not update reader counts", exc_info=True)

    async def _check_feeds(self) -> None:
        """A safety net: whatever a lost publish, a Redis outage or another process without Redis
        (an import, a script) left undelivered, every stream with readers fetches it."""
        for stream in list(self.streams.values()):
            if not stream.readers and stream.idle():
                self.streams.pop(stream.slug, None)
                stream.close()
        started = time.perf_counter()
        await self._check([stream for stream in self.streams.values() if stream.readers])
        metrics.FEED_CHECK_SECONDS.observe(time.perf_counter() - started)

    async def _check(self, streams: list[Stream]) -> None:
        """Bring the streams to the database's feed: the frames they missed, or, where the feed
        is not the one they sent (another epoch after a restore, or a head gone back after a
        failover to a replica that lagged), a stream opened afresh and a reset for its readers."""
        marks = {stream.slug: stream.head for stream in streams}  # all committed: they were sent
        found = await feeds(marks) if marks else {}
        for stream in streams:
            feed = found.get(stream.slug)
            if feed is None or self.streams.get(stream.slug) is not stream:
                continue  # deleted, or opened afresh meanwhile
            if feed.epoch != stream.epoch:
                await self.stream(stream.slug, epoch=feed.epoch)
            elif feed.seq < marks[stream.slug]:
                log.warning(
                    "the feed of %s went back from %d to %d: a new epoch, and its readers reload",
                    stream.slug,
                    marks[stream.slug],
                    feed.seq,
                )
                stream.stale = True
                await renew_epoch(stream.slug, epoch=stream.epoch, seen=marks[stream.slug])
                await self.stream(stream.slug)
            else:
                for published in feed.frames:
                    stream.deliver(published)

    async def _catch_up_every_stream(self) -> None:
        await self._check(list(self.streams.values()))  # what was published while unsubscribed

    async def _count_readers(self) -> None:
        streams = [s for s in self.streams.values() if s.readers or s.readers_total or s.presence.shown]
        local: Counts = {
            s.slug: (len(s.readers) - len(s.presence.consoles), s.presence.here()) for s in streams
        }
        shared = await shared_counts(self.redis, self.process_id, local) if self.redis else local
        for stream in streams:
            total, editors = shared.get(stream.slug, (0, []))
            if total != stream.readers_total:
                stream.readers_total = total
                stream.broadcast(readers_frame(total))
            stream.presence.share(editors)
        self.samples.record({stream.slug: stream.readers_total for stream in streams})


@database_sync_to_async
def renew_epoch(slug: str, *, epoch: str, seen: int) -> None:
    """A head that went back (a failover to a replica that lagged) is a new history: the event
    gets a new epoch in the database, so that pages resuming from the lost seqs, cached pages and
    every other worker see it too, not only this worker's readers. Whichever worker notices first
    writes it; the condition makes the others' writes no-ops."""
    Event.objects.filter(slug=slug, epoch=epoch, seq__lt=seen).update(epoch=new_epoch())


def readers_now(slugs: list[str]) -> dict[str, int]:
    """The events' readers as last counted, for pages rendered outside the event loop (the home
    page): across every process with Redis, this process's without. Nothing when Redis fails:
    a page shows no count rather than a wrong one, or an error."""
    if not settings.REDIS_URL:
        streams = hub.streams
        return {slug: streams[slug].readers_total for slug in slugs if slug in streams}
    try:
        with redis_clients.sync_client().pipeline(transaction=False) as pipe:
            for slug in slugs:
                pipe.hgetall(readers_key(slug))
            reports = pipe.execute()
    except Exception:
        log.warning("could not read reader counts", exc_info=True)
        return {}
    return {slug: total_readers(found.values()) for slug, found in zip(slugs, reports, strict=True)}


class HubCollector(Collector):
    """The hub's gauges, read when /metrics is scraped."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def collect(self):
        readers = list(self.hub.readers())
        slow = sum(isinstance(reader, AsgiReader) for reader in readers)
        yield GaugeMetricFamily(
            "liveblog_readers_connected", "WebSocket readers connected to this process.", value=len(readers)
        )
        yield GaugeMetricFamily(
            "liveblog_readers_slow_path",
            "Readers sent to through the ASGI send rather than straight to their socket"
            " (another server, TLS, compression, or a middleware that wraps send).",
            value=slow,
        )
        yield GaugeMetricFamily(
            "liveblog_streams", "Events with a stream in this process.", value=len(self.hub.streams)
        )


hub = Hub()
REGISTRY.register(HubCollector(hub))
