"""Import the speakers of a conference write-up into an event, and with --quotes their quotes."""

from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from liveblog import services
from liveblog.models import Entry, Event, Speaker
from liveblog.reports.parser import Problem, ReportParseError
from liveblog.reports.speakers import QuotedSpeaker, SpeakersResult, parse_speakers

SOURCE_KEY_PREFIX = "speakers:"


@dataclass
class SpeakersImport:
    event: Event
    new: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)
    titled: list[str] = field(default_factory=list)  # known speakers given the write-up's title
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)


class DryRun(Exception):
    """Raised inside the import transaction to roll a dry run back."""

    def __init__(self, result: SpeakersImport):
        self.result = result


def source_key(quoted: QuotedSpeaker) -> str:
    """One quote entry per speaker and event, found again by name on a re-import."""
    return SOURCE_KEY_PREFIX + quoted.speaker.name.lower()


def _speaker(result: SpeakersImport, quoted: QuotedSpeaker) -> Speaker:
    """The stored speaker of this name, created when new; a known one without a title gets it."""
    parsed = quoted.speaker
    # name__iexact is the unique constraint's own comparison (Lower(name)) on either database:
    # speaker_get_or_create compares with Python's lower(), which misses a known "Íngrid
    # Betancourt" on SQLite, whose LOWER() folds ASCII only.
    known = Speaker.objects.filter(name__iexact=parsed.name).first()
    if known is None:
        result.new.append(parsed.display())
        try:
            return services.speaker_get_or_create(
                name=parsed.name, honorific=parsed.honorific, title=parsed.title
            )
        except ValidationError as error:  # a name or honorific longer than a speaker holds
            raise CommandError(f"line {quoted.line}: “{parsed.display()}”: {' '.join(error.messages)}")
    result.known.append(parsed.display())
    if parsed.title and not known.title:
        known = services.speaker_update(speaker=known, by=None, title=parsed.title)
        result.titled.append(parsed.display())
    return known


def _quote_entry(
    result: SpeakersImport, quoted: QuotedSpeaker, speaker: Speaker, entry: Entry | None
) -> None:
    body = "\n\n".join(quoted.quotes)
    if entry is None:
        services.entry_create(
            event=result.event,
            by=None,
            body=body,
            speaker=speaker,
            occurred_at=result.event.starts_at,  # the write-up has no times
            kind=Entry.Kind.QUOTE,
            source_key=source_key(quoted),
        )
        result.created += 1
    elif entry.deleted_at is None and entry.body != body:
        services.entry_update(entry=entry, by=None, body=body)
        result.updated += 1
    else:
        result.unchanged += 1  # as it was, or deleted by an editor: a re-import does not bring it back


def import_speakers(event: Event, parsed: SpeakersResult, *, quotes: bool, dry_run: bool) -> SpeakersImport:
    """Store the parsed speakers, and with ``quotes`` one quote entry each, in one transaction;
    nothing is written on a dry run."""
    try:
        with transaction.atomic():
            services.lock_event(event)  # first, as every service does, so writers queue in one order
            result = SpeakersImport(event=event, problems=parsed.problems)
            entries = {
                e.source_key: e for e in event.entries.filter(source_key__startswith=SOURCE_KEY_PREFIX)
            }
            for quoted in parsed.speakers:
                speaker = _speaker(result, quoted)
                if quotes:
                    _quote_entry(result, quoted, speaker, entries.get(source_key(quoted)))
            if dry_run:
                raise DryRun(result)
    except DryRun as rolled_back:
        return rolled_back.result
    return result


class Command(BaseCommand):
    help = (
        "Import the speakers of a conference write-up (name lines followed by quoted paragraphs) into "
        "an existing event; --quotes adds one quote entry per speaker. Safe to run again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--event", required=True, dest="slug", help="Slug of an existing event.")
        parser.add_argument(
            "--quotes", action="store_true", help="Also add each speaker's quotes as a quote entry."
        )
        parser.add_argument("--dry-run", action="store_true", help="Print what would change; change nothing.")

    def handle(self, *args, file: Path, slug: str, quotes: bool, dry_run: bool, **options) -> None:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}")
        event = Event.objects.filter(slug=slug).first()
        if event is None:
            raise CommandError(f"No event has the slug “{slug}”; create it first (in the admin).")
        try:
            parsed = parse_speakers(text)
        except ReportParseError as error:
            raise CommandError(f"{file}: {error}")
        self._report(import_speakers(event, parsed, quotes=quotes, dry_run=dry_run), quotes, dry_run)

    def _report(self, result: SpeakersImport, quotes: bool, dry_run: bool) -> None:
        for problem in result.problems:
            self.stderr.write(f"line {problem.line}: {problem.message}")
        for label in result.new:
            self.stdout.write(f"{'would add' if dry_run else 'added'}: {label}")
        for label in result.titled:
            self.stdout.write(f"{'would give a title to' if dry_run else 'title given to'}: {label}")
        summary = f"{result.event.slug}: {len(result.new) + len(result.known)} speakers "
        summary += f"({len(result.new)} new, {len(result.known)} known)"
        if quotes:
            created, updated = ("would be created", "would be updated") if dry_run else ("created", "updated")
            summary += f", {result.created} quote entries {created}, {result.updated} {updated}"
            summary += f", {result.unchanged} unchanged"
        self.stdout.write(summary + (" (dry run: nothing was saved)" if dry_run else ""))
