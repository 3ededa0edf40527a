"""Where each event's feed stands, kept for a second in this process: a reader page already
rendered for that seq is then answered without opening a database connection, which is most of
what a cached page costs.

Every change forgets its event's head: in the writing process as it is written and again once
it commits, in the others when its frame arrives through Redis. A frame lost with Redis leaves
a head at most HEAD_SECONDS old; the page it serves carries its own seq, and the reader's socket
catches up from there."""

from dataclasses import dataclass

from django.core.cache import cache

from liveblog.models import Event

HEAD_SECONDS = 1.0


@dataclass(frozen=True)
class Head:
    pk: int
    seq: int
    epoch: str
    status: str
    language: str  # the event's: its pages' language for readers who chose none


def event_head(slug: str) -> Head | None:
    """The event's head, or None if there is no such event."""
    key = f"head:{slug}"
    head = cache.get(key)
    if head is None:
        row = Event.objects.filter(slug=slug).values_list("pk", "seq", "epoch", "status", "language").first()
        if row is None:
            return None
        head = Head(*row)
        cache.set(key, head, HEAD_SECONDS)
    return head


def forget(slug: str) -> None:
    cache.delete(f"head:{slug}")
