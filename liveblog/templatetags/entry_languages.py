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


@register.filter
def words_for(entry: Entry, language: str | None) -> dict[str, str]:
    """The entry's headline and plain text as a reader of ``language`` is shown them (where
    translated), and the language they are in: the key moments and pinned lists."""
    reading = translations.reading(entry, language)
    item = reading.translation
    if item is None:
        return {"headline": entry.headline, "text": entry.text, "language": reading.language}
    text = translations.plain_text(item.body_html)
    return {"headline": item.headline, "text": text, "language": reading.language}
