import json
import threading
from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client

from liveblog import services
from liveblog.models import Change, Entry, Event, Session, Speaker
from tests.conftest import make_event

pytestmark = pytest.mark.both_databases


def feed(event: Event) -> list[tuple[int, str]]:
    return list(Change.objects.filter(event=event).order_by("seq").values_list("seq", "type"))


def frame(event: Event, seq: int) -> dict:
    return json.loads(Change.objects.get(event=event, seq=seq).frame)


def test_it_appends_one_change_per_write_with_gap_free_seq(event, alice):
    paris = event.sessions.get(slug="paris")
    entry = services.entry_create(event=event, by=alice, body="Doors open.", session=paris)
    services.entry_update(entry=entry, by=alice, body="Doors are open.")
    services.entry_set_flags(entry=entry, by=alice, pinned=True)
    services.entry_delete(entry=entry, by=alice)
    services.event_set_status(event=event, status=Event.Status.ENDED, by=alice)

    assert feed(event) == [
        (1, "entry.created"),
        (2, "entry.updated"),
        (3, "entry.updated"),
        (4, "entry.deleted"),
        (5, "event.updated"),
    ]
    event.refresh_from_db()
    assert event.seq == 5
    assert event.status == "ended" and event.ends_at is not None


def test_it_builds_the_frame_with_the_entry_as_readers_see_it(event, alice):
    berlin = event.sessions.get(slug="berlin")
    speaker = services.speaker_get_or_create(name="Mr. Hamid Moaser")
    entry = services.entry_create(
        event=event,
        by=alice,
        body="Also the resistance was *chanting*.",
        session=berlin,
        speaker=speaker,
        occurred_at=datetime(2018, 8, 25, 15, 42, tzinfo=UTC),
    )
    sent = frame(event, 1)
    assert sent["type"] == "entry.created" and sent["seq"] == 1 and sent["epoch"] == event.epoch
    assert sent["entry"]["id"] == entry.pk
    assert sent["entry"]["local_time"] == "17:42"
    assert sent["entry"]["city"] == {"slug": "berlin", "name": "Berlin"}
    assert sent["entry"]["speaker"]["honorific"] == "Mr."
    assert sent["entry"]["speaker"]["name"] == "Hamid Moaser"
    assert "<em>chanting</em>" in sent["entry"]["html"]
    assert f'id="entry-{entry.pk}"' in sent["entry"]["html"]


def test_it_bumps_the_version_and_rejects_a_stale_one(event, alice):
    entry = services.entry_create(event=event, by=alice, body="First.")
    assert entry.version == 1
    entry = services.entry_update(entry=entry, by=alice, expected_version=1, body="Second.")
    assert entry.version == 2

    with pytest.raises(services.StaleVersion) as stale:
        services.entry_update(entry=entry, by=alice, expected_version=1, body="Overwrite?")

    assert stale.value.entry.version == 2
    entry.refresh_from_db()
    assert entry.body == "Second."
    assert feed(event) == [(1, "entry.created"), (2, "entry.updated")]


def test_it_keeps_deleted_entries_as_tombstones(event, alice):
    entry = services.entry_create(event=event, by=alice, body="Said in error.")
    services.entry_delete(entry=entry, by=alice)

    stored = Entry.objects.get(pk=entry.pk)
    assert stored.deleted_at is not None and stored.body == "Said in error."
    assert not Entry.objects.published().filter(pk=entry.pk).exists()
    assert frame(event, 2) == {
        "type": "entry.deleted",
        "seq": 2,
        "epoch": event.epoch,
        "entry": {"id": entry.pk},
        "counts": {"all": 0, "cities": {}},
    }
    with pytest.raises(services.StaleVersion):
        services.entry_update(entry=stored, by=alice, body="Back from the dead?")


def test_it_never_sends_a_draft_to_readers(event, alice):
    entry = services.entry_create(event=event, by=alice, body="Embargoed until 18:00.", status="draft")
    assert frame(event, 1) == {
        "type": "entry.deleted",
        "seq": 1,
        "epoch": event.epoch,
        "entry": {"id": entry.pk},
    }

    services.entry_update(entry=entry, by=alice, status="published")
    assert frame(event, 2)["entry"]["body"] == "Embargoed until 18:00."


def test_each_entry_frame_carries_the_counts_it_changed(event, alice):
    """An open page's counts (all entries, and per city) follow the frames: an entry that moves
    from Paris to Berlin changes both cities' counts, a deletion the one it leaves; a change no
    reader counts (a draft, an edit in place) carries none."""
    paris, berlin = event.sessions.get(slug="paris"), event.sessions.get(slug="berlin")
    services.entry_create(event=event, by=alice, body="One.", session=paris)
    moving = services.entry_create(event=event, by=alice, body="Two.", session=paris)
    assert frame(event, 2)["counts"] == {"all": 2, "cities": {"paris": 2}}
    services.entry_update(entry=moving, by=alice, session=berlin)
    assert frame(event, 3)["counts"] == {"all": 2, "cities": {"paris": 1, "berlin": 1}}
    services.entry_delete(entry=moving, by=alice)
    assert frame(event, 4)["counts"] == {"all": 1, "cities": {"berlin": 0}}
    draft = services.entry_create(event=event, by=alice, body="Not yet.", session=paris, status="draft")
    assert "counts" not in frame(event, 5)  # nothing a reader counts changed
    services.entry_update(entry=draft, by=alice, body="Now.")
    assert "counts" not in frame(event, 6)
    services.entry_update(entry=draft, by=alice, status="published")
    assert frame(event, 7)["counts"] == {"all": 2, "cities": {"paris": 2}}


