"""Events, their cities and the people on their desk."""

import zoneinfo
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.text import Truncator

from liveblog import services, translations
from liveblog.admin.zones import ZONED_DATETIMES, ZonedAdmin, name_zone, zone_named
from liveblog.gazetteer import PLACE_FIELDS, not_found_notice, place_defaults
from liveblog.models import (
    Contributor,
    Event,
    Session,
)
from liveblog.views import export_download


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = [
            "city",
            "slug",
            "timezone",
            "starts_at",
            "ends_at",
            "venue",
            "country",
            "latitude",
            "longitude",
            "position",
        ]

    def clean(self) -> dict[str, Any]:
        """A known city's zone, position and country fill the fields left empty (the country
        typed, if any, says which London); the form then shows them, for the editor to correct."""
        cleaned = super().clean() or {}
        if cleaned.get("city") and any(cleaned.get(name) in ("", None) for name in PLACE_FIELDS):
            for name, value in place_defaults(cleaned["city"], cleaned.get("country", "")).items():
                if cleaned.get(name) in ("", None):
                    cleaned[name] = value
        return cleaned

    @property
    def details_summary(self) -> str:
        """What the folded venue, country and position say while closed."""
        shown = ", ".join(part for part in (self.instance.venue, self.instance.country) if part)
        return Truncator(shown).chars(24) if shown else "Venue, country"

    @property
    def starts_local(self) -> str:
        return self._local(self.instance.starts_at)

    @property
    def ends_local(self) -> str:
        return self._local(self.instance.ends_at)

    def _local(self, moment: datetime | None) -> str:
        """A city in a zone of its own: its time there, "16:00 in Toronto" (the form shows the
        event's zone)."""
        session = self.instance
        if moment is None or not session.timezone or not session.event_id:
            return ""
        if session.timezone == session.event.timezone:
            return ""
        here, there = timezone.localtime(moment), moment.astimezone(session.tzinfo)
        shown = f"{there:%H:%M}" if here.date() == there.date() else f"{there:%-d %b %H:%M}"
        return f"{shown} in {session.city}"


class SessionInline(admin.TabularInline):
    """Twenty cities in a table that fits: what each row is about in columns, its venue,
    country and order folded in its last cell."""

    model = Session
    form = SessionForm
    verbose_name, verbose_name_plural = "city", "cities"  # what editors call them
    extra = 1
    template = "admin/liveblog/event/sessions_inline.html"
    prepopulated_fields = {"slug": ("city",)}
    fields = list(SessionForm.Meta.fields)
    formfield_overrides = ZONED_DATETIMES
    details = ("venue", "country", "latitude", "longitude", "position")  # the template folds these

    def get_formset(self, request: HttpRequest, obj: Event | None = None, **kwargs: Any):
        formset = super().get_formset(request, obj, **kwargs)
        fields = formset.form.base_fields
        zone = obj.timezone if obj else "the event's zone"
        name_zone(fields, {"starts_at": "Starts", "ends_at": "Ends"}, zone)
        fields["timezone"].label = "Time zone"
        fields["timezone"].help_text = "Empty: the city's own if the gazetteer knows it, else the event's."
        fields["timezone"].widget.attrs.update(placeholder=obj.timezone if obj else "", list="time-zones")
        return formset


class ContributorInline(admin.TabularInline):
    """The event's reporters: who, and which of its cities they report from. Saved through the
    desk's service (EventAdmin.save_formset), which gives each person one role."""

    model = Contributor
    extra = 0
    fields = ["user", "cities"]
    autocomplete_fields = ["user"]
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}

    def get_formset(self, request: HttpRequest, obj: Event | None = None, **kwargs: Any):
        formset = super().get_formset(request, obj, **kwargs)
        cities = formset.form.base_fields["cities"]
        assert isinstance(cities, forms.ModelMultipleChoiceField)
        cities.queryset = obj.sessions.all() if obj else Session.objects.none()
        cities.label = "Reports from"
        cities.help_text = "None ticked: any of the event's cities."
        user = formset.form.base_fields["user"].widget  # people are added on their own page
        user.can_add_related = user.can_change_related = user.can_view_related = False
        return formset


