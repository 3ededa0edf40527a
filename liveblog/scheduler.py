"""Scheduled entries go out on time: every worker asks each second what is due and publishes it
(services.publish_due). Several workers asking at once publish each entry once: the event's
row lock, taken with SKIP LOCKED, lets one of them do it. Nothing is kept in memory, so a
restart loses nothing: the first check after it publishes whatever fell due meanwhile.

Chosen over a task queue (Celery, RQ): Liveblog's workers already share PostgreSQL, the due
entries are one indexed query away, and the lock that keeps the change feed gap-free is the
one that makes publishing exactly-once. A queue would add a broker and a process to run, and
could deliver a task twice all the same."""

import asyncio
import logging

from channels.db import database_sync_to_async
from django.conf import settings

from liveblog import services

log = logging.getLogger(__name__)


async def run() -> None:
    """Publish what falls due, for as long as the worker runs."""
    publish = database_sync_to_async(services.publish_due)
    while True:
        try:
            published = await publish()
        except Exception:
            log.warning("could not publish the scheduled entries", exc_info=True)
        else:
            for entry in published:
                log.info("published scheduled entry %s of %s", entry.pk, entry.event.slug)
        await asyncio.sleep(settings.LIVEBLOG_SCHEDULE_INTERVAL)


def start() -> None:
    """From the server's start-up, before its loop runs."""
    asyncio.get_event_loop().create_task(run())
