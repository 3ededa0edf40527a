"""Frames: what readers receive for each change, built once and serialized once."""

import json
from typing import Any

from django.template.loader import render_to_string

from liveblog.models import Entry, Event


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def entry_payload(entry: Entry) -> dict[str, Any]:
    """The entry as readers, the API and the frames see it."""
    session, speaker = entry.session, entry.speaker
    return {
        "id": entry.pk,
        "version": entry.version,
        "occurred_at": _iso(entry.occurred_at),
        "local_time": entry.local_time,
        "city": {"slug": session.slug, "name": session.city} if session else None,
        "speaker": (
            {"id": speaker.pk, "name": speaker.name, "honorific": speaker.honorific, "title": speaker.title}
            if speaker
            else None
        ),
        "kind": entry.kind,
        "pinned": entry.pinned,
        "key_moment": entry.key_moment,
        "status": entry.status,
        "body": entry.body,
        "html": render_to_string("liveblog/_entry.html", {"entry": entry}),
        "updated_at": _iso(entry.updated_at),
    }


def event_payload(event: Event) -> dict[str, Any]:
    return {
        "slug": event.slug,
        "title": event.title,
        "summary": event.summary,
        "status": event.status,
        "timezone": event.timezone,
        "starts_at": _iso(event.starts_at),
        "ends_at": _iso(event.ends_at),
        "cities": [{"slug": s.slug, "name": s.city} for s in event.sessions.all()],
    }


def frame_for_change(*, event: Event, seq: int, type: str, entry: Entry | None) -> str:
    """Serialize the frame for one change. An entry readers may not see (a draft, a tombstone)
    goes out as ``entry.deleted`` with its id only, so no reader ever receives its text."""
    frame: dict[str, Any] = {"type": type, "seq": seq, "epoch": event.epoch}
    if entry is None:
        frame["event"] = event_payload(event)
    elif entry.is_visible:
        frame["entry"] = entry_payload(entry)
    else:
        frame["type"] = "entry.deleted"
        frame["entry"] = {"id": entry.pk}
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
