"""Scheduled entries with two Daphne workers sharing PostgreSQL, as production runs them: each
entry published once, and one that falls due while every worker is down published when one
starts again. How late they are is bench/schedule.py's to print."""

import pytest

from bench.schedule import SCHEDULE_DIRECTLY, fresh_site, schedule, wait_published
from deploy.launch import manage
from tests.helpers import Api
from tests.server import require_service

pytestmark = [pytest.mark.server, pytest.mark.postgres]


@pytest.fixture
def run():
    require_service("PostgreSQL", "127.0.0.1", 5432)
    with fresh_site() as run:
        yield run


def test_two_workers_publish_each_scheduled_entry_once(run):
    with run.workers(2) as urls:
        ids = schedule(Api(urls[0], run.token), 8, lead=3, spacing=0.2)
        rows = wait_published(run, ids, timeout=30)
        listed = Api(urls[1], run.token).call("GET", "/api/events/schedule/entries/?drafts=1")["results"]

    assert sorted(row[0] for row in rows) == sorted(ids)  # every one, and none twice
    assert {e["id"]: e["status"] for e in listed} == dict.fromkeys(ids, "published")


def test_an_entry_due_while_every_worker_was_down_is_published_when_one_starts(run):
    entry = int(manage(run.env, "shell", "-c", SCHEDULE_DIRECTLY.format(seconds=1)).splitlines()[-1])

    with run.workers(1):
        rows = wait_published(run, [entry], timeout=20)

    assert [row[0] for row in rows] == [entry]
