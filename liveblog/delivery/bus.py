"""Between processes: a change's frame is published once its transaction commits, to this
process's hub and, with REDIS_URL, to Redis in one PUBLISH; every process holds one subscription
and hands what it hears to its hub."""

import asyncio
import logging
import random
import time
from collections.abc import Callable

import redis
import redis.asyncio as aioredis
from django.conf import settings
from django.db import transaction

from liveblog import heads, redis_clients
from liveblog.delivery import metrics
from liveblog.delivery.ring import Published
from liveblog.frames import SEQ
from liveblog.models import Change

log = logging.getLogger(__name__)

Deliver = Callable[[str, Published, str], None]  # (event slug, frame, epoch)


def channel() -> str:
    """One channel per Redis database: pub/sub ignores the database number, and two deployments
    sharing a server must not hear each other."""
    database = redis.connection.parse_url(settings.REDIS_URL).get("db", 0)
    return f"{settings.LIVEBLOG_REDIS_PREFIX}:{database}:changes"


def publish_on_commit(change: Change) -> None:
    """Publish the change's frame once its transaction commits; never if it rolls back."""
    slug, epoch = change.event.slug, change.event.epoch
    published = Published(change.seq, change.frame, change.type, change.entry_id)
    heads.forget(slug)  # and again at commit: a page read meanwhile may have cached the old head
    transaction.on_commit(lambda: publish(slug, published, epoch))


def publish(slug: str, published: Published, epoch: str) -> None:
    """Hand a committed frame to the readers. A failure is logged, never raised: the change is
    committed, and readers recover it through seq once delivery works again."""
    from liveblog.delivery.hub import hub  # the hub imports this module to subscribe

    heads.forget(slug)
    hub.deliver_threadsafe(slug, published, epoch)
    if not settings.REDIS_URL:
        return
    try:
        redis_clients.sync_client().publish(channel(), encode(slug, published, epoch))
    except redis.RedisError:
        metrics.PUBLISH_FAILURES.inc()
        log.warning(
            "publish of %s #%s to Redis failed; readers will catch up", slug, published.seq, exc_info=True
        )


def encode(slug: str, published: Published, epoch: str) -> str:
    """A header line (slug, seq, epoch, change type, entry id), then the frame as stored."""
    entry = "" if published.entry is None else published.entry
    return f"{slug} {published.seq} {epoch} {published.type} {entry}\n{published.frame}"


def decode(data: bytes) -> tuple[str, Published, str] | None:
    header, _, frame = data.decode().partition("\n")
    slug, seq, epoch, type, entry = (header.split(" ") + ["", "", "", ""])[:5]
    if not SEQ.fullmatch(seq):
        return None
    return slug, Published(int(seq), frame, type, int(entry) if SEQ.fullmatch(entry) else None), epoch


class Silent(Exception):
    """The subscription's connection heard nothing, not even its pings' answers, for too long."""


class Subscription:
    """This process's one subscription to the changes channel, resubscribing after an outage.
    ``on_subscribed`` runs after every (re)subscription: what was published while away must be
    fetched from the database.

    A connection can die without a word (a peer that vanished, a network that drops packets): a
    plain ``listen()`` then waits forever while delivery falls back, unseen, to the database's
    periodic check. So the subscription pings Redis through itself every
    LIVEBLOG_REDIS_PING_INTERVAL seconds and, having heard nothing (no message, no answer) for
    LIVEBLOG_REDIS_STALE_AFTER, drops the connection and subscribes afresh."""

    def __init__(self, client: aioredis.Redis, deliver: Deliver, on_subscribed: Callable) -> None:
        self.client, self.deliver, self.on_subscribed = client, deliver, on_subscribed
        self.up = False
        self.heard = self.since = time.monotonic()  # last heard from Redis; subscribed (or lost) at
        self.lost: str | None = None  # why, while down (None while up, and before the first)
        metrics.watch_subscription(self)

    async def run(self) -> None:
        delay = 0.5
        while True:
            try:
                await self._listen()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self._lose(error)
            if self.up:
                delay = 0.5
            self.up = False
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 5.0)

    def silent_for(self) -> float:
        """Seconds since Redis last said anything on the subscription's connection."""
        return time.monotonic() - self.heard

    def age(self) -> float:
        """Seconds since this subscription was made; 0 while there is none."""
        return time.monotonic() - self.since if self.up else 0.0

    async def _listen(self) -> None:
        ping_every, stale_after = settings.LIVEBLOG_REDIS_PING_INTERVAL, settings.LIVEBLOG_REDIS_STALE_AFTER
        async with self.client.pubsub() as pubsub:
            await pubsub.subscribe(channel())
            started = pinged = time.monotonic()
            while True:
                message = await pubsub.get_message(timeout=min(1.0, ping_every))
                now = time.monotonic()
                if message is not None:
                    self.heard = now
                    await self._hear(message)
                if now - max(self.heard, started) > stale_after:
                    raise Silent(f"nothing heard from Redis for {now - max(self.heard, started):.0f} s")
                if now - pinged >= ping_every:
                    await pubsub.ping(PING)
                    pinged = now

    async def _hear(self, message: dict) -> None:
        if message.get("type") == "subscribe":
            self._subscribed()
            await self.on_subscribed()
        elif message.get("type") == "message":
            decoded = decode(message["data"])
            if decoded is not None:
                self.deliver(*decoded)

    def _subscribed(self) -> None:
        if self.lost is None:
            log.info("subscribed to %s", channel())
        else:
            log.info(
                "subscribed to %s again, %.1f s after it was lost", channel(), time.monotonic() - self.since
            )
        metrics.SUBSCRIPTIONS.inc()
        self.up, self.lost, self.since = True, None, time.monotonic()

    def _lose(self, error: Exception) -> None:
        """Warn once per outage (not at every attempt to come back), with the reason."""
        if self.lost is None:
            reason = str(error) or type(error).__name__
            self.lost, self.since = reason, time.monotonic()
            metrics.SUBSCRIPTIONS_LOST.inc()
            log.warning(
                "Redis subscription lost (%s): changes reach this worker's readers through the"
                " database's periodic check until it is back",
                reason,
            )
        else:
            log.debug("Redis subscription still down: %s", error)


PING = "liveblog-subscription"  # the answer's payload: told apart from anything else
