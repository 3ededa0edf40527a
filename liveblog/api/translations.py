"""Translations of an entry (headline and body) and of an event (title and summary), written by
the event's editors and translators. A PUT names the whole translation: sent twice, it leaves
the same translation (no Idempotency-Key needed)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from liveblog import services, translations
from liveblog.api import desk_rules
from liveblog.api.serializers import EntryWriteSerializer
from liveblog.models import Entry, EntryTranslation, Event
from liveblog.rendering import EntryTooLarge


class TranslationWrite(serializers.Serializer):
    headline = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    body = serializers.CharField(
        max_length=EntryWriteSerializer.BODY_MAX,
        trim_whitespace=False,
        error_messages={"blank": "Write the translated text.", "required": "Write the translated text."},
    )
    based_on = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="The updated_at of the translation you edited, or empty when you add one: if "
        "someone saved it since, the answer is 409 with theirs. Leave out: the last save wins.",
    )


class TranslationSerializer(serializers.Serializer):
    """A translation as entries carry it under ``translations``, with its language."""

    language = serializers.CharField()
    headline = serializers.CharField()
    body = serializers.CharField(help_text="Markdown source.")
    html = serializers.CharField(help_text="The body rendered and sanitized as an entry's.")
    stale = serializers.BooleanField(help_text="The original changed since: it may be out of date.")
    updated_at = serializers.DateTimeField()


class MayTranslate(permissions.IsAuthenticated):
    message = "Only editors and translators of this event can translate it."


def _check(request: Request, event: Event, language: str) -> None:
    if language not in translations.NAMES:
        raise Http404(f"No language “{language}”: choose among {', '.join(translations.NAMES)}.")
    if not translations.may_translate(event, request.user, language):
        raise PermissionDenied(f"Only editors and translators into {language} of this event can do this.")


def _answer(item: EntryTranslation, entry: Entry, code: int = status.HTTP_200_OK) -> Response:
    payload = translations.translations_payload(entry).get(item.language, {})
    return Response({"language": item.language, **payload}, status=code)


class EntryTranslationDetail(generics.GenericAPIView):
    """An entry's translation into one language: added or replaced (PUT), taken away (DELETE)."""

    permission_classes = [MayTranslate]
    serializer_class = TranslationWrite

    def get_entry(self, language: str) -> Entry:
        entry = get_object_or_404(Entry.objects.live().for_display(), pk=self.kwargs["pk"])
        if not desk_rules.may_see(desk_rules.role(self.request, entry.event), entry, self.request.user):
            raise Http404  # a draft: its desk's
        _check(self.request, entry.event, language)
        return entry

    @extend_schema(
        request=TranslationWrite, responses={200: TranslationSerializer, 201: TranslationSerializer}
    )
    def put(self, request: Request, pk: int, language: str) -> Response:
        entry = self.get_entry(language)
        data = TranslationWrite(data=request.data)
        data.is_valid(raise_exception=True)
        fields: dict[str, Any] = data.validated_data
        existed = entry.translations.filter(language=language).exists()
        try:
            item = translations.translation_save(
                entry=entry,
                language=language,
                headline=fields["headline"],
                body=fields["body"],
                by=request.user,
                expected_updated_at=fields.get("based_on"),
            )
        except translations.StaleTranslation as error:
            return _conflict(error, entry)
        except (EntryTooLarge, ValidationError) as error:
            return Response(_problems(error), status=status.HTTP_400_BAD_REQUEST)
        except services.StaleVersion:
            raise Http404 from None  # deleted meanwhile
        fresh = Entry.objects.for_display().get(pk=entry.pk)
        return _answer(item, fresh, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, pk: int, language: str) -> Response:
        entry = self.get_entry(language)
        try:
            deleted = translations.translation_delete(entry=entry, language=language, by=request.user)
        except services.StaleVersion:
            raise Http404 from None
        if not deleted:
            raise Http404(f"This entry has no translation into {language}.")
        return Response(status=status.HTTP_204_NO_CONTENT)


def _conflict(error: translations.StaleTranslation, entry: Entry) -> Response:
    body: dict[str, Any] = {"detail": "Someone else saved this translation meanwhile: here is theirs."}
    if error.item is not None:
        fresh = Entry.objects.for_display().get(pk=entry.pk)
        body["current"] = {
            "language": error.item.language,
            **translations.translations_payload(fresh)[error.item.language],
        }
    return Response(body, status=status.HTTP_409_CONFLICT)


def _problems(error: Exception) -> dict[str, list[str]]:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in error.message_dict.items()}
    if isinstance(error, ValidationError):
        return {"detail": error.messages}
    return {"body": [str(error)]}


class EventTranslationWrite(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    summary = serializers.CharField(required=False, allow_blank=True, default="")


class EventTranslationDetail(generics.GenericAPIView):
    """An event's title and summary in one language; readers get them in one ``event.updated``."""

    permission_classes = [MayTranslate]
    serializer_class = EventTranslationWrite
    queryset = Event.objects.all()
    lookup_field = "slug"

    def _save(self, request: Request, language: str, texts: dict[str, str] | None) -> Response:
        event = self.get_object()
        _check(request, event, language)
        wanted = {**(event.translations or {})}
        wanted.pop(language, None)
        if texts:
            wanted[language] = texts
        try:
            event = services.event_update(event=event, by=request.user, translations=wanted)
        except ValidationError as error:
            return Response(_problems(error), status=status.HTTP_400_BAD_REQUEST)
        return Response(event.translations.get(language, {}))

    @extend_schema(request=EventTranslationWrite, responses={200: EventTranslationWrite})
    def put(self, request: Request, slug: str, language: str) -> Response:
        data = EventTranslationWrite(data=request.data)
        data.is_valid(raise_exception=True)
        return self._save(request, language, dict(data.validated_data))

    @extend_schema(request=None, responses={200: EventTranslationWrite})
    def delete(self, request: Request, slug: str, language: str) -> Response:
        return self._save(request, language, None)
