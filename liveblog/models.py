"""Liveblog's domain: events held in several cities, their entries, and the change feed.

Writes go through ``liveblog.services``; nothing here bumps seq or appends changes by itself.
"""

import html
import re
import secrets
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from liveblog import languages

_EMBED_BUTTON = re.compile(r'<button type="button" class="embed__load">.*?</button>', re.S)


def new_epoch() -> str:
    return secrets.token_hex(8)


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"“{value}” is not an IANA timezone such as Europe/Paris.")


class Event(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("Live")
        ENDED = "ended", _("Ended")

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    summary = models.TextField(blank=True)
    timezone = models.CharField(max_length=64, default="Europe/Paris", validators=[validate_timezone])
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    language = models.CharField(
        max_length=8,
        choices=languages.LANGUAGES,
        default=languages.DEFAULT,
        help_text="What the report is written in, and the interface's language for readers who ask none.",
    )
    translations = models.JSONField(
        default=dict,
        blank=True,
        help_text='The title and summary in other languages: {"fr": {"title", "summary"}}.',
    )
    editors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="edited_events")
    # Head of the change feed: the seq of the last Change. Only services touch these two.
    seq = models.PositiveBigIntegerField(default=0, editable=False)
    epoch = models.CharField(max_length=32, default=new_epoch, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True) | models.Q(ends_at__gte=models.F("starts_at")),
                name="event_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("event_detail", args=[self.slug])

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def is_editor(self, user) -> bool:
        if not user.is_authenticated or not user.is_active:
            return False
        return user.is_staff or self.editors.filter(pk=user.pk).exists()

    def role_of(self, user) -> "Role | None":
        """What ``user`` may do on this event's desk: an editor's role (staff included), a
        contributor's (with the cities they report from), or None."""
        if not user.is_authenticated or not user.is_active:
            return None
        if self.is_editor(user):
            return Role(editor=True)
        contributor = self.contributors.filter(user=user).prefetch_related("cities").first()
        if contributor is None:
            return None
        return Role(editor=False, cities=frozenset(c.slug for c in contributor.cities.all()))


@dataclass(frozen=True)
class Role:
    """An editor publishes, edits and deletes anything and reviews; a contributor writes and
    submits their own entries, from their cities when ``cities`` names some, and never publishes."""

    editor: bool
    cities: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        return "editor" if self.editor else "contributor"

    def may_report_from(self, city: str | None) -> bool:
        return self.editor or not self.cities or city in self.cities


class Session(models.Model):
    """One city's part in an event."""

    reader_url: str  # not stored: the reader page sets it for its links to each city

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    city = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    venue = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=100, blank=True)
    timezone = models.CharField(
        max_length=64, blank=True, validators=[validate_timezone], help_text="Defaults to the event's."
    )
    latitude = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "city"]
        constraints = [
            models.UniqueConstraint(fields=["event", "slug"], name="session_slug_unique_per_event")
        ]

    def __str__(self) -> str:
        return self.city

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": "A city's session cannot end before it starts."})

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone) if self.timezone else self.event.tzinfo


class Contributor(models.Model):
    """A reporter on an event's desk: writes and submits entries for an editor to publish."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="contributors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contributions")
    cities = models.ManyToManyField(
        Session, blank=True, help_text="The cities they report from; none: any of the event's."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="contributor_once_per_event")]

    def __str__(self) -> str:
        return f"{self.user} on {self.event.slug}"


class Translator(models.Model):
    """Someone on an event's desk who adds translations of its entries, and changes no original."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="translators")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="translations")
    languages = models.CharField(
        max_length=40, blank=True, help_text="The languages they translate into, e.g. “fr,de”; none: any."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="translator_once_per_event")]

    def __str__(self) -> str:
        return f"{self.user} translating {self.event.slug}"


