from django.core.management.base import BaseCommand, CommandError

from liveblog import languages
from liveblog.models import Event
from liveblog.reports.exporter import FORMATS, export_report


class Command(BaseCommand):
    help = (
        "Print an event's published entries as a minute-by-minute report, Markdown or JSON; "
        "--lang fr: in French where translated."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--format", choices=FORMATS, default="text")
        parser.add_argument(
            "--site",
            default="",
            help="Address the site is served at (https://live.example.org/): photos' links are made "
            "absolute with it in Markdown and JSON.",
        )
        parser.add_argument(
            "--lang",
            choices=[code for code, _ in languages.LANGUAGES],
            help="The report in this language: each entry where translated, the original elsewhere.",
        )

    def handle(self, *args, slug: str, format: str, site: str, lang: str | None, **options) -> None:
        event = Event.objects.filter(slug=slug).first()
        if event is None:
            raise CommandError(f"No event has the slug “{slug}”.")
        self.stdout.write(export_report(event, format, site=site, language=lang), ending="")
