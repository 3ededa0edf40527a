"""A paragraph that is only a URL: a click-to-load card for a known provider, a link card for
any other page, or the plain link it was.

Provider URLs are recognised from their shape alone: nothing is asked of the provider, and the
reader's browser loads nothing from it until the reader clicks (static/liveblog/js/embeds.js).
Link cards are read from the page's OpenGraph tags by this server, once, when the entry is saved:
see ``link_cards``. Every card is built here from parsed and escaped parts, after the Markdown was
sanitised, so nothing a provider or a page says reaches readers as markup.
"""

import concurrent.futures
import hashlib
import http.client
import ipaddress
import logging
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from urllib.parse import SplitResult, quote, urljoin, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.utils.html import format_html

log = logging.getLogger(__name__)


# Providers


@dataclass(frozen=True)
class Provider:
    key: str  # the card's modifier class: embed--youtube
    name: str  # as readers know it
    thing: str  # what the frame shows: "video", "post"
    shape: str  # the frame's box: "video" (16:9), "tall" (a phone's video), "post"
    origin: str  # where its player or embed lives: the only origin the CSP lets frames load from


YOUTUBE = Provider("youtube", "YouTube", "video", "video", "https://www.youtube-nocookie.com")
VIMEO = Provider("vimeo", "Vimeo", "video", "video", "https://player.vimeo.com")
X = Provider("x", "X", "post", "post", "https://platform.twitter.com")
INSTAGRAM = Provider("instagram", "Instagram", "post", "tall", "https://www.instagram.com")
FACEBOOK = Provider("facebook", "Facebook", "post", "post", "https://www.facebook.com")
FACEBOOK_VIDEO = Provider("facebook", "Facebook", "video", "video", "https://www.facebook.com")
TIKTOK = Provider("tiktok", "TikTok", "video", "tall", "https://www.tiktok.com")
BLUESKY = Provider("bluesky", "Bluesky", "post", "post", "https://embed.bsky.app")
PROVIDERS = (YOUTUBE, VIMEO, X, INSTAGRAM, FACEBOOK, TIKTOK, BLUESKY)
FRAME_ORIGINS = tuple(dict.fromkeys(provider.origin for provider in PROVIDERS))


@dataclass(frozen=True)
class ProviderEmbed:
    provider: Provider
    url: str  # as the editor wrote it
    src: str  # the provider's player or embed, for the iframe


YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
Match = Callable[[str, SplitResult], str | None]  # (path, parts) -> the iframe's src, or None


def _path(pattern: str) -> Callable[[str], re.Match[str] | None]:
    return re.compile(pattern + r"/?").fullmatch


def _youtube(path: str, parts: SplitResult) -> str | None:
    if path == "/watch":
        video = dict(_query(parts.query)).get("v", "")
    else:
        m = _path(r"/(?:shorts|live|embed)/([^/]+)")(path)
        video = m[1] if m else ""
    return f"{YOUTUBE.origin}/embed/{video}" if YOUTUBE_ID.fullmatch(video) else None


def _youtu_be(path: str, parts: SplitResult) -> str | None:
    video = path[1:]
    return f"{YOUTUBE.origin}/embed/{video}" if YOUTUBE_ID.fullmatch(video) else None


def _vimeo(path: str, parts: SplitResult) -> str | None:
    m = _path(r"(?:/channels/[\w-]+|/video)?/(\d+)(?:/([0-9a-f]+))?")(path)
    if not m:
        return None
    return f"{VIMEO.origin}/video/{m[1]}" + (f"?h={m[2]}" if m[2] else "")


def _x(path: str, parts: SplitResult) -> str | None:
    m = _path(r"/\w{1,15}/status(?:es)?/(\d{1,20})(?:/.*)?")(path)
    return f"{X.origin}/embed/Tweet.html?id={m[1]}&dnt=true" if m else None


def _instagram(path: str, parts: SplitResult) -> str | None:
    m = _path(r"(?:/[\w.]+)?/(?:p|reel|tv)/([\w-]{5,40})")(path)
    return f"{INSTAGRAM.origin}/p/{m[1]}/embed" if m else None


def _facebook(path: str, parts: SplitResult) -> str | None:
    """Facebook's plugins take the post's own address: rebuilt here from the parts matched."""
    if m := _path(r"/([\w.-]+)/posts/([\w-]+)")(path):
        return _facebook_plugin("post", f"/{m[1]}/posts/{m[2]}")
    if m := _path(r"/([\w.-]+)/videos/(?:[\w.-]+/)?(\d+)")(path):
        return _facebook_plugin("video", f"/{m[1]}/videos/{m[2]}")
    if m := _path(r"/reel/(\d+)")(path):
        return _facebook_plugin("video", f"/reel/{m[1]}")
    video = dict(_query(parts.query)).get("v", "")
    if path == "/watch" and video.isdigit():
        return _facebook_plugin("video", f"/watch/?v={video}")
    return None


