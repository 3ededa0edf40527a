"""The agenda page: each city's programme in its own time (the reader's time added by the page's
script), what has happened marked, with links to the entries about it."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from liveblog import agenda
from liveblog.models import Event


@require_safe
def agenda_page(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(Event, slug=slug)
    context = {"event": event, "cities": agenda.programme(event)}
    response = render(request, "liveblog/agenda.html", context)
    # What has happened changes with the clock, not only with the event's changes: never kept.
    response["Cache-Control"] = "public, max-age=0, s-maxage=1, must-revalidate"
    return response
