"""The Atom feed of an event's published entries; an edited entry carries its updated time."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed

from liveblog import selectors
from liveblog.models import Entry, Event


class EventFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, slug: str) -> Event:
        return get_object_or_404(Event, slug=slug)

    def title(self, event: Event) -> str:
        return event.title

    def subtitle(self, event: Event) -> str:
        return event.summary or f"Live report: {event.title}"

    def link(self, event: Event) -> str:
        return event.get_absolute_url()

    def items(self, event: Event):
        return selectors.entries_for_reader(event, order="newest")[:100]

    def item_title(self, entry: Entry) -> str:
        return entry.dateline

    def item_description(self, entry: Entry) -> str:
        return entry.body_html

    def item_link(self, entry: Entry) -> str:
        return entry.get_absolute_url()

    def item_guid(self, entry: Entry) -> str:
        return f"liveblog:{entry.event.slug}:entry:{entry.pk}"

    def item_pubdate(self, entry: Entry):
        return entry.created_at

    def item_updateddate(self, entry: Entry):
        return entry.updated_at