def _facebook_plugin(kind: str, path: str) -> str:
    href = quote(f"https://www.facebook.com{path}", safe="")
    return f"{FACEBOOK.origin}/plugins/{kind}.php?href={href}&show_text=true"


def _tiktok(path: str, parts: SplitResult) -> str | None:
    m = _path(r"/@[\w.-]{1,40}/video/(\d{1,25})")(path)
    return f"{TIKTOK.origin}/embed/v2/{m[1]}" if m else None


def _bluesky(path: str, parts: SplitResult) -> str | None:
    """The embed takes the author as the URL names them, a handle or a DID: resolving a handle
    would mean asking Bluesky when the entry is saved."""
    m = _path(r"/profile/((?:did:[a-z]+:[\w.:%-]+)|[a-z0-9.-]+)/post/([\w.~:-]{1,64})")(path)
    return f"{BLUESKY.origin}/embed/{m[1]}/app.bsky.feed.post/{m[2]}" if m else None


# A host as in the URL, less "www." or "m.": the provider, and how to read its paths.
HOSTS: dict[str, tuple[Provider, Match]] = {
    "youtube.com": (YOUTUBE, _youtube),
    "youtu.be": (YOUTUBE, _youtu_be),
    "vimeo.com": (VIMEO, _vimeo),
    "player.vimeo.com": (VIMEO, _vimeo),
    "x.com": (X, _x),
    "twitter.com": (X, _x),
    "mobile.twitter.com": (X, _x),
    "instagram.com": (INSTAGRAM, _instagram),
    "facebook.com": (FACEBOOK, _facebook),
    "tiktok.com": (TIKTOK, _tiktok),
    "bsky.app": (BLUESKY, _bluesky),
}


def _query(query: str) -> list[tuple[str, str]]:
    return [(k, v) for k, _, v in (pair.partition("=") for pair in query.split("&"))]


