"""Redis failing under two workers, as in production: killed outright, or gone silent without
closing anything (a network that drops packets). Nothing a user does may fail or wait on it, and
live delivery must come back by itself."""

import asyncio
import json
import re
import time
import urllib.request

import pytest

from bench.faults import black_hole, redis_process
from bench.redis_outage import outage
from tests.helpers import Api, head, read_frames, reader, run
from tests.server import require_service

pytestmark = pytest.mark.server


@pytest.fixture
def own_redis():
    """A Redis of the test's own, to be killed or cut off."""
    try:
        with redis_process() as redis:
            yield redis
    except FileNotFoundError:
        require_service("redis-server binary", "127.0.0.1", 1)  # skips, or fails on CI


def test_a_redis_killed_for_ten_seconds_fails_no_health_check_page_or_post(new_site, own_redis):
    """Health checks, pages and posts keep answering 2xx while Redis is dead (each probe waits
    two seconds at most, as a load balancer's would), and the reader, on the worker the posts do
    not go through, ends equal to the database once Redis is back."""
    site = new_site(REDIS_URL=f"redis://127.0.0.1:{own_redis.port}/0")
    with site.serve() as posting, site.serve() as reading:
        result = outage(posting, reading, site.token, own_redis, seconds=10)
    for what in ("health", "page", "post"):
        ok, total = result.share_ok(what)
        assert total >= 5 and ok == total, f"{what}: {ok} of {total} answered 2xx during the outage"
    assert result.redis_seen_unavailable  # the outage happened, and /healthz said so
    posted_during = [entry for entry, at in result.posted.items() if result.killed <= at < result.returned]
    assert set(posted_during) <= set(result.received)  # delivered by the database's check meanwhile
    assert result.resubscribed is not None and result.converged is not None


def metrics(base: str) -> dict[str, float]:
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
        lines = response.read().decode().splitlines()
    return {m[1]: float(m[2]) for m in (re.fullmatch(r"(liveblog_\w+) (\S+)", line) for line in lines) if m}


def subscription(base: str) -> str:
    with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
        return json.loads(response.read())["subscription"]


def wait_subscription(base: str, state: str, timeout: float) -> float:
    """Seconds until the worker's /healthz names the subscription ``state``."""
    started = time.monotonic()
    while subscription(base) != state:
        assert time.monotonic() - started < timeout, f"subscription not {state} after {timeout} s"
        time.sleep(0.2)
    return time.monotonic() - started


def test_a_subscription_gone_silent_is_noticed_and_made_again_when_redis_answers(
    new_site, own_redis, tmp_path
):
    """Both workers reach Redis through a proxy that stops forwarding without closing. The
    database's check is a minute away, so what the reader gets came through the subscription."""
    with black_hole(own_redis.port) as proxy:
        site = new_site(
            REDIS_URL=f"redis://127.0.0.1:{proxy.port}/0",
            LIVEBLOG_REDIS_PING_INTERVAL="0.5",
            LIVEBLOG_REDIS_STALE_AFTER="3",
            LIVEBLOG_READERS_INTERVAL="60",
        )
        log = tmp_path / "reading.log"
        with site.serve() as posting, site.serve(log_path=log) as reading:
            api = Api(posting, site.token)
            seq = head(posting)

            async def scenario():
                async with reader(reading, seq) as ws:
                    await read_frames(ws, 1)  # hello
                    await asyncio.to_thread(wait_subscription, reading, "up", 10)
                    await asyncio.to_thread(api.post_entry, "Before the silence.")
                    assert (await read_frames(ws, 1))[0]["entry"]["body"] == "Before the silence."

                    proxy.black_hole()
                    await asyncio.to_thread(wait_subscription, reading, "down", 15)
                    silent = await asyncio.to_thread(metrics, reading)
                    await asyncio.to_thread(api.post_entry, "During the silence.")  # still a 201
                    await asyncio.sleep(5)  # silent a while longer: attempts to come back fail

                    proxy.resume()
                    # an attempt fails at most every 5 s (with jitter, 7.5) and takes up to 2 s
                    await asyncio.to_thread(wait_subscription, reading, "up", 10)
                    caught_up = await read_frames(ws, 1)  # fetched on subscribing again
                    await asyncio.to_thread(api.post_entry, "After the silence.")
                    live = await read_frames(ws, 1)
                    return silent, caught_up + live

            silent, got = run(scenario())
            recovered = metrics(reading)
        assert [f["entry"]["body"] for f in got] == ["During the silence.", "After the silence."]
        assert [f["seq"] for f in got] == [seq + 2, seq + 3]
        assert silent["liveblog_redis_subscription_silent_seconds"] >= 3
        assert silent["liveblog_redis_subscription_age_seconds"] == 0
        assert silent["liveblog_redis_subscriptions_lost_total"] == 1
        assert recovered["liveblog_redis_subscription_silent_seconds"] < 3
        assert recovered["liveblog_redis_subscription_age_seconds"] > 0
        assert recovered["liveblog_redis_subscriptions_total"] == 2
        lines = log.read_text().splitlines()
        warned = [line for line in lines if "WARNING" in line and "Redis subscription lost" in line]
        assert len(warned) == 1 and "nothing heard from Redis" in warned[0]
        assert any("INFO" in line and "again" in line and "after it was lost" in line for line in lines)
