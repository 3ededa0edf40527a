import re
from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from liveblog import languages, speakers
from liveblog.api import desk_rules
from liveblog.frames import entry_payload
from liveblog.gazetteer import not_found_notice
from liveblog.media import payload as media_payload
from liveblog.models import Entry, Event, Media, Session, Speaker
from liveblog.reports.parser import Speaker as ParsedSpeaker
from liveblog.reports.parser import split_speaker

MAX_PHOTOS = 20
ID_MAX = 2**63 - 1  # the database's largest key: a larger number is no id (and no query)
_CLOCK = re.compile(r"^(?P<h>[01]?\d|2[0-3])[:.h]?(?P<m>[0-5]\d)$")


class SessionSerializer(serializers.ModelSerializer):
    """A city of the event. On create, ``slug`` defaults to the city's name made a slug, and a
    city the gazetteer knows gets its ``timezone``, ``latitude``, ``longitude`` and ``country``
    where they are not given (``country`` given says which: London, Canada)."""

    slug = serializers.SlugField(required=False, max_length=100)

    class Meta:
        model = Session
        fields = [
            "slug",
            "city",
            "venue",
            "country",
            "timezone",
            "latitude",
            "longitude",
            "starts_at",
            "ends_at",
            "position",
        ]
        read_only_fields = ["position"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["slug"] = attrs.get("slug") or slugify(attrs["city"])
        if not attrs["slug"]:
            raise serializers.ValidationError(
                {"city": [_("Give the city a name made of letters or digits.")]}
            )
        if self.context["event"].sessions.filter(slug=attrs["slug"]).exists():
            raise serializers.ValidationError(
                {"slug": [_("This event already has a city “%(slug)s”.") % {"slug": attrs["slug"]}]}
            )
        return attrs


class SessionAddedSerializer(SessionSerializer):
    """A city just added, with what the gazetteer made of it."""

    notice = serializers.SerializerMethodField(
        help_text="Empty, or why the city's time zone and position should be set by hand."
    )

    class Meta(SessionSerializer.Meta):
        fields = [*SessionSerializer.Meta.fields, "notice"]

    def get_notice(self, session: Session) -> str:
        if session.latitude is not None:
            return ""
        return not_found_notice(session.city, session.timezone or f"the event's, {session.event.timezone}")


class EventStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Event.Status.choices)


class EventSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Event
        fields = [
            "slug",
            "title",
            "summary",
            "status",
            "timezone",
            "starts_at",
            "ends_at",
            "url",
            "seq",
            "epoch",
        ]


class EventDetailSerializer(EventSerializer):
    sessions = SessionSerializer(many=True, read_only=True)

    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields, "sessions"]


class CitySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class SpeakerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Speaker
        fields = ["id", "name", "honorific", "title"]


class MediaSerializer(serializers.Serializer):
    """A photo as the API answers an upload and as entries carry it."""

    id = serializers.IntegerField()
    type = serializers.ChoiceField(choices=Media.Type.choices)
    alt = serializers.CharField()
    caption = serializers.CharField()
    credit = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    src = serializers.CharField(help_text="A JPEG, for clients without srcset or WebP.")
    srcset = serializers.CharField(help_text="WebP renditions by width, for <img srcset>.")

    def to_representation(self, instance: Media) -> dict[str, Any]:
        return media_payload(instance)


class MediaUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=False,
        error_messages={
            "required": gettext_lazy("Attach the photo as file."),
            "invalid": gettext_lazy("Send the photo as a file, in a multipart/form-data request."),
            "empty": gettext_lazy("The file is empty."),
        },
    )
    alt = serializers.CharField(
        max_length=500,
        error_messages={
            "required": gettext_lazy("Describe the photo for readers who cannot see it (alt)."),
            "blank": gettext_lazy("Describe the photo for readers who cannot see it (alt)."),
        },
    )
    caption = serializers.CharField(max_length=500, required=False, allow_blank=True)
    credit = serializers.CharField(max_length=200, required=False, allow_blank=True)


