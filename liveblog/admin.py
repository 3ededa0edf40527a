"""Admin for events, sessions, speakers and entries. Every save goes through the services, so
admin edits get their seq, their change row and their broadcast like any other write.

Times are shown and typed in the zone they belong to, and their labels name it: an event's and
its cities' in the event's zone, an entry's in its city's. Django's admin reads and writes
datetimes in the current time zone, so each change form is built, checked and rendered with that
zone activated (ZonedAdmin)."""

import zoneinfo
from datetime import UTC, datetime, time
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.text import Truncator

from liveblog import services
from liveblog.models import (
    Change,
    Contributor,
    Entry,
    Event,
    Media,
    Review,
    Revision,
    Session,
    Speaker,
    validate_timezone,
)
from liveblog.views import export_download


def zone_named(name: str | None) -> zoneinfo.ZoneInfo | None:
    """The zone called ``name``; None for a blank or unknown name, which the form refuses."""
    try:
        validate_timezone(name or "")
    except ValidationError:
        return None
    return zoneinfo.ZoneInfo(name or "")


class MinuteTimeInput(forms.TimeInput):
    """The browser's time picker, to the minute; with seconds only for a time that has them,
    since the picker will not submit a value off its step."""

    input_type = "time"

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, time):
            return value.strftime("%H:%M:%S" if value.second else "%H:%M")
        return super().format_value(value)

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if (self.format_value(value) or "").count(":") == 2:
            context["widget"]["attrs"]["step"] = 1
        return context


class ZonedDateTimeWidget(forms.SplitDateTimeWidget):
    """A date and a time in the browser's pickers: narrow enough for a table row, posted under
    the names the admin's own date and time inputs use (``starts_at_0``, ``starts_at_1``)."""

    def __init__(self, attrs: dict | None = None):
        super().__init__(attrs)
        self.widgets = (forms.DateInput({"type": "date"}, format="%Y-%m-%d"), MinuteTimeInput())


ZONED_DATETIMES: dict[type[models.Field], dict[str, Any]] = {
    models.DateTimeField: {"form_class": forms.SplitDateTimeField, "widget": ZonedDateTimeWidget}
}


def name_zone(fields: dict[str, forms.Field], labels: dict[str, str], zone: str) -> None:
    """Say in each time's label which zone it is in: "Starts (Europe/Paris)". The label of a
    date and time pair points at neither input, so each input is named after it too."""
    for name, label in labels.items():
        if name not in fields:
            continue
        field = fields[name]
        field.label = f"{label} ({zone})"
        if isinstance(field.widget, ZonedDateTimeWidget):
            date_input, time_input = field.widget.widgets
            date_input.attrs["aria-label"] = f"{field.label}, date"
            time_input.attrs["aria-label"] = f"{field.label}, time"


class ZonedAdmin(admin.ModelAdmin):
    """A change form in the zone ``time_zone`` gives; UTC while none is known."""

    formfield_overrides = ZONED_DATETIMES

    class Media:
        css = {"all": ["liveblog/css/admin.css"]}

    def time_zone(self, request: HttpRequest, obj: Any) -> zoneinfo.ZoneInfo | None:
        raise NotImplementedError

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        with timezone.override(self.time_zone(request, obj) or UTC):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if isinstance(response, TemplateResponse):
                response.render()  # now, while the zone is current: the widgets show its times
        return response


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = ["city", "slug", "timezone", "starts_at", "ends_at", "venue", "country", "position"]

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
    details = ("venue", "country", "position")  # the template folds these

    def get_formset(self, request: HttpRequest, obj: Event | None = None, **kwargs: Any):
        formset = super().get_formset(request, obj, **kwargs)
        fields = formset.form.base_fields
        zone = obj.timezone if obj else "the event's zone"
        name_zone(fields, {"starts_at": "Starts", "ends_at": "Ends"}, zone)
        fields["timezone"].label = "Time zone"
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


@admin.register(Event)
class EventAdmin(ZonedAdmin):
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
            changed = [f.instance for f in formset.forms if f.has_changed() and f.instance.pk]
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
            Contributor.objects.filter(event=event, user_id=before).delete()
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
            "publish_at",
        ]

    # Not the entry's stored note (services.entry_update's ``correction``): a new one, given
    # only with an edit that corrects.
    correction_note = forms.CharField(
        label="Correction note",
        max_length=Entry._meta.get_field("correction").max_length,
        required=False,
        help_text="Only when this edit corrects the entry: readers see “Corrected 17:52 — your note” "
        "and can open the version they read. Leave it empty for a typo.",
    )

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
        if data.get("status") == Entry.Status.SCHEDULED and not data.get("publish_at"):
            self.add_error("publish_at", "A scheduled entry needs the time it goes out.")
        if data.get("correction_note"):
            if not self.instance.is_visible:
                self.add_error(
                    "correction_note", "Only a published entry is corrected; readers have not seen it."
                )
            elif set(self.changed_data) <= {"correction_note", "seen_version"}:
                self.add_error(
                    "correction_note", "A correction goes with the edit it explains: change the entry too."
                )
        return data


