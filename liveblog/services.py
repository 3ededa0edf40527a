"""Every write to events and entries: one transaction each, one Change each.

Each service locks the event row before anything else, so concurrent writers (threads,
processes, hosts) queue on that row and the feed stays gap-free. The frame readers receive is
built inside the same transaction and published once the transaction commits.
"""

import functools
import secrets
from collections.abc import Iterable
from dataclasses import astuple
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.models import User as Account  # the project's AUTH_USER_MODEL
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from liveblog import media as photos
from liveblog import translations
from liveblog.agenda import agenda_payload
from liveblog.delivery.bus import publish_on_commit
from liveblog.frames import REWRITES_HISTORY, entry_payload, frame_for_change, speaker_payload
from liveblog.gazetteer import fill_place
from liveblog.models import (
    Change,
    Contributor,
    Entry,
    EntryMedia,
    Event,
    Media,
    Review,
    Revision,
    Session,
    Speaker,
    SpeakerSlot,
    Translator,
    new_epoch,
)
from liveblog.rendering import LinkCards, check_size, fetch_link_cards, render_entry, render_markdown
from liveblog.reports.parser import Speaker as ParsedSpeaker
from liveblog.reports.parser import split_honorific, split_speaker

User = AbstractBaseUser | AnonymousUser | None

ENTRY_FIELDS = (
    "session",
    "speaker",
    "occurred_at",
    "headline",
    "body",
    "language",
    "kind",
    "pinned",
    "key_moment",
    "status",
    "publish_at",
    "media",
    "correction",
)
EVENT_FIELDS = ("title", "summary", "timezone", "starts_at", "ends_at", "status", "language", "translations")


class StaleVersion(Exception):
    """The entry changed since the client read it."""

    def __init__(self, entry: Entry):
        super().__init__(f"Entry {entry.pk} is at version {entry.version}.")
        self.entry = entry


def _actor(by: User) -> Account | None:
    """Who made the change, for its row; nobody for a script or an anonymous request."""
    return by if isinstance(by, Account) and by.is_authenticated else None


def lock_event(event: Event) -> None:
    """Take the event's row lock and refresh its feed head. Call inside a transaction: on
    PostgreSQL the row stays locked until commit; SQLite runs IMMEDIATE transactions, which hold
    the database write lock from BEGIN."""
    event.seq, event.epoch = Event.objects.select_for_update().values_list("seq", "epoch").get(pk=event.pk)


def _append_change(
    *,
    event: Event,
    type: str,
    by: User,
    entry: Entry | None = None,
    recount: Iterable[int | None] = (),
    speakers: Iterable[Speaker] = (),
    agenda: bool = False,
) -> Change:
    """Call after lock_event, in the same transaction. ``recount``: the cities (session ids, None
    for no city) whose count of published entries this change alters; the frame then carries
    the counts. A change that alters none (an edit in place, a rename) leaves them out.
    ``agenda``: the change is to the agenda; the frame carries all of it."""
    seq = event.seq = event.seq + 1
    Event.objects.filter(pk=event.pk).update(seq=seq)
    recount = list(recount)
    counts = entry_counts(event, recount) if recount else None
    frame = frame_for_change(
        event=event,
        seq=seq,
        type=type,
        entry=entry,
        counts=counts,
        speakers=[speaker_payload(s) for s in speakers],
        agenda=agenda_payload(event) if agenda else None,
    )
    change = Change.objects.create(
        event=event, seq=seq, type=type, entry=entry, actor=_actor(by), frame=frame
    )
    publish_on_commit(change)
    return change


SpeakerLike = Speaker | ParsedSpeaker | str | None


def entry_counts(event: Event, session_ids: Iterable[int | None]) -> dict[str, Any]:
    """The event's published entries counted, in all and in the given cities (None: no city,
    which only the total counts): what a change to an entry tells readers, so that every count
    on an open page stays right."""
    ids = sorted({pk for pk in session_ids if pk is not None})
    slugs = dict(Session.objects.filter(pk__in=ids).values_list("pk", "slug")) if ids else {}
    with connection.cursor() as cursor:
        cursor.execute(_counts_sql(len(slugs)), [*slugs, event.pk])
        total, *per_city = cursor.fetchone()
    return {"all": total, "cities": dict(zip(slugs.values(), per_city, strict=True))}


