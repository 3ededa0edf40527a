import zoneinfo
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from liveblog.gazetteer import not_found_notice
from liveblog.reports.importer import ImportResult, import_report
from liveblog.reports.parser import ReportParseError


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date must be a date such as 2018-08-25, not “{value}”.")


def _timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise CommandError(f"--timezone must be an IANA timezone such as Europe/Paris, not “{value}”.")
    return value


class Command(BaseCommand):
    help = "Import a minute-by-minute report into an event (created if needed). Safe to run again."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--event", required=True, dest="slug", help="Slug of the event.")
        parser.add_argument("--date", required=True, help="Local date of the first entry, YYYY-MM-DD.")
        parser.add_argument(
            "--timezone",
            required=True,
            help="IANA timezone the report's times were written in (the event's, if it is created); "
            "each entry then shows its city's own time.",
        )
        parser.add_argument("--title", help="Title of the event, if it is created.")
        parser.add_argument("--dry-run", action="store_true", help="Print what would change; change nothing.")

    def handle(self, *args, file: Path, slug: str, title: str | None, dry_run: bool, **options) -> None:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}")
        day, tz = _date(options["date"]), _timezone(options["timezone"])
        try:
            result = import_report(text, slug=slug, day=day, tz=tz, title=title, dry_run=dry_run)
        except ReportParseError as error:
            raise CommandError(f"{file}: {error}")
        self._report(result, dry_run)

    def _report(self, result: ImportResult, dry_run: bool) -> None:
        for problem in result.problems:
            self.stderr.write(f"line {problem.line}: {problem.message}")
        for session in result.unplaced:
            zone = session.timezone or f"the event's, {result.event.timezone}"
            self.stderr.write(not_found_notice(session.city, zone) + " (in the admin: the event's cities)")
        verb = "would create" if dry_run else "created"
        for label in result.created:
            self.stdout.write(f"{verb}: {label}")
        for label in result.updated:
            self.stdout.write(f"{'would update' if dry_run else 'updated'}: {label}")
        self.stdout.write(
            f"{result.event.slug}: {len(result.created)} {verb}, {len(result.updated)} "
            f"{'would be updated' if dry_run else 'updated'}, {result.unchanged} unchanged"
            + (" (dry run: nothing was saved)" if dry_run else "")
        )