class ReadOnlyInline(admin.TabularInline):
    """A record the services keep: shown, never edited here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReviewInline(ReadOnlyInline):
    """Who submitted, approved, returned or scheduled the entry, with their note."""

    model = Review
    verbose_name_plural = "review trail"
    fields = ["when", "action", "by", "note"]
    readonly_fields = ["when", "action", "by", "note"]

    @admin.display(description="when")
    def when(self, review: Review) -> str:
        return f"{timezone.localtime(review.at):%-d %b %H:%M %Z}"  # the entry's zone, as its page


class RevisionInline(ReadOnlyInline):
    """The published versions a correction replaced, as readers saw them."""

    model = Revision
    verbose_name_plural = "earlier published versions"
    fields = ["version", "replaced", "note", "text"]
    readonly_fields = ["version", "replaced", "note", "text"]

    @admin.display(description="replaced")
    def replaced(self, revision: Revision) -> str:
        return f"{timezone.localtime(revision.replaced_at):%-d %b %H:%M %Z}"

    @admin.display(description="what readers saw")
    def text(self, revision: Revision) -> str:
        return Truncator(" ".join(strip_tags(revision.html).split())).chars(300)


@admin.register(Entry)
class EntryAdmin(ZonedAdmin):
    form = EntryForm
    list_display = ["when", "city", "speaker", "excerpt", "state", "event_name"]
    list_filter = ["event", CityFilter, "kind", "status", DeletedFilter]
    search_fields = ["body", "speaker__name", "session__city"]
    list_select_related = ()  # get_queryset's for_display() joins what the list shows
    autocomplete_fields = ["speaker"]
    date_hierarchy = "occurred_at"
    inlines = [ReviewInline, RevisionInline]  # those an entry has: get_inlines
    actions = ["approve", "return_to_contributor"]
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
        "publish_at",
    ]

    def get_fields(self, request: HttpRequest, obj: Entry | None = None):
        if obj is None:
            return self.fields
        correcting = ["correction_note"] if obj.is_visible else []
        return [*self.fields, "author", *correcting, *(["last_correction"] if obj.correction else [])]

    def get_inlines(self, request: HttpRequest, obj: Entry | None):
        # Only the records the entry has: most entries were never reviewed or corrected.
        if obj is None:
            return []
        return [
            *([ReviewInline] if obj.reviews.exists() else []),
            *([RevisionInline] if obj.revisions.exists() else []),
        ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Entry]:
        return Entry.objects.for_display().select_related("author")

    def time_zone(self, request: HttpRequest, obj: Entry | None) -> zoneinfo.ZoneInfo | None:
        """An entry's city's zone; a new entry's, that of the city or event posted with it."""
        if obj:
            return obj.tzinfo
        session_id, event_id = _posted_id(request, "session"), _posted_id(request, "event")
        if session_id and (session := Session.objects.select_related("event").filter(pk=session_id).first()):
            return session.tzinfo
        if event_id and (event := Event.objects.filter(pk=event_id).first()):
            return event.tzinfo
        return None

    def get_form(self, request: HttpRequest, obj: Entry | None = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        zone = obj.tzinfo.key if obj else "the city's time"
        name_zone(form.base_fields, {"occurred_at": "Time", "publish_at": "Publish at"}, zone)
        if "session" in form.base_fields:
            form.base_fields["session"].label = "City"
        return form

    def get_list_display(self, request: HttpRequest):
        # The event column says nothing while the list shows one event's entries.
        one_event = "event__id__exact" in request.GET or Event.objects.count() < 2
        return [name for name in self.list_display if not (one_event and name == "event_name")]

    @admin.display(description="time", ordering="occurred_at")
    def when(self, entry: Entry) -> str:
        """The time in the entry's city, "17:03 CEST"; the day and the zone's name on hover."""
        local = entry.local_occurred_at
        return format_html(
            '{} <abbr title="{}">{}</abbr>',
            entry.local_time,
            f"{local:%-d %B %Y}, {entry.tzinfo.key}",
            local.tzname(),
        )

    @admin.display(description="city", ordering="session__city")
    def city(self, entry: Entry) -> str:
        return entry.city_name

    @admin.display(description="text")
    def excerpt(self, entry: Entry) -> str:
        """The start of the text; its kind before it, unless a plain update."""
        words = Truncator(entry.headline or entry.text).chars(110)
        if entry.kind == Entry.Kind.UPDATE:
            return words
        return format_html('<span class="kind">{}</span> {}', entry.get_kind_display(), words)

    @admin.display(description="event", ordering="event__title")
    def event_name(self, entry: Entry) -> str:
        return format_html('<span title="{}">{}</span>', entry.event.title, entry.event.slug)

    @admin.display(description="status", ordering="status")
    def state(self, entry: Entry) -> str:
        if entry.deleted_at:
            return "Deleted"
        if entry.status == Entry.Status.SCHEDULED and entry.publish_at:
            return f"Scheduled for {entry.publish_at.astimezone(entry.tzinfo):%H:%M %Z}"
        if entry.status == Entry.Status.SUBMITTED and entry.author:
            return f"Submitted by {entry.author.get_username()}"  # the reviewer's first question
        return entry.get_status_display()

    @admin.action(description="Approve and publish selected submitted entries")
    def approve(self, request: HttpRequest, queryset: QuerySet[Entry]) -> None:
        done = 0
        for entry in queryset.filter(status=Entry.Status.SUBMITTED, deleted_at__isnull=True):
            try:
                services.entry_approve(entry=entry, by=request.user)
                done += 1
            except (services.NotAwaitingReview, services.StaleVersion):
                pass  # reviewed by someone else meanwhile
        skipped = queryset.count() - done
        note = f" {skipped} not awaiting review left as they were." if skipped else ""
        self.message_user(
            request, f"{done} entr{'y' if done == 1 else 'ies'} published.{note}", messages.SUCCESS
        )

    @admin.action(description="Return selected submitted entries with a note")
    def return_to_contributor(self, request: HttpRequest, queryset: QuerySet[Entry]):
        """Asks for the note first, on a page of its own; then returns each entry with it."""
        waiting = queryset.filter(status=Entry.Status.SUBMITTED, deleted_at__isnull=True)
        note = request.POST.get("note", "").strip()
        if "returning" not in request.POST or not note:
            context = {
                **self.admin_site.each_context(request),
                "title": "Return entries to their contributors",
                "entries": waiting,
                "skipped": queryset.count() - waiting.count(),
                "missing_note": "returning" in request.POST,
                "opts": self.opts,
                "media": self.media,
                "action": "return_to_contributor",
            }
            return TemplateResponse(request, "admin/liveblog/entry/return_note.html", context)
        done = 0
        for entry in waiting:
            try:
                services.entry_return(entry=entry, by=request.user, note=note)
                done += 1
            except (services.NotAwaitingReview, services.StaleVersion):
                pass
        self.message_user(
            request, f"{done} entr{'y' if done == 1 else 'ies'} returned with your note.", messages.SUCCESS
        )
        return None

    def has_change_permission(self, request: HttpRequest, obj: Entry | None = None) -> bool:
        return (obj is None or obj.deleted_at is None) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Entry | None = None) -> bool:
        return (obj is None or obj.deleted_at is None) and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Entry | None = None) -> list[str]:
        return ["event", "author", "last_correction"] if obj else []  # an entry stays in its event

    @admin.display(description="last correction")
    def last_correction(self, entry: Entry) -> str:
        at = timezone.localtime(entry.corrected_at) if entry.corrected_at else None
        return f"{at:%-d %b %H:%M %Z} — {entry.correction}" if at else entry.correction

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
        if changed and form.cleaned_data.get("correction_note"):
            changed["correction"] = form.cleaned_data["correction_note"]
        try:
            services.entry_update(
                entry=obj,
                by=request.user,
                expected_version=form.cleaned_data.get("seen_version"),
                review=review_of(form.initial.get("status"), changed.get("status")),
                **changed,
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


def review_of(before: str | None, after: str | None) -> tuple[str, str] | None:
    """A submitted entry published or sent back from its page is reviewed as the list's actions
    review it: the trail says so (without a note: the page asks for none)."""
    if before != Entry.Status.SUBMITTED:
        return None
    outcomes: dict[str | None, str] = {
        Entry.Status.PUBLISHED: Review.Action.APPROVED,
        Entry.Status.DRAFT: Review.Action.RETURNED,
    }
    return (outcomes[after], "") if after in outcomes else None


def _posted_id(request: HttpRequest, name: str) -> int | None:
    value = request.POST.get(name, "")
    return int(value) if value.isdigit() and len(value) < 19 else None


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
