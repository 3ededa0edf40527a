"""Entries: edits through the services, review and corrections, times in the
entry's city's zone."""

import zoneinfo
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, strip_tags
from django.utils.text import Truncator

from liveblog import services
from liveblog.admin.zones import ZonedAdmin, name_zone
from liveblog.models import (
    Entry,
    Event,
    Review,
    Revision,
    Session,
)
from liveblog.rendering import EntryTooLarge, check_size, render_markdown


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
        if data.get("body"):
            try:
                check_size(render_markdown(data["body"]))
            except EntryTooLarge as error:
                self.add_error("body", str(error))
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

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return self.fields


class ReviewInline(ReadOnlyInline):
    """Who submitted, approved, returned or scheduled the entry, with their note."""

    model = Review
    verbose_name_plural = "review trail"
    fields = ["when", "action", "by", "note"]

    @admin.display(description="when")
    def when(self, review: Review) -> str:
        return f"{timezone.localtime(review.at):%-d %b %H:%M %Z}"  # the entry's zone, as its page


class RevisionInline(ReadOnlyInline):
    """The published versions a correction replaced, as readers saw them."""

    model = Revision
    verbose_name_plural = "earlier published versions"
    fields = ["version", "replaced", "note", "text"]

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
    fields = tuple(EntryForm.Meta.fields)  # the form's, in its order

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
