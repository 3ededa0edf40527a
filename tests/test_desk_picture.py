"""The desk's picture of an event (GET /api/events/<slug>/desk/): per city its last entry and
its session's times, entries and readers per bucket of time; and the reader samples behind the
chart, recorded by the workers as readers come and go."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import OperationalError

from config.asgi import application
from liveblog import services
from liveblog.delivery import samples
from liveblog.delivery.samples import Samples, write_samples
from liveblog.desk_picture import desk_picture
from liveblog.models import ReaderSample
from tests.conftest import make_event, token_client
from tests.helpers import SLUG, read_frames, reader, run

AT = datetime(2018, 8, 25, 15, 0, tzinfo=UTC)  # 17:00 in Paris


def post(event, alice, city: str | None, minutes: int, body: str = "An entry.", **fields):
    session = event.sessions.get(slug=city) if city else None
    at = AT + timedelta(minutes=minutes)
    return services.entry_create(event=event, by=alice, session=session, occurred_at=at, body=body, **fields)


def test_it_is_for_the_events_editors_only(api, event, alice, bob, carol, staff, django_user_model):
    url = f"/api/events/{event.slug}/desk/"
    reporter = django_user_model.objects.create_user("dave")
    services.desk_set_role(event=event, user=reporter, role="contributor")

    assert api.get(url).status_code == 401
    for outsider in (bob, carol, reporter):
        assert token_client(outsider).get(url).status_code == 403, outsider
    for editor in (alice, staff):
        response = token_client(editor).get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
    assert token_client(alice).get("/api/events/nowhere/desk/").status_code == 404


def test_it_gives_each_citys_last_entry_and_its_entries_per_ten_minutes(event, alice):
    post(event, alice, "paris", 3)
    post(event, alice, "berlin", 12)
    post(event, alice, "paris", 14)
    post(event, alice, None, 31, "Breaking news, from no city.")
    post(event, alice, "london", 40, "Not published.", status="draft")
    event.status = "ended"
    event.save()

    picture = desk_picture(event, now=AT + timedelta(hours=5))

    assert picture["bucket_minutes"] == 10
    assert picture["buckets"][:2] == ["2018-08-25T15:00:00+00:00", "2018-08-25T15:10:00+00:00"]
    assert picture["entries"] == [1, 2, 0, 1]  # 15:00, 15:10, 15:20, 15:30 (UTC)
    cities = {city["slug"]: city for city in picture["cities"]}
    assert cities["paris"]["last_entry_at"] == "2018-08-25T15:14:00+00:00"
    assert cities["paris"]["entries"] == [1, 1, 0, 0]
    assert cities["berlin"]["entries"] == [0, 1, 0, 0]
    assert cities["london"]["last_entry_at"] is None  # its only entry is a draft
    assert cities["london"]["timezone"] == "Europe/Paris"  # the event's, until the city has its own


def test_a_live_event_is_charted_up_to_now_in_wider_buckets_as_it_goes_on(event, alice):
    post(event, alice, "paris", 0)

    picture = desk_picture(event, now=AT + timedelta(hours=9, minutes=5))

    assert picture["bucket_minutes"] == 15  # 9 h in 48 bars at most
    assert picture["buckets"][-1] == "2018-08-26T00:00:00+00:00"
    assert sum(picture["entries"]) == 1 and picture["entries"][0] == 1
    assert len(picture["entries"]) == len(picture["readers"]) == len(picture["buckets"]) <= 48


def test_readers_per_bucket_are_the_most_counted_in_it(event, alice):
    post(event, alice, "paris", 0)
    for minute, readers in ((0, 120), (4, 300), (9, 180), (12, 90)):
        ReaderSample.objects.create(event=event, minute=AT + timedelta(minutes=minute), readers=readers)
    event.status = "ended"
    event.save()

    picture = desk_picture(event)

    assert picture["readers"] == [300, 90]


@pytest.mark.both_databases
def test_a_minute_keeps_the_most_readers_any_worker_counted(event):
    minute = AT.replace(second=0)
    write_samples([(event.slug, minute, 40)])
    write_samples([(event.slug, minute, 55), ("nowhere", minute, 9)])  # an event deleted meanwhile
    write_samples([(event.slug, minute, 50)])  # another worker, counting a little earlier

    assert list(ReaderSample.objects.values_list("event__slug", "minute", "readers")) == [
        (event.slug, minute, 55)
    ]


def test_a_worker_writes_a_minute_once_and_again_only_for_more_readers():
    samples, now = Samples(), datetime(2026, 5, 1, 12, 0, 5, tzinfo=UTC)
    minute = now.replace(second=0)

    assert samples.due({"summit": 10}, now) == [("summit", minute, 10)]
    samples.written["summit"] = (minute, 10)
    assert samples.due({"summit": 10}, now + timedelta(seconds=5)) == []
    assert samples.due({"summit": 8}, now + timedelta(seconds=10)) == []
    assert samples.due({"summit": 12}, now + timedelta(seconds=15)) == [("summit", minute, 12)]
    later = now + timedelta(minutes=1)
    assert samples.due({"summit": 8}, later) == [("summit", later.replace(second=0), 8)]


@pytest.mark.server
def test_a_running_site_records_its_readers_for_the_desk(new_site):
    site = new_site(LIVEBLOG_READERS_INTERVAL="0.2")
    with site.serve() as base:
        api = site.api(base)

        async def watch() -> dict:
            async with reader(base, 0) as first, reader(base, 0) as second:
                for ws in (first, second):
                    await read_frames(ws, 1)  # hello
                for _ in range(100):  # until the server, counting every 0.2 s, has recorded both
                    picture = api.call("GET", f"/api/events/{SLUG}/desk/")
                    if 2 in picture["readers"]:
                        return picture
                    await asyncio.sleep(0.1)
                raise AssertionError(f"no sample of 2 readers recorded: {picture['readers']}")

        picture = run(watch())

    assert picture["readers"][-1] == 2  # the latest bucket: now
    assert picture["status"] == "live"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_database_that_cannot_record_samples_disturbs_no_reader(settings, monkeypatch, caplog):
    def refuse(due):
        raise OperationalError("database is locked")

    settings.LIVEBLOG_READERS_INTERVAL = 0.1
    monkeypatch.setattr(samples, "write_samples", refuse)
    event = await database_sync_to_async(make_event)("summit")
    ws = WebsocketCommunicator(application, "/ws/events/summit/", headers=[(b"origin", b"http://localhost")])
    assert (await ws.connect())[0]
    assert json.loads(await ws.receive_from(timeout=3))["type"] == "hello"

    assert json.loads(await ws.receive_from(timeout=3)) == {"type": "readers", "count": 1}
    await database_sync_to_async(services.entry_create)(event=event, by=None, body="Still delivered.")
    assert json.loads(await ws.receive_from(timeout=3))["entry"]["body"] == "Still delivered."
    await ws.disconnect()
    assert "could not record reader samples" in caplog.text
