"""Which language a request is answered in, and the links to the same page in the others.

A reader's choice, in order: ``?lang=xx`` (remembered in the ``lang`` cookie), the cookie, then
their browser's ``Accept-Language``. A reader who chose nothing reads an event's pages in the
event's language and every other page in English. Anything else (``?lang=xx`` for a language
Liveblog does not speak, a malformed header) is ignored, never an error."""

import re

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponseBase
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_safe
from django.views.i18n import JavaScriptCatalog

from liveblog import languages
from liveblog.reader import RELEASE

CODES = frozenset(code for code, _ in languages.LANGUAGES)
PARAMETER = "lang"


def supported(value: str | None) -> str | None:
    """``value`` if it names one of our languages (``fr``, ``FR``), else None."""
    code = (value or "").lower()
    return code if code in CODES else None


QUALITY = re.compile(r"\s*q\s*=\s*(0(\.\d{0,3})?|1(\.0{0,3})?)\s*$", re.IGNORECASE)


def from_accept_language(header: str) -> str | None:
    """The language of ours the browser prefers most (highest quality first, then the order
    given), or None when it accepts none of them. A malformed quality leaves its language out."""
    ranked = []
    for position, item in enumerate(header.split(",")[:32]):
        tag, _, params = item.partition(";")
        match = QUALITY.match(params) if params else None
        if params and not match:
            continue
        quality = float(match.group(1)) if match else 1.0
        language = supported(tag.strip().split("-")[0])  # fr-CA reads French
        if language and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else None


def _first(pairs: list[str], name: str) -> str | None:
    """The first ``name=value`` of ``pairs`` (names in any case), its value as sent. nginx reads
    ``?lang=`` and the cookie so for its cache key: the page must be the one its key says."""
    for pair in pairs:
        key, separator, value = pair.strip().partition("=")
        if separator and key.lower() == name:
            return value.strip()
    return None


def asked(request: HttpRequest) -> str | None:
    """The language of ``?lang=``, if one of ours."""
    return supported(_first(request.META.get("QUERY_STRING", "").split("&"), PARAMETER))


def remembered(request: HttpRequest) -> str | None:
    """The language of the ``lang`` cookie, if one of ours."""
    return supported(_first(request.META.get("HTTP_COOKIE", "").split(";"), settings.LANGUAGE_COOKIE_NAME))


def chosen(request: HttpRequest) -> str | None:
    """The language the reader asked for, or None when they asked for none of ours."""
    return (
        asked(request)
        or remembered(request)
        or from_accept_language(request.headers.get("Accept-Language", ""))
    )


def use(request: HttpRequest, language: str) -> None:
    """Answer this request in ``language``."""
    translation.activate(language)
    request.LANGUAGE_CODE = language


def links(request: HttpRequest) -> list[dict[str, object]]:
    """This page in each language, as the switcher and the ``hreflang`` alternates give it: each
    language in its own name, at this address with ``?lang=``. Other parameters are left out, so
    a cached page never carries the parameters of whoever asked for it first."""
    current = translation.get_language()
    return [
        {
            "code": code,
            "name": name,
            "url": f"{request.path}?{PARAMETER}={code}",
            "absolute_url": request.build_absolute_uri(f"{request.path}?{PARAMETER}={code}"),
            "current": code == current,
            "direction": "rtl" if code in languages.RIGHT_TO_LEFT else "ltr",
        }
        for code, name in languages.LANGUAGES
    ]


def context(request: HttpRequest) -> dict[str, object]:
    """What every page's frame needs: ``<html lang dir>``, the switcher and the alternates, and
    the address of the scripts' catalog in this language."""
    language = translation.get_language()
    return {
        "language_links": lambda: links(request),
        "language_default_url": lambda: request.build_absolute_uri(request.path),  # no ?lang=
        "text_direction": "rtl" if translation.get_language_bidi() else "ltr",
        "javascript_catalog": f"{reverse('javascript_catalog', args=[language])}?v={RELEASE}",
    }


_catalog_view = JavaScriptCatalog.as_view()


@require_safe
def javascript_catalog(request: HttpRequest, language: str) -> HttpResponseBase:
    """The scripts' translations in ``language`` (``gettext``, ``ngettext``, ``interpolate``),
    a script from this site as the CSP asks. Its address names the release: kept a year."""
    if language not in CODES:
        raise Http404("Liveblog does not speak this language.")
    with translation.override(language):
        response = _catalog_view(request)
    response["Content-Language"] = language
    fresh = request.GET.get("v") == RELEASE
    response["Cache-Control"] = "public, max-age=31536000, immutable" if fresh else "public, max-age=300"
    return response
