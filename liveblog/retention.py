"""What `manage.py prune` deletes: rows that nothing needs any more.

Changes: readers resume by replaying the changes after the last seq they saw, but only from
within the last REPLAY_LIMIT changes; one further behind gets a `reset` frame and reloads the
page. So each event keeps its last REPLAY_LIMIT changes, whatever their age, and a reader who
resumes past the pruned range gets the `reset` it would get anyway. Exports, the reader page, the
Atom feed and revisions read entries, not changes."""

from dataclasses import dataclass
from datetime import datetime

from liveblog.frames import REPLAY_LIMIT
from liveblog.models import Change, Event, IdempotencyKey


@dataclass(frozen=True)
class RetentionPolicy:
    changes_before: datetime  # changes of ended events made before this go
    keys_before: datetime  # Idempotency-Key records made before this go: no client retries so late


def prune(policy: RetentionPolicy, *, dry_run: bool = False) -> dict[str, int]:
    """Delete (or with ``dry_run``, count) what ``policy`` lets go; the counts by kind."""
    changes = [
        Change.objects.filter(
            event=event, created_at__lt=policy.changes_before, seq__lte=event.seq - REPLAY_LIMIT
        )
        for event in Event.objects.filter(status=Event.Status.ENDED, seq__gt=REPLAY_LIMIT).only("pk", "seq")
    ]
    keys = IdempotencyKey.objects.filter(created_at__lt=policy.keys_before)
    if dry_run:
        return {"changes of ended events": sum(c.count() for c in changes), "idempotency keys": keys.count()}
    return {
        "changes of ended events": sum(c.delete()[0] for c in changes),
        "idempotency keys": keys.delete()[0],
    }
