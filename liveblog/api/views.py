import json
import re

from django.conf import settings
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import APIException
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from liveblog import media, selectors, services, speakers
from liveblog.api import desk_rules
from liveblog.api.idempotency import idempotent
from liveblog.api.serializers import (
    EntrySerializer,
    EntryWriteSerializer,
    EventDetailSerializer,
    EventSerializer,
    EventStatusSerializer,
    MediaSerializer,
    MediaUploadSerializer,
    NewSpeakerSerializer,
    SessionAddedSerializer,
    SessionSerializer,
    SpeakerSerializer,
)
from liveblog.frames import SEQ
from liveblog.models import Entry, Event
from liveblog.rendering import EntryTooLarge, fetch_link_cards, render_preview
from liveblog.reports.parser import split_speaker

_IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = gettext_lazy('Send If-Match: "<version>" with the version of the entry you edited.')
    default_code = "precondition_required"


IF_MATCH_HELP = 'The version of the entry you edited, quoted: "3". A newer version answers 412.'
IF_MATCH_REQUIRED = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True, description=IF_MATCH_HELP
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="A UUID; a retry with the same key returns the first response.",
)
# A multipart body is the file and a few short fields around it.
MULTIPART_SLACK = 64 * 1024
LANG = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    enum=["en", "fr", "de", "fa"],
    description="headline, body and html in this language where the entry is translated into it.",
)
IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, description=IF_MATCH_HELP + " Optional here."
)


