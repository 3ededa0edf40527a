"""Each city's agenda: its speaker slots, typed and shown in the city's own time (the change
form runs in the city's zone), saved through the services so readers are told."""

import zoneinfo
from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from liveblog import services
from liveblog.admin.zones import ZONED_DATETIMES, ZonedAdmin, name_zone
from liveblog.models import CityAgenda, SpeakerSlot

SLOT_FORM_FIELDS = ("speaker", "starts_at", "ends_at", "title")


class SlotInline(admin.TabularInline):
    model = SpeakerSlot
    verbose_name, verbose_name_plural = "speaker", "speakers on stage"
    extra = 3
    fields = SLOT_FORM_FIELDS
    autocomplete_fields = ["speaker"]
    formfield_overrides = ZONED_DATETIMES

    def get_formset(self, request: HttpRequest, obj: CityAgenda | None = None, **kwargs: Any):
        formset = super().get_formset(request, obj, **kwargs)
        zone = f"{obj.city}, {obj.tzinfo.key}" if obj else "the city's time"
        name_zone(formset.form.base_fields, {"starts_at": "Starts", "ends_at": "Ends"}, zone)
        return formset


@admin.register(CityAgenda)
class CityAgendaAdmin(ZonedAdmin):
    list_display = ["city", "event", "time_zone_name", "speakers"]
    list_filter = ["event"]
    search_fields = ["city", "event__title"]
    fields = ("event", "city", "time_zone_name")
    readonly_fields = fields
    inlines = [SlotInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CityAgenda]:
        return super().get_queryset(request).select_related("event").annotate(slot_count=Count("slots"))

    def time_zone(self, request: HttpRequest, obj: CityAgenda | None) -> zoneinfo.ZoneInfo | None:
        return obj.tzinfo if obj else None

    @admin.display(description="time zone")
    def time_zone_name(self, obj: CityAgenda) -> str:
        return obj.tzinfo.key

    @admin.display(description="speakers", ordering="slot_count")
    def speakers(self, obj: CityAgenda) -> int:
        return obj.slot_count  # type: ignore[attr-defined]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # cities are added on their event's page

    def has_delete_permission(self, request: HttpRequest, obj: CityAgenda | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: CityAgenda, form, change: bool) -> None:
        pass  # the city itself is edited on its event's page

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        """Each slot through the services: the event's lock, and a change readers are told of."""
        city = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []  # for History
        for row in formset.forms:
            slot = row.instance
            if row in formset.deleted_forms:
                if slot.pk:
                    services.slot_delete(slot=slot, by=request.user)
                    formset.deleted_objects.append(slot)
            elif not row.has_changed():
                continue
            elif slot.pk is None:
                fields = {name: row.cleaned_data[name] for name in SLOT_FORM_FIELDS}
                formset.new_objects.append(
                    services.slot_create(event=city.event, by=request.user, session=city, **fields)
                )
            else:
                changes = {name: row.cleaned_data[name] for name in row.changed_data}
                services.slot_update(slot=slot, by=request.user, **changes)
                formset.changed_objects.append((slot, row.changed_data))
