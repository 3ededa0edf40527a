from datetime import timedelta

from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from liveblog.retention import RetentionPolicy, prune
from liveblog.tokens import tokens_prune


class Command(BaseCommand):
    help = (
        "Delete what is no longer needed: changes of ended events older than --changes-days (the "
        "last ones of each event are kept, enough for any reader who can still resume), "
        "Idempotency-Key records older than --keys-days, expired sign-in sessions, and API tokens "
        "that expired more than --tokens-days ago. --dry-run prints the counts and deletes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--changes-days", type=int, default=30, help="default: 30")
        parser.add_argument("--keys-days", type=int, default=1, help="default: 1")
        parser.add_argument("--tokens-days", type=int, default=30, help="default: 30")
        parser.add_argument("--dry-run", action="store_true", help="Print the counts, delete nothing.")

    def handle(self, *args, changes_days: int, keys_days: int, tokens_days: int, dry_run: bool, **options):
        ages = {"--changes-days": changes_days, "--keys-days": keys_days, "--tokens-days": tokens_days}
        for option, days in ages.items():
            if days < 0:
                raise CommandError(f"{option} is a number of days, 0 or more; it is {days}.")
        now = timezone.now()
        policy = RetentionPolicy(
            changes_before=now - timedelta(days=changes_days), keys_before=now - timedelta(days=keys_days)
        )
        counts = prune(policy, dry_run=dry_run)
        counts["expired API tokens"] = tokens_prune(before=now - timedelta(days=tokens_days), dry_run=dry_run)
        counts["expired sessions"] = self._sessions(now, dry_run)
        self.stdout.write("Would delete (dry run):" if dry_run else "Deleted:")
        for what, count in counts.items():
            self.stdout.write(f"  {what}: {count}")

    def _sessions(self, now, dry_run: bool) -> int:
        expired = Session.objects.filter(expire_date__lt=now)
        count = expired.count()
        if not dry_run:
            call_command("clearsessions")  # Django's own, whatever the session engine
        return count
