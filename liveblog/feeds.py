"""The Atom feed of an event's published entries (RFC 4287): each entry published at the time it
happened, updated when it was last edited, written by the publisher, with an id that stays the
same whatever host name serves the feed."""

import re
import uuid
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html

from liveblog import selectors, translations
from liveblog.models import Entry, Event, Media

# Ids are urn:uuid URIs named from this namespace and the rows' keys: stable across host names,
# renamed slugs and restores from a backup.
IDS = uuid.UUID("5b0c6a52-5f43-4d1f-9d0e-6a8f3d1c2b7e")


def atom_id(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(IDS, name)}"


# What XML 1.0 cannot carry: a title or text holding one made the whole feed a 500.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(value: Any) -> Any:
    return _NOT_XML.sub("", value) if isinstance(value, str) else value


class XmlSafeAtom1Feed(Atom1Feed):
    """Atom, with the control characters an entry, a city or a title may hold taken out."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*map(_xml_safe, args), **{k: _xml_safe(v) for k, v in kwargs.items()})

    def add_item(self, *args: Any, **kwargs: Any) -> None:
        super().add_item(*map(_xml_safe, args), **{k: _xml_safe(v) for k, v in kwargs.items()})


class EventFeed(Feed):
    feed_type = XmlSafeAtom1Feed

    def author_name(self) -> str:
        return settings.LIVEBLOG_PUBLISHER

    def feed_guid(self, event: Event) -> str:
        return atom_id(f"event:{event.pk}")

    def get_object(self, request, slug: str) -> Event:
        event = get_object_or_404(Event, slug=slug)
        event.site = request.build_absolute_uri("/")  # type: ignore[attr-defined]  # for the photos
        # ?lang=fr: the feed in French, each entry where translated (the original otherwise).
        language = translations.known(request.GET.get("lang")) or event.language
        event.feed_language = language  # type: ignore[attr-defined]
        return translations.show_event_in(event, language)

    def get_feed(self, obj: Event, request):
        feed = super().get_feed(obj, request)
        feed.feed["language"] = obj.feed_language  # type: ignore[attr-defined]  # the feed's xml:lang
        return feed

    def title(self, event: Event) -> str:
        return event.title

    def subtitle(self, event: Event) -> str:
        return event.summary or f"Live report: {event.title}"

    def link(self, event: Event) -> str:
        url, language = event.get_absolute_url(), event.feed_language  # type: ignore[attr-defined]
        return url if language == event.language else f"{url}?lang={language}"

    def items(self, event: Event) -> list[Entry]:
        entries = list(selectors.entries_for_reader(event, order="newest")[:100])
        for entry in entries:
            entry.site = event.site  # type: ignore[attr-defined]
            entry.reading = translations.reading(entry, event.feed_language)  # type: ignore[attr-defined]
        return entries

    def item_title(self, entry: Entry) -> str:
        translation = entry.reading.translation  # type: ignore[attr-defined]
        return translation.headline if translation and translation.headline else entry.title

    def item_description(self, entry: Entry) -> str:
        """The entry's text, then its photos (the JPEG: feed readers know it) with captions."""
        figures = [
            format_html(
                '<figure><img src="{}" width="{}" height="{}" alt="{}">{}</figure>',
                urljoin(entry.site, photo.src),  # type: ignore[attr-defined]
                photo.width,
                photo.height,
                photo.alt,
                format_html("<figcaption>{}</figcaption>", _caption(photo)) if _caption(photo) else "",
            )
            for photo in entry.photos
        ]
        translation = entry.reading.translation  # type: ignore[attr-defined]
        text = translation.body_html if translation else entry.body_html
        return text + "".join(figures) + _correction(entry)

    def item_link(self, entry: Entry) -> str:
        return entry.get_absolute_url()

    def item_guid(self, entry: Entry) -> str:
        return atom_id(f"event:{entry.event_id}:entry:{entry.pk}")

    def item_pubdate(self, entry: Entry):
        return entry.occurred_at  # when it happened, as the report shows it

    def item_updateddate(self, entry: Entry):
        return entry.updated_at


def _caption(photo: Media) -> str:
    return " ".join(part for part in (photo.caption, f"({photo.credit})" if photo.credit else "") if part)


def _correction(entry: Entry) -> str:
    if not entry.corrected_at:
        return ""
    return format_html("<p><strong>Corrected {}</strong> — {}</p>", entry.corrected_when, entry.correction)