@functools.cache
def _counts_sql(cities: int) -> str:
    """One pass over an event's published entries, read from the index that holds them
    (entry_published), counting the given cities too. Written out: the ORM took 1.5 ms to build
    this query, on every change, against 0.05 ms to run it. The status is written in, not a
    parameter: a database uses a partial index only where it sees the query matches its
    condition (with a parameter, SQLite read the whole table: 1 ms)."""
    meta = Entry._meta
    column = {name: meta.get_field(name).column for name in ("event", "session", "deleted_at", "status")}  # type: ignore[union-attr]
    per_city = f", COUNT(CASE WHEN {column['session']} = %s THEN 1 END)" * cities
    published = Entry.Status.PUBLISHED.value
    # Names from the model's own metadata, a constant, and every value a parameter.
    sql = f"SELECT COUNT(*){per_city} FROM {meta.db_table} WHERE {column['event']} = %s "  # noqa: S608
    return sql + f"AND {column['deleted_at']} IS NULL AND {column['status']} = '{published}'"


def _speaker(value: SpeakerLike) -> Speaker | None:
    """A speaker given as a row, as parsed parts, or as free text ("Ms. Farideh Goudarzi").
    Resolved after the event lock, so that every write takes its locks in the same order."""
    if value is None or isinstance(value, Speaker):
        return value
    if isinstance(value, str):
        return speaker_get_or_create(name=value) if value.strip() else None
    return speaker_get_or_create(name=value.name, honorific=value.honorific, title=value.title)


def _save_entry(entry: Entry, link_cards: LinkCards) -> None:
    # Whole seconds: the page, the frames and every client then sort entries the same way.
    entry.occurred_at = entry.occurred_at.replace(microsecond=0)
    entry.body_html = check_size(render_markdown(entry.body, link_cards=link_cards))
    # The event, city and speaker are rows already in hand: looking each up again proves
    # nothing. The one constraint is on source_key, which only imported entries carry.
    entry.full_clean(
        exclude=["event", "session", "speaker", "author"], validate_constraints=bool(entry.source_key)
    )
    entry.save()


def _place_media(entry: Entry, media: list[Media] | None, *, new: bool = False) -> None:
    """Show ``media`` in the entry, in this order (None: leave its photos as they are). A
    ``new`` entry has none yet to take away."""
    if media is None:
        return
    if new and not media:
        entry._prefetched_objects_cache = {"entrymedia_set": EntryMedia.objects.none()}  # type: ignore[attr-defined]
        return
    if not new:
        EntryMedia.objects.filter(entry=entry).delete()
    EntryMedia.objects.bulk_create(
        EntryMedia(entry=entry, media=item, position=position) for position, item in enumerate(media)
    )
    entry._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    models.prefetch_related_objects([entry], "entrymedia_set__media")


def entry_create(
    *,
    event: Event,
    by: User,
    body: str,
    headline: str = "",
    language: str = "",
    media: list[Media] | None = None,
    session: Session | None = None,
    speaker: SpeakerLike = None,
    occurred_at: datetime | None = None,
    kind: str = Entry.Kind.UPDATE,
    pinned: bool = False,
    key_moment: bool = False,
    status: str = Entry.Status.PUBLISHED,
    publish_at: datetime | None = None,
    source_key: str = "",
) -> Entry:
    # The pages the body links to are read first: never while holding the event's lock.
    link_cards = fetch_link_cards(body)
    with transaction.atomic():
        lock_event(event)
        entry = Entry(
            event=event,
            session=session,
            speaker=_speaker(speaker),
            occurred_at=occurred_at or timezone.now(),
            headline=headline,
            body=body,
            language=language,
            kind=kind,
            pinned=pinned,
            key_moment=key_moment,
            status=status,
            publish_at=publish_at,
            author=_actor(by),
            source_key=source_key,
        )
        _save_entry(entry, link_cards)
        _place_media(entry, media or [], new=True)
        _review_status_change(entry, by=by, before=None)
        recount = [entry.session_id] if entry.is_visible else []
        _append_change(event=event, type=Change.Type.ENTRY_CREATED, by=by, entry=entry, recount=recount)
        return entry


