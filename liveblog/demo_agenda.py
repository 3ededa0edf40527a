"""The demo's agenda: who spoke where in the sample report, when, as a programme running now.

The sample report is from 2018, and an agenda of 2018 would show nobody on stage. So the demo's
programme keeps the report's cities, speakers, order and gaps (Berlin's Mr. Hamid Moaser 39
minutes after the opening in Paris, for six minutes), and starts OPENED_AGO before load_demo
runs: a few speakers have spoken, one or two are on stage, the rest are next. Each run of
load_demo moves it to that time again.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from liveblog import services
from liveblog.models import Entry, Event, SpeakerSlot

OPENED_AGO = timedelta(minutes=40)


def report_programme(event: Event) -> list[tuple[timedelta, Entry]]:
    """The report's speakers in order, each with when they started after the first entry: an
    entry by someone else in their city (or a new speaker) starts a slot, more entries by the
    same speaker there continue it."""
    entries = list(
        Entry.objects.published()
        .filter(event=event, speaker__isnull=False, session__isnull=False)
        .select_related("session", "speaker")
        .in_reader_order()
    )
    if not entries:
        return []
    opening = entries[0].occurred_at
    last_speaker: dict[int | None, int | None] = {}
    programme = []
    for entry in entries:
        if last_speaker.get(entry.session_id) != entry.speaker_id:
            programme.append((entry.occurred_at - opening, entry))
        last_speaker[entry.session_id] = entry.speaker_id
    return programme


@transaction.atomic
def schedule_demo_agenda(event: Event, *, now: datetime | None = None) -> list[SpeakerSlot]:
    """Replace the demo event's agenda with the report's programme, opened OPENED_AGO before
    ``now``. Readers get one ``event.updated`` with the new agenda."""
    opened = (now or timezone.now()).replace(second=0, microsecond=0) - OPENED_AGO
    services.lock_event(event)
    SpeakerSlot.objects.filter(session__event=event).delete()
    slots = [
        {"session": entry.session, "speaker": entry.speaker, "starts_at": opened + offset}
        for offset, entry in report_programme(event)
    ]
    return services.slots_add(event=event, by=None, slots=slots)
