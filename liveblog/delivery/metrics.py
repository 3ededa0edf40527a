"""This process's delivery metrics, for Prometheus (``/metrics``). Scrape every process: each
counts its own readers. Gauges are read from the hub when scraped (``hub.HubCollector``)."""

from prometheus_client import Counter, Histogram

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