def rewrite_history(entry: Entry, *, change: Change) -> None:
    """After an edit or a deletion (a ``change`` of a type in frames.REWRITES_HISTORY), the
    entry's earlier frames show it as readers may see it today: its current text, or its id
    only once deleted or back to draft. A reader who replays the feed never receives words an
    editor has withdrawn, and still ends on the same page. Replay rings in memory learn of it
    from the change's type (delivery.ring.Ring.rewritten)."""
    assert change.type in REWRITES_HISTORY
    payload = entry_payload(entry) if entry.is_visible else None  # rendered once for every frame
    for earlier in Change.objects.filter(entry=entry, seq__lt=change.seq).only("pk", "seq", "type"):
        frame = frame_for_change(
            event=entry.event, seq=earlier.seq, type=earlier.type, entry=entry, payload=payload
        )
        Change.objects.filter(pk=earlier.pk).update(frame=frame)


def _locked_entry(entry: Entry, expected_version: int | None, expected_status: str | None = None) -> Entry:
    """Re-read the entry under the event lock and check the version the client edited, and the
    status a review expects (two editors approving at once: the second finds it published)."""
    lock_event(entry.event)  # first, so that the lock order is always event, then entry
    current = Entry.objects.for_display().get(pk=entry.pk)
    if current.deleted_at is not None or (
        expected_version is not None and expected_version != current.version
    ):
        raise StaleVersion(current)
    if expected_status is not None and current.status != expected_status:
        raise NotAwaitingReview(current.get_status_display())
    return current


def entry_update(
    *,
    entry: Entry,
    by: User,
    expected_version: int | None = None,
    expected_status: str | None = None,
    review: tuple[str, str] | None = None,
    **changes: Any,
) -> Entry:
    """Apply ``changes`` (any of ENTRY_FIELDS). ``expected_version`` None means last write wins.
    ``correction``, a note, marks the edit of a published entry as a correction: readers are
    told, and the version it replaces is kept. ``review``: the (action, note) the desk records."""
    unknown = set(changes) - set(ENTRY_FIELDS)
    if unknown:
        raise TypeError(f"Entries have no field(s) {', '.join(sorted(unknown))}.")
    # As in entry_create; an edit that leaves the body alone renders it again all the same.
    link_cards = fetch_link_cards(changes.get("body", entry.body))
    with transaction.atomic():
        current = _locked_entry(entry, expected_version, expected_status)
        before = (current.session_id, current.is_visible)
        if "speaker" in changes:
            changes["speaker"] = _speaker(changes["speaker"])
        media = changes.pop("media", None)
        correction = changes.pop("correction", "")
        if correction and current.is_visible:
            _keep_revision(current, note=correction)
        status_before = current.status
        for name, value in changes.items():
            setattr(current, name, value)
        current.version += 1
        _save_entry(current, link_cards)
        _place_media(current, media)
        if review:
            Review.objects.create(entry=current, action=review[0], note=review[1], by=_actor(by))
        elif current.status != status_before:
            _review_status_change(current, by=by, before=status_before)
        moved = before != (current.session_id, current.is_visible)  # to another city, or in or out of view
        change = _append_change(
            event=current.event,
            type=Change.Type.ENTRY_UPDATED,
            by=by,
            entry=current,
            recount=[before[0], current.session_id] if moved else [],
        )
        rewrite_history(current, change=change)
        return current


def _keep_revision(entry: Entry, *, note: str) -> None:
    """Before a correction: the published version readers saw, kept, and the note shown."""
    html = render_entry(entry, id_prefix=f"version-{entry.version}-of")
    Revision.objects.create(entry=entry, version=entry.version, html=html, note=note)
    entry.correction, entry.corrected_at = note, timezone.now()


