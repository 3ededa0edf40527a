"""schema.org LiveBlogPosting for search engines: the event and its latest updates."""

import json
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from liveblog import directory, translations
from liveblog.models import Entry, Event, Media, Session, Speaker, SpeakerSlot


def _person(entry: Entry) -> dict[str, Any] | None:
    speaker = entry.speaker
    if speaker is None:
        return None
    person = {"@type": "Person", "name": speaker.name}
    if speaker.honorific:
        person["honorificPrefix"] = speaker.honorific
    if speaker.title:
        person["jobTitle"] = speaker.title
    return person


def blog_posting(request: HttpRequest, entry: Entry, language: str | None = None) -> dict[str, Any]:
    """``language``: the page's; the update is given in it where translated, and says which."""
    reading = translations.reading(entry, language)
    translated = reading.translation
    posting: dict[str, Any] = {
        "@type": "BlogPosting",
        "url": request.build_absolute_uri(entry.get_absolute_url()),
        "headline": (translated.headline or entry.title) if translated else entry.title,
        "datePublished": entry.occurred_at.isoformat(),  # when it happened, as the report shows it
        "dateModified": max(entry.occurred_at, entry.updated_at).isoformat(),
        "articleBody": translations.plain_text(translated.body_html) if translated else entry.text,
        "inLanguage": reading.language,
    }
    if person := _person(entry):
        posting["about"] = person  # the speaker the entry reports; the editor wrote it
    if entry.session:
        posting["contentLocation"] = {"@type": "Place", "name": entry.session.city}
    if entry.photos:
        posting["image"] = [request.build_absolute_uri(photo.full_src) for photo in entry.photos]
    return posting


def publisher() -> dict[str, Any]:
    return {"@type": "Organization", "name": settings.LIVEBLOG_PUBLISHER}


def person(request: HttpRequest, event: Event, speaker: Speaker) -> dict[str, Any]:
    """A speaker as their page in the event presents them."""
    thing: dict[str, Any] = {"@type": "Person", "name": speaker.name}
    if speaker.honorific:
        thing["honorificPrefix"] = speaker.honorific
    if speaker.title:
        thing["jobTitle"] = speaker.title
    photo = directory.portrait(speaker)
    if photo is not None or speaker.photo_url:
        thing["image"] = request.build_absolute_uri(photo.src) if photo else speaker.photo_url
    thing["url"] = request.build_absolute_uri(directory.speaker_url(event.slug, speaker))
    return thing


def place(session: Session) -> dict[str, Any]:
    """A city's venue: its address as far as it is known, and where it is on the map."""
    address = {"@type": "PostalAddress", "addressLocality": session.city}
    if session.country:
        address["addressCountry"] = session.country
    thing: dict[str, Any] = {"@type": "Place", "name": session.venue or session.city, "address": address}
    if session.latitude is not None and session.longitude is not None:
        thing["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": session.latitude,
            "longitude": session.longitude,
        }
    return thing


SCHEDULED = "https://schema.org/EventScheduled"  # also for an event under way or over: as planned


def about(request: HttpRequest, event: Event, sessions: list[Session]) -> dict[str, Any]:
    """The event the report covers: when, where (online and in each city, each city's session
    a sub-event), who is on its agenda, and its photos."""
    page = request.build_absolute_uri(event.get_absolute_url())
    slots = list(
        SpeakerSlot.objects.filter(session__event=event)
        .select_related("speaker__photo")
        .order_by("starts_at")
    )
    ends_at = event.ends_at or _last([s.ends_at for s in sessions] + [_slot_end(slot) for slot in slots])
    thing: dict[str, Any] = {
        "@type": "Event",
        "name": event.title,
        "description": event.summary or event.title,
        "url": page,
        "startDate": event.starts_at.isoformat(),
        "eventStatus": SCHEDULED,
        "eventAttendanceMode": "https://schema.org/MixedEventAttendanceMode",
        "location": [{"@type": "VirtualLocation", "url": page}, *(place(s) for s in sessions)],
    }
    if ends_at:
        thing["endDate"] = max(ends_at, event.starts_at).isoformat()
    if images := _images(request, event):
        thing["image"] = images
    if sessions:
        thing["subEvent"] = [_session_event(request, event, s, slots, ends_at) for s in sessions]
    if performers := _performers(request, event, slots):
        thing["performer"] = performers
    return thing


