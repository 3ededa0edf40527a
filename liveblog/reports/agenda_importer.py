"""Put an agenda written in the text format (liveblog.reports.agenda) on an event, through the
services: all of it, or nothing when a line is wrong."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.text import slugify

from liveblog import services, speakers
from liveblog.models import Event, Session, SpeakerSlot
from liveblog.reports.agenda import AgendaLine, AgendaProblem, parse_agenda
from liveblog.reports.parser import split_speaker


@dataclass
class AgendaImport:
    added: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[AgendaProblem] = field(default_factory=list)


class _DryRun(Exception):
    """Raised inside the import transaction to roll a dry run back."""


def import_agenda(event: Event, text: str, *, dry_run: bool = False) -> AgendaImport:
    """Add the text's slots to the event's agenda; a slot already there (same city, speaker and
    start) is left as it is, so the same file can be imported again. Any problem: nothing added."""
    lines, problems = parse_agenda(text)
    result = AgendaImport(problems=problems)
    cities = _cities(event)
    slots = []
    for line in lines:
        session = cities.get(line.city.casefold()) or cities.get(slugify(line.city))
        if session is None:
            known = ", ".join(s.city for s in event.sessions.all()) or "none yet"
            result.problems.append(
                AgendaProblem(line.line, f"“{line.city}” is not a city of this event ({known}).")
            )
            continue
        slots.append((line, _fields(line, session)))
    if result.problems:
        result.problems.sort(key=lambda problem: problem.line)
        return result
    try:
        with transaction.atomic():
            _add(event, slots, result)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return result


def _cities(event: Event) -> dict[str, Session]:
    cities = {}
    for session in event.sessions.all():
        session.event = event
        cities[session.city.casefold()] = cities[session.slug] = session
    return cities


def _too_long(line: AgendaLine) -> str:
    parts = split_speaker(line.speaker)
    if len(parts.name) > 200 or len(parts.honorific) > 40 or len(parts.title) > 300:
        return "the speaker is too long: a name under 200 characters and a title under 300."
    if len(line.title) > 200:
        return "the title is too long: keep it to 200 characters or fewer."
    return ""


def _fields(line: AgendaLine, session: Session) -> dict:
    zone = session.tzinfo
    return {
        "session": session,
        # A known speaker whatever the accents or case; else a new one, split as reports are.
        "speaker": speakers.known(line.speaker) or line.speaker,
        "starts_at": line.starts_at.replace(tzinfo=zone),
        "ends_at": line.ends_at.replace(tzinfo=zone) if line.ends_at else None,
        "title": line.title,
    }


def _add(event: Event, slots: list[tuple[AgendaLine, dict]], result: AgendaImport) -> None:
    new = []
    for line, fields in slots:
        speaker = fields["speaker"]
        same = SpeakerSlot.objects.filter(session=fields["session"], starts_at=fields["starts_at"])
        if not isinstance(speaker, str) and same.filter(speaker=speaker).exists():
            result.unchanged += 1
            continue
        new.append((line, fields))
    for slot in services.slots_add(event=event, by=None, slots=[fields for _, fields in new]):
        local = slot.starts_at.astimezone(slot.session.tzinfo)
        result.added.append(f"{local:%Y-%m-%d %H:%M} {slot.session.city}: {slot.speaker}")
