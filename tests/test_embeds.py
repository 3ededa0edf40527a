"""A paragraph that is only a URL: a provider's click-to-load card, a link card read from the page
when the entry is saved, or a plain link; and never a page at a private address."""

import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from django.utils.html import escape

from liveblog import embeds
from liveblog.rendering import render_markdown
from tests.conftest import token_client
from tests.helpers import SLUG, post_entry

PROVIDER_URLS = [
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://m.youtube.com/watch?feature=share&v=dQw4w9WgXcQ&t=42", "youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://youtu.be/dQw4w9WgXcQ?si=abc", "youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://youtube.com/shorts/dQw4w9WgXcQ", "youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://www.youtube.com/live/dQw4w9WgXcQ", "youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://vimeo.com/76979871", "vimeo", "https://player.vimeo.com/video/76979871"),
    ("https://vimeo.com/76979871/8f4a3c2b1d", "vimeo", "https://player.vimeo.com/video/76979871?h=8f4a3c2b1d"),
    ("https://x.com/NASA/status/1819772456542118165", "x", "https://platform.twitter.com/embed/Tweet.html?id=1819772456542118165&dnt=true"),
    ("https://twitter.com/NASA/status/1819772456542118165/photo/1", "x", "https://platform.twitter.com/embed/Tweet.html?id=1819772456542118165&dnt=true"),
    ("https://www.instagram.com/p/C9xYz12AbCd/", "instagram", "https://www.instagram.com/p/C9xYz12AbCd/embed"),
    ("https://www.instagram.com/reel/C9xYz12AbCd/?igsh=x", "instagram", "https://www.instagram.com/p/C9xYz12AbCd/embed"),
    ("https://www.facebook.com/nasa/posts/pfbid02Kx7", "facebook", "https://www.facebook.com/plugins/post.php?href=https%3A%2F%2Fwww.facebook.com%2Fnasa%2Fposts%2Fpfbid02Kx7&show_text=true"),
    ("https://www.facebook.com/nasa/videos/1234567890/", "facebook", "https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com%2Fnasa%2Fvideos%2F1234567890&show_text=true"),
    ("https://www.facebook.com/watch/?v=1234567890", "facebook", "https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com%2Fwatch%2F%3Fv%3D1234567890&show_text=true"),
    ("https://www.tiktok.com/@scout2015/video/6718335390845095173", "tiktok", "https://www.tiktok.com/embed/v2/6718335390845095173"),
    ("https://bsky.app/profile/bsky.app/post/3l6oveex3ii2l", "bluesky", "https://embed.bsky.app/embed/bsky.app/app.bsky.feed.post/3l6oveex3ii2l"),
    ("https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3l6oveex3ii2l", "bluesky", "https://embed.bsky.app/embed/did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3l6oveex3ii2l"),
]  # fmt: skip

LOOKALIKES = [
    "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
    "https://youtube.com@evil.example/watch?v=dQw4w9WgXcQ",
    "https://notyoutube.com/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com/watch?v=tooshort",
    "https://vimeo.com/channels/staffpicks",
    "https://x.com/NASA",
    "https://www.tiktok.com/@scout2015",
    "https://bsky.app/profile/bsky.app",
    "ftp://youtube.com/watch?v=dQw4w9WgXcQ",
]


@pytest.mark.parametrize(("url", "provider", "src"), PROVIDER_URLS)
def test_a_provider_url_alone_becomes_a_click_to_load_card(url, provider, src):
    html = render_markdown(url)
    assert html.startswith(f'<figure class="embed embed--{provider} ')
    assert f'data-embed-src="{escape(src)}"' in html
    assert f'<a href="{escape(url)}" rel="nofollow noopener">' in html
    assert '<button type="button" class="embed__load">' in html
    assert "<iframe" not in html and "<img" not in html  # nothing loads from the provider yet


def test_the_button_says_what_it_loads_and_from_whom():
    html = render_markdown("https://youtu.be/dQw4w9WgXcQ")
    assert "Load the YouTube video" in html and "Loads content from YouTube" in html
    assert "Load the Bluesky post" in render_markdown("https://bsky.app/profile/bsky.app/post/3l6oveex3ii2l")


@pytest.mark.parametrize("url", LOOKALIKES)
def test_a_lookalike_is_no_provider(url):
    assert embeds.provider_embed(url) is None
    assert "embed" not in render_markdown(url)


def test_a_url_inside_a_sentence_stays_as_written():
    html = render_markdown("Watch https://youtu.be/dQw4w9WgXcQ now")
    assert html == "<p>Watch https://youtu.be/dQw4w9WgXcQ now</p>"


