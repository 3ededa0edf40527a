"""Turn a parsed minute-by-minute report into an event's entries, through the services."""

import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils.text import slugify

from liveblog import services
from liveblog.gazetteer import place_defaults
from liveblog.models import Entry, Event, Session
from liveblog.rendering import EntryTooLarge
from liveblog.reports.parser import ParsedEntry, Problem, ReportParseError, parse_report


@dataclass
class ImportResult:
    event: Event
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    unplaced: list[Session] = field(default_factory=list)  # cities the gazetteer does not know


class DryRun(Exception):
    """Raised inside the import transaction to roll a dry run back."""

    def __init__(self, result: ImportResult):
        self.result = result


def occurred_at(parsed: ParsedEntry, *, day: date, tz: zoneinfo.ZoneInfo) -> datetime:
    local_day = day + timedelta(days=parsed.day_offset)
    return datetime.combine(local_day, parsed.time, tzinfo=tz)


def kind_for(parsed: ParsedEntry) -> str:
    """The sample's speakerless entries announce breaking news or a clip; the rest are updates."""
    if parsed.speaker is None:
        first = parsed.body.split(maxsplit=1)[0].lower() if parsed.body else ""
        if first == "breaking":
            return Entry.Kind.BREAKING
        if first in {"video", "clip", "photo", "photos"}:
            return Entry.Kind.MEDIA
    return Entry.Kind.UPDATE


def _source_keys(entries: list[ParsedEntry], day: date) -> list[str]:
    """A key per entry that survives edits of its text: time, city and speaker, numbered when
    the same three repeat."""
    seen: Counter[str] = Counter()
    keys = []
    for parsed in entries:
        speaker = parsed.speaker.name.lower() if parsed.speaker else ""
        base = f"{day + timedelta(days=parsed.day_offset)}T{parsed.time:%H%M}|{parsed.city.lower()}|{speaker}"
        seen[base] += 1
        keys.append(base if seen[base] == 1 else f"{base}#{seen[base]}")
    return keys


def _event(slug: str, *, title: str | None, tz: str, starts_at: datetime, cities: list[str]) -> Event:
    """The event, created with the report's cities; a known event gets the cities it lacks."""
    event = Event.objects.filter(slug=slug).first()
    if event is None:
        title = title or slug.replace("-", " ").capitalize()
        return services.event_create(slug=slug, title=title, timezone=tz, starts_at=starts_at, cities=cities)
    services.cities_add(event=event, cities=cities, by=None)
    return event


def _fields(parsed: ParsedEntry, *, sessions: dict[str, Session], day: date, tz: zoneinfo.ZoneInfo) -> dict:
    speaker = parsed.speaker
    return {
        "session": sessions[slugify(parsed.city)] if parsed.city else None,
        "speaker": services.speaker_get_or_create(
            name=speaker.name, honorific=speaker.honorific, title=speaker.title
        )
        if speaker
        else None,
        "occurred_at": occurred_at(parsed, day=day, tz=tz),
        "body": parsed.body,
        "kind": kind_for(parsed),
    }


def _apply(result: ImportResult, key: str, fields: dict, existing: Entry | None) -> None:
    event = result.event
    label = f"{fields['occurred_at'].astimezone(event.tzinfo):%H:%M} {fields['session'] or ''}".strip()
    if existing is not None and existing.deleted_at is not None:
        result.unchanged += 1  # an editor deleted it; a re-import does not bring it back
        return
    if existing is None:
        services.entry_create(event=event, by=None, source_key=key, **fields)
        result.created.append(label)
        return
    changed = {name: value for name, value in fields.items() if getattr(existing, name) != value}
    if changed:
        services.entry_update(entry=existing, by=None, **changed)
        result.updated.append(label)
    else:
        result.unchanged += 1


def import_report(
    text: str, *, slug: str, day: date, tz: str, title: str | None = None, dry_run: bool = False
) -> ImportResult:
    """Import ``text``, whose times were written in the zone ``tz``, into the event ``slug`` in
    one transaction: each entry keeps its instant and shows it in its city's own time. Raises
    ReportParseError when the text holds no entries; nothing is written then, nor on a dry run."""
    existing = Event.objects.filter(slug=slug).first()
    known = existing.sessions.values_list("city", flat=True) if existing else ()
    parsed = parse_report(text, known_cities=list(known))
    zone = zoneinfo.ZoneInfo(tz)
    try:
        with transaction.atomic():
            start = min(occurred_at(p, day=day, tz=zone) for p in parsed.entries)
            cities: dict[str, str] = {}  # by slug, as first written, in report order
            for p in parsed.entries:
                if p.city:
                    cities.setdefault(slugify(p.city), p.city)
            event = _event(slug, title=title, tz=tz, starts_at=start, cities=list(cities.values()))
            result = ImportResult(event=event, problems=parsed.problems)
            by_key = {
                e.source_key: e for e in Entry.objects.filter(event=result.event).exclude(source_key="")
            }
            sessions = {s.slug: s for s in result.event.sessions.all()}
            result.unplaced = [
                s for s in sessions.values() if s.slug in cities and not place_defaults(s.city, s.country)
            ]
            for key, entry in zip(_source_keys(parsed.entries, day), parsed.entries, strict=True):
                fields = _fields(entry, sessions=sessions, day=day, tz=zone)
                try:
                    _apply(result, key, fields, by_key.get(key))
                except EntryTooLarge as error:
                    raise ReportParseError(f"Line {entry.line}: {error} Nothing was imported.") from None
            if dry_run:
                raise DryRun(result)
    except DryRun as rolled_back:
        return rolled_back.result
    return result
