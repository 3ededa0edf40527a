"""Response headers every page gets, and a clear 503 when the database is out of reach."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

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
            response = HttpResponse(
                f"<!doctype html><title>{_('Unavailable')}</title><h1>{message}</h1>", status=503
            )
        response["Retry-After"] = "5"
        return response
