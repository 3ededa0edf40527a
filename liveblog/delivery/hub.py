"""This process's hub: the registry of event streams, their epochs, the periodic check that
catches up whatever delivery missed, and this process's Redis subscription."""

import asyncio
import contextvars
import logging
import uuid
from collections.abc import Coroutine, Iterable
from typing import Any

import redis.asyncio as aioredis
from channels.db import database_sync_to_async
from django.conf import settings
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

from liveblog import heads, redis_clients
from liveblog.delivery.admission import Admission
from liveblog.delivery.bus import Subscription
from liveblog.delivery.presence import Counts, readers_key, shared_counts, total_readers
from liveblog.delivery.readers import AsgiReader
from liveblog.delivery.ring import Published
from liveblog.delivery.stream import RING_SIZE, Stream, frames_after
from liveblog.frames import readers_frame
from liveblog.models import Event

log = logging.getLogger(__name__)

RESTORED = "The report was restored; reload to see it as it is now."


@database_sync_to_async
def feed_head(slug: str) -> tuple[int, str] | None:
    return Event.objects.filter(slug=slug).values_list("seq", "epoch").first()


class Hub:
    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.streams: dict[str, Stream] = {}
        self.opening: dict[str, asyncio.Future] = {}
        self.tasks: set[asyncio.Future] = set()
        self.subscription: Subscription | None = None
        self.redis: aioredis.Redis | None = None
        self.admission = Admission()
        self.process_id = uuid.uuid4().hex

    async def stream(self, slug: str, *, epoch: str | None = None) -> Stream | None:
        """The event's stream in this process, opened on its first reader; None: no such event.
        A stream whose epoch differs from ``epoch`` (the event was restored) is opened afresh."""
        self._bind()
        stream = self.streams.get(slug)
        if stream is not None and (epoch is None or stream.epoch == epoch):
            return stream
        if slug not in self.opening:
            opening = self.opening[slug] = asyncio.ensure_future(self._open(slug))
            opening.add_done_callback(lambda _: self.opening.pop(slug, None))
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
        stream = self.streams.get(slug)
        if stream is None:
            return
        if not epoch or epoch == stream.epoch:
            stream.deliver(published)
        else:
            # Another epoch never mixes with this stream's seqs: if the database has moved to it
            # (a restore), the stream is opened afresh and its readers reload.
            self._spawn(self._reopen(slug, epoch))

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

    async def _open(self, slug: str) -> Stream | None:
        head = await feed_head(slug)
        if head is None:
            return None
        seq, epoch = head
        old = self.streams.get(slug)
        if old is not None and old.epoch == epoch:
            return old
        recent = await frames_after(slug, max(0, seq - RING_SIZE), RING_SIZE * 2)
        stream = Stream(slug, recent[-1].seq if recent else seq, epoch, recent[-RING_SIZE:])
        self.streams[slug] = stream
        if old is not None:
            old.reset_all(RESTORED)
        # Frames published while the rows above were read found no stream: fetch them.
        await stream.catch_up()
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
            if stream.readers:
                head = await feed_head(stream.slug)
                if head is not None and head[1] != stream.epoch:
                    await self.stream(stream.slug, epoch=head[1])  # restored: readers reload
                    continue
                await stream.catch_up()
            elif stream.idle():
                self.streams.pop(stream.slug, None)
                stream.close()

    async def _catch_up_every_stream(self) -> None:
        for stream in list(self.streams.values()):
            await stream.catch_up()  # whatever was published while the subscription was down

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
