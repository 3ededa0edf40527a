"""Admin for events, sessions, speakers and entries. Every save goes through the services, so
admin edits get their seq, their change row and their broadcast like any other write."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from liveblog import services
from liveblog.models import Change, Entry, Event, Media, Session, Speaker
from liveblog.views import export_download


class SessionInline(admin.TabularInline):
    model = Session
    extra = 1
    prepopulated_fields = {"slug": ("city",)}
    fields = ["city", "slug", "venue", "country", "timezone", "starts_at", "ends_at", "position"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "starts_at", "timezone", "seq"]
    list_filter = ["status"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ["editors"]
    readonly_fields = ["seq", "epoch"]
    inlines = [SessionInline]
    actions = ["set_live", "set_ended", "export_text", "export_markdown", "export_json"]

    def get_readonly_fields(self, request: HttpRequest, obj: Event | None = None) -> list[str]:
        # Reader links and the WebSocket address carry the slug: it stays as first saved.
        return [*self.readonly_fields, "slug"] if obj else self.readonly_fields

    def get_prepopulated_fields(self, request: HttpRequest, obj: Event | None = None) -> dict:
        return {} if obj else self.prepopulated_fields

    def has_delete_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        live = obj is not None and obj.status == Event.Status.LIVE
        return not live and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Event, form: forms.ModelForm, change: bool) -> None:
        changed = [name for name in form.changed_data if name in services.EVENT_FIELDS]
        if not change:
            fields = {name: getattr(obj, name) for name in services.EVENT_FIELDS}
            obj.pk = services.event_create(slug=obj.slug, **fields).pk
            obj.refresh_from_db()  # the editors and the cities of the inline are saved next, on obj
        elif changed:
            services.event_update(
                event=obj, by=request.user, **{name: getattr(obj, name) for name in changed}
            )

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        event = form.instance
        if change:
            services.lock_event(event)  # before the sessions, as every write takes its locks
        super().save_related(request, form, formsets, change)
        if change and any(formset.has_changed() for formset in formsets):
            changed = [f.instance for fs in formsets for f in fs.forms if f.has_changed() and f.instance.pk]
            services.sessions_changed(event=event, by=request.user, sessions=changed)

    @admin.action(description="Set selected events live")
    def set_live(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        self._set_status(request, queryset, Event.Status.LIVE)

    @admin.action(description="End selected events")
    def set_ended(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        self._set_status(request, queryset, Event.Status.ENDED)

    @admin.action(description="Export the report as text")
    def export_text(self, request: HttpRequest, queryset: QuerySet[Event]):
        return self._export(request, queryset, "text")

    @admin.action(description="Export the report as Markdown")
    def export_markdown(self, request: HttpRequest, queryset: QuerySet[Event]):
        return self._export(request, queryset, "markdown")

    @admin.action(description="Export the report as JSON")
    def export_json(self, request: HttpRequest, queryset: QuerySet[Event]):
        return self._export(request, queryset, "json")

    def _export(self, request: HttpRequest, queryset: QuerySet[Event], fmt: str):
        if queryset.count() != 1:
            self.message_user(request, "Select one event to export.", messages.WARNING)
            return None
        return export_download(queryset.get(), fmt, site=request.build_absolute_uri("/"))

    def _set_status(self, request: HttpRequest, queryset: QuerySet[Event], status: str) -> None:
        events = [event for event in queryset if event.status != status]
        for event in events:
            services.event_set_status(event=event, status=status, by=request.user)
        label = Event.Status(status).label.lower()
        self.message_user(request, f"{len(events)} event(s) now {label}.", messages.SUCCESS)


@admin.register(Speaker)
class SpeakerAdmin(admin.ModelAdmin):
    list_display = ["name", "honorific", "title"]
    search_fields = ["name", "title"]

    def save_model(self, request: HttpRequest, obj: Speaker, form: forms.ModelForm, change: bool) -> None:
        if not change:
            obj.save()
            return
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        services.speaker_update(speaker=obj, by=request.user, **changes)


class CityFilter(admin.SimpleListFilter):
    title = "city"
    parameter_name = "city"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        cities = Session.objects.order_by("city").values_list("city", flat=True).distinct()
        return [(city, city) for city in cities]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Entry]) -> QuerySet[Entry]:
        return queryset.filter(session__city=self.value()) if self.value() else queryset


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("no", "Not deleted"), ("yes", "Deleted")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Entry]) -> QuerySet[Entry]:
        if self.value() in ("yes", "no"):
            return queryset.filter(deleted_at__isnull=self.value() == "no")
        return queryset


class EntryForm(forms.ModelForm):
    # The version the admin opened; a save over someone else's edit is refused, not applied.
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Entry
        fields = [
            "event",
            "session",
            "speaker",
            "occurred_at",
            "headline",
            "body",
            "kind",
            "pinned",
            "key_moment",
            "status",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}  # a ModelForm's clean() returns its cleaned_data
        seen = data.get("seen_version")
        if self.instance.pk and seen is not None:
            current = Entry.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            if current != seen:
                raise forms.ValidationError(
                    "Someone changed this entry since you opened it. Reload the page to see their version."
                )
        return data


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    form = EntryForm
    list_display = ["local_time", "city_name", "speaker", "excerpt", "kind", "status", "event", "is_deleted"]
    list_filter = ["event", CityFilter, "kind", "status", DeletedFilter]
    search_fields = ["body", "speaker__name", "session__city"]
    list_select_related = ()  # get_queryset's for_display() joins what the list shows
    autocomplete_fields = ["speaker"]
    date_hierarchy = "occurred_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Entry]:
        return Entry.objects.for_display()

    @admin.display(description="text")
    def excerpt(self, entry: Entry) -> str:
        return entry.body[:80]

    @admin.display(boolean=True, description="deleted")
    def is_deleted(self, entry: Entry) -> bool:
        return entry.deleted_at is not None

    def has_change_permission(self, request: HttpRequest, obj: Entry | None = None) -> bool:
        return (obj is None or obj.deleted_at is None) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Entry | None = None) -> bool:
        return (obj is None or obj.deleted_at is None) and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Entry | None = None) -> list[str]:
        return ["event"] if obj else []  # an entry stays in the event it was posted to

    def save_model(self, request: HttpRequest, obj: Entry, form: forms.ModelForm, change: bool) -> None:
        fields = {
            name: form.cleaned_data[name] for name in services.ENTRY_FIELDS if name in form.cleaned_data
        }
        if not change:
            entry = services.entry_create(event=form.cleaned_data["event"], by=request.user, **fields)
            obj.pk = entry.pk
            obj.refresh_from_db()
            return
        changed = {name: fields[name] for name in form.changed_data if name in fields}
        try:
            services.entry_update(
                entry=obj, by=request.user, expected_version=form.cleaned_data.get("seen_version"), **changed
            )
        except services.StaleVersion:
            self.message_user(request, "Not saved: someone changed this entry a moment ago.", messages.ERROR)

    def get_deleted_objects(self, objs, request: HttpRequest):
        # A tombstone takes nothing else with it: its change rows stay in the feed.
        return [str(obj) for obj in objs], {"entries": len(objs)}, set(), []

    def delete_model(self, request: HttpRequest, obj: Entry) -> None:
        services.entry_delete(entry=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Entry]) -> None:
        for entry in queryset.filter(deleted_at__isnull=True):
            services.entry_delete(entry=entry, by=request.user)


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
