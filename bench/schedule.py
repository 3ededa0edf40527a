"""Scheduled entries with several workers: how late each is published, and that each is published
once. Also across a restart: an entry falls due while every worker is down.

    .venv/bin/python -m bench.schedule [--entries 20] [--workers 2]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres): the workers share a database made for the
run and dropped after it. Prints figures only."""

import argparse
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from deploy.launch import manage, production_env, serving
from tests.helpers import Api

POSTGRES = "postgres://postgres@127.0.0.1:5432"
SLUG = "schedule"

SET_UP = f"""
from django.contrib.auth.models import User
from django.utils import timezone
from liveblog.tokens import token_create
from liveblog import services
event = services.event_create(
    slug="{SLUG}", title="Schedule", starts_at=timezone.now(), status="live", cities=["Paris"]
)
user = User.objects.create_user("desk")
event.editors.add(user)
print(token_create(user=user)[0])
"""

# Lateness of each published entry: when its publication committed, less its publish_at.
PUBLISHED = f"""
import json
from liveblog.models import Review
rows = Review.objects.filter(entry__event__slug="{SLUG}", action="published").select_related("entry")
print(json.dumps([[r.entry_id, r.entry.publish_at.timestamp(), r.at.timestamp()] for r in rows]))
"""

SCHEDULE_DIRECTLY = f"""
from datetime import timedelta
from django.utils import timezone
from liveblog import services
from liveblog.models import Event
event = Event.objects.get(slug="{SLUG}")
at = timezone.now() + timedelta(seconds={{seconds}})
body = "Fell due while every worker was down."
entry = services.entry_create(event=event, by=None, body=body, status="scheduled", publish_at=at)
print(entry.pk)
"""


@dataclass
class Run:
    env: dict[str, str]
    token: str
    logs: Path

    @contextmanager
    def workers(self, count: int) -> Iterator[list[str]]:
        with ExitStack() as stack:
            urls = [
                stack.enter_context(serving(self.env, self.logs / f"worker-{n}.log")).url
                for n in range(count)
            ]
            yield urls

    def published(self) -> list[tuple[int, float, float]]:
        return [tuple(row) for row in json.loads(manage(self.env, "shell", "-c", PUBLISHED).splitlines()[-1])]


@contextmanager
def fresh_site() -> Iterator[Run]:
    """A database of its own on the PostgreSQL server, migrated, with an event and its editor."""
    name = f"liveblog_schedule_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = production_env(Path(tmp), DATABASE_URL=f"{POSTGRES}/{name}")
            manage(env, "migrate", "--noinput")
            token = manage(env, "shell", "-c", SET_UP).splitlines()[-1]
            yield Run(env, token, Path(tmp))
    finally:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def schedule(api: Api, count: int, *, lead: float = 4.0, spacing: float = 0.3) -> list[int]:
    """``count`` entries due from ``lead`` seconds on, ``spacing`` apart; their ids."""
    start = datetime.now(UTC) + timedelta(seconds=lead)
    ids = []
    for n in range(count):
        at = start + timedelta(seconds=n * spacing)
        entry = api.post_entry(f"Scheduled {n}.", slug=SLUG, status="scheduled", publish_at=at.isoformat())
        ids.append(entry["id"])
    return ids


def wait_published(run: Run, ids: list[int], timeout: float) -> list[tuple[int, float, float]]:
    deadline = time.monotonic() + timeout
    while True:
        rows = [row for row in run.published() if row[0] in ids]
        if len({row[0] for row in rows}) == len(ids) or time.monotonic() > deadline:
            return rows
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with fresh_site() as run:
        with run.workers(args.workers) as urls:
            ids = schedule(Api(urls[0], run.token), args.entries)
            rows = wait_published(run, ids, timeout=args.entries + 30)
        late = sorted(at - due for _, due, at in rows)
        print(f"{args.entries} entries scheduled 0.3 s apart, {args.workers} workers on PostgreSQL")
        once = len(rows) == len(ids)
        print(f"  published: {len(rows)} times for {len({r[0] for r in rows})} entries (each once: {once})")
        print(
            f"  late by: min {late[0] * 1000:.0f} ms, median {statistics.median(late) * 1000:.0f} ms, "
            f"max {late[-1] * 1000:.0f} ms"
        )
        entry = int(manage(run.env, "shell", "-c", SCHEDULE_DIRECTLY.format(seconds=2)).splitlines()[-1])
        time.sleep(4)  # it falls due while no worker runs
        started = time.time()
        with run.workers(1):
            [(_, due, at)] = wait_published(run, [entry], timeout=30)
        print(f"  due while every worker was down: published {at - started:.1f} s after a worker started")


if __name__ == "__main__":
    main()
