"""The translation desk: an event's entries, each original beside the form of its translation
into one language, for the event's editors and translators. Saving publishes: readers of that
language see the translation at once."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

from liveblog import selectors, translations
from liveblog.models import Event, Translator
from liveblog.rendering import render_entry

ENTRIES_SHOWN = 200  # the newest; a report longer than that is translated from its live end


def _languages_of(event: Event, user) -> list[str]:
    """The languages ``user`` may translate the event into, other than its own."""
    others = [code for code in translations.NAMES if code != event.language]
    if event.is_editor(user):
        return others
    translator = Translator.objects.filter(event=event, user=user).first()
    if translator is None:
        return []
    chosen = translations.translator_languages(translator)
    return [code for code in others if not chosen or code in chosen]


@login_required
@ensure_csrf_cookie
@require_safe
def translate(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(Event, slug=slug)
    allowed = _languages_of(event, request.user)
    if not allowed:
        raise PermissionDenied("Only editors and translators of this event can translate it.")
    into = request.GET.get("into")
    into = into if into in allowed else allowed[0]
    entries = list(selectors.entries_for_reader(event, order="newest")[:ENTRIES_SHOWN])
    rows = []
    for entry in entries:
        item = next((t for t in entry.translations.all() if t.language == into), None)
        rows.append(
            {
                "entry": entry,
                "original": render_entry(entry, id_prefix="original"),
                "translation": item,
                "stale": item is not None and translations.is_stale(item, entry),
            }
        )
    context = {
        "event": event,
        "into": into,
        "into_name": translations.NAMES[into],
        "into_dir": translations.direction(into),
        "original_language": translations.NAMES[event.language],
        "choices": [(code, translations.NAMES[code]) for code in allowed],
        "event_text": (event.translations or {}).get(into, {}),
        "rows": rows,
        "more": len(entries) == ENTRIES_SHOWN,
        "is_editor": event.is_editor(request.user),
    }
    return render(request, "liveblog/translate.html", context)
