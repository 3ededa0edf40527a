"""Between processes: a change's frame is published once its transaction commits, to this
process's hub and, with REDIS_URL, to Redis in one PUBLISH; every process holds one subscription
and hands what it hears to its hub."""

import asyncio
import logging
import random
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


class Subscription:
    """This process's one subscription to the changes channel, resubscribing after an outage.
    ``on_subscribed`` runs after every (re)subscription: what was published while away must be
    fetched from the database."""

    def __init__(self, client: aioredis.Redis, deliver: Deliver, on_subscribed: Callable) -> None:
        self.client, self.deliver, self.on_subscribed = client, deliver, on_subscribed
        self.up = False

    async def run(self) -> None:
        delay = 0.5
        while True:
            try:
                async with self.client.pubsub() as pubsub:
                    await pubsub.subscribe(channel())
                    log.info("subscribed to %s", channel())
                    self.up, delay = True, 0.5
                    await self.on_subscribed()
                    async for message in pubsub.listen():
                        self._hear(message)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("Redis subscription lost; retrying in %.1f s", delay, exc_info=True)
            self.up = False
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 5.0)

    def _hear(self, message: dict) -> None:
        if message.get("type") != "message":
            return
        decoded = decode(message["data"])
        if decoded is not None:
            self.deliver(*decoded)
