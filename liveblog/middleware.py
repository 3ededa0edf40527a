"""Response headers every page gets, the language it speaks, and a clear 503 when the database
is out of reach."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _

from liveblog import heads, i18n, languages
from liveblog.embeds import FRAME_ORIGINS

log = logging.getLogger(__name__)

# No inline script anywhere: scripts are modules served from this site. JSON-LD is a data block,
# which CSP does not run. The admin sets inline style attributes, so it may keep those. Frames
# come only from the embed providers' players, once a reader asks for one (liveblog.embeds).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'{admin_style}; "
    # blob: the console's photos, shown from the files picked before they are uploaded.
    "img-src 'self' https: data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    f"frame-src {' '.join(FRAME_ORIGINS)}; "
    "frame-ancestors {ancestors}"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        admin = request.path.startswith("/admin/")
        # The embed is made to be framed by other sites; nothing else is.
        ancestors = "*" if getattr(response, "xframe_options_exempt", False) else "'none'"
        policy = CSP.format(admin_style=" 'unsafe-inline'" if admin else "", ancestors=ancestors)
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if ancestors != "*":
            response.headers.setdefault("Cross-Origin-Resource-Policy", "same-site")
        return response


class LanguageMiddleware:
    """Answers each request in the reader's language (liveblog.i18n), an event's pages in the
    event's language when the reader chose none, and remembers a ``?lang=`` in a cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.language_chosen = choice = i18n.chosen(request)  # type: ignore[attr-defined]
        i18n.use(request, choice or languages.DEFAULT)
        response = self.get_response(request)
        # Caches keep one copy per language: the page cache and nginx by the language itself,
        # browsers and other caches by what it was resolved from. A response that names its
        # language already (the scripts' catalog) is the same whoever asks.
        if "Content-Language" not in response:
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
            response["Content-Language"] = request.LANGUAGE_CODE
        asked = i18n.asked(request)
        if asked and asked != i18n.remembered(request):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                asked,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                secure=settings.LANGUAGE_COOKIE_SECURE,
            )
            # A response that sets this reader's cookie is theirs alone: no shared cache keeps it.
            patch_cache_control(response, private=True)
        return response

    def process_view(self, request: HttpRequest, view, args, kwargs) -> None:
        slug = kwargs.get("slug")
        if request.language_chosen or not slug or not request.path.startswith("/events/"):  # type: ignore[attr-defined]
            return
        try:
            head = heads.event_head(slug)
        except (OperationalError, InterfaceError):
            return  # the view meets it too, and answers the 503 that says so
        if head is not None:
            i18n.use(request, head.language)


class DatabaseUnavailableMiddleware:
    """A request that cannot reach the database gets a 503 that says so. Writes run in one
    transaction each, so nothing is left half-written."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.error("database unavailable: %s", exception)
        message = _("The database is unavailable. Nothing was saved; try again in a moment.")
        response: HttpResponse
        if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
            response = JsonResponse({"detail": message}, status=503)
        else:
            title = _("Unavailable")
            response = HttpResponse(f"<!doctype html><title>{title}</title><h1>{message}</h1>", status=503)
        response["Retry-After"] = "5"
        return response
