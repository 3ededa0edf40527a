"""The bundled gazetteer: a city's zone, position and country, in the admin, the API and the importer."""

import html
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from liveblog import services
from liveblog.gazetteer import lookup
from liveblog.models import Entry, Event
from liveblog.reports.importer import import_report
from tests.conftest import SAMPLE, make_event, token_client
from tests.test_admin_desk import event_form

SAMPLE_ZONES = {
    "Paris": "Europe/Paris",
    "Berlin": "Europe/Berlin",
    "London": "Europe/London",
    "Toronto": "America/Toronto",
    "Ottawa": "America/Toronto",
    "Aarhus": "Europe/Copenhagen",
    "Amsterdam": "Europe/Amsterdam",
    "Bern": "Europe/Zurich",
    "Brussels": "Europe/Brussels",
    "Bucharest": "Europe/Bucharest",
    "Frankfort": "Europe/Berlin",
    "Gothenburg": "Europe/Stockholm",
    "Oslo": "Europe/Oslo",
    "Rome": "Europe/Rome",
    "Stockholm": "Europe/Stockholm",
    "Stuttgart": "Europe/Berlin",
    "Vienna": "Europe/Vienna",
}


def where(city: str, country: str | None = None) -> tuple[str, str, str] | None:
    place = lookup(city, country)
    return (place.city, place.country, place.timezone) if place else None


def test_an_ambiguous_name_is_the_most_populous_city_of_that_name():
    assert where("London") == ("London", "United Kingdom", "Europe/London")
    assert where("Frankfurt") == ("Frankfurt am Main", "Germany", "Europe/Berlin")
    # The English name of Frankfurt am Main, and of a Kentucky town 20 times smaller.
    assert where("Frankfort") == ("Frankfurt am Main", "Germany", "Europe/Berlin")
    assert where("Rome") == ("Rome", "Italy", "Europe/Rome")  # not Lomé, "Rome" in some language
    assert where("Frankfurt an der Oder") == ("Frankfurt (Oder)", "Germany", "Europe/Berlin")


def test_the_country_says_which_city_it_is():
    assert where("London", "Canada") == ("London", "Canada", "America/Toronto")
    assert where("London", "CA") == where("London, Canada") == ("London", "Canada", "America/Toronto")
    assert where("Paris, USA") == ("Paris", "United States", "America/Chicago")
    assert where("Frankfort", "United States") == ("Frankfort", "United States", "America/New_York")


def test_names_match_whatever_their_accents_and_case():
    assert where("zurich") == where("ZÜRICH") == ("Zürich", "Switzerland", "Europe/Zurich")
    assert where("München") == where("munchen") == ("Munich", "Germany", "Europe/Berlin")
    assert where("Aarhus") == ("Århus", "Denmark", "Europe/Copenhagen")
    assert where("تهران") == ("Tehran", "Iran", "Asia/Tehran")  # Persian, for the Persian interface


def test_an_unknown_city_or_country_is_not_guessed():
    assert where("Xanadu Springs") is None
    assert where("London", "Narnia") is None
    assert where("London, Ontario") is None  # provinces are not known: not London, England either


@pytest.mark.django_db
def test_the_sample_import_gives_all_17_cities_their_zones_and_toronto_its_own_clock():
    result = import_report(SAMPLE.read_text(), slug="massacre-1988", day=date(2018, 8, 25), tz="Europe/Paris")

    zones = dict(result.event.sessions.values_list("city", "timezone"))
    assert zones == SAMPLE_ZONES
    assert not result.unplaced
    toronto = Entry.objects.select_related("session", "event").get(session__city="Toronto")
    assert toronto.occurred_at.isoformat() == "2018-08-25T16:40:00+00:00"  # "1840", a Paris time
    assert (toronto.local_time, toronto.report_time) == ("12:40", "18:40 Paris")
    assert toronto.dateline == "12:40 · Toronto · Ms. Shahnaz Gharacheh"
    berlin = Entry.objects.filter(session__city="Berlin").select_related("session", "event").first()
    assert berlin.report_time == ""  # Berlin keeps Paris time: one clock is enough


@pytest.mark.django_db
def test_import_report_names_the_cities_it_could_not_place(tmp_path):
    report = tmp_path / "report.txt"
    report.write_text("1742: Berlin: Mr. Hamid Moaser\nChanting.\n\n1750: Xanadu Springs: Ms. A\nHello.\n")
    out, err = StringIO(), StringIO()
    call_command(
        "import_report", str(report), "--event", "vigil", "--date", "2018-08-25",
        "--timezone", "Europe/Paris", stdout=out, stderr=err,
    )  # fmt: skip

    assert (
        "“Xanadu Springs” is not in the gazetteer: its time zone is the event's, Europe/Paris"
        in err.getvalue()
    )
    assert "Berlin" not in err.getvalue()
    sessions = {s.city: s for s in Event.objects.get(slug="vigil").sessions.all()}
    assert (sessions["Berlin"].timezone, sessions["Berlin"].country) == ("Europe/Berlin", "Germany")
    assert (sessions["Xanadu Springs"].timezone, sessions["Xanadu Springs"].latitude) == ("", None)


