"""The one path from an entry's Markdown to the HTML readers see: page, frames and previews."""

import functools
from collections.abc import Mapping

import nh3
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

from liveblog import embeds

# "js-default" is CommonMark with raw HTML off; nh3 then removes anything that still slips
# through (event handlers, javascript: links, inline styles). Reference links are off: one long
# definition used a thousand times turned 19 KB of text into 22 MB of HTML, and live reports
# write their links inline.
_markdown = (
    MarkdownIt("js-default", {"breaks": True, "linkify": False}).enable("strikethrough").disable("reference")
)
# What an entry's text may become: its frame then stays far below every reader's buffer.
ENTRY_HTML_MAX = 64 * 1024


class EntryTooLarge(ValueError):
    """An entry's text that would render to more than ENTRY_HTML_MAX bytes of HTML."""

    def __init__(self, size: int):
        super().__init__(
            _(
                "This text would make %(size)s KB of HTML; an entry may hold %(limit)s KB. "
                "Shorten it, or split it into several entries."
            )
            % {"size": f"{size / 1024:.0f}", "limit": ENTRY_HTML_MAX // 1024}
        )


def check_size(html: str) -> str:
    size = len(html.encode())
    if size > ENTRY_HTML_MAX:
        raise EntryTooLarge(size)
    return html


ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "del",
    "s",
    "a",
    "blockquote",
    "ul",
    "ol",
    "li",
    "code",
    "pre",
    "h3",
    "h4",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}

LinkCards = Mapping[str, embeds.LinkCard]  # by URL


def render_markdown(source: str, *, link_cards: LinkCards | None = None) -> str:
    """``link_cards``: what fetch_link_cards read for this source; by default, the cards read
    lately (the cache), never the network. A URL alone in a paragraph becomes its provider's
    card, its link card, or a plain link."""
    html = _sanitized(source)
    if link_cards is None:
        link_cards = embeds.cached_link_cards(embeds.lone_urls(html))
    return embeds.embed_lone_urls(html, link_cards)


def fetch_link_cards(source: str) -> dict[str, embeds.LinkCard]:
    """The link cards of the pages the source's lone URLs point to, read over the network
    (up to embeds.FETCH_SECONDS) unless read lately: call outside any transaction."""
    return embeds.link_cards(embeds.lone_urls(_sanitized(source)))


@functools.lru_cache(maxsize=16)
def _sanitized(source: str) -> str:
    """Markdown to safe HTML. Remembered for the last few texts: a save reads its link cards
    before its transaction and renders inside it, from the same text."""
    html = _markdown.render(source)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener",
    ).strip()


def render_entry(entry, *, id_prefix: str = "entry") -> str:
    """An entry as the reader page shows it: the same partial for pages, frames and previews.
    ``id_prefix``: its element's id is "<prefix>-<pk>" (a kept version must not repeat it)."""
    return render_to_string("liveblog/_entry.html", {"entry": entry, "id_prefix": id_prefix})


def render_preview(event, data: dict) -> str:
    """Render what an editor typed, as readers would see it, without saving anything. It asks
    no page for its link card: a URL typed so far is shown with the card a save read lately, or
    as a plain link (the saved entry has the card)."""
    from liveblog.models import Entry, Speaker
    from liveblog.reports.parser import split_speaker

    speaker = data.get("speaker")
    if data.get("speaker_name"):
        parts = split_speaker(data["speaker_name"])
        speaker = Speaker(honorific=parts.honorific, name=parts.name, title=parts.title)
    entry = Entry(
        event=event,
        session=data.get("city"),
        speaker=speaker,
        occurred_at=data.get("occurred_at") or timezone.now(),
        body=data["body"],
        body_html=check_size(render_markdown(data["body"])),
        kind=data.get("kind", Entry.Kind.UPDATE),
        pinned=data.get("pinned", False),
        key_moment=data.get("key_moment", False),
    )
    return render_entry(entry)
