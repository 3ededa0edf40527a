import logging
import threading
from collections.abc import Callable
from pathlib import Path

import prometheus_client
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe
from django.views.defaults import page_not_found
from django.views.static import serve as serve_file

from liveblog import agenda, citymap, heads, reader, redis_clients, selectors, structured_data, translations
from liveblog.clients import request_client_ip
from liveblog.delivery.hub import hub, readers_now
from liveblog.heads import Head
from liveblog.media import IMMUTABLE
from liveblog.models import Entry, Event
from liveblog.ratelimit import over_limit, used_up
from liveblog.reports.exporter import export_report

log = logging.getLogger(__name__)
PAGE_CACHE_SECONDS = 60  # bounds how late the time-based "Now live in" strip can be


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    events = selectors.events_for_index()
    readers = readers_now([event.slug for event in events["live"]])
    for event in events["live"]:
        event.readers = readers.get(event.slug, 0)  # type: ignore[attr-defined]
    sections = [
        (_("Live now"), events["live"], _("Nothing is live right now.")),
        (_("Upcoming"), events["upcoming"], _("No events are scheduled.")),
        (_("Past"), events["past"], _("No past events yet.")),
    ]
    return render(request, "liveblog/index.html", {"sections": sections})


ICONS = Path(__file__).resolve().parent / "static" / "liveblog" / "icons"


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """At the root, where browsers and crawlers look for it whatever the page says."""
    response = HttpResponse((ICONS / "favicon.ico").read_bytes(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: a reader can add Liveblog to a phone's home screen."""
    icons = [
        {"src": static(f"liveblog/icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
        for size in (192, 512)
    ]
    data = {
        "name": "Liveblog",
        "short_name": "Liveblog",
        "description": "Live reports of events held in many cities at once.",
        "start_url": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b3261e",
        "icons": icons,
    }
    response = JsonResponse(data, content_type="application/manifest+json")
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _event_page(request: HttpRequest, slug: str, template: str) -> HttpResponse:
    def build(head: Head, page_url: str) -> str:
        return _render_event_page(request, get_object_or_404(Event, pk=head.pk), template, page_url)

    return _page_at_head(request, slug, reader.canonical_query(request), build)


def _page_at_head(
    request: HttpRequest, slug: str, query: str, build: Callable[[Head, str], str]
) -> HttpResponse:
    """A page of the event ``slug`` as it is at the event's seq: a 304 for a reader who has it,
    else rendered once per seq and address (the path and ``query``, the parameters the page
    reads) however many ask. Every change bumps the seq, so no stale copy is ever served."""
    head = heads.event_head(slug)
    if head is None:
        raise Http404("No such event.")
    response = HttpResponse()
    # The language is the one the middleware chose: a French reader's page is never the
    # German reader's, in this cache, in a browser's or behind a CDN (liveblog/i18n.py).
    response["ETag"] = etag = reader.etag(head, translation.get_language())
    # Checked every time, live or ended (a 304 while nothing changed): an event ended by mistake
    # and set live again must reach the pages loaded meanwhile. Shared caches (a CDN) may keep it
    # a second, as nginx does: a surge of page loads then reaches a worker once a second.
    response["Cache-Control"] = "public, max-age=0, s-maxage=1, must-revalidate"
    conditional = get_conditional_response(request, etag=etag, response=response)
    if conditional is not None and conditional is not response:
        return conditional  # 304: the reader's copy is this seq's page
    page_url = request.build_absolute_uri(request.path + (f"?{query}" if query else ""))
    response.content = _cached_page(f"page:{etag}:{page_url}", lambda: build(head, page_url))
    return response


_rendering: dict[str, threading.Lock] = {}
_rendering_guard = threading.Lock()
# Renderings at once in this process, of different pages: each holds a database connection, and a
# surge of filtered or paged views must leave some to the editors.
_renders = threading.BoundedSemaphore(settings.LIVEBLOG_MAX_RENDERS)
PAGE_RENDERS = prometheus_client.Counter(
    "liveblog_page_renders", "Reader pages rendered (a page served from this process's cache is not)."
)


def _cached_page(key: str, render: Callable[[], str]) -> str:
    """The page under ``key``, rendered once however many requests ask at once: right after a
    change, every request in flight misses the cache, and each rendering it would multiply the
    work by the number of readers reloading."""
    html = cache.get(key)
    if html is not None:
        return html
    _give_back_connection()  # a request waiting its turn holds none of the pool's connections
    with _rendering_guard:
        lock = _rendering.setdefault(key, threading.Lock())
    try:
        with lock:
            html = cache.get(key)  # rendered while this request waited
            if html is None:
                with _renders:
                    try:
                        html = render()
                    finally:
                        _give_back_connection()
                PAGE_RENDERS.inc()
                cache.set(key, html, PAGE_CACHE_SECONDS)
    finally:
        with _rendering_guard:
            _rendering.pop(key, None)
    return html


def _give_back_connection() -> None:
    """Close this thread's database connection (with DATABASE_POOL_SIZE: back to the pool), so
    that the connections in use are at most the pages being rendered, whatever the queue."""
    if not connection.in_atomic_block:
        connection.close()


def _render_event_page(request: HttpRequest, event: Event, template: str, page_url: str) -> str:
    language = translations.reader_language(request, event)
    translations.show_event_in(event, language)
    sessions = reader.city_counts(event)
    view = reader.ReaderView.from_request(request, event, sessions)
    entries, next_url = view.page()
    pinned, key_moments = reader.highlights(event)
    updated_at = reader.last_updated(event)
    speakers = reader.speakers_of(event)
    for session in sessions:
        session.reader_url = view.url(city=session.slug)
    context = {
        "event": event,
        "reader_language": language,
        "translation_labels": translations.labels(language),
        "og_locales": translations.og_locales(language),
        "page_url": page_url,
        "view": view,
        "sessions": sessions,
        "live_now": reader.live_now(sessions),
        "on_stage": agenda.reader_panel(event, city=view.city),
        "total": reader.published_count(event),
        "updated_at": updated_at,
        "cities_listed": reader.cities_listed(sessions),
        "city_map": citymap.city_map(sessions),
        "cities_max": reader.CITIES_LISTED,
        "speakers": speakers,
        "filtered_by": reader.filter_names(view, sessions, speakers),
        "entries": entries,
        "next_url": next_url,
        "pinned": pinned,
        "key_moments": key_moments,
        "structured_data": structured_data.live_blog_posting(
            request, event, entries, sessions=sessions, updated_at=updated_at
        ),
        "city_urls": {"all": view.url(city=None), "clear": view.url(city=None, speaker=None, key=False)},
        "order_urls": {order: view.url(order=order) for order in reader.ORDERS},
        "page_ids": {entry.pk for entry in entries},
        "live_timing": {
            "poll": settings.LIVEBLOG_READER_POLL_SECONDS,
            "quiet": settings.LIVEBLOG_READER_QUIET_SECONDS,
        },
    }
    return render_to_string(template, context, request)


@require_safe
def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _event_page(request, slug, "liveblog/event_detail.html")


@xframe_options_exempt
@require_safe
def event_embed(request: HttpRequest, slug: str) -> HttpResponse:
    """The live report with minimal chrome, for an iframe on another site."""
    return _event_page(request, slug, "liveblog/event_embed.html")


@require_safe
def entry_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """An entry's permalink: the link people share, so cached and canonical as the event's page."""

    def build(head: Head, share_url: str) -> str:
        return _render_entry_page(request, head, pk, share_url)

    return _page_at_head(request, slug, reader.canonical_query(request, reader.PERMALINK_PARAMETERS), build)


def _render_entry_page(request: HttpRequest, head: Head, pk: int, share_url: str) -> str:
    entry = get_object_or_404(Entry.objects.published().for_display(), event_id=head.pk, pk=pk)
    event = entry.event
    language = translations.reader_language(request, event)
    translations.show_event_in(event, language)
    entries = selectors.entries_for_reader(event)
    context = {
        "entry": entry,
        "event": event,
        "reader_language": language,
        "translation_labels": translations.labels(language),
        "og_locales": translations.og_locales(language),
        "share_url": share_url,
        "share_links": reader.share_links(share_url, entry.title),
        # The JPEG: every link preview reads it, not all read WebP.
        "photo_url": request.build_absolute_uri(entry.photos[0].src) if entry.photos else "",
        "earlier": entries.after(entry, newest=True).in_reader_order(newest=True).first(),
        "later": entries.after(entry).first(),
    }
    return render_to_string("liveblog/entry_detail.html", context, request)


@login_required
@ensure_csrf_cookie
@require_safe
def console(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(Event.objects.prefetch_related("sessions"), slug=slug)
    role = event.role_of(request.user)
    if role is None and translations.may_translate(event, request.user):
        return redirect("translate", slug=event.slug)  # a translator's desk is the translation desk
    if role is None:
        raise PermissionDenied(_("Only editors and contributors of this event can use its console."))
    sessions = [s for s in event.sessions.all() if role.may_report_from(s.slug)]
    context = {
        "event": event,
        "sessions": sessions,
        "role": role.name,
        "allowed_cities": sorted(role.cities),
        "kinds": Entry.Kind.choices,
        "embed_snippet": embed_snippet(request, event),
        "media_max_mb": round(settings.LIVEBLOG_MEDIA_MAX_BYTES / 1e6),
        "translation_languages": [(c, n) for c, n in translations.NAMES.items() if c != event.language],
    }
    return render(request, "liveblog/console.html", context)


def embed_snippet(request: HttpRequest, event: Event) -> str:
    """The HTML an editor pastes into another site, the title escaped for its attribute. The
    template escapes it once more for the textarea, so this is exactly what is copied."""
    url = request.build_absolute_uri(reverse("event_embed", args=[event.slug]))
    html = format_html(
        '<iframe src="{}" title="{}" width="100%" height="600" style="border:0"></iframe>', url, event.title
    )
    return html


EXPORT_TYPES = {
    "text": ("txt", "text/plain"),
    "markdown": ("md", "text/markdown"),
    "json": ("json", "application/json"),
}


@login_required
@require_safe
def console_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The report as a file to download: text, Markdown or JSON."""
    event = get_object_or_404(Event, slug=slug)
    if not event.is_editor(request.user) or fmt not in EXPORT_TYPES:  # contributors export nothing
        raise PermissionDenied if fmt in EXPORT_TYPES else Http404
    # ?language=fr, not ?lang=: that would change the editor's own interface language too.
    language = translations.known(request.GET.get("language"))
    return export_download(event, fmt, site=request.build_absolute_uri("/"), language=language)


def export_download(event: Event, fmt: str, *, site: str = "", language: str | None = None) -> HttpResponse:
    extension, content_type = EXPORT_TYPES[fmt]
    document = export_report(event, fmt, site=site, language=language)
    response = HttpResponse(document, content_type=f"{content_type}; charset=utf-8")
    name = f"{event.slug}.{language}" if language else event.slug
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response


@require_safe
def media_file(request: HttpRequest, path: str) -> HttpResponse | FileResponse:
    """A photo's rendition from MEDIA_ROOT, where no nginx or object store serves it: its name
    holds a hash of its bytes, so it may be cached for good."""
    response = serve_file(request, path, document_root=str(settings.MEDIA_ROOT))
    response["Cache-Control"] = IMMUTABLE
    # Cross-origin pages that embed the report show its photos too.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        log.exception("health check: database unreachable")
        return False


def _redis_state() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    try:
        redis_clients.sync_client().ping()
        return "ok"
    except Exception:
        log.warning("health check: Redis unreachable", exc_info=True)
        return "unavailable"


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers: without Redis, delivery falls back to the database's
    periodic check, so a Redis outage must never take a worker out of the load balancer."""
    database = "ok" if _database_ok() else "unavailable"
    body = {"database": database, "redis": _redis_state(), "subscription": hub.subscription_state()}
    return JsonResponse(body, status=200 if database == "ok" else 503)


class LoginView(auth_views.LoginView):
    """Django's sign-in, with attempts limited per client address and per username."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        """Failed attempts are counted, per address and per name from that address: a correct
        password never uses the limit up, and nobody elsewhere can lock an editor out by
        trying their name."""
        rate = settings.LIVEBLOG_LOGIN_RATE
        address = request_client_ip(request)
        name = f"{request.POST.get('username', '')[:150].lower()}@{address}"
        if used_up("login-ip", address, rate) or used_up("login-user", name, rate):
            context = self.get_context_data(form=self.get_form(), too_many=True)
            return self.render_to_response(context, status=429)
        response = super().post(request, *args, **kwargs)
        if response.status_code != 302:  # refused: the form again, with its error
            over_limit("login-ip", address, rate)
            over_limit("login-user", name, rate)
        return response


@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics: for the monitoring network only (METRICS_ALLOWED addresses, or the
    METRICS_TOKEN as a bearer token); everyone else gets 404."""
    token = settings.METRICS_TOKEN
    bearer = request.headers.get("Authorization", "") == f"Bearer {token}" if token else False
    if not bearer and request_client_ip(request) not in settings.METRICS_ALLOWED:
        raise Http404
    body = prometheus_client.generate_latest()
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A 404 in the API's own shape for /api/ (no route matched); Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
