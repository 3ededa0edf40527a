"""What readers receive: the entry and event payloads and the JSON frames built from them.

Pure: no Redis, no asyncio, no sockets. Services build each change's frame here, once, inside
the change's transaction; the API, the exports and the delivery package read the same payloads.
"""

import json
import re
from typing import Any

from django.utils import translation

from liveblog.media import payload as media_payload
from liveblog.models import Change, Entry, Event, Session, Speaker
from liveblog.rendering import render_entry
from liveblog.translations import original_language, translations_payload

SEQ = re.compile(r"[0-9]{1,18}")  # a seq as clients send it
REPLAY_LIMIT = 500  # a reader further behind than this reloads instead of replaying

# An edit or a deletion rewrites the entry's earlier frames in the feed, so that a replay never
# brings back withdrawn words (services.rewrite_history). A replay ring that still holds those
# earlier frames serves no replay spanning them (delivery.ring.Ring.rewritten).
REWRITES_HISTORY = frozenset({Change.Type.ENTRY_UPDATED, Change.Type.ENTRY_DELETED})


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _dumps(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def entry_payload(entry: Entry) -> dict[str, Any]:
    """The entry as readers, the API and the frames see it. Built once per version of the entry
    in hand: a write's frame and its API answer share it (rendering is most of a POST's work)."""
    kept = entry.__dict__.get("_payload")
    if kept is not None and kept[0] == (entry.version, entry.updated_at):
        return dict(kept[1])
    # One html for every reader, whatever language the request that wrote it spoke: the words
    # around the entry's text ("Pinned", the kind) are the event's language's.
    with translation.override(entry.event.language):
        payload = _entry_payload(entry)
    entry.__dict__["_payload"] = ((entry.version, entry.updated_at), payload)
    return dict(payload)


def _entry_payload(entry: Entry) -> dict[str, Any]:
    session, speaker = entry.session, entry.speaker
    return {
        "id": entry.pk,
        "version": entry.version,
        "occurred_at": _iso(entry.occurred_at),
        "local_time": entry.local_time,
        "dateline": entry.dateline,
        "city": {"slug": session.slug, "name": session.city} if session else None,
        "speaker": speaker_payload(speaker) if speaker else None,
        "headline": entry.headline,
        "language": original_language(entry),
        "kind": entry.kind,
        "pinned": entry.pinned,
        "key_moment": entry.key_moment,
        "status": entry.status,
        "body": entry.body,
        "media": [media_payload(item) for item in entry.photos],
        "correction": entry.correction,
        "corrected_at": _iso(entry.corrected_at),
        "html": render_entry(entry),
        "translations": translations_payload(entry),
        "updated_at": _iso(entry.updated_at),
    }


def event_payload(event: Event) -> dict[str, Any]:
    return {
        "slug": event.slug,
        "title": event.title,
        "summary": event.summary,
        "language": event.language,
        "translations": event.translations or {},
        "status": event.status,
        "timezone": event.timezone,
        "starts_at": _iso(event.starts_at),
        "ends_at": _iso(event.ends_at),
        # Queried afresh: a prefetched list would miss the city this very change adds.
        "cities": [
            {"slug": slug, "name": city, "timezone": zone or event.timezone}
            for slug, city, zone in Session.objects.filter(event=event).values_list(
                "slug", "city", "timezone"
            )
        ],
    }


def frame_for_change(
    *,
    event: Event,
    seq: int,
    type: str,
    entry: Entry | None,
    payload: dict[str, Any] | None = None,
    counts: dict[str, Any] | None = None,
    speakers: list[dict[str, Any]] | None = None,
    agenda: list[dict[str, Any]] | None = None,
) -> str:
    """Serialize the frame for one change. An entry readers may not see (a draft, a tombstone)
    goes out as ``entry.deleted`` with its id only, so no reader ever receives its text.
    ``payload``: the entry's, when the caller already built it for another frame. ``counts``:
    the event's published entries after the change, in all and in the cities it touched.
    ``speakers``: on an ``event.updated``, the speakers whose name or title changed, so that
    pages retitle the entries showing them (one frame, however many entries). ``agenda``: on an
    ``event.updated``, the whole agenda after a change to it (liveblog.agenda.agenda_payload)."""
    frame: dict[str, Any] = {"type": type, "seq": seq, "epoch": event.epoch}
    if entry is None:
        frame["event"] = event_payload(event)
    elif entry.is_visible:
        frame["entry"] = payload or entry_payload(entry)
    else:
        frame["type"] = "entry.deleted"
        frame["entry"] = {"id": entry.pk}
    if counts is not None:
        frame["counts"] = counts
    if speakers:
        frame["speakers"] = speakers
    if agenda is not None:
        frame["agenda"] = agenda
    return _dumps(frame)


def speaker_payload(speaker: Speaker) -> dict[str, Any]:
    return {"id": speaker.pk, "name": speaker.name, "honorific": speaker.honorific, "title": speaker.title}


def hello_frame(*, slug: str, epoch: str, seq: int, readers: int) -> str:
    return _dumps({"type": "hello", "event": slug, "epoch": epoch, "seq": seq, "readers": readers})


def readers_frame(count: int) -> str:
    return _dumps({"type": "readers", "count": count})


def presence_frame(editors: list[str]) -> str:
    return _dumps({"type": "presence", "editors": editors})


def reset_frame(reason: str) -> str:
    return _dumps({"type": "reset", "reason": reason})


def replay_problem(*, head: int, after: int) -> str | None:
    """Why a reader that saw up to ``after`` cannot catch up by replay, or None if it can."""
    if after > head:
        return "This page is ahead of the report; reload."
    if head - after > REPLAY_LIMIT:
        return f"More than {REPLAY_LIMIT} changes were missed; reload."
    return None