def test_an_unknown_url_alone_without_a_card_is_a_plain_link():
    assert render_markdown("https://example.org/a?b=1&c=2") == (
        '<p><a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener">https://example.org/a?b=1&amp;c=2</a></p>'
    )


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700::6810:84e5", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # shared address space (CGNAT)
        ("0.0.0.0", False),  # noqa: S104 (unspecified, not a binding)
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("2002:7f00:1::", False),  # 6to4 wrapping 127.0.0.1
    ],
)
def test_only_public_addresses_pass(address, public):
    assert embeds.is_public(ipaddress.ip_address(address)) is public


# A page server on 127.0.0.1


PAGE = b"""<!doctype html><html><head><meta charset="utf-8">
<title>Fallback title</title>
<meta property="og:title" content="Delegates arrive in Paris">
<meta property="og:description" content="The summit opens at nine &amp; runs all day.">
<meta property="og:image" content="https://cdn.example.org/paris.jpg">
</head><body><h1>Delegates</h1></body></html>"""

HOSTILE = b"""<html><head>
<meta property="og:title" content="<script>alert('t')</script> &quot;quoted&quot;">
<meta property="og:description" content="<img src=x onerror=alert(1)>">
<meta property="og:image" content="javascript:alert(1)">
</head></html>"""

NO_OPENGRAPH = b"<html><head><title> Plain   page </title><meta name=description content=Words></head></html>"
SANDBOX = "allow-scripts allow-same-origin allow-popups allow-presentation"


class PageHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        port = self.server.server_address[1]
        if self.path == "/page":
            self.answer(PAGE)
        elif self.path == "/hostile":
            self.answer(HOSTILE)
        elif self.path == "/no-og":
            self.answer(NO_OPENGRAPH)
        elif self.path == "/big":
            self.answer(PAGE.replace(b"<body>", b"<body>" + b"x" * (1024 * 1024 + 1)))
        elif self.path == "/slow":
            time.sleep(4)
            self.answer(PAGE)
        elif self.path == "/to-loopback":
            self.redirect(f"http://127.0.0.1:{port}/page")
        elif self.path == "/to-page":
            self.redirect("/page")
        elif self.path == "/json":
            self.answer(b'{"title": "no"}', "application/json")
        else:
            self.send_error(404)

    def answer(self, body: bytes, content_type: str = "text/html; charset=utf-8") -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the reader gave up first, as it should
            self.wfile.write(body)

    def redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@contextmanager
def page_server() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), PageHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def pages(settings) -> Iterator[int]:
    """The page server's port; 127.0.0.1 and localhost are allowed hosts unless a test says otherwise."""
    settings.LIVEBLOG_EMBED_ALLOW_HOSTS = ["127.0.0.1", "localhost"]
    with page_server() as port:
        yield port


def saved_html(alice, body: str) -> str:
    response = post_entry(token_client(alice), body=body)
    assert response.status_code == 201, response.content
    return response.json()["html"]


def test_a_page_url_alone_becomes_a_link_card(alice, pages):
    url = f"http://127.0.0.1:{pages}/page"
    html = saved_html(alice, f"Arrivals:\n\n{url}")
    assert f'<a class="link-card" href="{url}" rel="nofollow noopener">' in html
    assert '<strong class="link-card__title">Delegates arrive in Paris</strong>' in html
    assert "The summit opens at nine &amp; runs all day." in html
    assert '<img src="https://cdn.example.org/paris.jpg" alt=""' in html
    assert '<span class="link-card__host">127.0.0.1</span>' in html


def test_the_preview_shows_a_card_a_save_has_read_and_reads_no_page_itself(alice, pages):
    client = token_client(alice)
    url = f"http://127.0.0.1:{pages}/page"
    unseen = f"http://127.0.0.1:{pages}/no-og"

    def preview(body: str) -> str:
        response = client.post("/api/events/summit/preview/", {"body": body}, format="json")
        assert response.status_code == 200, response.content
        return response.json()["html"]

    assert "link-card" not in preview(url)  # nobody saved it yet: a plain link, at once
    saved_html(alice, url)
    assert "Delegates arrive in Paris" in preview(url)
    assert f'<a href="{unseen}" rel="nofollow noopener">' in preview(unseen)


def test_a_page_without_opengraph_gives_its_title_and_description(alice, pages):
    html = saved_html(alice, f"http://127.0.0.1:{pages}/no-og")
    assert '<strong class="link-card__title">Plain page</strong>' in html
    assert '<span class="link-card__description">Words</span>' in html
    assert "link-card--text" in html and "<img" not in html


def test_what_a_page_says_is_escaped(alice, pages):
    html = saved_html(alice, f"http://127.0.0.1:{pages}/hostile")
    assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt; &quot;quoted&quot;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script" not in html and "<img" not in html and "javascript:" not in html


def test_a_redirect_within_an_allowed_host_is_followed(alice, pages):
    assert "Delegates arrive in Paris" in saved_html(alice, f"http://127.0.0.1:{pages}/to-page")


