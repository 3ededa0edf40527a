from django.core.management.base import BaseCommand, CommandError

from liveblog import services
from liveblog.models import Event


class Command(BaseCommand):
    help = (
        "Give events a new epoch, so that open pages reload instead of applying seqs from another "
        "history. Run it after restoring the database from a backup."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slugs", nargs="*", help="Events to renew (default: every event).")

    def handle(self, *args, slugs: list[str], **options) -> None:
        events = Event.objects.filter(slug__in=slugs) if slugs else Event.objects.all()
        missing = set(slugs) - set(events.values_list("slug", flat=True))
        if missing:
            raise CommandError(f"No event has the slug(s): {', '.join(sorted(missing))}.")
        for event in events:
            services.event_new_epoch(event=event)
            self.stdout.write(f"{event.slug}: epoch {event.epoch}, seq {event.seq}")