class IsEventEditorOrReadOnly(permissions.BasePermission):
    """Anyone reads; the event's desk (editors, staff, contributors) writes, each as their role
    allows (desk_rules)."""

    message = gettext_lazy("Only editors and contributors of this event can write its entries.")
    public_reads = True  # for the OpenAPI document: GETs need no credentials

    def has_permission(self, request: Request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or request.user.is_authenticated

    def has_object_permission(self, request: Request, view, obj: Event | Entry) -> bool:
        return request.method in permissions.SAFE_METHODS or role(request, _event_of(obj)) is not None


def _event_of(obj: Event | Entry) -> Event:
    return obj if isinstance(obj, Event) else obj.event


role = desk_rules.role


def _etag(entry: Entry) -> dict[str, str]:
    return {"ETag": f'"{entry.version}"'}


class EventList(generics.ListAPIView):
    queryset = Event.objects.all()
    serializer_class = EventSerializer


class EventDetail(generics.RetrieveAPIView):
    queryset = Event.objects.prefetch_related("sessions")
    serializer_class = EventDetailSerializer
    lookup_field = "slug"


class EventEntries(generics.ListCreateAPIView):
    serializer_class = EntrySerializer
    permission_classes = [IsEventEditorOrReadOnly]

    def get_event(self) -> Event:
        event = get_object_or_404(Event, slug=self.kwargs["slug"])
        self.check_object_permissions(self.request, event)
        return event

    def get_queryset(self):
        params = self.request.query_params
        order = "newest" if params.get("order") == "newest" else "oldest"
        event = self.get_event()
        desk = role(self.request, event) if params.get("drafts") == "1" else None
        entries = selectors.entries_for_reader(
            event, city=params.get("city") or None, order=order, drafts=desk is not None
        )
        if desk is not None and not desk.editor:  # a contributor: the published, and their own
            entries = entries.filter(Q(status=Entry.Status.PUBLISHED) | Q(author=self.request.user))
        if role(self.request, event) is not None:  # each entry's desk fields
            entries = desk_rules.desk_entries(entries)
        return entries

    @extend_schema(
        parameters=[
            OpenApiParameter("city", OpenApiTypes.STR, description="Only this session's entries."),
            OpenApiParameter("order", OpenApiTypes.STR, enum=["oldest", "newest"]),
            OpenApiParameter("drafts", OpenApiTypes.STR, enum=["1"], description="Editors: drafts too."),
            LANG,
        ]
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=EntryWriteSerializer,
        responses={201: EntrySerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        _read_link_cards(request.data)
        return self._create(request, *args, **kwargs)

    @idempotent
    def _create(self, request: Request, *args, **kwargs) -> Response:
        event = self.get_event()
        serializer = EntryWriteSerializer(data=request.data, context={"event": event})
        serializer.is_valid(raise_exception=True)
        fields = serializer.service_kwargs()
        desk_rules.check_create(role(request, event), fields)
        try:  # one transaction, the service's: a speaker it creates for the entry goes with it
            entry = services.entry_create(event=event, by=request.user, **fields)
        except EntryTooLarge as error:
            return Response({"body": [str(error)]}, status=status.HTTP_400_BAD_REQUEST)
        headers = {**_etag(entry), "Location": f"/api/entries/{entry.pk}/"}
        return Response(
            desk_rules.payload_for(request, entry), status=status.HTTP_201_CREATED, headers=headers
        )


def _read_link_cards(data: object) -> None:
    """Read the pages of the text's lone URLs (3 s at most) before any transaction opens: the
    service then finds them in the cache, and no lock waits on another site."""
    body = data.get("body") if isinstance(data, dict) else None
    if isinstance(body, str) and len(body) <= EntryWriteSerializer.BODY_MAX:
        try:
            body.encode()
        except UnicodeEncodeError:
            return  # refused by the serializer, which says where
        fetch_link_cards(body)


class EntryDetail(generics.GenericAPIView):
    serializer_class = EntrySerializer
    permission_classes = [IsEventEditorOrReadOnly]

    def get_object(self) -> Entry:
        entries = Entry.objects.live().for_display()
        entry = get_object_or_404(entries, pk=self.kwargs["pk"])
        if not desk_rules.may_see(role(self.request, entry.event), entry, self.request.user):
            raise Http404
        self.check_object_permissions(self.request, entry)
        return entry

    def _expected_version(self, required: bool) -> int | None:
        header = self.request.headers.get("If-Match")
        if header is None:
            if required:
                raise PreconditionRequired()
            return None
        match = _IF_MATCH.match(header)
        if not match:
            raise PreconditionRequired(
                _('If-Match must be a quoted version such as "3", not %(header)s.') % {"header": repr(header)}
            )
        return int(match[1])

    def _stale(self, error: services.StaleVersion) -> Response:
        current = error.entry
        if current.deleted_at is not None:
            return Response(
                {"detail": _("This entry has been deleted.")}, status=status.HTTP_412_PRECONDITION_FAILED
            )
        body = {
            "detail": _("This entry was changed by someone else: it is now at version %(version)s.")
            % {"version": current.version},
            "current": desk_rules.payload_for(self.request, current),
        }
        return Response(body, status=status.HTTP_412_PRECONDITION_FAILED, headers=_etag(current))

    @extend_schema(parameters=[LANG])
    def get(self, request: Request, pk: int) -> Response:
        entry = self.get_object()
        return Response(desk_rules.payload_for(request, entry), headers=_etag(entry))

    @extend_schema(
        request=EntryWriteSerializer, responses={200: EntrySerializer}, parameters=[IF_MATCH_REQUIRED]
    )
    def patch(self, request: Request, pk: int) -> Response:
        entry = self.get_object()
        expected = self._expected_version(required=True)
        serializer = EntryWriteSerializer(
            entry, data=request.data, partial=True, context={"event": entry.event}
        )
        serializer.is_valid(raise_exception=True)
        fields = serializer.service_kwargs()
        desk_rules.check_update(role(request, entry.event), entry, request.user, fields)
        _read_link_cards(request.data)
        try:
            entry = services.entry_update(entry=entry, by=request.user, expected_version=expected, **fields)
        except services.StaleVersion as error:
            return self._stale(error)
        except EntryTooLarge as error:
            return Response({"body": [str(error)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(desk_rules.payload_for(request, entry), headers=_etag(entry))

    @extend_schema(responses={204: None}, parameters=[IF_MATCH])
    def delete(self, request: Request, pk: int) -> Response:
        entry = self.get_object()
        desk_rules.check_update(role(request, entry.event), entry, request.user, {})
        try:
            services.entry_delete(
                entry=entry, by=request.user, expected_version=self._expected_version(required=False)
            )
        except services.StaleVersion as error:
            return self._stale(error)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EventChanges(generics.GenericAPIView):
    """The change feed: the frames the WebSocket sends, after a seq."""

    queryset = Event.objects.all()
    lookup_field = "slug"

    @extend_schema(
        parameters=[OpenApiParameter("after", OpenApiTypes.INT, required=True, description="Last seq seen.")],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, slug: str) -> HttpResponse:
        event = self.get_object()
        after = request.query_params.get("after", "")
        if not SEQ.fullmatch(after):
            message = _("Give the last seq you saw as a whole number, e.g. ?after=41.")
            return Response({"after": [message]}, status=400)
        # The stored frames are JSON text already: joined as they are, never parsed again.
        frames = ",".join(selectors.frames_after(event, int(after)))
        head = json.dumps({"event": event.slug, "epoch": event.epoch, "seq": event.seq})
        body = f'{head[:-1]},"frames":[{frames}]}}'
        return HttpResponse(body, content_type="application/json")


class EditorOnly(IsEventEditorOrReadOnly):
    """Editors of the event and staff, for reads as well as writes."""

    message = gettext_lazy("Only editors of this event can do this.")

    def has_permission(self, request: Request, view) -> bool:
        return request.user.is_authenticated

    def has_object_permission(self, request: Request, view, obj: Event | Entry) -> bool:
        desk = role(request, _event_of(obj))
        return desk is not None and desk.editor


class OnTheDesk(EditorOnly):
    """Editors and contributors of the event: they write (previews, photos)."""

    message = gettext_lazy("Only editors and contributors of this event can do this.")

    def has_object_permission(self, request: Request, view, obj: Event | Entry) -> bool:
        return role(request, _event_of(obj)) is not None


class EventScoped(generics.GenericAPIView):
    queryset = Event.objects.prefetch_related("sessions")
    lookup_field = "slug"


class EntryPreview(EventScoped):
    """The entry as readers would see it, rendered by the page's own template, saving nothing."""

    permission_classes = [OnTheDesk]
    serializer_class = EntryWriteSerializer

    @extend_schema(request=EntryWriteSerializer, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, slug: str) -> Response:
        event = self.get_object()
        serializer = EntryWriteSerializer(data=request.data, context={"event": event, "preview": True})
        serializer.is_valid(raise_exception=True)
        try:
            return Response({"html": render_preview(event, serializer.validated_data)})
        except EntryTooLarge as error:
            return Response({"body": [str(error)]}, status=status.HTTP_400_BAD_REQUEST)


class MediaUpload(EventScoped):
    """A photo for the event's entries: checked, made into renditions, stored. The file is
    processed before the idempotency key is claimed, so no lock is held while pixels are crunched."""

    permission_classes = [OnTheDesk]
    serializer_class = MediaUploadSerializer
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": MediaUploadSerializer},
        responses={201: MediaSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request: Request, slug: str) -> Response:
        declared = request.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > settings.LIVEBLOG_MEDIA_MAX_BYTES + MULTIPART_SLACK:
            return _rejected(media.MediaRejected(media.too_big_message(int(declared)), status=413))
        event = self.get_object()
        serializer = MediaUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        try:
            photo = media.process(upload, upload.size)
        except media.MediaRejected as problem:
            return _rejected(problem)
        return self._store(request, event=event, photo=photo, fields=serializer.validated_data)

    @idempotent
    def _store(self, request: Request, *, event: Event, photo: media.Photo, fields: dict) -> Response:
        item = services.media_create(
            event=event,
            by=request.user,
            photo=photo,
            alt=fields["alt"],
            caption=fields.get("caption", ""),
            credit=fields.get("credit", ""),
        )
        return Response(media.payload(item), status=status.HTTP_201_CREATED)


def _rejected(problem: media.MediaRejected) -> Response:
    return Response({"file": [problem.message]}, status=problem.status)


class EventStatus(EventScoped):
    permission_classes = [EditorOnly]
    serializer_class = EventStatusSerializer

    def post(self, request: Request, slug: str) -> Response:
        event = self.get_object()
        serializer = EventStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.event_set_status(event=event, status=serializer.validated_data["status"], by=request.user)
        return Response(EventDetailSerializer(event).data)


class EventSessions(EventScoped):
    permission_classes = [EditorOnly]
    serializer_class = SessionSerializer

    @extend_schema(responses={201: SessionAddedSerializer})
    def post(self, request: Request, slug: str) -> Response:
        event = self.get_object()
        serializer = SessionSerializer(data=request.data, context={"event": event})
        serializer.is_valid(raise_exception=True)
        session = services.session_add(event=event, by=request.user, **serializer.validated_data)
        return Response(SessionAddedSerializer(session).data, status=status.HTTP_201_CREATED)


class IsEditorAnywhere(permissions.BasePermission):
    """Staff, or on the desk of some event: speakers may be named in drafts not yet public."""

    def has_permission(self, request: Request, view) -> bool:
        user = request.user
        return user.is_authenticated and (
            user.is_staff or user.edited_events.exists() or user.contributions.exists()
        )


class SpeakerSearch(generics.ListAPIView):
    """Known speakers whose name contains ``q``: the console's type-ahead."""

    serializer_class = SpeakerSerializer
    permission_classes = [IsEditorAnywhere]
    pagination_class = None

    @extend_schema(parameters=[OpenApiParameter("q", OpenApiTypes.STR)])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return speakers.suggest(self.request.query_params.get("q", ""), limit=20)


class SpeakerSplit(generics.GenericAPIView):
    """How a name would be split into honorific, name and title: what the console shows before
    a new speaker is added."""

    permission_classes = [IsEditorAnywhere]

    @extend_schema(
        parameters=[OpenApiParameter("name", OpenApiTypes.STR, required=True)],
        responses={200: NewSpeakerSerializer},
    )
    def get(self, request: Request) -> Response:
        parts = split_speaker(request.query_params.get("name", ""))
        return Response({"honorific": parts.honorific, "name": parts.name, "title": parts.title})