def _review_status_change(entry: Entry, *, by: User, before: str | None) -> None:
    """The desk's record of an entry sent for review or scheduled."""
    actions: dict[str, str] = {
        Entry.Status.SUBMITTED: Review.Action.SUBMITTED,
        Entry.Status.SCHEDULED: Review.Action.SCHEDULED,
    }
    action = actions.get(entry.status)
    if action and entry.status != before:
        Review.objects.create(entry=entry, action=action, by=_actor(by))


class NotAwaitingReview(Exception):
    """Approve or return an entry that is not submitted (any more)."""


def entry_approve(*, entry: Entry, by: User, expected_version: int | None = None) -> Entry:
    """Publish a submitted entry as it stands; its contributor stays its author."""
    return entry_update(
        entry=entry,
        by=by,
        expected_version=expected_version,
        expected_status=Entry.Status.SUBMITTED,
        review=(Review.Action.APPROVED, ""),
        status=Entry.Status.PUBLISHED,
    )


def entry_return(*, entry: Entry, by: User, note: str, expected_version: int | None = None) -> Entry:
    """Send a submitted entry back to its contributor as a draft, with what to change."""
    return entry_update(
        entry=entry,
        by=by,
        expected_version=expected_version,
        expected_status=Entry.Status.SUBMITTED,
        review=(Review.Action.RETURNED, note),
        status=Entry.Status.DRAFT,
    )


def publish_due(*, now: datetime | None = None) -> list[Entry]:
    """Publish the scheduled entries whose time has come, each exactly once however many
    workers ask at the same moment: an event's due entries are published under its row lock,
    taken with SKIP LOCKED, so a worker that finds the event busy (another worker publishing, or
    an editor writing) leaves it to the next second; each entry is read again under the lock."""
    now = now or timezone.now()
    due = Entry.objects.live().filter(status=Entry.Status.SCHEDULED, publish_at__lte=now)
    published: list[Entry] = []
    for event_id in due.order_by().values_list("event_id", flat=True).distinct():
        with transaction.atomic():
            event = Event.objects.select_for_update(skip_locked=True).filter(pk=event_id).first()
            if event is None:
                continue
            for entry in due.filter(event=event).for_display():
                published.append(
                    entry_update(
                        entry=entry,
                        by=None,
                        review=(Review.Action.PUBLISHED, ""),
                        status=Entry.Status.PUBLISHED,
                        occurred_at=entry.publish_at,
                    )
                )
    return published


@transaction.atomic
def entry_delete(*, entry: Entry, by: User, expected_version: int | None = None) -> Entry:
    """Tombstone the entry: it leaves every reader view but stays in the database."""
    current = _locked_entry(entry, expected_version)
    recount = [current.session_id] if current.is_visible else []
    current.deleted_at = timezone.now()
    current.version += 1
    current.save(update_fields=["deleted_at", "version", "updated_at"])
    change = _append_change(
        event=current.event, type=Change.Type.ENTRY_DELETED, by=by, entry=current, recount=recount
    )
    rewrite_history(current, change=change)
    _withdraw_media(current)
    return current


def _withdraw_media(entry: Entry) -> None:
    """The photos of a deleted entry that no other entry shows leave storage once the deletion
    commits: nobody is served them any more."""
    orphans = list(
        Media.objects.filter(entries=entry, withdrawn_at__isnull=True)
        .exclude(entries__in=Entry.objects.live().exclude(pk=entry.pk))
        .exclude(pk__in=Speaker.objects.filter(photo__isnull=False).values("photo"))  # a portrait
    )
    if not orphans:
        return
    Media.objects.filter(pk__in=[m.pk for m in orphans]).update(withdrawn_at=timezone.now())
    names = [name for item in orphans for name in item.names]
    transaction.on_commit(lambda: photos.remove(names))


# Media ------------------------------------------------------------------------------------


def media_create(
    *, event: Event, by: User, photo: photos.Photo, alt: str, caption: str = "", credit: str = ""
) -> Media:
    """Store a processed photo's renditions and record it. If the record cannot be written, the
    files go again: nothing half-written stays."""
    folder = f"{event.slug}/{secrets.token_hex(6)}"
    renditions, fallback = photos.store(photo, folder=folder)
    item = Media(
        event=event,
        alt=alt,
        caption=caption,
        credit=credit,
        width=photo.width,
        height=photo.height,
        renditions=renditions,
        fallback=fallback,
        uploaded_by=_actor(by),
    )
    try:
        item.full_clean()
        with transaction.atomic():
            item.save()
    except Exception:
        photos.remove(item.names)
        raise
    return item


