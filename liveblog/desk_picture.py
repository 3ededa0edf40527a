"""The desk's picture of an event, for its console: per city, when it last reported and when its
session runs (the console says "Berlin quiet for 14 min" from these, by its own clock), entries
over time, and readers over time from the samples the workers record (delivery/samples.py).

Both series share one set of buckets: as many as BARS at most, each BUCKET_MINUTES wide, over
the event's activity (its entries and reader samples) up to now while it is live."""

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Max, Min
from django.utils import timezone

from liveblog.models import Entry, Event

BARS = 48
BUCKET_MINUTES = (10, 15, 30, 60, 120, 180, 360, 720, 1440)
SPAN = timedelta(hours=24)  # the chart's longest span: the last day of activity
IDLE = timedelta(hours=12)  # a live event idle longer than this is charted up to its last activity


def desk_picture(event: Event, *, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    published = Entry.objects.published().filter(event=event)
    last = dict(published.order_by().values_list("session").annotate(last=Max("occurred_at")))
    start, end = _span(event, published, now)
    minutes = next((m for m in BUCKET_MINUTES if (end - start) / timedelta(minutes=m) <= BARS), 1440)
    buckets = _buckets(start, end, minutes)
    entries, per_city = _entries_per_bucket(published, buckets, minutes)
    return {
        "now": now.isoformat(),
        "status": event.status,
        "bucket_minutes": minutes,
        "buckets": [bucket.isoformat() for bucket in buckets],
        "entries": entries,
        "readers": _readers_per_bucket(event, buckets, minutes),
        "cities": [
            {
                "slug": session.slug,
                "name": session.city,
                "timezone": session.tzinfo.key,
                "starts_at": _iso(session.starts_at),
                "ends_at": _iso(session.ends_at),
                "last_entry_at": _iso(last.get(session.pk)),
                "entries": per_city.get(session.pk, [0] * len(buckets)),
            }
            for session in event.sessions.all()
        ],
    }


def _span(event: Event, published, now: datetime) -> tuple[datetime, datetime]:
    """From the first activity to the last (to now while live and active), a day at most."""
    entries = published.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    samples = event.reader_samples.aggregate(first=Min("minute"), last=Max("minute"))
    firsts = [t for t in (entries["first"], samples["first"]) if t]
    lasts = [t for t in (entries["last"], samples["last"]) if t]
    end = max(lasts, default=now)
    if event.status == Event.Status.LIVE and now - end < IDLE:
        end = max(end, now)
    start = max(min(firsts, default=end - timedelta(hours=1)), end - SPAN)
    return start, end


def _buckets(start: datetime, end: datetime, minutes: int) -> list[datetime]:
    """The buckets' starts, aligned on whole multiples of ``minutes`` since the epoch."""
    width = timedelta(minutes=minutes)
    epoch = datetime(1970, 1, 1, tzinfo=start.tzinfo)
    first = epoch + ((start - epoch) // width) * width
    return [first + i * width for i in range(int((end - first) // width) + 1)]


def _index(at: datetime, buckets: list[datetime], minutes: int) -> int | None:
    index = int((at - buckets[0]) // timedelta(minutes=minutes))
    return index if 0 <= index < len(buckets) else None


def _entries_per_bucket(published, buckets: list[datetime], minutes: int):
    total: list[int] = [0] * len(buckets)
    per_city: dict[int, list[int]] = defaultdict(lambda: [0] * len(buckets))
    rows = published.filter(occurred_at__gte=buckets[0]).values_list("occurred_at", "session")
    for (at, session), count in Counter(rows).items():
        index = _index(at, buckets, minutes)
        if index is not None:
            total[index] += count
            if session is not None:
                per_city[session][index] += count
    return total, dict(per_city)


def _readers_per_bucket(event: Event, buckets: list[datetime], minutes: int) -> list[int | None]:
    """The most readers counted in each bucket; None where nothing was counted (no worker ran)."""
    readers: list[int | None] = [None] * len(buckets)
    for minute, count in event.reader_samples.filter(minute__gte=buckets[0]).values_list("minute", "readers"):
        index = _index(minute, buckets, minutes)
        if index is not None:
            readers[index] = max(readers[index] or 0, count)
    return readers


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
