"""Rate limits for sign-in attempts and API writes: one fixed-window counter, in Redis when
REDIS_URL is set (so every process counts together), else in this process's ``ratelimit`` cache,
which also counts while Redis is unreachable: limits stay on, per worker, through an outage."""

import logging
import time
from typing import Any

import redis
from django.conf import settings
from django.core.cache import caches
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from liveblog import redis_clients

log = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'60/m' -> (60, 60): so many requests per second, minute, hour or day."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period[:1]]


def over_limit(scope: str, ident: str, rate: str) -> bool:
    """Count one attempt; True when ``ident`` has used up ``rate`` in the current window."""
    limit, window = parse_rate(rate)
    return _count(_key(scope, ident, window), window) > limit


def used_up(scope: str, ident: str, rate: str) -> bool:
    """Whether ``ident`` has used up ``rate`` in the current window, counting nothing (sign-ins
    count their failures only, after the attempt)."""
    limit, window = parse_rate(rate)
    return _read(_key(scope, ident, window)) >= limit


def _key(scope: str, ident: str, window: int) -> str:
    return f"ratelimit:{scope}:{ident}:{int(time.time() // window)}"


def _read(key: str) -> int:
    if _redis_in_use():
        try:
            count = int(redis_clients.sync_client().get(f"{settings.LIVEBLOG_REDIS_PREFIX}:{key}") or 0)
            _redis_answers()
            return count
        except (redis.RedisError, OSError):
            _redis_lost()
    return caches["ratelimit"].get(key, 0)


def _count(key: str, window: int) -> int:
    """Count one more in the window's counter, which expires with the window."""
    if _redis_in_use():
        shared = f"{settings.LIVEBLOG_REDIS_PREFIX}:{key}"
        try:
            with redis_clients.sync_client().pipeline(transaction=False) as pipe:
                pipe.incr(shared)
                pipe.expire(shared, window + 1)
                count, _ = pipe.execute()
            _redis_answers()
            return int(count)
        except (redis.RedisError, OSError):
            _redis_lost()
    cache = caches["ratelimit"]
    cache.add(key, 0, timeout=window + 1)
    return cache.incr(key)


# While Redis is unreachable, each process counts in its own memory (limits stay on, per
# worker) and tries Redis again every RETRY_REDIS seconds, not on every request: a Redis that
# does not answer would cost each sign-in and write its connect timeout. Kept per REDIS_URL.
RETRY_REDIS = 2.0
_redis_down_until: dict[str, float] = {}


def _redis_in_use() -> bool:
    url = settings.REDIS_URL
    return bool(url) and time.monotonic() >= _redis_down_until.get(url, 0.0)


def _redis_lost() -> None:
    if settings.REDIS_URL not in _redis_down_until:
        log.warning(
            "rate limits: Redis unreachable; counting in this process until it answers", exc_info=True
        )
    _redis_down_until[settings.REDIS_URL] = time.monotonic() + RETRY_REDIS


def _redis_answers() -> None:
    if _redis_down_until.pop(settings.REDIS_URL, None) is not None:
        log.warning("rate limits: Redis answers again; counting there")


def seconds_left(rate: str) -> float:
    """Until the current window of ``rate`` ends and its counts start again."""
    window = parse_rate(rate)[1]
    return window - time.time() % window


class WriteThrottle(BaseThrottle):
    """API writes per user (per address for anonymous requests, which are refused anyway), at
    LIVEBLOG_WRITE_RATE: the same counter as sign-in attempts."""

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        user = request.user
        ident = str(user.pk) if user.is_authenticated else self.get_ident(request)
        return not over_limit("writes", ident, settings.LIVEBLOG_WRITE_RATE)

    def wait(self) -> float:
        """Sent as Retry-After with the 429."""
        return seconds_left(settings.LIVEBLOG_WRITE_RATE)