class Speaker(models.Model):
    name = models.CharField(max_length=200)
    honorific = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=300, blank=True)
    photo_url = models.URLField(blank=True, help_text="Address of a portrait image.")
    photo = models.ForeignKey(
        "Media",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="A portrait uploaded as a photo; shown before the address above.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="speaker_name_unique")]

    def __str__(self) -> str:
        return f"{self.honorific} {self.name}".strip()


class EntryQuerySet(models.QuerySet):
    def live(self) -> "EntryQuerySet":
        return self.filter(deleted_at__isnull=True)

    def published(self) -> "EntryQuerySet":
        return self.live().filter(status=Entry.Status.PUBLISHED)

    def for_city(self, slug: str | None) -> "EntryQuerySet":
        return self.filter(session__slug=slug) if slug else self

    def for_display(self) -> "EntryQuerySet":
        """With everything an entry shows: its time zone, city and speaker in the same query,
        its photos in one more, its translations in another."""
        photos = models.Prefetch("entrymedia_set", queryset=EntryMedia.objects.select_related("media"))
        related = self.select_related("event", "session__event", "speaker")
        return related.prefetch_related(photos, "translations")

    def in_reader_order(self, *, newest: bool = False) -> "EntryQuerySet":
        """Report order, or newest first: by the time the report shows, entries of the same
        minute in the order they were posted. The reader page's script orders by the same key."""
        return self.order_by("-occurred_at", "-id") if newest else self.order_by("occurred_at", "id")

    def after(self, entry: "Entry", *, newest: bool = False) -> "EntryQuerySet":
        """The entries that come after ``entry`` in the same reader order: the next page."""
        if newest:
            earlier = models.Q(occurred_at=entry.occurred_at, id__lt=entry.pk)
            return self.filter(models.Q(occurred_at__lt=entry.occurred_at) | earlier)
        later = models.Q(occurred_at=entry.occurred_at, id__gt=entry.pk)
        return self.filter(models.Q(occurred_at__gt=entry.occurred_at) | later)


class Entry(models.Model):
    class Kind(models.TextChoices):
        UPDATE = "update", _("Update")
        QUOTE = "quote", _("Quote")
        BREAKING = "breaking", _("Breaking")
        MEDIA = "media", _("Media")
        CLOSING = "closing", _("Closing")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for review")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="entries")
    # RESTRICT: a city or speaker with entries cannot be deleted alone, only with its event.
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.RESTRICT, related_name="entries"
    )
    speaker = models.ForeignKey(
        Speaker, null=True, blank=True, on_delete=models.RESTRICT, related_name="entries"
    )
    occurred_at = models.DateTimeField()
    headline = models.CharField(max_length=120, blank=True)
    body = models.TextField()
    body_html = models.TextField(editable=False)
    language = models.CharField(
        max_length=8,
        choices=languages.LANGUAGES,
        blank=True,
        help_text="What it is written in; none: the event's.",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.UPDATE)
    pinned = models.BooleanField(default=False)
    key_moment = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    publish_at = models.DateTimeField(null=True, blank=True, help_text="When a scheduled entry goes out.")
    # The last correction readers are told of: "Corrected 17:52 — the speaker was in Berlin".
    correction = models.CharField(max_length=300, blank=True)
    corrected_at = models.DateTimeField(null=True, blank=True, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Identifies an entry that came from an imported report, so a re-import updates it.
    source_key = models.CharField(max_length=300, blank=True, editable=False)
    media: "models.ManyToManyField[Media, EntryMedia]" = models.ManyToManyField(
        "Media", through="EntryMedia", blank=True, related_name="entries"
    )

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name_plural = "entries"
        indexes = [
            models.Index(fields=["event", "occurred_at"]),
            # The scheduler's question, every second in every worker: what is due?
            models.Index(fields=["publish_at"], condition=models.Q(status="scheduled"), name="entry_due"),
            # Readers' counts, sent with each change that alters them: counted from the index alone.
            models.Index(
                fields=["event", "session"],
                condition=models.Q(status="published", deleted_at__isnull=True),
                name="entry_published",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "source_key"],
                condition=~models.Q(source_key=""),
                name="entry_source_key_unique_per_event",
            )
        ]

    def __str__(self) -> str:
        return f"{self.local_time} {self.city_name} {self.body[:40]}".strip()

    def get_absolute_url(self) -> str:
        return reverse("entry_detail", args=[self.event.slug, self.pk])

    def clean(self) -> None:
        session = self.session if self.session_id else None
        if session is not None and self.event_id and session.event_id != self.event_id:
            raise ValidationError({"session": "This city belongs to another event."})
        if not self.body.strip():
            raise ValidationError({"body": "The text of an entry cannot be empty."})

    @property
    def is_visible(self) -> bool:
        return self.deleted_at is None and self.status == self.Status.PUBLISHED

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return self.session.tzinfo if self.session else self.event.tzinfo

    @property
    def local_occurred_at(self) -> datetime:
        return self.occurred_at.astimezone(self.tzinfo)

    @property
    def local_time(self) -> str:
        return self.local_occurred_at.strftime("%H:%M")

    @property
    def report_time(self) -> str:
        """Where the venue's clock shows another time than the event's, the entry's time in the
        event's zone, named after it: "19:05 Paris" beside Toronto's 13:05. Else empty (Berlin
        and Paris keep the same time: one clock says it)."""
        zone = self.event.tzinfo
        there = self.occurred_at.astimezone(zone)
        if there.utcoffset() == self.local_occurred_at.utcoffset():
            return ""
        return f"{there:%H:%M} {zone_label(zone.key)}"

    @property
    def city_name(self) -> str:
        return self.session.city if self.session else ""

    @property
    def dateline(self) -> str:
        """The line an entry goes by, "17:42 · Berlin · Mr. Hamid Moaser": its venue-local time,
        city and speaker, those it has: the Atom entry titles, JSON-LD headlines, the API and the
        JSON export."""
        return _joined(self.time_and_city, str(self.speaker or ""))

    @property
    def text(self) -> str:
        """The entry's words as plain text: its Markdown rendered, then the markup taken out,
        and with it an embed's button ("Load the YouTube video"), which is not the entry's."""
        words = strip_tags(_EMBED_BUTTON.sub("", self.body_html))
        return " ".join(html.unescape(words).split())

    @property
    def title(self) -> str:
        """What the entry is called where only a line fits: its headline when the editor gave
        one, else its dateline and the start of its text in at most 110 characters ("17:42 ·
        Berlin · Mr. Hamid Moaser: Also the resistance was chanting…"). The Atom titles, the
        JSON-LD updates, the share texts and the permalink's title."""
        if self.headline:
            return self.headline
        words = Truncator(self.text).chars(max(20, 108 - len(self.dateline)), truncate="…")
        return f"{self.dateline}: {words}" if words else self.dateline

    @property
    def corrected_when(self) -> str:
        """When the last correction was made, in the entry's time: "17:52", with its date when
        that is not the day the entry reports ("29 Nov 2026, 09:10")."""
        if self.corrected_at is None:
            return ""
        local = self.corrected_at.astimezone(self.tzinfo)
        return f"{local:%H:%M}" if local.date() == self.day else f"{local.day} {local:%b %Y, %H:%M}"

    @property
    def photos(self) -> list["Media"]:
        """The entry's photos in order (prefetched by for_display)."""
        return [placed.media for placed in self.entrymedia_set.all()] if self.pk else []

    @property
    def day(self) -> date:
        """The date the entry happened on, in its venue's time: day separators go between days."""
        return self.local_occurred_at.date()

    @property
    def time_and_city(self) -> str:
        """The dateline without its speaker, "17:42 · Berlin": where the speaker is shown apart
        (the entry itself, the permalink's card, Markdown) or not at all (key moments)."""
        return _joined(self.local_time, self.city_name)