class EventForm(forms.ModelForm):
    """The event, with its title and summary in other languages checked as the API checks them."""

    class Meta:
        model = Event
        fields = ["title", "slug", "summary", "status", "timezone", "starts_at", "ends_at", "language"]
        fields += ["translations", "editors"]
        help_texts = {
            "translations": 'The title and summary in other languages, e.g. {"fr": {"title": "…", '
            '"summary": "…"}}. The translation desk (in the console) writes them too.'
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "language" in self.fields:  # left out (a script's form): the event keeps its language
            self.fields["language"].required = False

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or self.instance.language

    def clean_translations(self) -> dict[str, dict[str, str]]:
        own = self.cleaned_data.get("language") or self.instance.language
        try:
            return translations.clean_event_translations(self.cleaned_data["translations"] or {}, own)
        except ValidationError as error:
            raise ValidationError(error.message_dict["translations"]) from None


@admin.register(Event)
class EventAdmin(ZonedAdmin):
    form = EventForm
    list_display = ["title", "status", "starts", "timezone", "seq"]
    list_filter = ["status"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ["editors"]
    readonly_fields = ["seq", "epoch", "created_at", "updated_at"]
    inlines = [ContributorInline, SessionInline]
    actions = ["set_live", "set_ended", "export_text", "export_markdown", "export_json"]
    change_form_template = "admin/liveblog/event/change_form.html"
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "status"]}),
        ("When", {"fields": ["timezone", "starts_at", "ends_at"]}),
        ("Languages", {"fields": ["language", "translations"]}),
        ("Desk", {"fields": ["editors"]}),
        (
            "Internal",
            {
                "classes": ["collapse"],
                "fields": ["seq", "epoch", "created_at", "updated_at"],
                "description": "The head of the event's change feed: each change moves it, nobody edits it.",
            },
        ),
    ]

    def time_zone(self, request: HttpRequest, obj: Event | None) -> zoneinfo.ZoneInfo | None:
        # A new event's times are read in the zone typed beside them.
        return obj.tzinfo if obj else zone_named(request.POST.get("timezone"))

    def get_form(self, request: HttpRequest, obj: Event | None = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        fields = form.base_fields
        zone = obj.timezone if obj else "in the time zone above"
        name_zone(fields, {"starts_at": "Starts", "ends_at": "Ends"}, zone)
        if "timezone" in fields:
            fields["timezone"].label = "Time zone"
            fields["timezone"].widget.attrs["list"] = "time-zones"
        return form

    def get_fieldsets(self, request: HttpRequest, obj: Event | None = None):
        return self.fieldsets if obj else self.fieldsets[:-1]  # a new event has no feed yet

    def get_inlines(self, request: HttpRequest, obj: Event | None):
        return self.inlines if obj else [SessionInline]  # contributors pick from its cities

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "time_zones": sorted(zoneinfo.available_timezones())}
        return super().changeform_view(request, object_id, form_url, extra_context)

    @admin.display(description="starts", ordering="starts_at")
    def starts(self, event: Event) -> str:
        """In the event's zone, which the next column names: "25 Aug 2018 17:03 CEST"."""
        return f"{event.starts_at.astimezone(event.tzinfo):%-d %b %Y %H:%M %Z}"

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
        if change:
            services.lock_event(form.instance)  # before the sessions, as every write takes its locks
        super().save_related(request, form, formsets, change)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        event = form.instance
        if formset.model is Contributor:
            for name in save_contributors(event, formset):
                self.message_user(
                    request, f"Now a contributor, no longer an editor: {name}.", messages.WARNING
                )
            return
        formset.save()
        if change and formset.has_changed():
            services.sessions_changed(event=event, by=request.user)
        for session in [*formset.new_objects, *(saved for saved, _ in formset.changed_objects)]:
            if session.latitude is None:
                zone = session.timezone or f"the event's, {event.timezone}"
                self.message_user(request, not_found_notice(session.city, zone), messages.WARNING)

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


def save_contributors(event: Event, formset) -> list[str]:
    """Each changed row through services.desk_set_role; a row taken off (or given to someone
    else) takes its person off the desk, as the people endpoint does. Returns the names of
    editors who became contributors, which the one-role rule makes them."""
    editors = set(event.editors.values_list("pk", flat=True))
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []  # for History
    demoted = []
    for row in formset.forms:
        if not row.has_changed():
            continue
        before, user = row.initial.get("user"), row.cleaned_data.get("user")
        if before and (row in formset.deleted_forms or before != getattr(user, "pk", None)):
            services.desk_remove(event=event, user_id=before)
            formset.deleted_objects.append(row.instance)
        if user and row not in formset.deleted_forms:
            services.desk_set_role(
                event=event, user=user, role="contributor", cities=row.cleaned_data["cities"]
            )
            saved = Contributor.objects.get(event=event, user=user)
            if before == user.pk:
                formset.changed_objects.append((saved, row.changed_data))
            else:
                formset.new_objects.append(saved)
            if user.pk in editors:
                demoted.append(user.get_username())
    return demoted