class EntrySerializer(serializers.Serializer):
    """An entry as readers see it: the same object the WebSocket frames carry."""

    id = serializers.IntegerField()
    version = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    local_time = serializers.CharField(help_text="Venue-local time, HH:MM.")
    dateline = serializers.CharField(
        help_text="Venue-local time, city and speaker: “17:42 · Berlin · Mr. Hamid Moaser”."
    )
    city = CitySerializer(allow_null=True)
    speaker = SpeakerSerializer(allow_null=True)
    kind = serializers.ChoiceField(choices=Entry.Kind.choices)
    pinned = serializers.BooleanField()
    key_moment = serializers.BooleanField()
    status = serializers.ChoiceField(choices=Entry.Status.choices)
    headline = serializers.CharField(help_text="Optional, up to 120 characters; empty when none.")
    body = serializers.CharField(help_text="Markdown source.")
    media = MediaSerializer(many=True)
    html = serializers.CharField(help_text="The entry exactly as the reader page renders it.")
    language = serializers.CharField(
        help_text="What headline, body and html are written in: the entry's own language, or with "
        "?lang= the one asked for where the entry is translated into it."
    )
    translations = serializers.DictField(
        child=serializers.DictField(),
        help_text='Every translation, by language: {"fr": {"headline", "body", "html", "stale", '
        '"updated_at"}}; html is the translated body rendered, stale: the original changed since.',
    )
    updated_at = serializers.DateTimeField()

    def to_representation(self, instance: Entry) -> dict[str, Any]:
        request = self.context.get("request")
        return desk_rules.payload_for(request, instance) if request else entry_payload(instance)


class OccurredAtField(serializers.CharField):
    """An ISO 8601 instant, a local date-time, or a venue-local clock time such as 17:03."""

    default_error_messages = {
        "invalid": gettext_lazy(
            "Enter a time as HH:MM (venue time) or an ISO 8601 date-time such as 2018-08-25T17:42:00+02:00."
        )
    }

    # A string on the wire, a datetime or a clock time once read.
    def to_internal_value(self, data: Any) -> datetime | time:  # type: ignore[override]
        text = super().to_internal_value(data).strip()
        clock = _CLOCK.match(text)
        if clock:
            return time(int(clock["h"]), int(clock["m"]))
        try:
            value = parse_datetime(text)
        except ValueError:
            value = None
        if value is None:
            self.fail("invalid")
        if not 1900 <= value.year <= 2200:
            raise serializers.ValidationError(_("Give a date between the years 1900 and 2200."))
        return value


def _described(moment: datetime, place: Session | Event) -> str:
    """ "17:42 in Berlin on Saturday 25 August 2018" (the city's time)."""
    local = moment.astimezone(place.tzinfo)
    named = {"time": f"{local:%H:%M}", "date": date_format(local, "l j F Y")}
    if isinstance(place, Session):
        return _("%(time)s in %(city)s on %(date)s") % {**named, "city": place.city}
    return _("%(time)s on %(date)s") % named


def _ahead(delta: timedelta) -> str:
    minutes = round(delta.total_seconds() / 60)
    if minutes < 90:
        return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}
    hours = round(minutes / 60)
    if hours < 48:
        return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}
    days = round(hours / 24)
    return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}


