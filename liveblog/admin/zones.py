"""Times in the admin in the zone they belong to: Django's admin reads and writes datetimes in
the current time zone, so each change form is built, checked and rendered with its zone active."""

import zoneinfo
from datetime import UTC, time
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from liveblog.models import (
    validate_timezone,
)


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
