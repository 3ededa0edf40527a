"""The speakers directory of an event and each speaker's page: served as the reader page is,
rendered once per change of the event however many ask, with a 304 for a reader who has it."""

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from liveblog import directory, heads, reader, structured_data
from liveblog.heads import Head
from liveblog.models import Event
from liveblog.views import _page_at_head

REDIRECT_SECONDS = 300  # a renamed speaker's old link must not stick in browsers for long


@require_safe
def speakers(request: HttpRequest, slug: str) -> HttpResponse:
    def build(head: Head, page_url: str) -> str:
        event = get_object_or_404(Event, pk=head.pk)
        context = {"event": event, "cards": directory.speaker_cards(event), "page_url": page_url}
        return render_to_string("liveblog/speakers.html", context, request)

    return _page_at_head(request, slug, _query(request), build)


@require_safe
def speaker_detail(request: HttpRequest, slug: str, pk: int, name: str = "") -> HttpResponse:
    """A speaker's page at its canonical address; an old or shortened one redirects there."""
    head = heads.event_head(slug)
    if head is None:
        raise Http404("No such event.")
    path = _speaker_path(head, slug, pk)
    if not path:
        raise Http404("This speaker has not spoken in this event.")
    if request.path != path:
        query = _query(request)
        response = HttpResponsePermanentRedirect(path + (f"?{query}" if query else ""))
        response["Cache-Control"] = f"public, max-age={REDIRECT_SECONDS}"
        return response

    def build(head: Head, page_url: str) -> str:
        event = get_object_or_404(Event, pk=head.pk)
        speaker = directory.speaker_in(event, pk)
        if speaker is None:
            raise Http404("This speaker has not spoken in this event.")
        person = structured_data.person(request, event, speaker)
        context = {
            "event": event,
            "speaker": speaker,
            "card": directory.speaker_cards(event, only=speaker)[0],
            "entries": directory.entries_of(event, speaker),
            "slots": directory.slots_of(event, speaker),
            "page_url": page_url,
            "image_url": person.get("image", ""),
            "structured_data": structured_data.as_script({"@context": "https://schema.org", **person}),
        }
        return render_to_string("liveblog/speaker_detail.html", context, request)

    return _page_at_head(request, slug, _query(request), build)


def _query(request: HttpRequest) -> str:
    return reader.canonical_query(request, reader.PERMALINK_PARAMETERS)


def _speaker_path(head: Head, slug: str, pk: int) -> str:
    """The speaker's canonical path in the event ("" when they have not spoken in it), looked up
    once per change of the event: a renamed speaker is a change of every event they spoke in."""
    key = f"speaker-path:{reader.etag(head)}:{pk}"
    path = cache.get(key)
    if path is None:
        event = get_object_or_404(Event, pk=head.pk)
        speaker = directory.speaker_in(event, pk)
        path = directory.speaker_url(slug, speaker) if speaker else ""
        cache.set(key, path, 60)
    return path
