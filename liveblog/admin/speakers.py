"""Speakers: name, honorific, title and portrait. The portrait is one of the photos uploaded to
the events they speak in, or a photo uploaded here (filed under one of those events, processed
as every upload is: renditions only, no metadata). Edits go through the services, so pages
showing the speaker are told."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.text import Truncator

from liveblog import media, services
from liveblog.models import Event, Media, Speaker

SPEAKER_FIELDS = ["honorific", "name", "title", "photo", "photo_url"]


def speaker_events(speaker: Speaker) -> QuerySet[Event]:
    """The events the speaker has entries or slots in, latest first."""
    if speaker.pk is None:
        return Event.objects.none()
    spoke = Q(entries__speaker=speaker) | Q(sessions__slots__speaker=speaker)
    return Event.objects.filter(spoke).distinct().order_by("-starts_at")


class PhotoField(forms.ModelChoiceField):
    """The photos as radio buttons, each a thumbnail beside its alt text and event."""

    widget = forms.RadioSelect

    def label_from_instance(self, obj: Media) -> str:
        thumbnail = '<img src="{}" alt="" width="64" height="64" loading="lazy"> <span>{} <i>{}</i></span>'
        return format_html(thumbnail, obj.src, obj.alt, Truncator(obj.event.title).chars(50))


class SpeakerForm(forms.ModelForm):
    photo = PhotoField(
        Media.objects.none(),
        required=False,
        blank=True,  # a radio for "No photo" too
        empty_label="No photo",
        label="Portrait",
        help_text="One of the photos uploaded to the events they speak in; or upload one below.",
    )
    photo_url = forms.URLField(
        required=False,
        assume_scheme="https",
        label="Or the address of a portrait",
        help_text="Shown only when no photo is chosen or uploaded.",
    )
    upload = forms.FileField(
        required=False,
        label="Upload a portrait",
        help_text="JPEG, PNG, WebP or GIF. It replaces the portrait chosen above.",
    )
    upload_alt = forms.CharField(
        required=False,
        max_length=500,
        label="What the uploaded photo shows",
        help_text="For readers who cannot see it. Left empty: “Portrait of” and the speaker's name.",
    )
    upload_event = forms.ModelChoiceField(
        Event.objects.none(), required=False, label="File the upload under", empty_label=None
    )

    class Meta:
        model = Speaker
        fields = SPEAKER_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        events = speaker_events(self.instance)
        current = Q(pk=self.instance.photo_id) if self.instance.photo_id else Q(pk__in=[])
        photos = Media.objects.filter(Q(event__in=events, withdrawn_at__isnull=True) | current)
        self.fields["photo"].queryset = photos.select_related("event")  # type: ignore[attr-defined]
        self.fields["upload_event"].queryset = events if events.exists() else Event.objects.all()  # type: ignore[attr-defined]
        self.processed: media.Photo | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("upload")
        if upload:
            try:
                self.processed = media.process(upload, upload.size)
            except media.MediaRejected as rejected:
                self.add_error("upload", f"{rejected.message} Choose the file again once it is right.")
        return cleaned


@admin.register(Speaker)
class SpeakerAdmin(admin.ModelAdmin):
    form = SpeakerForm
    list_display = ["name", "honorific", "title", "has_portrait"]
    search_fields = ["name", "title"]
    fieldsets = [
        (None, {"fields": ["honorific", "name", "title"]}),
        ("Portrait", {"fields": ["photo", "upload", "upload_alt", "upload_event", "photo_url"]}),
    ]

    class Media:
        css = {"all": ["liveblog/css/speaker-admin.css"]}

    @admin.display(boolean=True, description="portrait")
    def has_portrait(self, obj: Speaker) -> bool:
        return bool(obj.photo_id or obj.photo_url)

    def save_model(self, request: HttpRequest, obj: Speaker, form: forms.ModelForm, change: bool) -> None:
        assert isinstance(form, SpeakerForm)
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in SPEAKER_FIELDS}
        if form.processed is not None:
            changes["photo"] = obj.photo = services.media_create(
                event=form.cleaned_data["upload_event"],
                by=request.user,
                photo=form.processed,
                alt=form.cleaned_data["upload_alt"] or f"Portrait of {obj}",
            )
        if not change:
            obj.save()
            return
        services.speaker_update(speaker=obj, by=request.user, **changes)