def provider_embed(url: str) -> ProviderEmbed | None:
    """The provider's embed for ``url`` when the URL has one of its shapes; None for any other
    URL, a look-alike host (youtube.com.example) among them."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").removeprefix("www.").removeprefix("m.")
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or host not in HOSTS:
        return None
    provider, match = HOSTS[host]
    src = match(parts.path.rstrip("/") or "/", parts)
    if src is None:
        return None
    if provider is FACEBOOK and "/video.php" in src:
        provider = FACEBOOK_VIDEO
    return ProviderEmbed(provider, url, src)


def provider_card(embed: ProviderEmbed) -> str:
    """Click to load: the provider's name and the original link first (what the entry says as
    text, in feeds and excerpts too), then the button that loads the frame."""
    provider = embed.provider
    return format_html(
        '<figure class="embed embed--{} embed--{}" data-embed-src="{}" data-embed-title="{} {}">'
        '<figcaption class="embed__caption"><span class="embed__provider">{}</span> '
        '<a href="{}" rel="nofollow noopener">{}</a></figcaption>'
        '<div class="embed__frame"><button type="button" class="embed__load">'
        '<span class="embed__action">Load the {} {}</span> '
        '<span class="embed__consent">Loads content from {}</span></button></div></figure>',
        provider.key,
        provider.shape,
        embed.src,
        provider.name,
        provider.thing,
        provider.name,
        embed.url,
        _shown(embed.url),
        provider.name,
        provider.thing,
        provider.name,
    )


def _shown(url: str) -> str:
    """A URL as a reader reads it: no scheme, no www."""
    return re.sub(r"^https?://(?:www\.)?", "", url)


# Lone URLs in rendered Markdown

# A paragraph that is only a URL, in nh3's output: as text, or as a link that says its own address.
LONE_URL = re.compile(
    r'<p>(?:(?P<text>https?://[^\s<>"]+)|<a href="(?P<href>https?://[^"\s]+)"[^>]*>(?P<label>https?://[^<\s]+)</a>)</p>'
)


def _lone_url(match: re.Match[str]) -> str:
    return unescape(match["text"] or match["href"])


def lone_urls(html: str) -> list[str]:
    """The URLs that are a paragraph each in sanitised HTML, in order."""
    return [_lone_url(m) for m in LONE_URL.finditer(html)]


def embed_lone_urls(html: str, link_cards: Mapping[str, "LinkCard"]) -> str:
    """Each lone URL of sanitised HTML as its provider's card, its link card from
    ``link_cards``, or else a plain link."""

    def card(match: re.Match[str]) -> str:
        url = _lone_url(match)
        if embed := provider_embed(url):
            return provider_card(embed)
        if url in link_cards:
            return link_card_html(link_cards[url])
        return format_html('<p><a href="{}" rel="nofollow noopener">{}</a></p>', url, url)

    return LONE_URL.sub(card, html)


# Link cards


@dataclass(frozen=True)
class LinkCard:
    url: str
    title: str
    description: str
    image: str  # https only, or ""
    host: str


def link_card_html(card: LinkCard) -> str:
    image = (
        format_html(
            '<span class="link-card__image"><img src="{}" alt="" loading="lazy" decoding="async"'
            ' referrerpolicy="no-referrer"></span>',
            card.image,
        )
        if card.image
        else ""
    )
    description = (
        format_html('<span class="link-card__description">{}</span>', card.description)
        if card.description
        else ""
    )
    return format_html(
        '<a class="link-card{}" href="{}" rel="nofollow noopener">{}<span class="link-card__text">'
        '<strong class="link-card__title">{}</strong>{}<span class="link-card__host">{}</span></span></a>',
        "" if card.image else " link-card--text",
        card.url,
        image,
        card.title,
        description,
        card.host,
    )


FETCH_SECONDS = 3.0  # for all the link cards of one save
MAX_BYTES = 1024 * 1024
MAX_REDIRECTS = 3
CARD_SECONDS = 24 * 3600  # a page's card, shared by saves and previews
FAILURE_SECONDS = 10 * 60  # a page that gave none is not asked again on every keystroke's save
USER_AGENT = "Liveblog link preview"


def _cache_key(url: str) -> str:
    return "liveblog:link-card:" + hashlib.sha256(url.encode()).hexdigest()


def _cached(urls: Iterable[str]) -> dict[str, LinkCard | bool]:
    """What the cache holds for ``urls``: a card, or False for a page read lately with no card."""
    keys = {_cache_key(url): url for url in urls}
    return {keys[key]: value for key, value in cache.get_many(list(keys)).items()}


def cached_link_cards(urls: Iterable[str]) -> dict[str, LinkCard]:
    """The cards already read for ``urls``; never the network (previews)."""
    return {url: card for url, card in _cached(urls).items() if isinstance(card, LinkCard)}


def link_cards(urls: Iterable[str]) -> dict[str, LinkCard]:
    """The link cards of ``urls`` (provider URLs left out), from the cache or read from the
    pages, FETCH_SECONDS in all. Over the network: call outside any transaction. A page that
    cannot be read has no card, and its URL stays a plain link."""
    wanted = [url for url in dict.fromkeys(urls) if provider_embed(url) is None]
    known = _cached(wanted)
    cards = {url: card for url, card in known.items() if isinstance(card, LinkCard)}
    deadline = time.monotonic() + FETCH_SECONDS
    for url in wanted:
        if url in known or time.monotonic() >= deadline:
            continue  # read already, failed lately, or out of time (then tried at the next save)
        try:
            cards[url] = read_link_card(url, deadline=deadline)
        except Refused as error:
            log.info("no link card for %s: %s", url, error)
            cache.set(_cache_key(url), False, FAILURE_SECONDS)
        else:
            cache.set(_cache_key(url), cards[url], CARD_SECONDS)
    return cards


def read_link_card(url: str, *, deadline: float) -> LinkCard:
    final_url, page = fetch_page(url, deadline=deadline)
    meta = page_meta(page)
    title = _clip(meta.get("og:title") or meta.get("title", ""), 200)
    if not title:
        raise Refused("the page has no title")
    image = urljoin(final_url, meta.get("og:image", "").strip())
    return LinkCard(
        url=url,
        title=title,
        description=_clip(meta.get("og:description") or meta.get("description", ""), 300),
        image=image if image.startswith("https://") and len(image) <= 2000 else "",
        host=(urlsplit(url).hostname or "").removeprefix("www."),
    )


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# Fetching a page, never from a private address


class Refused(Exception):
    """A page this server will not read, or could not."""


def fetch_page(url: str, *, deadline: float) -> tuple[str, str]:
    """The HTML of ``url`` and the URL it was read from, after at most MAX_REDIRECTS redirects,
    each vetted as the first URL was."""
    for _ in range(MAX_REDIRECTS + 1):
        connection = _connection(url, deadline)
        try:
            connection.request("GET", _request_target(url), headers=REQUEST_HEADERS)
            sock = connection.sock  # the response's, even once the connection lets go of it
            response = connection.getresponse()
            location = response.getheader("Location")
            if response.status in (301, 302, 303, 307, 308) and location:
                url = urljoin(url, location)
                continue
            return url, _read_html(response, sock, deadline)
        except (OSError, http.client.HTTPException, ValueError) as error:
            raise Refused(f"{type(error).__name__}: {error}") from error
        finally:
            connection.close()
    raise Refused(f"more than {MAX_REDIRECTS} redirects")


def _connection(url: str, deadline: float) -> http.client.HTTPConnection:
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").encode("idna").decode(), parts.port
    except (ValueError, UnicodeError) as error:
        raise Refused(f"not a URL: {error}") from error
    if parts.scheme not in ("http", "https") or not host:
        raise Refused("not an http(s) URL")
    port = port or (443 if parts.scheme == "https" else 80)
    address = vetted_address(host, port, deadline)
    timeout = _remaining(deadline)
    if parts.scheme == "https":
        return _PinnedHTTPSConnection(host, port, address=address, timeout=timeout)
    return _PinnedHTTPConnection(host, port, address=address, timeout=timeout)


REQUEST_HEADERS = {"User-Agent": USER_AGENT, "Accept": "text/html", "Accept-Encoding": "identity"}


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    return path + (f"?{quote(parts.query, safe='/%:@!$&()*+,;=-._~?')}" if parts.query else "")


def _read_html(response: http.client.HTTPResponse, sock: socket.socket, deadline: float) -> str:
    if response.status != 200:
        raise Refused(f"answered {response.status}")
    content_type = response.getheader("Content-Type", "")
    if content_type.split(";")[0].strip().lower() != "text/html":
        raise Refused(f"not HTML: {content_type}")
    if int(response.getheader("Content-Length") or 0) > MAX_BYTES:
        raise Refused("over the size cap")
    body = bytearray()
    while chunk := _read_some(response, sock, deadline):
        body += chunk
        if len(body) > MAX_BYTES:
            raise Refused("over the size cap")
    charset = re.search(r"charset=([\w-]+)", content_type)
    try:
        return body.decode(charset[1] if charset else "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def _read_some(response: http.client.HTTPResponse, sock: socket.socket, deadline: float) -> bytes:
    """The next bytes of the body: a server trickling them out runs into the deadline."""
    sock.settimeout(_remaining(deadline))
    return response.read1(64 * 1024)


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise Refused("out of time")
    return left


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address vetted for the host, never to a second lookup of its name (which
    DNS rebinding could point elsewhere); the Host header still names the host."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As _PinnedHTTPConnection, and TLS checks the certificate against the host's name."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


# Name lookups may hang far longer than FETCH_SECONDS; they run here so that a save need not wait.
_lookups = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="link-card-lookup")


def vetted_address(host: str, port: int, deadline: float) -> str:
    """The address to connect to for ``host``: refused when any address the name has is not a
    public one (a name that also resolves inside the network is not to be trusted with the
    other), unless LIVEBLOG_EMBED_ALLOW_HOSTS names the host."""
    lookup = _lookups.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = lookup.result(timeout=_remaining(deadline))
    except concurrent.futures.TimeoutError as error:
        raise Refused(f"no address for {host} in time") from error
    except OSError as error:
        raise Refused(f"no address for {host}: {error}") from error
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise Refused(f"no address for {host}")
    allowed = host.lower() in {name.lower() for name in settings.LIVEBLOG_EMBED_ALLOW_HOSTS}
    if not allowed and not all(is_public(address) for address in addresses):
        raise Refused(f"{host} has a non-public address ({', '.join(map(str, addresses))})")
    return str(addresses[0])


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A global unicast address: not private, loopback, link-local, shared (CGNAT), multicast,
    reserved or unspecified, nor one of those wrapped in IPv6."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if inner is not None:
            return is_public(inner)
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


# Reading a page's head


class _Done(Exception):
    pass


class _HeadParser(HTMLParser):
    WANTED = {"og:title", "og:description", "og:image", "description"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title: list[str] | None = None  # the first <title>'s text while it is read

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        name = (values.get("property") or values.get("name") or "").lower()
        if tag == "meta" and name in self.WANTED and values.get("content"):
            self.meta.setdefault(name, values["content"] or "")
        elif tag == "title" and "title" not in self.meta:
            self.title = []
        elif tag == "body":
            raise _Done

    def handle_endtag(self, tag: str) -> None:
        if self.title is not None and tag in ("title", "head"):
            self.meta["title"], self.title = "".join(self.title), None
        if tag == "head":
            raise _Done

    def handle_data(self, data: str) -> None:
        if self.title is not None:
            self.title.append(data)


def page_meta(page: str) -> dict[str, str]:
    """og:title, og:description, og:image, description and title from the page's head, as text."""
    parser = _HeadParser()
    try:
        parser.feed(page)
        parser.close()
    except _Done:
        pass
    return parser.meta