def test_it_leaves_no_change_behind_when_the_transaction_rolls_back(event, alice):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.entry_create(event=event, by=alice, body="Never happened.")
        raise RuntimeError("the editor's request failed later on")

    event.refresh_from_db()
    assert event.seq == 0
    assert not Entry.objects.exists() and not Change.objects.exists()


def test_it_refuses_an_empty_body_and_a_city_of_another_event(event, other_event, alice):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="cannot be empty"):
        services.entry_create(event=event, by=alice, body="   ")
    toronto = Session.objects.get(event=other_event)
    with pytest.raises(ValidationError, match="another event"):
        services.entry_create(event=event, by=alice, body="Hello", session=toronto)
    event.refresh_from_db()
    assert event.seq == 0 and not Change.objects.exists()


def test_it_matches_speakers_by_name_and_splits_honorifics(db):
    created = services.speaker_get_or_create(name="Ms. Farideh Goudarzi")
    assert (created.honorific, created.name) == ("Ms.", "Farideh Goudarzi")
    again = services.speaker_get_or_create(name="farideh goudarzi", title="Former political prisoner")
    assert again.pk == created.pk and again.title == ""  # kept as stored: speaker_update changes it
    assert Speaker.objects.count() == 1


def test_a_speaker_edit_is_one_frame_per_event_however_many_entries_show_them(event, alice):
    speaker = services.speaker_get_or_create(name="Mr. Hamid Moaser")
    for n in range(30):
        services.entry_create(event=event, by=alice, body=f"Chant {n}.", speaker=speaker)
    services.entry_create(event=event, by=alice, body="Embargoed.", speaker=speaker, status="draft")

    services.speaker_update(speaker=speaker, by=alice, title="Spokesman")

    assert feed(event)[31:] == [(32, "event.updated")]
    assert frame(event, 32)["speakers"] == [
        {"id": speaker.pk, "name": "Hamid Moaser", "honorific": "Mr.", "title": "Spokesman"}
    ]
    shown = Client().get(f"/api/events/{event.slug}/entries/").json()["results"][0]
    assert shown["speaker"]["title"] == "Spokesman" and "Spokesman" in shown["html"]


def test_a_renamed_city_is_one_frame_with_its_new_name_and_zone(event, alice):
    paris = event.sessions.get(slug="paris")
    for n in range(30):
        services.entry_create(event=event, by=alice, body=f"Hello {n}.", session=paris)
    with transaction.atomic():
        services.lock_event(event)
        Session.objects.filter(pk=paris.pk).update(city="Paris (Villepinte)", timezone="Europe/London")
        services.sessions_changed(event=event, by=alice)

    assert feed(event)[30:] == [(31, "event.updated")]
    cities = frame(event, 31)["event"]["cities"]
    assert {"slug": "paris", "name": "Paris (Villepinte)", "timezone": "Europe/London"} in cities
    # What a page loaded now shows is read from the database: the new name.
    shown = Client().get(f"/api/events/{event.slug}/entries/").json()["results"][0]
    assert shown["dateline"].endswith(" · Paris (Villepinte)") and "Paris (Villepinte)" in shown["html"]


def test_entry_times_are_kept_to_the_second(event, alice):
    entry = services.entry_create(
        event=event, by=alice, body="Tick.", occurred_at=datetime(2018, 8, 25, 15, 42, 7, 900, tzinfo=UTC)
    )
    entry.refresh_from_db()
    assert entry.occurred_at == datetime(2018, 8, 25, 15, 42, 7, tzinfo=UTC)


def test_the_database_refuses_duplicate_seqs_and_city_slugs(event):
    Change.objects.create(event=event, seq=1, type="event.updated", frame="{}")
    with pytest.raises(IntegrityError), transaction.atomic():
        Change.objects.create(event=event, seq=1, type="event.updated", frame="{}")
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(event=event, city="Paris again", slug="paris")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_keeps_seq_gap_free_with_concurrent_writers():
    event = make_event("concurrent")
    writers, per_writer = 8, 15
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(per_writer):
                services.entry_create(
                    event=Event.objects.get(pk=event.pk), by=None, body=f"writer {n} entry {i}"
                )
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    total = writers * per_writer
    assert [seq for seq, _ in feed(event)] == list(range(1, total + 1))
    event.refresh_from_db()
    assert event.seq == total
    assert Entry.objects.filter(event=event).count() == total


def test_an_event_set_live_again_after_ending_has_no_end(event, alice):
    services.event_set_status(event=event, status=Event.Status.ENDED, by=alice)
    services.event_set_status(event=event, status=Event.Status.LIVE, by=alice)
    event.refresh_from_db()
    assert (event.status, event.ends_at) == ("live", None)
    assert frame(event, event.seq)["event"]["ends_at"] is None  # readers no longer see an end


def test_setting_an_event_live_keeps_a_planned_end(event, alice):
    planned = datetime(2100, 1, 1, 18, 0, tzinfo=UTC)
    services.event_update(event=event, by=alice, ends_at=planned, status=Event.Status.SCHEDULED)
    services.event_set_status(event=event, status=Event.Status.LIVE, by=alice)
    event.refresh_from_db()
    assert event.ends_at == planned