@pytest.mark.django_db
def test_cities_saved_before_the_gazetteer_are_placed_once_readers_told(client):
    event = make_event(
        "summit", cities=("Paris", "Toronto", "Xanadu Springs")
    )  # as load_demo finds an old demo

    unknown = services.sessions_place(event=event, by=None)

    assert [s.city for s in unknown] == ["Xanadu Springs"]
    assert dict(event.sessions.values_list("city", "timezone")) == {
        "Paris": "Europe/Paris",
        "Toronto": "America/Toronto",
        "Xanadu Springs": "",
    }
    frames = client.get("/api/events/summit/changes/?after=0").json()["frames"]
    assert [f["type"] for f in frames] == ["event.updated"]
    assert {c["name"]: c["timezone"] for c in frames[0]["event"]["cities"]}["Toronto"] == "America/Toronto"
    assert services.sessions_place(event=event, by=None) == unknown and event.changes.count() == 1


@pytest.mark.django_db
def test_a_city_added_through_the_api_takes_its_zone_and_place(alice):
    client = token_client(alice)

    toronto = client.post("/api/events/summit/sessions/", {"city": "Toronto"}, format="json").json()
    assert (toronto["timezone"], toronto["country"], toronto["notice"]) == ("America/Toronto", "Canada", "")
    assert toronto["latitude"] == pytest.approx(43.706, abs=0.01) and toronto["longitude"] == pytest.approx(
        -79.399, abs=0.01
    )

    rome = client.post("/api/events/summit/sessions/", {"city": "Rome", "country": "USA"}, format="json")
    assert (rome.json()["slug"], rome.json()["timezone"]) == ("rome", "America/New_York")

    # What the editor gives stands: the gazetteer fills only what is left empty.
    given = {"city": "Tirana", "timezone": "Europe/Rome", "latitude": 41.3}
    tirana = client.post("/api/events/summit/sessions/", given, format="json").json()
    assert (tirana["timezone"], tirana["latitude"], tirana["country"]) == ("Europe/Rome", 41.3, "Albania")

    unknown = client.post("/api/events/summit/sessions/", {"city": "Xanadu Springs"}, format="json")
    assert unknown.status_code == 201
    assert (unknown.json()["timezone"], unknown.json()["latitude"]) == ("", None)
    assert unknown.json()["notice"] == (
        "“Xanadu Springs” is not in the gazetteer: "
        "its time zone is the event's, Europe/Paris until you set it, and its position."
    )

    listed = client.get("/api/events/summit/").json()["sessions"]
    assert {s["city"]: s["timezone"] for s in listed}["Toronto"] == "America/Toronto"
    assert set(listed[0]) >= {"timezone", "latitude", "longitude", "country", "starts_at", "ends_at"}


@pytest.fixture
def summit(db) -> Event:
    return make_event("summit", cities=("Paris",))


def test_a_city_added_in_the_admin_takes_its_zone_and_the_editor_may_correct_it(admin_client, summit):
    url = f"/admin/liveblog/event/{summit.pk}/change/"
    new_row = {
        "sessions-TOTAL_FORMS": "3",
        **{f"sessions-1-{name}": "" for name in ("starts_at_0", "starts_at_1", "ends_at_0", "ends_at_1")},
        **{f"sessions-2-{name}": "" for name in ("starts_at_0", "starts_at_1", "ends_at_0", "ends_at_1")},
        "sessions-1-event": str(summit.pk),
        "sessions-1-city": "London",
        "sessions-1-slug": "london",
        "sessions-1-country": "Canada",
        "sessions-1-position": "1",
        "sessions-2-event": str(summit.pk),
        "sessions-2-city": "Xanadu Springs",
        "sessions-2-slug": "xanadu-springs",
        "sessions-2-position": "2",
    }
    response = admin_client.post(url, event_form(summit, **new_row), follow=True)
    assert response.status_code == 200
    shown = html.unescape(response.content.decode())
    assert "“Xanadu Springs” is not in the gazetteer: its time zone is the event's, Europe/Paris" in shown
    assert "“London” is not in the gazetteer" not in shown

    london = summit.sessions.get(slug="london")
    assert (london.timezone, london.country, round(london.latitude, 2)) == (
        "America/Toronto",
        "Canada",
        42.98,
    )
    assert summit.sessions.get(slug="xanadu-springs").timezone == ""

    corrected = event_form(
        summit, **{"sessions-1-timezone": "America/Detroit", "sessions-1-latitude": "42.9"}
    )
    assert admin_client.post(url, corrected).status_code == 302
    london.refresh_from_db()
    assert (london.timezone, london.latitude) == ("America/Detroit", 42.9)
    assert london.longitude == pytest.approx(-81.233, abs=0.01)  # posted empty: the gazetteer's again