def entry_set_flags(
    *, entry: Entry, by: User, pinned: bool | None = None, key_moment: bool | None = None
) -> Entry:
    flags: dict[str, Any] = {"pinned": pinned, "key_moment": key_moment}
    return entry_update(entry=entry, by=by, **{k: v for k, v in flags.items() if v is not None})


@transaction.atomic
def event_update(*, event: Event, by: User, **changes: Any) -> Event:
    """Change an event's details or status; readers get one ``event.updated``."""
    unknown = set(changes) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"Events have no field(s) {', '.join(sorted(unknown))}.")
    lock_event(event)
    event.refresh_from_db(fields=[name for name in EVENT_FIELDS if name not in changes])
    if "translations" in changes:  # {"fr": {"title", "summary"}}
        own = changes.get("language", event.language)
        changes["translations"] = translations.clean_event_translations(changes["translations"], own)
    for name, value in changes.items():
        setattr(event, name, value)
    event.full_clean(exclude=["editors"], validate_unique=False)
    event.save(update_fields=[*changes, "updated_at"])
    _append_change(event=event, type=Change.Type.EVENT_UPDATED, by=by)
    return event


@transaction.atomic
def event_new_epoch(*, event: Event) -> Event:
    """Start a new history of the event's feed (after a restore): readers that resume with the
    old epoch are told to reload. The seq goes on from the restored head."""
    lock_event(event)
    event.epoch = new_epoch()
    Event.objects.filter(pk=event.pk).update(epoch=event.epoch)
    return event


def event_set_status(*, event: Event, status: str, by: User) -> Event:
    changes: dict[str, Any] = {"status": status}
    now = timezone.now()
    if status == Event.Status.ENDED and event.ends_at is None:
        changes["ends_at"] = max(now, event.starts_at)
    elif status == Event.Status.LIVE and event.ends_at is not None and event.ends_at <= now:
        changes["ends_at"] = None  # reopened: it has not ended after all (a planned end stays)
    return event_update(event=event, by=by, **changes)


@transaction.atomic
def event_create(*, slug: str, cities: Iterable[str] = (), **fields: Any) -> Event:
    """Create an event (``fields``: any of EVENT_FIELDS) with its cities, in order. Its feed
    starts empty, at seq 0: nobody can have read an event before it exists, so its creation
    appends no change."""
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"Events have no field(s) {', '.join(sorted(unknown))}.")
    event = Event(slug=slug, **fields)
    event.full_clean(exclude=["editors"])
    event.save()
    for position, city in enumerate(cities):
        _session_save(Session(event=event, city=city, slug=slugify(city), position=position))
    return event


def _session_save(session: Session) -> None:
    fill_place(session)  # a known city's zone, position and country, where none was given
    session.full_clean()
    session.save()


def _next_position(event: Event) -> int:
    last = event.sessions.order_by("-position").values_list("position", flat=True).first()
    return (last or 0) + 1


@transaction.atomic
def session_add(*, event: Event, by: User, **fields: Any) -> Session:
    """Add a city to the event (position: last) and tell readers."""
    lock_event(event)
    session = Session(event=event, position=_next_position(event), **fields)
    _session_save(session)
    _append_change(event=event, type=Change.Type.EVENT_UPDATED, by=by)
    return session


@transaction.atomic
def cities_add(*, event: Event, cities: Iterable[str], by: User) -> list[Session]:
    """Add the cities the event does not have yet (matched by slug: "Paris" is ``paris``),
    after its others. Readers get one ``event.updated`` when any was added."""
    lock_event(event)
    known = set(event.sessions.values_list("slug", flat=True))
    position = _next_position(event)
    added: list[Session] = []
    for city in cities:
        slug = slugify(city)
        if slug in known:
            continue
        known.add(slug)
        session = Session(event=event, city=city, slug=slug, position=position + len(added))
        _session_save(session)
        added.append(session)
    if added:
        _append_change(event=event, type=Change.Type.EVENT_UPDATED, by=by)
    return added


