"""schema.org LiveBlogPosting for search engines: the event and its latest updates."""

import json
from typing import Any

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
        "headline": entry.dateline,
        "datePublished": entry.created_at.isoformat(),
        "dateModified": entry.updated_at.isoformat(),
        "articleBody": entry.body,
    }
    if person := _person(entry):
        posting["about"] = person  # the speaker the entry reports; the editor wrote it
    if entry.session:
        posting["contentLocation"] = {"@type": "Place", "name": entry.session.city}
    return posting


def live_blog_posting(request: HttpRequest, event: Event, entries: list[Entry]) -> SafeString:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": event.title,
        "description": event.summary or event.title,
        "url": request.build_absolute_uri(event.get_absolute_url()),
        "coverageStartTime": event.starts_at.isoformat(),
        "liveBlogUpdate": [blog_posting(request, entry) for entry in entries],
    }
    if event.ends_at:
        data["coverageEndTime"] = event.ends_at.isoformat()
    return as_script(data)


def as_script(data: dict[str, Any]) -> SafeString:
    """JSON for a <script type="application/ld+json">, with nothing that could close the tag."""
    text = json.dumps(data, ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return mark_safe(text)  # noqa: S308 - every character that could end the script is escaped
