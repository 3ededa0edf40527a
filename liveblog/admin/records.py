"""Photos, whose words may be corrected, and the change feed, read-only."""

from django import forms
from django.contrib import admin
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from liveblog import services
from liveblog.models import (
    Change,
    Media,
)


@admin.register(Media)
class MediaAdmin(admin.ModelAdmin):
    """Photos are uploaded from the console (they need processing); here their words are
    corrected, and where each is used is seen."""

    list_display = [
        "thumbnail",
        "alt",
        "caption",
        "credit",
        "size",
        "used_in",
        "created_at",
    ]  # filtered by event
    list_display_links = ["thumbnail"]
    list_editable = ["alt"]
    list_filter = ["event"]
    search_fields = ["alt", "caption", "credit"]
    list_select_related = ["event"]
    fields = ["preview", "alt", "caption", "credit", "event", "size", "used_in", "created_at"]
    readonly_fields = ["preview", "event", "size", "used_in", "created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Media]:
        return super().get_queryset(request).prefetch_related("entries")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="photo")
    def thumbnail(self, media: Media) -> str:
        return format_html(
            '<img src="{}" width="80" height="{}" alt="" style="object-fit:cover">',
            default_storage_url(media, 0),
            max(1, round(80 * media.height / media.width)),
        )

    @admin.display(description="photo")
    def preview(self, media: Media) -> str:
        return format_html('<img src="{}" style="width:100%;max-width:40rem;height:auto" alt="">', media.src)

    @admin.display(description="size")
    def size(self, media: Media) -> str:
        return f"{media.width} × {media.height}"

    @admin.display(description="used in")
    def used_in(self, media: Media) -> str:
        entries = media.entries.all()
        if not entries:
            return "no entry"
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            ((reverse("admin:liveblog_entry_change", args=[e.pk]), str(e)[:40]) for e in entries),
        )

    def save_model(self, request: HttpRequest, obj: Media, form: forms.ModelForm, change: bool) -> None:
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        services.media_update(media=obj, by=request.user, **changes)


def default_storage_url(media: Media, index: int) -> str:
    return default_storage.url(media.renditions[index]["name"])


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    """The change feed, read-only: it is written by the services alone."""

    list_display = ["event", "seq", "type", "entry", "actor", "created_at"]
    list_filter = ["event", "type"]
    list_select_related = ["event", "entry", "actor"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Change | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Change | None = None) -> bool:
        return False
