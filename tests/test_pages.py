from datetime import UTC, datetime

import pytest

from liveblog import services
from liveblog.models import Change, Entry, Event
from tests.conftest import make_event

pytestmark = pytest.mark.django_db


def test_the_home_page_lists_live_upcoming_and_past_events(client):
    make_event("now-on", title="Now On", status=Event.Status.LIVE)
    make_event("next-week", title="Next Week", status=Event.Status.SCHEDULED)
    make_event("last-year", title="Last Year", status=Event.Status.ENDED)

    page = client.get("/").content.decode()

    live, upcoming, past = page.index("Live now"), page.index("Upcoming"), page.index("Past")
    assert live < page.index("Now On") < upcoming < page.index("Next Week") < past < page.index("Last Year")


def test_the_reader_page_shows_venue_time_city_speaker_and_body(client, event, alice):
    speaker = services.speaker_get_or_create(name="Mr. Hamid Moaser", title="Spokesman")
    services.entry_create(
        event=event,
        by=alice,
        session=event.sessions.get(slug="berlin"),
        speaker=speaker,
        occurred_at=datetime(2018, 8, 25, 15, 42, tzinfo=UTC),
        body='Also the resistance was chanting "down with Rouhani".',
    )

    page = client.get("/events/summit/").content.decode()

    assert "<h1>Summit</h1>" in page
    assert "Saturday 25 August 2018, 17:00" in page  # the event's start, in its own timezone
    assert 'title="25 August 2018, 17:42 (Europe/Paris)"' in page
    assert '<time datetime="2018-08-25T15:42:00+00:00"' in page and ">17:42</time>" in page
    assert '<span class="entry__city">Berlin</span>' in page
    assert (
        '<span class="entry__honorific">Mr.</span> <strong class="entry__speaker-name">Hamid Moaser</strong>'
        in page
    )
    assert ", Spokesman" in page
    assert 'chanting "down with Rouhani".' in page


def test_the_reader_page_filters_by_city_and_orders_both_ways(client, event, alice):
    paris, london = event.sessions.get(slug="paris"), event.sessions.get(slug="london")
    for minute, session in ((1, paris), (2, london), (3, paris)):
        services.entry_create(
            event=event,
            by=alice,
            session=session,
            body=f"Minute {minute}",
            occurred_at=datetime(2018, 8, 25, 16, minute, tzinfo=UTC),
        )

    newest = client.get("/events/summit/").content.decode()  # live: newest first
    assert newest.index("Minute 3") < newest.index("Minute 2") < newest.index("Minute 1")
    oldest = client.get("/events/summit/?order=oldest").content.decode()
    assert oldest.index("Minute 1") < oldest.index("Minute 2") < oldest.index("Minute 3")
    paris_only = client.get("/events/summit/?city=paris").content.decode()
    assert "Minute 1" in paris_only and "Minute 3" in paris_only and "Minute 2" not in paris_only


def test_the_reader_page_hides_drafts_and_deleted_entries(client, event, alice):
    services.entry_create(event=event, by=alice, body="Embargoed", status="draft")
    gone = services.entry_create(event=event, by=alice, body="Retracted")
    services.entry_delete(entry=gone, by=alice)

    page = client.get("/events/summit/").content.decode()
    assert "Embargoed" not in page and "Retracted" not in page
    assert "No entries yet" in page


def test_the_permalink_shows_one_entry(client, event, alice):
    entry = services.entry_create(event=event, by=alice, body="Worth sharing.")
    response = client.get(f"/events/summit/entries/{entry.pk}/")
    assert response.status_code == 200 and "Worth sharing." in response.content.decode()
    assert client.get(f"/events/other/entries/{entry.pk}/").status_code == 404


def test_an_entry_added_in_the_admin_reaches_the_reader_page_and_the_feed(client, admin_client, event):
    response = admin_client.post(
        "/admin/liveblog/entry/add/",
        {
            "event": event.pk,
            "session": event.sessions.get(slug="london").pk,
            "occurred_at_0": "2018-08-25",
            "occurred_at_1": "16:52:00",
            "body": "Madam Rajavi, dear friend.",
            "kind": "update",
            "status": "published",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    assert "Madam Rajavi, dear friend." in client.get("/events/summit/").content.decode()
    change = Change.objects.get(event=event)
    assert (change.seq, change.type) == (1, "entry.created")
    assert change.actor.username == "admin"


def test_an_admin_edit_and_delete_go_through_the_feed(admin_client, event):
    entry = services.entry_create(
        event=event, by=None, body="Typo here.", occurred_at=datetime(2018, 8, 25, 16, 0, tzinfo=UTC)
    )
    form = {
        "event": event.pk,
        "session": "",
        "speaker": "",
        "occurred_at_0": "2018-08-25",
        "occurred_at_1": "16:00:00",
        "body": "Typo fixed.",
        "kind": "update",
        "status": "published",
        "seen_version": 1,
    }
    assert admin_client.post(f"/admin/liveblog/entry/{entry.pk}/change/", form).status_code == 302
    stale = admin_client.post(f"/admin/liveblog/entry/{entry.pk}/change/", {**form, "body": "Stale."})
    assert "Someone changed this entry" in stale.content.decode()
    assert admin_client.post(f"/admin/liveblog/entry/{entry.pk}/delete/", {"post": "yes"}).status_code == 302

    entry.refresh_from_db()
    assert entry.body == "Typo fixed." and entry.deleted_at is not None
    assert list(Change.objects.values_list("type", flat=True)) == [
        "entry.created",
        "entry.updated",
        "entry.deleted",
    ]


def test_the_admin_actions_set_an_event_live_and_end_it(admin_client):
    event = make_event("later", status=Event.Status.SCHEDULED)
    url = "/admin/liveblog/event/"
    admin_client.post(url, {"action": "set_live", "_selected_action": [event.pk]})
    event.refresh_from_db()
    assert event.status == "live"
    admin_client.post(url, {"action": "set_ended", "_selected_action": [event.pk]})
    event.refresh_from_db()
    assert event.status == "ended"
    assert list(Change.objects.filter(event=event).values_list("seq", "type")) == [
        (1, "event.updated"),
        (2, "event.updated"),
    ]


def test_the_admin_lists_entries_with_filters_and_search(admin_client, event):
    services.entry_create(
        event=event, by=None, body="Searchable needle.", session=event.sessions.get(slug="paris")
    )
    page = admin_client.get(
        "/admin/liveblog/entry/?q=needle&city=Paris&kind=update&status=published"
    ).content.decode()
    assert "Searchable needle." in page
    assert Entry.objects.count() == 1


def test_healthz_reports_the_database_and_channel_layer(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "channel_layer": "ok"}
