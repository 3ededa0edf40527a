"""Entries in the reader's language: what the entry partial shows a reader of one language."""

from django import template

from liveblog import translations
from liveblog.models import Entry

register = template.Library()


@register.simple_tag(takes_context=True)
def entry_reading(context, entry: Entry) -> translations.Reading:
    """The entry as the page's reader (``reader_language`` in the context; none in a frame, which
    goes to every reader) is shown it."""
    return translations.reading(entry, context.get("reader_language"))