@pytest.mark.parametrize("path", ["/big", "/slow", "/json", "/missing"])
def test_a_page_too_big_too_slow_or_not_html_leaves_a_plain_link(alice, pages, path):
    url = f"http://127.0.0.1:{pages}{path}"
    started = time.monotonic()
    html = saved_html(alice, url)  # 201 all the same
    assert time.monotonic() - started < embeds.FETCH_SECONDS + 1
    assert f'<p><a href="{url}" rel="nofollow noopener">{url}</a></p>' in html
    assert "link-card" not in html


def test_loopback_is_refused_unless_allowed(alice, pages, settings):
    settings.LIVEBLOG_EMBED_ALLOW_HOSTS = []
    url = f"http://127.0.0.1:{pages}/page"
    html = saved_html(alice, url)
    assert "link-card" not in html and f'<a href="{url}"' in html


def test_a_redirect_from_an_allowed_host_to_loopback_is_refused(alice, pages, settings):
    settings.LIVEBLOG_EMBED_ALLOW_HOSTS = ["localhost"]
    assert "Delegates arrive in Paris" in saved_html(alice, f"http://localhost:{pages}/page")  # reachable
    html = saved_html(alice, f"http://localhost:{pages}/to-loopback")
    assert "link-card" not in html


def test_a_name_that_resolves_to_a_private_address_is_refused(alice, pages, settings, monkeypatch):
    """There is no DNS server here: socket.getaddrinfo is replaced for this one test, so that
    intranet.example resolves to 10.0.0.7, and connections to 10.0.0.7 reach the page server.
    Refused, nothing connects; allowed, the same setup gives the card."""
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.create_connection
    connected = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "intranet.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    def create_connection(address, *args, **kwargs):
        connected.append(address)
        host, port = address
        return real_connect(("127.0.0.1" if host == "10.0.0.7" else host, port), *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    url = f"http://intranet.example:{pages}/page"

    settings.LIVEBLOG_EMBED_ALLOW_HOSTS = []
    assert "link-card" not in saved_html(alice, url)
    assert connected == []

    settings.LIVEBLOG_EMBED_ALLOW_HOSTS = ["intranet.example"]
    cache.clear()  # the refusal is remembered for a while
    assert "Delegates arrive in Paris" in saved_html(alice, url)
    assert connected == [("10.0.0.7", pages)]


def test_a_youtube_url_posted_through_the_api_shows_the_card(alice):
    response = post_entry(token_client(alice), body="https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    assert response.status_code == 201
    html = response.json()["html"]
    assert 'data-embed-src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in html
    assert "Load the YouTube video" in html


def test_an_entrys_plain_text_leaves_the_cards_button_out(alice, client):
    body = "The opening, filmed:\n\nhttps://youtu.be/dQw4w9WgXcQ"
    entry = post_entry(token_client(alice), body=body).json()

    feed = client.get("/events/summit/feed/").content.decode()

    title = feed.split("<entry>")[1].split("<title>")[1].split("</title>")[0]
    assert title == f"{entry['local_time']}: The opening, filmed: YouTube youtu.be/dQw4w9WgXcQ"


def test_frames_may_come_from_the_providers_only(client, event):
    policy = client.get("/").headers["Content-Security-Policy"]
    frame_src = next(part for part in policy.split("; ") if part.startswith("frame-src "))
    assert frame_src.split()[1:] == [
        "https://www.youtube-nocookie.com",
        "https://player.vimeo.com",
        "https://platform.twitter.com",
        "https://www.instagram.com",
        "https://www.facebook.com",
        "https://www.tiktok.com",
        "https://embed.bsky.app",
    ]


# In Chromium


def test_nothing_comes_from_youtube_until_the_reader_clicks(browser, site):
    with site.serve() as base:
        entry = site.api(base).post_entry("https://youtu.be/dQw4w9WgXcQ")
        context = browser.new_context()
        requested: list[str] = []
        context.on("request", lambda request: requested.append(request.url))
        # Nothing leaves the machine: requests elsewhere than the site are recorded, then aborted.
        context.route(lambda url: not url.startswith(base), lambda route: route.abort())
        page = context.new_page()
        page.goto(f"{base}/events/{SLUG}/")
        card = page.locator(f"#entry-{entry['id']} figure.embed--youtube")
        button = card.get_by_role("button", name="Load the YouTube video")
        button.wait_for()
        page.wait_for_load_state("networkidle")
        assert [url for url in requested if not url.startswith(base)] == []

        button.click()
        frame = card.locator("iframe")
        frame.wait_for(state="attached")
        assert frame.get_attribute("src") == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
        assert frame.get_attribute("sandbox") == SANDBOX
        assert frame.get_attribute("title") == "YouTube video"
        assert page.evaluate("document.activeElement.tagName") == "IFRAME"
        assert card.get_by_role("button").count() == 0
        page.wait_for_timeout(200)
        assert [url for url in requested if not url.startswith(base)] == [
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
        ]
        context.close()
