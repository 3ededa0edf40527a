"""The speakers of an event, as its directory and their own pages show them: who they are, the
cities they spoke in, what they said and when they are on the agenda.

A speaker belongs to an event through its published entries or its slots in the event's
sessions; Speaker rows themselves are shared by every event."""

import re
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.text import slugify

from liveblog.models import Entry, EntryQuerySet, Event, Media, Session, Speaker, SpeakerSlot

_PARAGRAPHS = re.compile(r"\n\s*\n")
SLUG_LENGTH = 60


@dataclass
class SpeakerCard:
    """One line of the directory: the speaker, where they spoke and how much they said."""

    speaker: Speaker
    url: str
    cities: list[Session] = field(default_factory=list)
    entries: int = 0  # published entries other than quotes
    quotes: int = 0  # quoted paragraphs: an imported write-up gives each speaker one entry of several
    slots: int = 0

    @property
    def photo(self) -> Media | None:
        return portrait(self.speaker)


def speaker_url(event_slug: str, speaker: Speaker) -> str:
    """The speaker's page in the event: its id, and their name for people reading the link
    ("/events/summit/speakers/12-hamid-moaser/"); a name with no Latin letters is the id alone."""
    name = slugify(speaker.name)[:SLUG_LENGTH].strip("-")
    if name:
        return reverse("speaker_detail", args=[event_slug, speaker.pk, name])
    return reverse("speaker_by_id", args=[event_slug, speaker.pk])


def portrait(speaker: Speaker) -> Media | None:
    """The speaker's uploaded photo, unless its files were withdrawn from storage."""
    photo = speaker.photo if speaker.photo_id else None
    return photo if photo is not None and photo.withdrawn_at is None else None


def _published(event: Event) -> EntryQuerySet:
    return Entry.objects.published().filter(event=event, speaker__isnull=False)


def quote_count(body: str) -> int:
    """The quotes in a quote entry: one per paragraph."""
    return sum(1 for paragraph in _PARAGRAPHS.split(body) if paragraph.strip())


def speaker_cards(event: Event, *, only: Speaker | None = None) -> list[SpeakerCard]:
    """The event's speakers (or ``only`` that one), A to Z, each with their cities in the
    event's order and their counts."""
    sessions = {session.pk: session for session in event.sessions.all()}
    entries = _published(event)
    slots = SpeakerSlot.objects.filter(session__event=event)
    if only is not None:
        entries, slots = entries.filter(speaker=only), slots.filter(speaker=only)
    cards: dict[int, SpeakerCard] = {}
    spoken: dict[int, set[int | None]] = {}

    def card(speaker_id: int, session_id: int | None) -> SpeakerCard:
        spoken.setdefault(speaker_id, set()).add(session_id)
        return cards.setdefault(speaker_id, SpeakerCard(speaker=Speaker(pk=speaker_id), url=""))

    said = (
        entries.exclude(kind=Entry.Kind.QUOTE).values_list("speaker_id", "session_id").annotate(n=Count("id"))
    )
    for speaker_id, session_id, count in said:
        card(speaker_id, session_id).entries += count
    quoted = entries.filter(kind=Entry.Kind.QUOTE).values_list("speaker_id", "session_id", "body")
    for speaker_id, session_id, body in quoted:  # the bodies of quotes only: the rest are counted
        card(speaker_id, session_id).quotes += quote_count(body)
    for speaker_id, session_id in slots.values_list("speaker_id", "session_id"):
        card(speaker_id, session_id).slots += 1
    for speaker in Speaker.objects.filter(pk__in=cards).select_related("photo"):
        found = cards[speaker.pk]
        found.speaker, found.url = speaker, speaker_url(event.slug, speaker)
        found.cities = [s for s in sessions.values() if s.pk in spoken[speaker.pk]]
    return sorted(cards.values(), key=lambda c: (c.speaker.name.casefold(), c.speaker.pk))


def speaker_in(event: Event, pk: int) -> Speaker | None:
    """The speaker ``pk`` if they spoke in the event or are on its agenda, else None."""
    spoke = Q(entries__in=_published(event)) | Q(slots__session__event=event)
    return Speaker.objects.filter(spoke, pk=pk).select_related("photo").first()


def entries_of(event: Event, speaker: Speaker) -> list[Entry]:
    """What the speaker said in the event, in report order."""
    return list(_published(event).filter(speaker=speaker).for_display().in_reader_order())


def slots_of(event: Event, speaker: Speaker) -> list[SpeakerSlot]:
    """The speaker's slots on the event's agenda, earliest first."""
    return list(
        SpeakerSlot.objects.filter(session__event=event, speaker=speaker).select_related("session__event")
    )