def _no_surrogates(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        code_point = ord(value[error.start])
        raise serializers.ValidationError(
            _("The text holds a character that is not valid Unicode (%(code)s): remove it.")
            % {"code": f"U+{code_point:X}"}
        ) from None


class TextField(serializers.CharField):
    """A CharField for long texts: DRF's check for surrogate characters (which no database or
    socket takes) walks the text character by character in Python, 1.5 ms for a 6,000-character
    entry; encoding it finds the same characters at C speed."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        kept = [v for v in self.validators if not isinstance(v, ProhibitSurrogateCharactersValidator)]
        self.validators = [*kept, _no_surrogates]


class NewSpeakerSerializer(serializers.Serializer):
    honorific = serializers.CharField(required=False, allow_blank=True, max_length=40)
    name = serializers.CharField(max_length=200)
    title = serializers.CharField(required=False, allow_blank=True, max_length=300)


def _photos_limit() -> str:
    return ngettext(
        "An entry shows at most %(count)s photo.", "An entry shows at most %(count)s photos.", MAX_PHOTOS
    ) % {"count": MAX_PHOTOS}


FUTURE_SLACK = timedelta(minutes=10)  # clocks differ a little; an hour ahead is a mistake


class EntryWriteSerializer(serializers.Serializer):
    """What an editor sends to create or change an entry. Needs ``event`` in its context."""

    headline = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=120,
        error_messages={"max_length": gettext_lazy("Keep the headline to 120 characters or fewer.")},
    )
    BODY_MAX = 20000
    body = TextField(
        max_length=BODY_MAX,
        error_messages={
            "required": gettext_lazy("An entry needs text: send it as body."),
            "blank": gettext_lazy("The text of an entry cannot be empty."),
            "max_length": gettext_lazy(
                "Keep the text to 20,000 characters or fewer: split a longer one into entries."
            ),
        },
    )
    city = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="A session slug of the event."
    )
    speaker = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=ID_MAX, help_text="A speaker id."
    )
    speaker_name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="Free text, matched or created: “Ms. Farideh Goudarzi”.",
    )
    occurred_at = OccurredAtField(required=False, allow_blank=True)
    language = serializers.ChoiceField(
        choices=languages.LANGUAGES,
        required=False,
        allow_blank=True,
        help_text="What the entry is written in (en, fr, de, fa); empty: the event's language.",
    )
    kind = serializers.ChoiceField(choices=Entry.Kind.choices, required=False)
    pinned = serializers.BooleanField(required=False)
    key_moment = serializers.BooleanField(required=False)
    status = serializers.ChoiceField(choices=Entry.Status.choices, required=False)
    publish_at = OccurredAtField(
        required=False,
        allow_blank=True,
        help_text="When a scheduled entry goes out: HH:MM in the city's time, or ISO 8601.",
    )
    new_speaker = NewSpeakerSerializer(
        required=False, help_text="A speaker to add, as the editor checked the name's parts."
    )
    correction = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="Marks an edit of a published entry as a correction; readers see the note.",
    )
    media = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        required=False,
        max_length=MAX_PHOTOS,
        help_text="Ids of photos uploaded to this event, in the order shown; several make a gallery.",
        error_messages={"max_length": lazy(_photos_limit, str)()},
    )

    @property
    def event(self) -> Event:
        return self.context["event"]

    def validate_media(self, ids: list[int]) -> list[Media]:
        if len(set(ids)) != len(ids):
            raise serializers.ValidationError(_("The same photo is listed twice."))
        found = {m.pk: m for m in Media.objects.filter(event=self.event, pk__in=ids)}
        missing = [str(pk) for pk in ids if pk not in found]
        if missing:
            raise serializers.ValidationError(
                _("No photo %(ids)s was uploaded to this event: upload it first.")
                % {"ids": ", ".join(missing)}
            )
        if any(found[pk].withdrawn_at for pk in ids):
            raise serializers.ValidationError(
                _("A photo was withdrawn with its deleted entry: upload it again.")
            )
        return [found[pk] for pk in ids]

    def validate_city(self, value: str | None) -> Session | None:
        if not value:
            return None
        session = Session.objects.filter(event=self.event, slug=value).first()
        if session is None:
            known = ", ".join(self.event.sessions.values_list("slug", flat=True)) or _("none yet")
            raise serializers.ValidationError(
                _("Unknown city “%(city)s” for this event; its cities are: %(known)s.")
                % {"city": value, "known": known}
            )
        session.event = self.event  # its time zone's fallback, without a query
        return session

    def validate_speaker_name(self, value: str) -> str:
        parts = split_speaker(value)
        if value.strip() and not parts.name:
            raise serializers.ValidationError(_("Give the speaker's name, e.g. “Ms. Farideh Goudarzi”."))
        if len(parts.name) > 200 or len(parts.title) > 300:
            raise serializers.ValidationError(
                _("Keep the name under 200 characters and the title under 300.")
            )
        return value

    def validate_speaker(self, value: int | None) -> Speaker | None:
        return speaker_by_id(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        session = attrs.get("city") if "city" in attrs else self._current_session()
        status = attrs.get("status") or (self.instance.status if isinstance(self.instance, Entry) else "")
        preview = self.context.get("preview", False)  # shows what was typed; publishing checks it
        if "occurred_at" in attrs:
            attrs["occurred_at"] = self._aware(attrs["occurred_at"], session)
            if status != Entry.Status.SCHEDULED and not preview:
                self._not_in_the_future(attrs["occurred_at"], session)
        if "publish_at" in attrs:
            attrs["publish_at"] = self._aware(attrs["publish_at"], session)
        if status == Entry.Status.SCHEDULED and "status" in attrs:
            self._schedulable(attrs.get("publish_at"), session)
        if (
            attrs.get("speaker_name")
            and not preview
            and "new_speaker" not in attrs
            and "speaker" not in attrs
        ):
            attrs["speaker"] = self._known_speaker(attrs.pop("speaker_name"))
        return attrs

    def _aware(self, value: datetime | time | str, session: Session | None) -> datetime | None:
        """An instant from what was sent: a bare clock time is read in the city's time, on the
        event's first day, or on today's date while the event is live."""
        if value is None or isinstance(value, str):  # blank: now
            return None
        tz = session.tzinfo if session else self.event.tzinfo
        if isinstance(value, time):
            live = self.event.status == Event.Status.LIVE
            day = (timezone.now() if live else self.event.starts_at).astimezone(tz).date()
            return datetime.combine(day, value, tzinfo=tz)
        return value if timezone.is_aware(value) else value.replace(tzinfo=tz)

    def _not_in_the_future(self, moment: datetime | None, session: Session | None) -> None:
        now = timezone.now()
        if moment is None or moment <= now + FUTURE_SLACK:
            return
        raise serializers.ValidationError(
            {
                "occurred_at": [
                    _(
                        "%(moment)s is %(ahead)s from now. "
                        "Give the time it happened, or schedule the entry to publish it later."
                    )
                    % {"moment": _described(moment, session or self.event), "ahead": _ahead(moment - now)}
                ]
            }
        )

    def _schedulable(self, moment: datetime | None, session: Session | None) -> None:
        if moment is None:
            raise serializers.ValidationError({"publish_at": [_("Say when to publish it, e.g. 21:15.")]})
        if moment <= timezone.now():
            raise serializers.ValidationError(
                {
                    "publish_at": [
                        _("%(moment)s has passed: publish it now instead.")
                        % {"moment": _described(moment, session or self.event)}
                    ]
                }
            )

    def _known_speaker(self, name: str) -> Speaker:
        speaker = speakers.known(name)
        if speaker is not None:
            return speaker
        close = speakers.suggest(name, limit=3)
        parts = split_speaker(name)
        message = _("No known speaker is called “%(name)s”.") % {"name": parts.name}
        if close:
            names = _(" or ").join(str(s) for s in close)
            message += " " + _("Did you mean %(names)s?") % {"names": names}
        message += " " + _("Otherwise add them as a new speaker.")
        raise serializers.ValidationError({"speaker_name": [message]})

    def _current_session(self) -> Session | None:
        """The city of the entry being edited, whose clock a bare "17:42" is read on."""
        return self.instance.session if isinstance(self.instance, Entry) else None

    def service_kwargs(self) -> dict[str, Any]:
        """The validated data as keyword arguments of the entry services."""
        data = dict(self.validated_data)
        data.pop("speaker_name", None)
        new = data.pop("new_speaker", None)
        if new:  # created (or matched, if someone added the same name meanwhile) under the event's lock
            data["speaker"] = ParsedSpeaker(new.get("honorific", ""), new["name"], new.get("title", ""))
        if "city" in data:
            data["session"] = data.pop("city")
        if data.get("occurred_at") is None:
            data.pop("occurred_at", None)
        return data


def speaker_by_id(value: int | None) -> Speaker | None:
    """The speaker a write names by id (None for none), or a 400 naming the id."""
    if value is None:
        return None
    speaker = Speaker.objects.filter(pk=value).first()
    if speaker is None:
        raise serializers.ValidationError(_("No speaker has id %(id)s.") % {"id": value})
    return speaker
