"""The one path from an entry's Markdown to the HTML readers see: page, frames and previews."""

import nh3
from markdown_it import MarkdownIt

# "js-default" is CommonMark with raw HTML off; nh3 then removes anything that still slips
# through (event handlers, javascript: links, inline styles).
_markdown = MarkdownIt("js-default", {"breaks": True, "linkify": False}).enable("strikethrough")

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


def render_markdown(source: str) -> str:
    html = _markdown.render(source)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener",
    ).strip()
