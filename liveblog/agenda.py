"""The agenda: who speaks in which city, when. Reads only; the writes are in services.

A slot without an end lasts until the next slot of its city starts; the last of a city's slots,
until the city's session ends, else for DEFAULT_LENGTH. That end ("until") is worked out here,
once, and sent with every slot, so that the pages' scripts and the server agree on who is on.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from liveblog.frames import speaker_payload
from liveblog.models import Entry, Event, Session, SpeakerSlot

DEFAULT_LENGTH = timedelta(minutes=30)
# Entries about a slot: its speaker's, in its city, from a little before it starts (a report
# is sometimes posted early) to a little after it ends (or is written up late).
ENTRY_SLACK_BEFORE = timedelta(minutes=5)
ENTRY_SLACK_AFTER = timedelta(minutes=15)


def slots_of(event: Event) -> list[SpeakerSlot]:
    """The event's slots in order, each with ``until``: when it ends, given or implied."""
    slots = list(
        SpeakerSlot.objects.filter(session__event=event)
        .select_related("session__event", "speaker")
        .order_by("starts_at", "pk")
    )
    following: dict[int, datetime] = {}
    for slot in reversed(slots):
        next_start = following.get(slot.session_id)
        slot.until = slot.ends_at or _implied_end(slot, next_start)  # type: ignore[attr-defined]
        following[slot.session_id] = slot.starts_at
    return slots


def _implied_end(slot: SpeakerSlot, next_start: datetime | None) -> datetime:
    if next_start is not None and next_start > slot.starts_at:
        return next_start
    session_end = slot.session.ends_at
    if session_end is not None and session_end > slot.starts_at:
        return session_end
    return slot.starts_at + DEFAULT_LENGTH


def slot_payload(slot: SpeakerSlot) -> dict[str, Any]:
    session = slot.session
    return {
        "id": slot.pk,
        "city": {"slug": session.slug, "name": session.city, "timezone": session.tzinfo.key},
        "speaker": speaker_payload(slot.speaker),
        "title": slot.title,
        "starts_at": slot.starts_at.isoformat(),
        "ends_at": slot.ends_at.isoformat() if slot.ends_at else None,
        "until": slot.until.isoformat(),  # type: ignore[attr-defined]
        "local_start": f"{slot.starts_at.astimezone(session.tzinfo):%H:%M}",
    }


def agenda_payload(event: Event) -> list[dict[str, Any]]:
    """The whole agenda as pages receive it: in the page and in the frames that change it."""
    return [slot_payload(slot) for slot in slots_of(event)]


@dataclass
class Stage:
    """One city's stage at a moment: who is on, and who comes next."""

    session: Session
    now: SpeakerSlot | None = None
    next: SpeakerSlot | None = None
    at: datetime = field(default_factory=timezone.now)

    @property
    def until(self) -> str:
        """When the speaker on stage is done, in the city's time: "17:48"."""
        return f"{self.now.until.astimezone(self.session.tzinfo):%H:%M}" if self.now else ""  # type: ignore[attr-defined]

    @property
    def next_at(self) -> str:
        """When the next speaker starts, in the city's time: "17:48", or "Wed 3 Jun 17:48" when
        that is not today there."""
        if self.next is None:
            return ""
        zone = self.session.tzinfo
        starts = self.next.starts_at.astimezone(zone)
        if starts.date() == self.at.astimezone(zone).date():
            return f"{starts:%H:%M}"
        return f"{starts:%a} {starts.day} {starts:%b %H:%M}"


def on_stage(slots: list[SpeakerSlot], *, at: datetime | None = None, city: str | None = None) -> list[Stage]:
    """Per city, who is on at ``at`` and who is next; cities with neither left out. Cities with
    someone on come first, then by who starts soonest. ``city``: that city's stage only."""
    at = at or timezone.now()
    stages: dict[int, Stage] = {}
    for slot in slots:
        if city and slot.session.slug != city:
            continue
        stage = stages.setdefault(slot.session_id, Stage(slot.session, at=at))
        if slot.starts_at <= at < slot.until:  # type: ignore[attr-defined]
            stage.now = slot
        elif slot.starts_at > at and stage.next is None:
            stage.next = slot
    shown = [stage for stage in stages.values() if stage.now or stage.next]
    return sorted(shown, key=lambda s: (s.now is None, (s.now or s.next).starts_at))  # type: ignore[union-attr]


def reader_panel(event: Event, *, city: str | None = None) -> dict[str, Any]:
    """What the reader page's "On stage" panel shows when rendered, and the agenda its script
    keeps it up to date from."""
    slots = slots_of(event)
    return {"stages": on_stage(slots, city=city), "slots": [slot_payload(slot) for slot in slots]}


@dataclass
class CityProgramme:
    session: Session
    slots: list[SpeakerSlot] = field(default_factory=list)


def programme(event: Event, *, at: datetime | None = None) -> list[CityProgramme]:
    """Each city's slots in order, in the cities' order, each slot with ``state`` (``past``,
    ``now`` or ``next``) and ``entries``: the published entries about it."""
    at = at or timezone.now()
    slots = slots_of(event)
    about = _entries_about(event, slots)
    cities: dict[int, CityProgramme] = {}
    for session in event.sessions.all():
        session.event = event
        cities[session.pk] = CityProgramme(session)
    for slot in slots:
        _in_city_time(slot)
        slot.state = _state(slot, at)  # type: ignore[attr-defined]
        slot.entries = about.get(slot.pk, [])  # type: ignore[attr-defined]
        cities[slot.session_id].slots.append(slot)
    return [city for city in cities.values() if city.slots]


def _in_city_time(slot: SpeakerSlot) -> None:
    """The slot's times as its city reads them: "17:42", "18:00", "Saturday 25 August 2018"."""
    zone = slot.session.tzinfo
    starts = slot.starts_at.astimezone(zone)
    slot.local_start = f"{starts:%H:%M}"  # type: ignore[attr-defined]
    slot.local_end = f"{slot.ends_at.astimezone(zone):%H:%M}" if slot.ends_at else ""  # type: ignore[attr-defined]
    slot.local_day = f"{starts:%A} {starts.day} {starts:%B %Y}"  # type: ignore[attr-defined]


def _state(slot: SpeakerSlot, at: datetime) -> str:
    if slot.until <= at:  # type: ignore[attr-defined]
        return "past"
    return "now" if slot.starts_at <= at else "next"


def _entries_about(event: Event, slots: list[SpeakerSlot]) -> dict[int, list[Entry]]:
    """The published entries of each slot's speaker in its city, around its time: one query."""
    if not slots:
        return {}
    entries = (
        Entry.objects.published()
        .filter(event=event, speaker_id__in={s.speaker_id for s in slots}, session__isnull=False)
        .select_related("session__event")
        .in_reader_order()
    )
    by_place: dict[tuple[int | None, int | None], list[Entry]] = {}
    for entry in entries:
        by_place.setdefault((entry.session_id, entry.speaker_id), []).append(entry)
    about: dict[int, list[Entry]] = {}
    for slot in slots:
        start, end = slot.starts_at - ENTRY_SLACK_BEFORE, slot.until + ENTRY_SLACK_AFTER  # type: ignore[attr-defined]
        candidates = by_place.get((slot.session_id, slot.speaker_id), [])
        about[slot.pk] = [e for e in candidates if start <= e.occurred_at <= end]
    return about
