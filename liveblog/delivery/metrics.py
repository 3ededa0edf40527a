"""This process's delivery metrics, for Prometheus (``/metrics``). Scrape every process: each
counts its own readers. Gauges are read from the hub when scraped (``hub.HubCollector``)."""

from typing import Protocol

from prometheus_client import Counter, Gauge, Histogram

FRAMES_SENT = Counter("liveblog_frames_sent", "Frames handed to readers (one per reader per frame).")
CHANGES_FANNED_OUT = Counter(
    "liveblog_changes_fanned_out", "Frames fanned out to this process's readers (one per frame)."
)
PUBLISH_FAILURES = Counter(
    "liveblog_publish_failures", "Publishes to Redis that failed (readers catch up by seq)."
)
READERS_DROPPED_SLOW = Counter(
    "liveblog_readers_dropped_slow", "Readers disconnected for falling too far behind."
)
FANOUT_SECONDS = Histogram(
    "liveblog_fanout_seconds",
    "Time to hand a batch of frames (one, unless more were waiting) to every reader of an event here.",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
FEED_CHECK_SECONDS = Histogram(
    "liveblog_feed_check_seconds",
    "Time of one periodic check of every stream's feed against the database (one query, and the"
    " frames of the streams behind).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
SUBSCRIPTIONS = Counter(
    "liveblog_redis_subscriptions", "Subscriptions to the changes channel made: the first, then one per loss."
)
SUBSCRIPTIONS_LOST = Counter(
    "liveblog_redis_subscriptions_lost",
    "Subscriptions lost: an error, or a connection that stayed silent past LIVEBLOG_REDIS_STALE_AFTER.",
)
SUBSCRIPTION_SILENT = Gauge(
    "liveblog_redis_subscription_silent_seconds",
    "Seconds since Redis last said anything on the subscription's connection (a message or the"
    " answer to its ping every LIVEBLOG_REDIS_PING_INTERVAL): past that interval, it is going stale.",
)
SUBSCRIPTION_AGE = Gauge(
    "liveblog_redis_subscription_age_seconds",
    "Seconds since the current subscription was made; 0 while there is none (delivery then relies on"
    " the database's periodic check).",
)


class Watched(Protocol):
    def silent_for(self) -> float: ...
    def age(self) -> float: ...


def watch_subscription(subscription: Watched) -> None:
    """The gauges read this process's current subscription when scraped."""
    SUBSCRIPTION_SILENT.set_function(subscription.silent_for)
    SUBSCRIPTION_AGE.set_function(subscription.age)
