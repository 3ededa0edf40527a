"""Write an event's published entries back out as text, Markdown or JSON."""

import json
from urllib.parse import urljoin

from liveblog import selectors, translations
from liveblog.media import payload as media_payload
from liveblog.models import Entry, Event, Media
from liveblog.reports.parser import ParsedEntry, Speaker, format_entry

FORMATS = ("text", "markdown", "json")


def _entries(event: Event, language: str | None = None) -> list[Entry]:
    """The published entries, in ``language`` where translated (in memory only: nothing is
    saved); ``export_language`` says what each is in."""
    entries = list(selectors.entries_for_reader(event, order="oldest"))
    for entry in entries:
        reading = translations.reading(entry, language)
        if reading.translation:
            entry.headline = reading.translation.headline or entry.headline
            entry.body, entry.body_html = reading.translation.body, reading.translation.body_html
        entry.export_language = reading.language
    return entries


def _speaker(entry: Entry) -> Speaker | None:
    s = entry.speaker
    return Speaker(honorific=s.honorific, name=s.name, title=s.title) if s else None


def entry_record(entry: Entry, *, site: str = "") -> dict:
    speaker = entry.speaker
    return {
        "id": entry.pk,
        "occurred_at": entry.occurred_at.isoformat(),
        "local_time": entry.local_time,
        "dateline": entry.dateline,
        "city": entry.city_name or None,
        "speaker": {"name": speaker.name, "honorific": speaker.honorific, "title": speaker.title}
        if speaker
        else None,
        "headline": entry.headline,
        "body": entry.body,
        "language": getattr(entry, "export_language", translations.original_language(entry)),
        "media": [
            {**media_payload(photo), "src": urljoin(site, photo.src), "srcset": _absolute(photo.srcset, site)}
            for photo in entry.photos
        ],
        "kind": entry.kind,
        "pinned": entry.pinned,
        "key_moment": entry.key_moment,
        "version": entry.version,
    }


def export_json(event: Event, *, site: str = "", language: str | None = None) -> str:
    document = {
        "event": {
            "slug": event.slug,
            "title": event.title,
            "language": language or event.language,
            "timezone": event.timezone,
            "starts_at": event.starts_at.isoformat(),
            "ends_at": event.ends_at.isoformat() if event.ends_at else None,
            "status": event.status,
        },
        "entries": [entry_record(entry, site=site) for entry in _entries(event, language)],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _absolute(srcset: str, site: str) -> str:
    parts = (part.split(" ") for part in srcset.split(", "))
    return ", ".join(f"{urljoin(site, url)} {width}" for url, width in parts)


def export_text(event: Event, language: str | None = None) -> str:
    """The report in the reports' own format, whose times are all in one zone: the event's, as
    ``import_report --timezone`` reads them (a venue's own time would make Toronto's 13:05 a
    Paris 13:05)."""
    blocks = [event.title]
    for entry in _entries(event, language):
        local = entry.occurred_at.astimezone(event.tzinfo)
        parsed = ParsedEntry(
            line=0,
            time=local.time().replace(second=0, microsecond=0),
            day_offset=0,
            timezone_abbr="",
            city=entry.city_name,
            speaker=_speaker(entry),
            body=entry.body,
        )
        blocks.append(format_entry(parsed))
    return "\n\n".join(blocks) + "\n"


def export_markdown(event: Event, *, site: str = "", language: str | None = None) -> str:
    lines = [f"# {event.title}", ""]
    for entry in _entries(event, language):
        lines.append(f"## {entry.time_and_city}")
        if entry.headline:
            lines += ["", f"### {entry.headline}"]
        if entry.speaker:
            s = entry.speaker
            who = f"**{' '.join(p for p in (s.honorific, s.name) if p)}**"
            lines.append(f"{who}, {s.title}" if s.title else who)
        lines += ["", entry.body, ""]
        for photo in entry.photos:
            lines += [_markdown_photo(photo, site), ""]
    return "\n".join(lines)


def _markdown_photo(photo: Media, site: str) -> str:
    """A photo as Markdown: the image, then its caption and credit in italics."""
    alt = photo.alt.replace("[", "(").replace("]", ")")
    line = f"![{alt}]({urljoin(site, photo.src)})"
    caption = " ".join(part for part in (photo.caption, f"({photo.credit})" if photo.credit else "") if part)
    return f"{line}\n*{caption}*" if caption else line


def export_report(event: Event, fmt: str, *, site: str = "", language: str | None = None) -> str:
    """``site``: the address photos are served under, when the storage gives paths only
    ("https://live.example.org/"). The text format is the reports' own, which knows no
    headlines or photos: it imports back to the same entries. ``language``: the report in
    that language, the event's title and each entry where translated (the original elsewhere)."""
    if language:
        event = translations.show_event_in(event, language)
    if fmt == "markdown":
        return export_markdown(event, site=site, language=language)
    if fmt == "json":
        return export_json(event, site=site, language=language)
    return export_text(event, language)
