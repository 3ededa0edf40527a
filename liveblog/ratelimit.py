"""Rate limits for sign-in attempts and writes, counted in the shared cache (Redis when
REDIS_URL is set, so every process counts together)."""

import logging
import time

from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

log = logging.getLogger(__name__)


def parse_rate(rate: str) -> tuple[int, int]:
    """'60/m' -> (60, 60): so many requests per second, minute, hour or day."""
    count, _, period = rate.partition("/")
    return int(count), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[:1]]


def over_limit(scope: str, ident: str, rate: str) -> bool:
    """Count one attempt; True when ``ident`` has used up ``rate`` in the current window.
    If the cache is unreachable, nobody is limited: availability comes first."""
    limit, window = parse_rate(rate)
    key = f"ratelimit:{scope}:{ident}:{int(time.time() // window)}"
    cache = caches["ratelimit"]
    try:
        cache.add(key, 0, timeout=window + 1)
        return cache.incr(key) > limit
    except Exception:
        log.warning("rate limit cache unavailable; not limiting", exc_info=True)
        return False


class WriteThrottle(SimpleRateThrottle):
    """Writes per user (or per address for anonymous requests, which are refused anyway)."""

    scope = "writes"
    cache = caches["ratelimit"]

    def allow_request(self, request, view) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        try:
            return super().allow_request(request, view)
        except Exception:
            log.warning("rate limit cache unavailable; not limiting", exc_info=True)
            return True

    def get_cache_key(self, request, view) -> str:
        ident = request.user.pk if request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
