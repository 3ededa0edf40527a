"""The one Redis configuration, used by publishing, the subscription, reader counts, rate limits
and the health check: a URL (redis://, or rediss:// for TLS, with a password), or Redis Sentinel
(REDIS_SENTINELS and REDIS_SENTINEL_MASTER; REDIS_URL then gives the database and the password,
its host is not used)."""

import contextlib
import functools
import time

import redis
import redis.asyncio as aioredis
import redis.asyncio.retry
import redis.asyncio.sentinel
import redis.sentinel
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

# Short, and one attempt: an editor's POST, a page or a health check must not hang on a Redis
# outage; every caller here has its fallback (the database's periodic check, per-worker counts).
# Clients made with from_url make one attempt already, but redis.Redis() itself retries ten times
# with growing pauses (3.4 s or more to find a stopped server): said outright, so that it stays so.
SYNC_TIMEOUTS = {"socket_timeout": 1, "socket_connect_timeout": 1, "retry": Retry(NoBackoff(), 0)}


def _sentinels() -> list[tuple[str, int]]:
    return [(host, int(port)) for host, _, port in (s.rpartition(":") for s in settings.REDIS_SENTINELS)]


def _options() -> dict:
    """What REDIS_URL says besides where the server is: database, user, password, TLS."""
    parsed = redis.connection.parse_url(settings.REDIS_URL)
    keep = ("db", "username", "password")
    options = {key: parsed[key] for key in keep if parsed.get(key) not in (None, "")}
    if settings.REDIS_URL.startswith("rediss://"):
        options["ssl"] = True
    return options


def sync_client() -> redis.Redis:
    """This process's client for short commands, one per configuration (tests change it)."""
    return _sync_client(settings.REDIS_URL, tuple(settings.REDIS_SENTINELS), settings.REDIS_SENTINEL_MASTER)


@functools.cache
def _sync_client(url: str, sentinels: tuple[str, ...], master: str) -> redis.Redis:
    if sentinels:
        sentinel = redis.sentinel.Sentinel(_sentinels(), **SYNC_TIMEOUTS)
        return sentinel.master_for(master, **_options(), **SYNC_TIMEOUTS)
    pool = redis.ConnectionPool.from_url(url, **SYNC_TIMEOUTS)
    pool.connection_class = _GUARDED.get(pool.connection_class, pool.connection_class)
    return redis.Redis(connection_pool=pool)


# A Redis that does not answer (packets dropped: nothing refuses, nothing resets) costs each call
# its whole timeout: a POST that counts its rate and publishes waited two seconds. After a timeout,
# calls fail at once for QUIET_AFTER_TIMEOUT seconds, to their fallbacks; a Redis that refuses
# costs nothing to ask, so only timeouts count.
QUIET_AFTER_TIMEOUT = 5.0
_quiet_until = 0.0


class _Guarded:
    def send_packed_command(self, command, check_health=True):
        if time.monotonic() < _quiet_until:
            raise redis.ConnectionError("Redis timed out a moment ago; not asked again yet")
        with _timeouts_noted():
            return super().send_packed_command(command, check_health)  # type: ignore[misc]

    def read_response(self, *args, **kwargs):
        with _timeouts_noted():
            return super().read_response(*args, **kwargs)  # type: ignore[misc]


@contextlib.contextmanager
def _timeouts_noted():
    global _quiet_until
    try:
        yield
    except redis.TimeoutError:
        _quiet_until = time.monotonic() + QUIET_AFTER_TIMEOUT
        raise


class _GuardedConnection(_Guarded, redis.Connection):
    pass


class _GuardedSSLConnection(_Guarded, redis.SSLConnection):
    pass


_GUARDED: dict[type, type] = {
    redis.Connection: _GuardedConnection,
    redis.SSLConnection: _GuardedSSLConnection,
}


def async_client(**timeouts) -> aioredis.Redis:
    """A client for the event loop: reader counts and the subscription, which notices a silent
    connection by its own pings (liveblog/delivery/bus.py). One attempt per command, as above."""
    timeouts = {
        "socket_connect_timeout": 2,
        "retry": redis.asyncio.retry.Retry(NoBackoff(), 0),
        "socket_keepalive": True,
        **timeouts,
    }
    if settings.REDIS_SENTINELS:
        sentinel = redis.asyncio.sentinel.Sentinel(_sentinels(), **timeouts)
        return sentinel.master_for(settings.REDIS_SENTINEL_MASTER, **_options(), **timeouts)
    return aioredis.Redis.from_url(settings.REDIS_URL, **timeouts)
