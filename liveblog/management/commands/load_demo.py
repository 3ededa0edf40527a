import secrets
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from liveblog import services
from liveblog.models import Entry, Event
from liveblog.reports.importer import import_report

SAMPLE = Path(settings.BASE_DIR) / "samples" / "minute-by-minute-report.txt"
SLUG = "1988-massacre-conference"
TITLE = (
    "International Online Conference of the Iranian Communities "
    "on the 30th Anniversary of 1988 Massacre in Iran"
)
SUMMARY = (
    "Iranian communities in 17 cities, from Paris and Berlin to Toronto and Ottawa, marked thirty "
    "years since the 1988 massacre of political prisoners in Iran, calling for justice for the victims."
)


def password_file() -> Path:
    """Beside the SQLite database (so each `make run` prints the same working login, and a
    throwaway database keeps its own), or in the project for any other database."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3") and str(database["NAME"]) != ":memory:":
        return Path(database["NAME"]).with_name(".demo-admin-password")
    return Path(settings.BASE_DIR) / ".demo-admin-password"


class Command(BaseCommand):
    help = "Load the demo event from the sample report (once) and print an admin login."

    def handle(self, *args, **options) -> None:
        if Event.objects.filter(slug=SLUG).exists():
            self.stdout.write(f"Demo event “{SLUG}” is already loaded.")
        else:
            result = import_report(
                SAMPLE.read_text(encoding="utf-8"),
                slug=SLUG,
                day=date(2018, 8, 25),
                tz="Europe/Paris",
                title=TITLE,
            )
            services.event_update(event=result.event, by=None, summary=SUMMARY)
            # The opening and closing speeches: the report's key moments.
            entries = list(Entry.objects.published().filter(event=result.event).in_reader_order())
            for entry in (entries[0], entries[-1]):
                services.entry_set_flags(entry=entry, by=None, key_moment=True)
            # Left live so that entries posted through the API reach open reader pages.
            services.event_set_status(event=result.event, status=Event.Status.LIVE, by=None)
            self.stdout.write(f"Loaded the demo event “{SLUG}”: {len(result.created)} entries.")
        password = self._admin_password()
        self.stdout.write(f"Admin login: http://127.0.0.1:8000/admin/  user: admin  password: {password}")

    def _admin_password(self) -> str:
        User = get_user_model()
        admin = User.objects.filter(username="admin").first()
        saved = password_file()
        if admin and saved.exists() and admin.check_password(saved.read_text().strip()):
            return saved.read_text().strip()
        password = secrets.token_urlsafe(12)
        admin = admin or User(username="admin", is_staff=True, is_superuser=True)
        admin.set_password(password)
        admin.save()
        saved.write_text(password + "\n")
        saved.chmod(0o600)
        return password
