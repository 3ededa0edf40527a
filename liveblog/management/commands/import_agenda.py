"""Import an event's agenda from the text format described in liveblog.reports.agenda."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from liveblog.models import Event
from liveblog.reports.agenda_importer import import_agenda


class Command(BaseCommand):
    help = (
        "Add speaker slots to an event's agenda from a text file, one a line: "
        "“2026-06-03 17:40–18:00 | Berlin | Mr. Hamid Moaser | Title”, in the city's time. "
        "Safe to run again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", metavar="EVENT", help="Slug of the event.")
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Print what would change; change nothing.")

    def handle(self, *args, slug: str, file: Path, dry_run: bool, **options) -> None:
        event = Event.objects.filter(slug=slug).first()
        if event is None:
            raise CommandError(f"No event “{slug}”.")
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}")
        result = import_agenda(event, text, dry_run=dry_run)
        if result.problems:
            for problem in result.problems:
                self.stderr.write(f"{file}, {problem}" if problem.line else f"{file}: {problem.message}")
            raise CommandError(f"Nothing imported: {len(result.problems)} line(s) to correct.")
        verb = "would add" if dry_run else "added"
        for label in result.added:
            self.stdout.write(f"{verb}: {label}")
        self.stdout.write(
            f"{slug}: {len(result.added)} slot(s) {verb}, {result.unchanged} already on the agenda"
            + (" (dry run: nothing was saved)" if dry_run else "")
        )
