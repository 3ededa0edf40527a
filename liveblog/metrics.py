"""Prometheus metrics of this process, in the text exposition format. Scrape every process."""

import bisect
from dataclasses import dataclass, field

FANOUT_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass
class Histogram:
    buckets: tuple[float, ...]
    counts: list[int] = field(default_factory=list)
    total: float = 0.0
    count: int = 0

    def __post_init__(self) -> None:
        self.counts = [0] * (len(self.buckets) + 1)

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.buckets, value)] += 1
        self.total += value
        self.count += 1

    def lines(self, name: str) -> list[str]:
        out, running = [], 0
        for bound, n in zip((*self.buckets, float("inf")), self.counts, strict=True):
            running += n
            label = "+Inf" if bound == float("inf") else repr(bound)
            out.append(f'{name}_bucket{{le="{label}"}} {running}')
        return [*out, f"{name}_sum {self.total}", f"{name}_count {self.count}"]


@dataclass
class Metrics:
    frames_sent: int = 0
    changes_fanned_out: int = 0
    publish_failures: int = 0
    readers_dropped_slow: int = 0
    fanout_seconds: Histogram = field(default_factory=lambda: Histogram(FANOUT_BUCKETS))


metrics = Metrics()


def exposition(readers: int, streams: int) -> str:
    lines = [
        "# HELP liveblog_readers_connected WebSocket readers connected to this process.",
        "# TYPE liveblog_readers_connected gauge",
        f"liveblog_readers_connected {readers}",
        "# HELP liveblog_streams Events with a stream in this process.",
        "# TYPE liveblog_streams gauge",
        f"liveblog_streams {streams}",
        "# HELP liveblog_frames_sent_total Frames handed to readers (one per reader per frame).",
        "# TYPE liveblog_frames_sent_total counter",
        f"liveblog_frames_sent_total {metrics.frames_sent}",
        "# HELP liveblog_changes_fanned_out_total Frames fanned out to this process's readers.",
        "# TYPE liveblog_changes_fanned_out_total counter",
        f"liveblog_changes_fanned_out_total {metrics.changes_fanned_out}",
        "# HELP liveblog_publish_failures_total Publishes to Redis that failed (readers catch up by seq).",
        "# TYPE liveblog_publish_failures_total counter",
        f"liveblog_publish_failures_total {metrics.publish_failures}",
        "# HELP liveblog_readers_dropped_slow_total Readers disconnected for falling too far behind.",
        "# TYPE liveblog_readers_dropped_slow_total counter",
        f"liveblog_readers_dropped_slow_total {metrics.readers_dropped_slow}",
        "# HELP liveblog_fanout_seconds Time to hand a batch of frames (one, unless more were waiting)"
        " to every reader of an event here.",
        "# TYPE liveblog_fanout_seconds histogram",
        *metrics.fanout_seconds.lines("liveblog_fanout_seconds"),
    ]
    return "\n".join(lines) + "\n"
