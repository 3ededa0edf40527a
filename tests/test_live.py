"""Readers' WebSockets driven through the real ASGI application, in memory and on Redis."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction

from config.asgi import application
from liveblog import services
from liveblog.delivery import bus
from liveblog.delivery.hub import hub
from liveblog.delivery.ring import Published
from liveblog.models import Change, Event
from tests.conftest import make_event

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://localhost")


async def connect(query: str = "", slug: str = "summit") -> WebsocketCommunicator:
    reader = WebsocketCommunicator(application, f"/ws/events/{slug}/{query}", headers=[ORIGIN])
    connected, _ = await reader.connect()
    assert connected
    return reader


async def frames(reader: WebsocketCommunicator, n: int) -> list[dict]:
    return [json.loads(await reader.receive_from(timeout=3)) for _ in range(n)]


@database_sync_to_async
def write(fn, **kwargs):
    return fn(**kwargs)


@database_sync_to_async
def stored_frames(slug: str = "summit") -> list[str]:
    return list(Change.objects.filter(event__slug=slug).order_by("seq").values_list("frame", flat=True))


@pytest.fixture
def summit(db):
    return make_event("summit", cities=("Paris", "Berlin"))


async def post(event: Event, body: str, **fields):
    return await write(services.entry_create, event=event, by=None, body=body, **fields)


async def test_it_says_hello_with_the_head_of_the_feed(summit, layer):
    await post(summit, "Before anyone came.")
    reader = await connect()
    hello = json.loads(await reader.receive_from())
    assert hello == {"type": "hello", "event": "summit", "epoch": summit.epoch, "seq": 1, "readers": 0}
    assert await reader.receive_nothing(0.2)
    await reader.disconnect()


async def test_every_reader_gets_the_same_frame_for_a_new_entry(summit, layer):
    readers = [await connect("?after=0") for _ in range(3)]
    for reader in readers:
        await frames(reader, 1)  # hello

    entry = await post(
        summit, "Doors open in *Paris*.", session=await database_sync_to_async(summit.sessions.first)()
    )

    texts = [await reader.receive_from(timeout=3) for reader in readers]
    assert texts[0] == texts[1] == texts[2] == (await stored_frames())[0]
    frame = json.loads(texts[0])
    assert frame["type"] == "entry.created" and frame["seq"] == 1
    assert frame["entry"]["id"] == entry.pk and "<em>Paris</em>" in frame["entry"]["html"]
    for reader in readers:
        await reader.disconnect()


async def test_edits_and_deletes_follow_in_seq_order(summit, layer):
    reader = await connect("?after=0")
    await frames(reader, 1)
    entry = await post(summit, "Frist draft.")
    entry = await write(services.entry_update, entry=entry, by=None, body="First draft.")
    await write(services.entry_delete, entry=entry, by=None)
    await write(services.event_set_status, event=summit, status="ended", by=None)

    got = await frames(reader, 4)
    assert [(f["seq"], f["type"]) for f in got] == [
        (1, "entry.created"),
        (2, "entry.updated"),
        (3, "entry.deleted"),
        (4, "event.updated"),
    ]
    assert got[1]["entry"]["body"] == "First draft." and got[1]["entry"]["version"] == 2
    assert got[2]["entry"] == {"id": entry.pk}
    assert got[3]["event"]["status"] == "ended"
    await reader.disconnect()


async def test_it_replays_missed_changes_after_reconnect(summit, layer):
    for n in range(4):
        await post(summit, f"Entry {n}")

    reader = await connect("?after=1")
    hello, *missed = await frames(reader, 4)
    assert hello["seq"] == 4
    assert [f["seq"] for f in missed] == [2, 3, 4]
    assert [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in missed] == (
        await stored_frames()
    )[1:]

    await post(summit, "Live again.")
    assert (await frames(reader, 1))[0]["seq"] == 5
    await reader.disconnect()


async def test_the_changes_endpoint_sends_the_websocket_frames(summit, async_client):
    for n in range(3):
        await post(summit, f"Entry {n}")
    response = await async_client.get("/api/events/summit/changes/?after=1")
    body = response.json()
    assert (body["event"], body["epoch"], body["seq"]) == ("summit", summit.epoch, 3)
    assert [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in body["frames"]] == (
        await stored_frames()
    )[1:]
    bad = await async_client.get("/api/events/summit/changes/?after=yesterday")
    assert bad.status_code == 400 and "whole number" in bad.json()["after"][0]


async def test_a_rolled_back_write_is_never_broadcast(summit, layer):
    reader = await connect("?after=0")
    await frames(reader, 1)

    def fail_after_writing():
        with transaction.atomic():
            services.entry_create(event=summit, by=None, body="Never committed.")
            raise RuntimeError("the request failed after the write")

    with pytest.raises(RuntimeError):
        await database_sync_to_async(fail_after_writing)()
    assert await reader.receive_nothing(0.5)

    await post(summit, "Committed.")
    frame = (await frames(reader, 1))[0]
    assert frame["seq"] == 1 and frame["entry"]["body"] == "Committed."
    await reader.disconnect()


async def test_a_frame_lost_on_its_way_is_fetched_and_order_kept(summit, layer, monkeypatch):
    reader = await connect("?after=0")
    await frames(reader, 1)
    real = bus.publish

    def lose_seq_two(slug, published, epoch):
        if published.seq != 2:
            real(slug, published, epoch)

    monkeypatch.setattr(bus, "publish", lose_seq_two)
    for n in range(3):
        await post(summit, f"Entry {n}")

    assert [f["seq"] for f in await frames(reader, 3)] == [1, 2, 3]
    await reader.disconnect()


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("?after=0", "More than 500 changes"),
        ("?after=999", "ahead of the report"),
        ("?after=600&epoch=old", "restored"),
    ],
)
async def test_it_sends_reset_when_replay_cannot_help(summit, query, reason):
    await database_sync_to_async(Event.objects.filter(pk=summit.pk).update)(seq=600)
    reader = await connect(query)
    hello, reset = await frames(reader, 2)
    assert hello["type"] == "hello" and reset["type"] == "reset" and reason in reset["reason"]
    assert (await reader.receive_output(timeout=1))["type"] == "websocket.close"


async def test_an_unknown_event_is_refused(db):
    reader = WebsocketCommunicator(application, "/ws/events/nowhere/", headers=[ORIGIN])
    connected, code = await reader.connect()
    assert not connected and code == 4404


async def test_the_reader_count_is_sent_now_and_then_not_per_connect(summit, layer, settings):
    settings.LIVEBLOG_READERS_INTERVAL = 0.2
    readers = [await connect() for _ in range(3)]
    for reader in readers:
        await frames(reader, 1)
    counts = [json.loads(await reader.receive_from(timeout=2)) for reader in readers]
    assert counts == [{"type": "readers", "count": 3}] * 3
    await asyncio.sleep(0.5)
    assert await readers[0].receive_nothing(0.1)  # unchanged: nothing more is sent
    await readers[2].disconnect()
    assert json.loads(await readers[0].receive_from(timeout=2)) == {"type": "readers", "count": 2}
    for reader in readers[:2]:
        await reader.disconnect()


async def test_a_change_that_was_never_published_reaches_readers_within_a_tick(summit, settings, monkeypatch):
    """As when another process without Redis (an import, a script) writes to the event."""
    settings.LIVEBLOG_READERS_INTERVAL = 0.2
    reader = await connect("?after=0")
    await frames(reader, 1)
    monkeypatch.setattr(bus, "publish", lambda slug, published, epoch: None)
    await post(summit, "Imported by a script.")
    frame = (await frames(reader, 1))[0]
    assert frame["seq"] == 1 and frame["entry"]["body"] == "Imported by a script."
    await reader.disconnect()


async def test_frames_of_another_deployment_or_epoch_are_ignored(summit, layer):
    reader = await connect("?after=0")
    await frames(reader, 1)
    foreign = json.dumps({"type": "entry.deleted", "seq": 1, "epoch": "other", "entry": {"id": 99}})
    hub.deliver("summit", Published(1, foreign, "entry.deleted", 99), "other")
    assert await reader.receive_nothing(0.3)
    await post(summit, "The real seq 1.")
    assert (await frames(reader, 1))[0]["entry"]["body"] == "The real seq 1."
    await reader.disconnect()


async def test_a_replay_never_brings_back_withdrawn_words(summit, layer, async_client):
    watching = await connect("?after=0")  # keeps the stream, and its ring of recent frames, alive
    await frames(watching, 1)
    typo = await post(summit, "Frist wording.")
    await write(services.entry_update, entry=typo, by=None, body="First wording.")
    retracted = await post(summit, "Said in error.")
    await write(services.entry_delete, entry=retracted, by=None)
    await frames(watching, 4)

    late = await connect("?after=0")
    replay = await late.receive_from()
    replay += "".join([await late.receive_from() for _ in range(4)])
    feed = (await async_client.get("/api/events/summit/changes/?after=0")).content.decode()
    for text in (replay, feed):
        assert "Frist" not in text and "Said in error" not in text
        assert "First wording." in text
    await late.disconnect()
    await watching.disconnect()
