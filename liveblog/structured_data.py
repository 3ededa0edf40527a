"""schema.org LiveBlogPosting for search engines: the event and its latest updates."""

import json
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from liveblog.models import Entry, Event


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


def blog_posting(request: HttpRequest, entry: Entry) -> dict[str, Any]:
    posting: dict[str, Any] = {
        "@type": "BlogPosting",
        "url": request.build_absolute_uri(entry.get_absolute_url()),
        "headline": entry.title,
        "datePublished": entry.occurred_at.isoformat(),  # when it happened, as the report shows it
        "dateModified": max(entry.occurred_at, entry.updated_at).isoformat(),
        "articleBody": entry.text,
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


def about(request: HttpRequest, event: Event, cities: list[str]) -> dict[str, Any]:
    """The event the report covers: when, and where (its cities, and online)."""
    places: list[dict[str, Any]] = [{"@type": "Place", "name": city} for city in cities]
    places.append({"@type": "VirtualLocation", "url": request.build_absolute_uri(event.get_absolute_url())})
    thing: dict[str, Any] = {
        "@type": "Event",
        "name": event.title,
        "startDate": event.starts_at.isoformat(),
        "eventAttendanceMode": "https://schema.org/MixedEventAttendanceMode",
        "location": places,
    }
    if event.ends_at:
        thing["endDate"] = event.ends_at.isoformat()
    return thing


def live_blog_posting(
    request: HttpRequest,
    event: Event,
    entries: list[Entry],
    *,
    cities: list[str],
    updated_at: datetime | None,
) -> SafeString:
    """The report: its coverage (ended once the event has), the event it is about, and the
    updates on the page. ``updated_at``: the report's last change. Follows Google's
    LiveBlogPosting guidance."""
    published = min([event.starts_at, *(entry.occurred_at for entry in entries)])
    modified = max(published, updated_at or published)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": event.title,
        "description": event.summary or event.title,
        "url": request.build_absolute_uri(event.get_absolute_url()),
        "datePublished": published.isoformat(),
        "dateModified": modified.isoformat(),
        "coverageStartTime": event.starts_at.isoformat(),
        "about": about(request, event, cities),
        "publisher": publisher(),
        "author": publisher(),
        "liveBlogUpdate": [blog_posting(request, entry) for entry in entries],
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
