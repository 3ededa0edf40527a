"""The JSON-LD search engines read: the reader page's Event (online and in each city, a
sub-event per city's session, the speakers on the agenda as performers) checked against Google's
Event guidance (tests/google_event.py), on a made-up event and on the demo as served; and a
speaker's page as a Person."""

import json
import urllib.request
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest

from liveblog import media, services
from liveblog.models import SpeakerSlot
from tests import google_event
from tests.helpers import SLUG
from tests.photos import phone_jpeg

AT = datetime(2018, 8, 25, 15, 0, tzinfo=UTC)
# Liveblog knows no organizer of an event, and the events it covers sell no tickets.
NOT_KNOWN = {"organizer", "offers"}


def json_ld(html: str) -> dict:
    return json.loads(html.split('<script type="application/ld+json">')[1].split("</script>")[0])


def places(event: dict) -> dict[str, dict]:
    return {p["address"]["addressLocality"]: p for p in event["location"] if p["@type"] == "Place"}


@pytest.fixture
def planned(event, alice):
    """The summit in Paris (a venue, its country and coordinates) and Berlin (its own hours),
    a speaker on stage in each, and a photo from the hall."""
    paris, berlin = event.sessions.get(slug="paris"), event.sessions.get(slug="berlin")
    paris.venue, paris.country, paris.latitude, paris.longitude = "Salle Pleyel", "FR", 48.8566, 2.3522
    paris.save()
    berlin.starts_at, berlin.ends_at = AT + timedelta(hours=1), AT + timedelta(hours=3)
    berlin.save()
    maryam = services.speaker_get_or_create(name="Mrs. Maryam Rajavi", title="President-elect of the NCRI")
    hamid = services.speaker_get_or_create(name="Mr. Hamid Moaser")
    SpeakerSlot.objects.create(session=berlin, speaker=hamid, starts_at=AT + timedelta(hours=2))
    SpeakerSlot.objects.create(
        session=paris, speaker=maryam, starts_at=AT, ends_at=AT + timedelta(minutes=40)
    )
    data = phone_jpeg()
    photo = services.media_create(
        event=event, by=alice, photo=media.process(BytesIO(data), len(data)), alt="The hall"
    )
    services.entry_create(
        event=event, by=alice, session=paris, body="Doors open.", occurred_at=AT, media=[photo]
    )
    return {"photo": photo, "maryam": maryam, "hamid": hamid}


