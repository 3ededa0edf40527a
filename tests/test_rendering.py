"""Markdown goes through one safe rendering path: preview, page and frames alike."""

from html.parser import HTMLParser

import pytest

from liveblog.rendering import render_markdown


class Elements(HTMLParser):
    """The elements and attributes a browser would build from the HTML (text is ignored)."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(name, value or "") for name, value in attrs]


HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<p style="color:red" onclick="alert(1)">styled</p>',
    "<iframe src=https://evil.example></iframe>",
    "![x](javascript:alert(1))",
    "<svg onload=alert(1)>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
]


@pytest.mark.parametrize("source", HOSTILE)
def test_nothing_executable_survives(source):
    built = Elements(render_markdown(source))
    assert not {"script", "iframe", "svg", "img", "style"} & set(built.tags)
    names = [name for name, _ in built.attributes]
    assert not [name for name in names if name.startswith("on")] and "style" not in names
    hrefs = [value.strip().lower() for name, value in built.attributes if name in ("href", "src")]
    assert not [href for href in hrefs if href.startswith(("javascript:", "data:", "vbscript:"))]


def test_markdown_renders_and_links_get_rel():
    html = render_markdown("**Bold**, _em_, a [link](https://example.org/x).\n\n> quoted\n\n- one\n- two")
    assert "<strong>Bold</strong>" in html and "<em>em</em>" in html
    assert '<a href="https://example.org/x" rel="nofollow noopener">link</a>' in html
    assert "<blockquote>" in html and "<li>one</li>" in html


def test_a_line_break_in_the_text_is_kept():
    assert render_markdown("line one\nline two") == "<p>line one<br>\nline two</p>"
