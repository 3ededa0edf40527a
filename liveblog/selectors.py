"""Reads: what readers and the API are shown."""

from liveblog.frames import replay_problem, reset_frame
from liveblog.models import Change, Entry, EntryQuerySet, Event


def events_for_index() -> dict[str, list[Event]]:
    """Live events (each with its ``latest`` entry), upcoming ones soonest first, past ones most
    recent first."""
    events = list(Event.objects.prefetch_related("sessions"))
    live = [e for e in events if e.status == Event.Status.LIVE]
    for event in live:
        event.latest = entries_for_reader(event, order="newest").first()  # type: ignore[attr-defined]
    return {
        "live": live,
        "upcoming": sorted(
            (e for e in events if e.status == Event.Status.SCHEDULED), key=lambda e: e.starts_at
        ),
        "past": sorted(
            (e for e in events if e.status == Event.Status.ENDED), key=lambda e: e.starts_at, reverse=True
        ),
    }


def entries_for_reader(
    event: Event, *, city: str | None = None, order: str = "oldest", drafts: bool = False
) -> EntryQuerySet:
    entries = Entry.objects.live() if drafts else Entry.objects.published()
    return entries.filter(event=event).for_city(city).for_display().in_reader_order(newest=order == "newest")


def frames_after(event: Event, seq: int) -> list[str]:
    """The frames of the changes after ``seq``, in order, or a reset frame when the reader must
    reload instead."""
    problem = replay_problem(head=event.seq, after=seq)
    if problem:
        return [reset_frame(problem)]
    changes = Change.objects.filter(event=event, seq__gt=seq).order_by("seq")
    return list(changes.values_list("frame", flat=True))