def zone_label(key: str) -> str:
    """A zone by its city, as people name it: "Europe/Paris" is Paris, "America/New_York" New York."""
    return key.rsplit("/", 1)[-1].replace("_", " ")


def _joined(*parts: str) -> str:
    return " · ".join(part for part in parts if part)


class Review(models.Model):
    """One step of an entry's way through the desk: who submitted, approved or returned it."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        RETURNED = "returned", "Returned"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published on schedule"

    entry = models.ForeignKey("Entry", on_delete=models.CASCADE, related_name="reviews")
    action = models.CharField(max_length=10, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.by or 'the schedule'}"


class Revision(models.Model):
    """A published version of an entry that a correction replaced, as readers saw it."""

    entry = models.ForeignKey("Entry", on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    html = models.TextField()
    note = models.CharField(max_length=300, help_text="The correction that replaced it.")
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"version {self.version}"


class Media(models.Model):
    """A photo an editor uploaded for an event: its renditions, never the original file, which
    may carry the place it was taken (liveblog.media makes them)."""

    class Type(models.TextChoices):
        IMAGE = "image", "Image"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="media")
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.IMAGE, editable=False)
    alt = models.CharField(
        "alt text", max_length=500, help_text="What the photo shows, for readers who cannot see it."
    )
    caption = models.CharField(max_length=500, blank=True)
    credit = models.CharField(max_length=200, blank=True)
    # Of the largest rendition, whose proportions every rendition shares.
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    # [{"width": 320, "height": 213, "name": "media/<event>/<hash>-320.webp"}, …], narrowest first.
    renditions = models.JSONField(default=list, editable=False)
    fallback = models.CharField(max_length=300, editable=False, help_text="A JPEG for old browsers.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the entries showing the photo were deleted: its files are gone from storage.
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "media"

    def __str__(self) -> str:
        return self.alt

    @property
    def names(self) -> list[str]:
        """Every file of the photo in storage."""
        return [r["name"] for r in self.renditions] + [self.fallback]

    @property
    def src(self) -> str:
        """The JPEG, for what reads no srcset or no WebP (feed readers, mail, link previews)."""
        return default_storage.url(self.fallback)

    @property
    def srcset(self) -> str:
        return ", ".join(f"{default_storage.url(r['name'])} {r['width']}w" for r in self.renditions)

    @property
    def full_src(self) -> str:
        """The widest rendition: what the lightbox shows."""
        return default_storage.url(self.renditions[-1]["name"])


class EntryMedia(models.Model):
    """A photo's place in an entry: several make a gallery, in the editor's order."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE)
    media = models.ForeignKey(Media, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["entry", "media"], name="entry_media_once")]

    def __str__(self) -> str:
        return f"{self.entry_id} #{self.position}: {self.media_id}"