@transaction.atomic
def sessions_changed(*, event: Event, by: User) -> None:
    """Tell readers the event's cities changed (renamed, moved to another timezone, reordered):
    one ``event.updated``, whose cities carry their names and zones; pages retitle the entries of
    each city from it. Not one frame per entry: a city with 20,000 entries is renamed at once.
    Lock the event before saving the sessions."""
    lock_event(event)
    _append_change(event=event, type=Change.Type.EVENT_UPDATED, by=by)


@transaction.atomic
def sessions_place(*, event: Event, by: User) -> list[Session]:
    """Give the event's cities the zone, position and country the gazetteer knows for them,
    where they have none (cities added before it was bundled); readers are told once if any
    changed. Returns the cities the gazetteer does not know."""
    lock_event(event)
    changed, unknown = False, []
    for session in event.sessions.all():
        before = (session.timezone, session.latitude, session.longitude, session.country)
        fill_place(session)
        if (session.timezone, session.latitude, session.longitude, session.country) != before:
            _session_save(session)
            changed = True
        if session.latitude is None:
            unknown.append(session)
    if changed:
        _append_change(event=event, type=Change.Type.EVENT_UPDATED, by=by)
    return unknown


# Speakers ---------------------------------------------------------------------------------


def speaker_get_or_create(*, name: str, honorific: str = "", title: str = "") -> Speaker:
    """Match a speaker by name (case-insensitive), or create one. Free text such as "Ms. Farideh
    Goudarzi, former prisoner" is split first. A known speaker is returned as stored: changing one
    goes through speaker_update, which tells readers."""
    if not honorific and not title:
        honorific, name, title = astuple(split_speaker(name))
    elif not honorific:
        honorific, name = split_honorific(name)
    name = " ".join(name.split())
    # Lowercased by the database on both sides, as the unique constraint does (SQLite's LOWER
    # leaves "Í" alone, Python's does not).
    same_name = Speaker.objects.annotate(lname=Lower("name")).filter(lname=Lower(Value(name)))
    known = same_name.first()
    if known is not None:
        return known
    speaker = Speaker(name=name, honorific=honorific, title=title)
    speaker.full_clean()
    try:
        with transaction.atomic():  # another writer may add the same name at the same moment
            speaker.save()
    except IntegrityError:
        return same_name.get()
    return speaker


@transaction.atomic
def speaker_update(*, speaker: Speaker, by: User, **changes: Any) -> Speaker:
    """Change a speaker; each event that shows them (in entries or on its agenda) tells its
    readers in one ``event.updated``
    carrying the speaker, and pages retitle the entries showing them."""
    shown = models.Q(entries__speaker=speaker) | models.Q(sessions__slots__speaker=speaker)
    events = list(Event.objects.filter(shown).distinct().order_by("pk"))
    for event in events:  # in pk order, so two such updates cannot deadlock
        lock_event(event)
    for name, value in changes.items():
        setattr(speaker, name, value)
    speaker.full_clean()
    speaker.save()
    for event in events:
        _append_change(event=event, type=Change.Type.EVENT_UPDATED, by=by, speakers=[speaker])
    return speaker


@transaction.atomic
def media_update(*, media: Media, by: User, **changes: Any) -> Media:
    """Correct a photo's alt text, caption or credit; readers get again every published entry
    that shows it."""
    unknown = set(changes) - {"alt", "caption", "credit"}
    if unknown:
        raise TypeError(f"Media have no editable field(s) {', '.join(sorted(unknown))}.")
    lock_event(media.event)
    for name, value in changes.items():
        setattr(media, name, value)
    media.full_clean()
    media.save()
    for entry in Entry.objects.published().filter(media=media).for_display():
        _append_change(event=media.event, type=Change.Type.ENTRY_UPDATED, by=by, entry=entry)
    return media


# The agenda ---------------------------------------------------------------------------------

SLOT_FIELDS = ("session", "speaker", "starts_at", "ends_at", "title")