def test_the_event_carries_what_google_requires_and_recommends(client, planned):
    page = client.get("/events/summit/").content.decode()
    event = json_ld(page)["about"]

    assert google_event.errors(event) == []
    assert google_event.missing_recommended(event) == NOT_KNOWN
    assert event["name"] == "Summit" and event["startDate"] == "2018-08-25T15:00:00+00:00"
    assert event["endDate"] == "2018-08-25T18:00:00+00:00"  # no end given: Berlin's session ends last
    assert event["eventStatus"] == "https://schema.org/EventScheduled"
    assert event["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert {"@type": "VirtualLocation", "url": "http://testserver/events/summit/"} in event["location"]
    assert event["image"] == [f"http://testserver{planned['photo'].src}"]


def test_each_city_is_a_place_with_its_address_and_coordinates_and_a_sub_event(client, planned):
    event = json_ld(client.get("/events/summit/").content.decode())["about"]

    paris = places(event)["Paris"]
    assert paris["name"] == "Salle Pleyel"
    assert paris["address"] == {"@type": "PostalAddress", "addressLocality": "Paris", "addressCountry": "FR"}
    assert paris["geo"] == {"@type": "GeoCoordinates", "latitude": 48.8566, "longitude": 2.3522}
    in_paris, in_berlin, in_london = event["subEvent"]
    assert [google_event.errors(city) for city in event["subEvent"]] == [[], [], []]
    assert in_paris["location"] == paris and in_berlin["location"] == places(event)["Berlin"]
    assert (in_paris["startDate"], in_paris["endDate"]) == (
        "2018-08-25T15:00:00+00:00",
        "2018-08-25T15:40:00+00:00",
    )
    assert (in_berlin["startDate"], in_berlin["endDate"]) == (
        "2018-08-25T16:00:00+00:00",
        "2018-08-25T18:00:00+00:00",
    )
    assert in_berlin["url"] == "http://testserver/events/summit/?city=berlin"
    assert [p["name"] for p in in_paris["performer"]] == ["Maryam Rajavi"]
    assert [p["name"] for p in in_berlin["performer"]] == ["Hamid Moaser"]
    assert "performer" not in in_london and in_london["endDate"] == "2018-08-25T18:00:00+00:00"  # the event's


def test_the_speakers_on_the_agenda_are_its_performers(client, planned):
    event = json_ld(client.get("/events/summit/").content.decode())["about"]

    maryam = planned["maryam"]
    assert event["performer"] == [
        {
            "@type": "Person",
            "name": "Maryam Rajavi",
            "honorificPrefix": "Mrs.",
            "jobTitle": "President-elect of the NCRI",
            "url": f"http://testserver/events/summit/speakers/{maryam.pk}-maryam-rajavi/",
        },
        {
            "@type": "Person",
            "name": "Hamid Moaser",
            "honorificPrefix": "Mr.",
            "url": f"http://testserver/events/summit/speakers/{planned['hamid'].pk}-hamid-moaser/",
        },
    ]  # in the order they take the stage


def test_a_speakers_page_carries_them_as_a_person(client, event, alice):
    data = phone_jpeg()
    photo = services.media_create(
        event=event, by=alice, photo=media.process(BytesIO(data), len(data)), alt="Portrait"
    )
    maryam = services.speaker_get_or_create(name="Mrs. Maryam Rajavi", title="President-elect of the NCRI")
    services.speaker_update(speaker=maryam, by=alice, photo=photo)
    services.entry_create(event=event, by=alice, speaker=maryam, body="Thirty years have passed.")
    url = f"/events/summit/speakers/{maryam.pk}-maryam-rajavi/"

    person = json_ld(client.get(url).content.decode())

    assert person == {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": "Maryam Rajavi",
        "honorificPrefix": "Mrs.",
        "jobTitle": "President-elect of the NCRI",
        "image": f"http://testserver{photo.src}",
        "url": f"http://testserver{url}",
    }


def test_the_checker_finds_what_google_would_refuse():
    assert google_event.errors({"@type": "Event", "name": "A"}) == [
        "startDate is required",
        "location is required",
    ]
    bare_place = {
        "@type": "Event",
        "name": "A",
        "startDate": "2018-08-25T15:00",
        "endDate": "2018-08-25T14:00:00+00:00",
        "eventAttendanceMode": "https://schema.org/MixedEventAttendanceMode",
        "eventStatus": "live",
        "location": {"@type": "Place", "name": "Paris"},
        "performer": [{"@type": "Person"}],
    }
    assert google_event.errors(bare_place) == [
        "startDate '2018-08-25T15:00' is not an ISO 8601 date-time with its offset",
        "Place 'Paris' needs an address",
        "MixedEventAttendanceMode needs a location of each of ['Place', 'VirtualLocation']",
        "eventStatus 'live' is not an EventStatusType",
        "performer {'@type': 'Person'} needs a @type of Person or PerformingGroup and a name",
    ]
    assert google_event.missing_recommended(bare_place) == {"description", "image", "offers", "organizer"}


def read(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


@pytest.mark.server
def test_the_demo_event_carries_what_google_requires_and_recommends(demo_server):
    event = json_ld(read(f"{demo_server}/events/{SLUG}/"))["about"]
    sessions = json.loads(read(f"{demo_server}/api/events/{SLUG}/"))["sessions"]

    assert google_event.errors(event) == []
    assert google_event.missing_recommended(event) == NOT_KNOWN
    assert len(places(event)) == len(sessions) == 17 and len(event["subEvent"]) == 17
    assert all(google_event.errors(city) == [] for city in event["subEvent"])
    for session in sessions:
        place = places(event)[session["city"]]
        if session.get("latitude") is not None:
            assert place["geo"]["latitude"] == session["latitude"]
            assert place["geo"]["longitude"] == session["longitude"]
    assert all(image.startswith(demo_server) for image in event["image"])
    assert all(
        person["url"].startswith(f"{demo_server}/events/{SLUG}/speakers/") for person in event["performer"]
    )
