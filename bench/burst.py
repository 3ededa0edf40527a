"""The burst: entries posted faster than one at a time, e.g. 50 within one second, as when several
editors cover a keynote. Every reader must still get every entry, once, in seq order, and the
last entry must not wait much longer than the first: a growing delay is a growing backlog."""

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from .proc import now
from .target import create_entry, entry_body, entry_seqs

START_DELAY = 0.05  # seconds for the threads to be ready before the first slot


@dataclass
class Burst:
    """What a burst sent: seq: when the POST (or the floor's trigger) that made it started."""

    starts: dict[int, float] = field(default_factory=dict)
    post_s: list[float] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    finished_posting: float = 0.0


def slots(count: int, seconds: float = 1.0) -> list[float]:
    """Start times spread evenly over ``seconds``: the first at once, the last just before the end."""
    first = now() + START_DELAY
    return [first + n * seconds / count for n in range(count)]


def wait_until(moment: float) -> None:
    time.sleep(max(0.0, moment - now()))


def post_burst(bases: list[str], token: str, count: int, body_length: int, head: int) -> Burst:
    """POST ``count`` entries, one starting in each slot whatever the earlier ones are doing: an
    open loop, as editors do not wait for each other, so a slow server shows as latency rather
    than as fewer posts. One thread per POST; the entries alternate over the processes."""

    def post(number: int, moment: float) -> tuple[int, float, float]:
        wait_until(moment)
        started = now()
        entry_id, spent = create_entry(
            bases[number % len(bases)], token, entry_body(1000 + number, body_length)
        )
        return entry_id, started, spent

    burst = Burst()
    started_by_id: dict[int, float] = {}
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(post, n, moment) for n, moment in enumerate(slots(count))]
        for future in futures:
            try:
                entry_id, started, spent = future.result(timeout=60)
            except Exception as exc:
                burst.failed.append(f"{type(exc).__name__}: {exc}"[:120])
                continue
            started_by_id[entry_id] = started
            burst.post_s.append(spent)
    burst.finished_posting = now()
    # Seqs are given in commit order, which need not be the order the POSTs started in.
    for entry_id, seq in entry_seqs(bases[0], head).items():
        if entry_id in started_by_id:
            burst.starts[seq] = started_by_id[entry_id]
    return burst


def trigger_burst(trigger: Callable[[int], None], count: int, first_seq: int) -> Burst:
    """The floor's burst: the same slots, each a broadcast of the next seq."""
    burst = Burst()
    for n, moment in enumerate(slots(count)):
        wait_until(moment)
        burst.starts[first_seq + n] = now()
        trigger(first_seq + n)
    burst.finished_posting = now()
    return burst