def _session_event(
    request: HttpRequest, event: Event, session: Session, slots: list[SpeakerSlot], ends_at: datetime | None
) -> dict[str, Any]:
    """One city's part in the event, held in its venue."""
    thing: dict[str, Any] = {
        "@type": "Event",
        "name": f"{event.title} — {session.city}",
        "url": request.build_absolute_uri(f"{event.get_absolute_url()}?city={session.slug}"),
        "startDate": (session.starts_at or event.starts_at).isoformat(),
        "eventStatus": SCHEDULED,
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "location": place(session),
    }
    on_stage = [slot for slot in slots if slot.session_id == session.pk]
    if end := session.ends_at or _last([_slot_end(slot) for slot in on_stage]) or ends_at:
        thing["endDate"] = max(end, session.starts_at or event.starts_at).isoformat()
    if performers := _performers(request, event, on_stage):
        thing["performer"] = performers
    return thing


def _slot_end(slot: SpeakerSlot) -> datetime:
    """When a slot ends, or at least lasts until: its start, when no end is announced."""
    return slot.ends_at or slot.starts_at


def _last(times: list[datetime | None]) -> datetime | None:
    """The latest of ``times``; None when none is known. Planned ends: an event with none gives
    the end of its cities' sessions, else its programme's last slot."""
    return max((time for time in times if time), default=None)


def _performers(request: HttpRequest, event: Event, slots: list[SpeakerSlot]) -> list[dict[str, Any]]:
    """The speakers of these slots, each once, in the order they first take the stage."""
    speakers = {slot.speaker_id: slot.speaker for slot in slots}
    return [person(request, event, speaker) for speaker in speakers.values()]


IMAGES = 3


def _images(request: HttpRequest, event: Event) -> list[str]:
    """The latest photos readers are shown of the event (its JPEGs: every crawler reads them)."""
    shown = Media.objects.filter(
        event=event, withdrawn_at__isnull=True, entries__in=Entry.objects.published().filter(event=event)
    )
    latest = shown.distinct().order_by("-created_at", "-id")[:IMAGES]
    return [request.build_absolute_uri(photo.src) for photo in latest]


def live_blog_posting(
    request: HttpRequest,
    event: Event,
    entries: list[Entry],
    *,
    sessions: list[Session],
    updated_at: datetime | None,
) -> SafeString:
    """The report: its coverage (ended once the event has), the event it is about, and the
    updates on the page. ``updated_at``: the report's last change. Follows Google's
    LiveBlogPosting guidance."""
    language = translations.reader_language(request, event)
    published = min([event.starts_at, *(entry.occurred_at for entry in entries)])
    modified = max(published, updated_at or published)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": event.title,
        "description": event.summary or event.title,
        "inLanguage": language,
        "url": request.build_absolute_uri(event.get_absolute_url()),
        "datePublished": published.isoformat(),
        "dateModified": modified.isoformat(),
        "coverageStartTime": event.starts_at.isoformat(),
        "about": about(request, event, sessions),
        "publisher": publisher(),
        "author": publisher(),
        "liveBlogUpdate": [blog_posting(request, entry, language) for entry in entries],
    }
    if event.status == Event.Status.ENDED:
        data["coverageEndTime"] = (event.ends_at or modified).isoformat()
    elif event.ends_at:
        data["coverageEndTime"] = event.ends_at.isoformat()
    return as_script(data)


def as_script(data: dict[str, Any]) -> SafeString:
    """JSON for a <script type="application/ld+json">, with nothing that could close the tag."""
    text = json.dumps(data, ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return mark_safe(text)  # noqa: S308 - every character that could end the script is escaped
