"""Entries for the read-path benchmark, written the way the API writes them (services.entry_create:
rendered Markdown, a Change and its frame each) but in one transaction, so that 2,000 take
seconds. Run inside Django: manage.py shell -c "from bench import seed; seed.run(2000)"."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from liveblog import services
from liveblog.models import Event

SLUG = "1988-massacre-conference"
PARAGRAPH = (
    "**{speaker}** told the conference that the archive of the {n}th session is still closed, "
    "and that families have waited more than thirty years for an answer. She asked the "
    "delegates to [read the report](https://example.org/report/{n}) before the vote, and "
    "listed three demands: access to the files, a memorial, and names."
)
SPEAKERS = ("Farideh Goudarzi", "Reza Moini", "Shahla Entesari", "Kaveh Taheri")


def run(count: int) -> None:
    event = Event.objects.get(slug=SLUG)
    sessions = list(event.sessions.all()) or [None]
    # A minute apart, the newest now: the page's first 50 are the last 50 written.
    first = timezone.now() - timedelta(minutes=count)
    with transaction.atomic():
        for n in range(count):
            body = PARAGRAPH.format(speaker=SPEAKERS[n % len(SPEAKERS)], n=n)
            services.entry_create(
                event=event,
                by=None,
                body=body,
                session=sessions[n % len(sessions)],
                occurred_at=first + timedelta(minutes=n),
                key_moment=n % 97 == 0,
            )
    event.refresh_from_db()
    print(f"{event.entries.count()} entries, seq {event.seq}")
