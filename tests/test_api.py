import pytest
from django.test import Client

from liveblog import services
from liveblog.models import Change, Entry, Event, Speaker
from tests.conftest import token_client
from tests.helpers import post_entry

pytestmark = pytest.mark.django_db


def test_it_lists_events_and_shows_one_with_its_sessions(api, event):
    listed = api.get("/api/events/").json()
    assert [e["slug"] for e in listed["results"]] == ["summit"]

    shown = api.get("/api/events/summit/").json()
    assert shown["seq"] == 0 and shown["epoch"] == event.epoch
    assert [s["slug"] for s in shown["sessions"]] == ["paris", "berlin", "london"]
    assert api.get("/api/events/nowhere/").status_code == 404


def test_an_editor_posts_an_entry_with_a_token(alice, event):
    Event.objects.filter(pk=event.pk).update(status=Event.Status.SCHEDULED)  # 17:03 on its first day
    response = post_entry(
        token_client(alice),
        body="Thirty years have passed.",
        city="paris",
        new_speaker={"honorific": "Mrs.", "name": "Maryam Rajavi"},
        occurred_at="17:03",
        kind="quote",
    )

    assert response.status_code == 201, response.content
    entry = response.json()
    assert entry["local_time"] == "17:03"
    assert entry["dateline"] == "17:03 · Paris · Mrs. Maryam Rajavi"
    assert entry["city"] == {"slug": "paris", "name": "Paris"}
    assert entry["speaker"]["honorific"] == "Mrs." and entry["speaker"]["name"] == "Maryam Rajavi"
    assert entry["version"] == 1 and response["ETag"] == '"1"'
    assert response["Location"] == f"/api/entries/{entry['id']}/"
    assert Change.objects.get().type == "entry.created"


def test_it_names_each_bad_field_and_saves_nothing(alice):
    response = post_entry(
        token_client(alice), body="  ", city="atlantis", occurred_at="half past five", speaker=999
    )

    assert response.status_code == 400
    errors = response.json()
    assert errors["body"] == ["The text of an entry cannot be empty."]
    assert "Unknown city “atlantis”" in errors["city"][0] and "paris, berlin, london" in errors["city"][0]
    assert "HH:MM" in errors["occurred_at"][0]
    assert errors["speaker"] == ["No speaker has id 999."]
    assert not Entry.objects.exists() and not Change.objects.exists()


def test_a_bad_time_alone_is_reported_after_the_fields_pass(alice):
    response = post_entry(token_client(alice), body="Hello", occurred_at="2018-13-45T99:00")
    assert response.status_code == 400
    assert list(response.json()) == ["occurred_at"]


def test_a_missing_body_is_named(alice):
    response = post_entry(token_client(alice), city="paris")
    assert response.json() == {"body": ["An entry needs text: send it as body."]}


def test_a_failed_post_creates_no_speaker(alice):
    response = post_entry(token_client(alice), body="", speaker_name="Ms. Nobody Yet")
    assert response.status_code == 400
    assert not Speaker.objects.exists()


def test_editors_of_another_event_get_403(event, bob):
    response = post_entry(token_client(bob), body="Wrong event.")
    assert response.status_code == 403
    assert not Entry.objects.exists()


def test_signed_in_readers_get_403_and_anonymous_writers_401(api, carol, event):
    assert post_entry(token_client(carol), body="Hi").status_code == 403
    assert post_entry(api, body="Hi").status_code == 401
    assert not Entry.objects.exists()