class EntryTranslation(models.Model):
    """An entry's headline and body in another language. ``source`` fingerprints the original as
    it was translated: when the original changes, the translation may be out of date."""

    entry = models.ForeignKey("Entry", on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=8, choices=languages.LANGUAGES)
    headline = models.CharField(max_length=120, blank=True)
    body = models.TextField()
    body_html = models.TextField(editable=False)
    source = models.CharField(max_length=64, editable=False)
    translated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "language"], name="translation_once_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} in {self.language}"


class SpeakerSlot(models.Model):
    """A speaker on the agenda: in one city's session, from a time (until one, if known)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="slots")
    speaker = models.ForeignKey(Speaker, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    title = models.CharField(max_length=200, blank=True, help_text="What the talk is about, if announced.")

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["session", "starts_at"], name="slot_session_start")]

    def __str__(self) -> str:
        return f"{self.speaker} in {self.session} at {self.starts_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "A slot must end after it starts."})


class CityAgenda(Session):
    """A city's programme, as the admin edits it: its speaker slots, in the city's own time."""

    class Meta:
        proxy = True
        verbose_name = "city's agenda"
        verbose_name_plural = "agendas of the cities"


class ReaderSample(models.Model):
    """How many readers an event had in one minute (the most any worker counted), for the desk's
    chart of readers over time."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="reader_samples")
    minute = models.DateTimeField()
    readers = models.PositiveIntegerField()

    class Meta:
        ordering = ["minute"]
        constraints = [models.UniqueConstraint(fields=["event", "minute"], name="reader_sample_per_minute")]

    def __str__(self) -> str:
        return f"{self.readers} readers of {self.event} at {self.minute:%Y-%m-%d %H:%M}"


class Change(models.Model):
    """One step of an event's change feed; ``frame`` is the exact text readers receive."""

    class Type(models.TextChoices):
        ENTRY_CREATED = "entry.created"
        ENTRY_UPDATED = "entry.updated"
        ENTRY_DELETED = "entry.deleted"
        EVENT_UPDATED = "event.updated"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="changes")
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=20, choices=Type.choices)
    entry = models.ForeignKey(Entry, null=True, blank=True, on_delete=models.CASCADE)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    frame = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "seq"]
        constraints = [models.UniqueConstraint(fields=["event", "seq"], name="change_seq_unique_per_event")]

    def __str__(self) -> str:
        return f"{self.event.slug}#{self.seq} {self.type}"


class IdempotencyKey(models.Model):
    """The first response to a POST that carried ``Idempotency-Key``; a retry gets it again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request it answered.")
    status_code = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")
        ]

    def __str__(self) -> str:
        return self.key
