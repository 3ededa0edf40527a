"""How late the worker's event loop runs: a sleep of a tenth of a second, measured. Work that
holds the loop (a long query run on it, a huge frame parsed) shows here before readers feel it.
Exposed on /metrics as ``liveblog_event_loop_lag_seconds``; a lag over a second is logged."""

import asyncio
import logging
import time

from prometheus_client import Histogram

log = logging.getLogger(__name__)

INTERVAL = 0.1
LAG_SECONDS = Histogram(
    "liveblog_event_loop_lag_seconds",
    f"How much later than asked a {INTERVAL} s sleep on the worker's event loop ended.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


async def watch() -> None:
    while True:
        started = time.monotonic()
        await asyncio.sleep(INTERVAL)
        lag = max(0.0, time.monotonic() - started - INTERVAL)
        LAG_SECONDS.observe(lag)
        if lag > 1.0:
            log.warning("the event loop was held for %.1f s", lag)


def start() -> None:
    """From the server's start-up, before its loop runs."""
    asyncio.get_event_loop().create_task(watch())
