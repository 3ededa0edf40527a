"""Write an event's published entries back out as text, Markdown or JSON."""

import json

from liveblog import selectors
from liveblog.models import Entry, Event
from liveblog.reports.parser import ParsedEntry, Speaker, format_entry

FORMATS = ("text", "markdown", "json")


def _entries(event: Event) -> list[Entry]:
    return list(selectors.entries_for_reader(event, order="oldest"))


def _speaker(entry: Entry) -> Speaker | None:
    s = entry.speaker
    return Speaker(honorific=s.honorific, name=s.name, title=s.title) if s else None


def entry_record(entry: Entry) -> dict:
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
        "body": entry.body,
        "kind": entry.kind,
        "pinned": entry.pinned,
        "key_moment": entry.key_moment,
        "version": entry.version,
    }


def export_json(event: Event) -> str:
    document = {
        "event": {
            "slug": event.slug,
            "title": event.title,
            "timezone": event.timezone,
            "starts_at": event.starts_at.isoformat(),
            "ends_at": event.ends_at.isoformat() if event.ends_at else None,
            "status": event.status,
        },
        "entries": [entry_record(entry) for entry in _entries(event)],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def export_text(event: Event) -> str:
    blocks = [event.title]
    for entry in _entries(event):
        local = entry.local_occurred_at
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


def export_markdown(event: Event) -> str:
    lines = [f"# {event.title}", ""]
    for entry in _entries(event):
        lines.append(f"## {entry.time_and_city}")
        if entry.speaker:
            s = entry.speaker
            who = f"**{' '.join(p for p in (s.honorific, s.name) if p)}**"
            lines.append(f"{who}, {s.title}" if s.title else who)
        lines += ["", entry.body, ""]
    return "\n".join(lines)


def export_report(event: Event, fmt: str) -> str:
    return {"text": export_text, "markdown": export_markdown, "json": export_json}[fmt](event)
