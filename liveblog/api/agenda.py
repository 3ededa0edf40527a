"""The agenda in the JSON API: read by anyone, written by the event's editors (the console's
agenda editor). Every write answers with the whole agenda, as the frames carry it."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from liveblog import services, speakers
from liveblog.agenda import agenda_payload
from liveblog.api.serializers import OccurredAtField, speaker_by_id
from liveblog.api.views import EditorOnly, EventScoped
from liveblog.models import Event, Session, Speaker, SpeakerSlot
from liveblog.reports.parser import split_speaker


class SlotSerializer(serializers.Serializer):
    """A slot as the console sends it. Times without an offset ("2026-06-03T17:40") are the
    city's; ``speaker`` is an id, ``speaker_name`` free text (a known speaker, else a new one)."""

    city = serializers.CharField(help_text="A session slug of the event.")
    speaker = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    speaker_name = serializers.CharField(required=False, allow_blank=True, max_length=300)
    starts_at = OccurredAtField(help_text="ISO 8601; without an offset, in the city's time.")
    ends_at = OccurredAtField(required=False, allow_blank=True, allow_null=True)
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)

    def validate_city(self, value: str) -> Session:
        event: Event = self.context["event"]
        session = event.sessions.filter(slug=value).first()
        if session is None:
            known = ", ".join(event.sessions.values_list("city", flat=True)) or _("none yet")
            raise serializers.ValidationError(
                _("“%(city)s” is not a city of this event (%(known)s).") % {"city": value, "known": known}
            )
        session.event = event
        return session

    def validate_speaker(self, value: int | None) -> Speaker | None:
        return speaker_by_id(value)

    def validate_speaker_name(self, value: str) -> str:
        parts = split_speaker(value)
        if len(parts.name) > 200 or len(parts.title) > 300:
            raise serializers.ValidationError(
                _("Keep the name under 200 characters and the title under 300.")
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        session: Session | None = attrs.get("city") or getattr(self.instance, "session", None)
        name = attrs.pop("speaker_name", "").strip()
        if attrs.get("speaker") is None and name:
            attrs["speaker"] = speakers.known(name) or name
        if attrs.get("speaker") is None and (self.instance is None or "speaker" in attrs):
            raise serializers.ValidationError({"speaker_name": [_("Say who speaks.")]})
        for name in ("starts_at", "ends_at"):
            if name in attrs:
                attrs[name] = _aware(attrs[name], session)
        if "city" in attrs:
            attrs["session"] = attrs.pop("city")
        return attrs


def _aware(value: Any, session: Session | None) -> datetime | None:
    if not isinstance(value, datetime):
        if value in (None, ""):
            return None
        raise serializers.ValidationError(_("Give a date and a time: 2026-06-03T17:40, in the city's time."))
    if timezone.is_aware(value):
        return value
    return value.replace(tzinfo=session.tzinfo if session else timezone.get_current_timezone())


def _saved(write) -> Response | None:
    """A model's refusal (an end before the start) as a 400 naming the field."""
    try:
        write()
    except ValidationError as error:
        return Response(error.message_dict, status=status.HTTP_400_BAD_REQUEST)
    return None


class EventAgenda(EventScoped):
    """The event's agenda: every speaker slot, in order, with when each ends (``until``)."""

    def get_permissions(self):
        return [permissions.AllowAny()] if self.request.method == "GET" else [EditorOnly()]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, slug: str) -> Response:
        return Response({"slots": agenda_payload(self.get_object())})

    @extend_schema(request=SlotSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request, slug: str) -> Response:
        event = self.get_object()
        serializer = SlotSerializer(data=request.data, context={"event": event})
        serializer.is_valid(raise_exception=True)
        made: list[SpeakerSlot] = []
        refused = _saved(
            lambda: made.append(
                services.slot_create(event=event, by=request.user, **serializer.validated_data)
            )
        )
        if refused:
            return refused
        return Response({"id": made[0].pk, "slots": agenda_payload(event)}, status=status.HTTP_201_CREATED)


class SlotDetail(generics.GenericAPIView):
    """One slot: PATCH changes any of its fields, DELETE takes it off the agenda."""

    permission_classes = [EditorOnly]
    serializer_class = SlotSerializer

    def get_object(self) -> SpeakerSlot:
        slot = get_object_or_404(SpeakerSlot.objects.select_related("session__event"), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, slot.session.event)
        return slot

    @extend_schema(request=SlotSerializer, responses={200: OpenApiTypes.OBJECT})
    def patch(self, request: Request, pk: int) -> Response:
        slot = self.get_object()
        event = slot.session.event
        serializer = SlotSerializer(slot, data=request.data, partial=True, context={"event": event})
        serializer.is_valid(raise_exception=True)
        refused = _saved(
            lambda: services.slot_update(slot=slot, by=request.user, **serializer.validated_data)
        )
        return refused or Response({"id": slot.pk, "slots": agenda_payload(event)})

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def delete(self, request: Request, pk: int) -> Response:
        slot = self.get_object()
        event = slot.session.event
        services.slot_delete(slot=slot, by=request.user)
        return Response({"slots": agenda_payload(event)})