def _save_slot(slot: SpeakerSlot, event: Event) -> None:
    """Check and save a slot of ``event``'s agenda, to the minute. Call after lock_event."""
    if slot.session.event_id != event.pk:
        raise ValidationError({"session": f"{slot.session.city} is a city of another event."})
    if slot.speaker_id is None:
        raise ValidationError({"speaker": gettext("Say who speaks.")})
    for name in ("starts_at", "ends_at"):
        moment = getattr(slot, name)
        if moment is not None:
            setattr(slot, name, moment.replace(second=0, microsecond=0))
    slot.full_clean(exclude=["session", "speaker"])
    slot.save()


@transaction.atomic
def slots_add(*, event: Event, by: User, slots: Iterable[dict[str, Any]]) -> list[SpeakerSlot]:
    """Put speakers on the agenda (each a dict of SLOT_FIELDS; ``speaker`` as entries take it:
    a row, parsed parts or free text). Readers get one ``event.updated`` carrying the agenda."""
    lock_event(event)
    added = []
    for fields in slots:
        unknown = set(fields) - set(SLOT_FIELDS)
        if unknown:
            raise TypeError(f"Slots have no field(s) {', '.join(sorted(unknown))}.")
        slot = SpeakerSlot(**{**fields, "speaker": _speaker(fields.get("speaker"))})
        _save_slot(slot, event)
        added.append(slot)
    if added:
        _append_change(event=event, type=Change.Type.EVENT_UPDATED, by=by, agenda=True)
    return added


def slot_create(*, event: Event, by: User, **fields: Any) -> SpeakerSlot:
    return slots_add(event=event, by=by, slots=[fields])[0]


@transaction.atomic
def slot_update(*, slot: SpeakerSlot, by: User, **changes: Any) -> SpeakerSlot:
    """Move a slot, change its speaker, times or title; readers get the agenda again."""
    unknown = set(changes) - set(SLOT_FIELDS)
    if unknown:
        raise TypeError(f"Slots have no field(s) {', '.join(sorted(unknown))}.")
    event = slot.session.event
    lock_event(event)
    if "speaker" in changes:
        changes["speaker"] = _speaker(changes["speaker"])
    for name, value in changes.items():
        setattr(slot, name, value)
    _save_slot(slot, event)
    _append_change(event=event, type=Change.Type.EVENT_UPDATED, by=by, agenda=True)
    return slot


@transaction.atomic
def slot_delete(*, slot: SpeakerSlot, by: User) -> None:
    """Take a slot off the agenda; readers get the agenda without it."""
    event = slot.session.event
    lock_event(event)
    slot.delete()
    _append_change(event=event, type=Change.Type.EVENT_UPDATED, by=by, agenda=True)


# The desk ----------------------------------------------------------------------------------


@transaction.atomic
def desk_set_role(
    *,
    event: Event,
    user: Account,
    role: str,
    cities: Iterable[Session] = (),
    languages: Iterable[str] = (),
) -> None:
    """Put ``user`` on the event's desk as an editor, as a contributor limited to ``cities``
    (none: any of the event's), or as a translator into ``languages`` (none: any). One role
    each: the new one replaces the old."""
    if role not in ("editor", "contributor", "translator"):
        raise ValueError(f"No role “{role}”: editor, contributor or translator.")
    if role != "editor":
        event.editors.remove(user)
    if role != "contributor":
        Contributor.objects.filter(event=event, user=user).delete()
    if role != "translator":
        Translator.objects.filter(event=event, user=user).delete()
    if role == "editor":
        event.editors.add(user)
    elif role == "contributor":
        contributor, _ = Contributor.objects.get_or_create(event=event, user=user)
        contributor.cities.set(cities)
    else:
        codes = translations.check_languages(list(languages))
        Translator.objects.update_or_create(event=event, user=user, defaults={"languages": codes})


@transaction.atomic
def desk_remove(*, event: Event, user_id: int) -> None:
    """Take someone off the event's desk, whatever their role."""
    event.editors.remove(user_id)
    Contributor.objects.filter(event=event, user_id=user_id).delete()
    Translator.objects.filter(event=event, user_id=user_id).delete()