def test_session_authentication_needs_the_csrf_token(alice):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    response = browser.post("/api/events/summit/entries/", {"body": "Hi"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]

    browser.get("/admin/login/")  # sets the csrftoken cookie
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        "/api/events/summit/entries/", {"body": "Hi"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 201


def test_it_lists_published_entries_by_city_and_page(api, event, alice):
    paris, berlin = event.sessions.get(slug="paris"), event.sessions.get(slug="berlin")
    for n in range(55):
        services.entry_create(event=event, by=alice, body=f"Paris {n}", session=paris)
    services.entry_create(event=event, by=alice, body="Berlin", session=berlin)
    services.entry_create(event=event, by=alice, body="Draft", session=berlin, status="draft")
    gone = services.entry_create(event=event, by=alice, body="Gone", session=berlin)
    services.entry_delete(entry=gone, by=alice)

    first = api.get("/api/events/summit/entries/").json()
    assert first["count"] == 56 and len(first["results"]) == 50 and first["next"]
    assert api.get(first["next"]).json()["results"][-1]["body"] == "Berlin"
    berlin_only = api.get("/api/events/summit/entries/?city=berlin").json()
    assert [e["body"] for e in berlin_only["results"]] == ["Berlin"]


def test_patch_needs_the_version_and_a_stale_one_gets_412(event, alice):
    entry = services.entry_create(event=event, by=alice, body="Original.")
    client = token_client(alice)
    url = f"/api/entries/{entry.pk}/"

    assert client.patch(url, {"body": "No version"}, format="json").status_code == 428
    first = client.patch(url, {"body": "First edit."}, format="json", HTTP_IF_MATCH='"1"')
    assert first.status_code == 200 and first.json()["version"] == 2 and first["ETag"] == '"2"'

    stale = client.patch(url, {"body": "Second editor, stale."}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert stale.json()["current"]["body"] == "First edit."
    entry.refresh_from_db()
    assert entry.body == "First edit." and entry.version == 2


def test_patch_validates_fields_like_post(event, alice):
    entry = services.entry_create(event=event, by=alice, body="Original.")
    response = token_client(alice).patch(
        f"/api/entries/{entry.pk}/", {"body": "", "city": "atlantis"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 400 and set(response.json()) == {"body", "city"}


def test_delete_tombstones_and_hides_the_entry(api, event, alice, bob):
    entry = services.entry_create(event=event, by=alice, body="Oops.")
    url = f"/api/entries/{entry.pk}/"
    assert token_client(bob).delete(url).status_code == 403
    assert api.delete(url).status_code == 401

    assert token_client(alice).delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert Entry.objects.get(pk=entry.pk).deleted_at is not None
    assert list(Change.objects.values_list("type", flat=True)) == ["entry.created", "entry.deleted"]


def test_drafts_are_visible_to_editors_only(api, event, alice, bob):
    draft = services.entry_create(event=event, by=alice, body="Not yet.", status="draft")
    url = f"/api/entries/{draft.pk}/"
    assert api.get(url).status_code == 404
    assert token_client(bob).get(url).status_code == 404
    assert token_client(alice).get(url).json()["status"] == "draft"


def test_the_schema_documents_the_api(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json() if response["Content-Type"].endswith("json") else None
    text = response.content.decode()
    assert "/api/events/{slug}/entries/" in text and "/api/entries/{id}/" in text
    assert schema is None or "EntryWrite" in str(schema["components"]["schemas"])
    assert "dateline" in response.json()["components"]["schemas"]["Entry"]["properties"]


def test_the_schema_declares_anonymous_reads_and_if_match(api, event, alice):
    """What the server does: the public GETs answer anyone (and do, below); PATCH requires
    If-Match and DELETE takes it."""
    paths = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    public = ["/api/events/", "/api/events/{slug}/", "/api/events/{slug}/entries/", "/api/entries/{id}/"]
    for path in public + ["/api/events/{slug}/changes/"]:
        assert {} in paths[path]["get"]["security"], path
    assert {} not in paths["/api/events/{slug}/entries/"]["post"]["security"]
    entry = services.entry_create(event=event, by=alice, body="Public.")
    for url in (
        "/api/events/",
        "/api/events/summit/",
        "/api/events/summit/entries/",
        f"/api/entries/{entry.pk}/",
    ):
        assert api.get(url).status_code == 200, url
    headers = {
        method: {
            p["name"]: p.get("required", False) for p in paths["/api/entries/{id}/"][method]["parameters"]
        }
        for method in ("patch", "delete")
    }
    assert headers["patch"]["If-Match"] is True and headers["delete"]["If-Match"] is False


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"body": "x", "speaker_name": "Dr. " + "Verylongname " * 20}, "speaker_name"),
        ({"body": "x", "occurred_at": "9999-12-31T23:59:00-12:00"}, "occurred_at"),
        ({"body": "x", "occurred_at": "0001-01-01T00:00:00+14:00"}, "occurred_at"),
        ({"body": "x", "speaker": "abc"}, "speaker"),
        ({"body": "x", "pinned": "maybe"}, "pinned"),
        ({"body": "x", "kind": "gossip"}, "kind"),
    ],
)
def test_odd_input_gets_a_400_naming_the_field(alice, data, field):
    response = post_entry(token_client(alice), **data)
    assert response.status_code == 400 and field in response.json()
    assert not Entry.objects.exists()


def test_malformed_json_gets_a_400(alice):
    response = token_client(alice).post(
        "/api/events/summit/entries/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400 and "JSON" in response.json()["detail"]


@pytest.mark.parametrize("after", ["²", "-1", "1e3", "", "99999999999999999999"])
def test_the_changes_endpoint_names_a_bad_after(api, event, after):
    response = api.get("/api/events/summit/changes/", {"after": after})
    assert response.status_code == 400 and "whole number" in response.json()["after"][0]


def test_a_bare_time_follows_the_city_set_in_the_same_edit(event, alice):
    Event.objects.filter(pk=event.pk).update(status=Event.Status.ENDED)  # 17:42 on its first day
    toronto = services.session_add(
        event=event, by=alice, city="Toronto", slug="toronto", timezone="America/Toronto"
    )
    entry = services.entry_create(event=event, by=alice, body="Hi", session=toronto)
    response = token_client(alice).patch(
        f"/api/entries/{entry.pk}/", {"city": "", "occurred_at": "17:42"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200 and response.json()["local_time"] == "17:42"
    assert response.json()["city"] is None and response.json()["dateline"] == "17:42"


def test_a_text_that_is_not_valid_unicode_is_refused_with_where_it_goes_wrong(alice):
    body = '{"body": "Berlin \\ud800 opens"}'  # a lone surrogate, as a broken client sends it
    response = token_client(alice).post("/api/events/summit/entries/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["body"] == [
        "The text holds a character that is not valid Unicode (U+D800): remove it."
    ]
    assert Entry.objects.count() == 0
