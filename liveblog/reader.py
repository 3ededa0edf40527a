"""What a reader asked to see on an event page: filters, order and the page of entries."""

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from liveblog import selectors
from liveblog.heads import Head
from liveblog.models import Entry, EntryQuerySet, Event, Session, Speaker

PAGE_SIZE = 50
CITIES_LISTED = 12  # beside the stream: the cities with most entries; the filter finds the rest
ORDERS = ("newest", "oldest")
# What a reader page reads from its query; anything else (fbclid, utm_*) changes nothing on it.
PAGE_PARAMETERS = ("city", "speaker", "key", "order", "cursor", "lang")
PERMALINK_PARAMETERS = ("lang",)


def _release() -> str:
    """A digest of the templates, static files and translations: part of every page's ETag, so
    a new release is never answered with 304 for a page it renders differently."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for folder in (base / "templates", base / "liveblog" / "static", base / "locale"):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


RELEASE = _release()


def default_order(event: Event) -> str:
    """Newest first while an event is live; the report reads top to bottom otherwise."""
    return "newest" if event.status == Event.Status.LIVE else "oldest"


@dataclass(frozen=True)
class ReaderView:
    event: Event
    order: str
    city: str | None = None
    speaker: int | None = None
    key: bool = False
    cursor: int | None = None

    @classmethod
    def from_request(cls, request: HttpRequest, event: Event, sessions: list[Session]) -> "ReaderView":
        """Unknown or malformed values are ignored, never an error: a shared link keeps working."""
        params = request.GET
        order = params.get("order")
        return cls(
            event=event,
            order=order if order in ORDERS else default_order(event),
            city=_city(params.get("city"), sessions),
            speaker=_int(params.get("speaker")),
            key=params.get("key") == "1",
            cursor=_int(params.get("cursor")),
        )

    @property
    def filtered(self) -> bool:
        return bool(self.city or self.speaker or self.key)

    def url(self, **changes) -> str:
        """The query string of this view with ``changes``; the cursor never carries over."""
        view = replace(self, cursor=None, **changes)
        params = {"city": view.city, "speaker": view.speaker, "key": "1" if view.key else None}
        params["order"] = view.order
        params["cursor"] = view.cursor
        return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})

    def entries(self) -> EntryQuerySet:
        entries = selectors.entries_for_reader(self.event, city=self.city, order=self.order)
        if self.speaker:
            entries = entries.filter(speaker_id=self.speaker)
        if self.key:
            entries = entries.filter(key_moment=True)
        return entries

    def page(self) -> tuple[list[Entry], str | None]:
        """One page of entries, and the link to the next one (None: this is the last)."""
        entries = self.entries()
        after = Entry.objects.filter(pk=self.cursor, event=self.event).first() if self.cursor else None
        if after is not None:
            entries = entries.after(after, newest=self.order == "newest")
        rows = list(entries[: PAGE_SIZE + 1])
        if len(rows) <= PAGE_SIZE:
            return rows, None
        rows = rows[:PAGE_SIZE]
        return rows, self.url() + f"&cursor={rows[-1].pk}"


def canonical_query(request: HttpRequest, names: tuple[str, ...] = PAGE_PARAMETERS) -> str:
    """The page's own query string: its parameters (``names``) in one order, tracking ones
    dropped, so a link shared a thousand times with a different ``?fbclid=`` is one page,
    rendered once."""
    params = request.GET
    return urlencode([(name, params[name]) for name in names if name in params])


def filter_names(view: ReaderView, sessions: list[Session], speakers: list[Speaker]) -> dict[str, str]:
    """What the reader filtered by, by name: ``city`` and ``speaker`` ("" for none), and ``all``,
    the three as the Filter control says them ("Berlin · Hamid Moaser · key moments")."""
    city = next((s.city for s in sessions if s.slug == view.city), "")
    speaker = next((s.name for s in speakers if s.pk == view.speaker), "")
    chosen = [name for name in (city, speaker, "key moments" if view.key else "") if name]
    return {"city": city, "speaker": speaker, "all": " · ".join(chosen)}


def _city(value: str | None, sessions: list[Session]) -> str | None:
    """The city asked for, by slug or (from the filter's search box, without JavaScript) by name."""
    wanted = " ".join((value or "").split()).casefold()
    for session in sessions:
        if wanted in (session.slug, session.city.casefold()):
            return session.slug
    return None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 12 else None


def city_counts(event: Event) -> list[Session]:
    """The event's cities, each with ``entry_count``: its published entries."""
    published = Q(entries__deleted_at__isnull=True, entries__status=Entry.Status.PUBLISHED)
    return list(event.sessions.annotate(entry_count=Count("entries", filter=published)))


def last_updated(event: Event) -> datetime | None:
    """When the report last changed: its newest change."""
    last = event.changes.order_by("-seq").values_list("created_at", flat=True).first()
    return last.replace(microsecond=0) if last else None


def published_count(event: Event) -> int:
    """Published entries in all, with or without a city."""
    return Entry.objects.published().filter(event=event).count()


def cities_listed(sessions: list[Session]) -> list[Session]:
    """The cities listed beside the stream: all of a few, the busiest of many."""
    if len(sessions) <= CITIES_LISTED:
        return sessions
    return sorted(sessions, key=lambda s: -s.entry_count)[:CITIES_LISTED]  # type: ignore[attr-defined]


def live_now(sessions: list[Session]) -> list[Session]:
    now = timezone.now()
    return [s for s in sessions if s.starts_at and s.ends_at and s.starts_at <= now <= s.ends_at]


def speakers_of(event: Event) -> list[Speaker]:
    published = Entry.objects.published().filter(event=event)
    return list(Speaker.objects.filter(entries__in=published).distinct().order_by("name"))


def highlights(event: Event) -> tuple[list[Entry], list[Entry]]:
    """The pinned entries (newest first) and the key moments (in report order)."""
    entries = Entry.objects.published().filter(event=event).for_display()
    pinned = list(entries.filter(pinned=True).in_reader_order(newest=True))
    key = list(entries.filter(key_moment=True).in_reader_order())
    return pinned, key


def share_links(url: str, text: str) -> list[tuple[str, str]]:
    """Plain links that share ``url`` on the main networks: no third-party script on the page."""
    return [
        ("X", "https://x.com/intent/post?" + urlencode({"url": url, "text": text})),
        ("Facebook", "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})),
        ("WhatsApp", "https://wa.me/?" + urlencode({"text": f"{text} {url}"})),
        ("Telegram", "https://t.me/share/url?" + urlencode({"url": url, "text": text})),
        ("LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url})),
        (_("Email"), "mailto:?" + urlencode({"subject": text, "body": url}, quote_via=quote)),
    ]


def etag(event: Event | Head, language: str = "") -> str:
    """The page's version: the release, the event's feed and the language it is written in."""
    return f'"{RELEASE}-{event.epoch}-{event.seq}{"-" + language if language else ""}"'
