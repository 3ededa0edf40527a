"""The console's API: idempotent posts, previews, status, cities, speakers; each persona."""

import threading
import uuid

import pytest
from django.db import connection
from django.test import Client

from liveblog import services
from liveblog.models import Change, Entry, Event, IdempotencyKey, Session
from tests.conftest import make_event, token_client
from tests.helpers import post_entry

pytestmark = pytest.mark.django_db


def post(client, key: str, body: str = "Doors open.", slug: str = "summit"):
    """An entry posted with an Idempotency-Key, as the console's outbox posts it."""
    return post_entry(client, slug, body=body, headers={"Idempotency-Key": key})


def test_a_retry_with_the_same_key_returns_the_first_response(alice):
    client, key = token_client(alice), str(uuid.uuid4())
    first = post(client, key)
    again = post(client, key)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert Entry.objects.count() == 1 and Change.objects.count() == 1


def test_a_key_reused_for_another_request_is_refused(alice):
    client, key = token_client(alice), str(uuid.uuid4())
    post(client, key, "First text.")
    response = post(client, key, "Different text.")
    assert response.status_code == 422
    assert "different request" in response.json()["Idempotency-Key"][0]
    assert Entry.objects.count() == 1


def test_a_rejected_post_does_not_use_up_its_key(alice):
    client, key = token_client(alice), str(uuid.uuid4())
    assert post(client, key, "   ").status_code == 400
    assert not IdempotencyKey.objects.exists()


def test_a_malformed_key_is_named(alice):
    response = post(token_client(alice), "short")
    assert response.status_code == 400 and "Idempotency-Key" in response.json()


def test_keys_belong_to_their_user(alice, staff):
    key = str(uuid.uuid4())
    post(token_client(alice), key)
    assert post(token_client(staff), key).status_code == 201
    assert Entry.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_create_one_entry(django_user_model):
    event = make_event("concurrent")
    user = django_user_model.objects.create_user("racer")
    event.editors.add(user)
    key, results = str(uuid.uuid4()), []
    start = threading.Barrier(6)

    def retry():
        try:
            start.wait()
            results.append(post(token_client(user), key, slug="concurrent"))
        finally:
            connection.close()

    threads = [threading.Thread(target=retry) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r.status_code for r in results) == [201] * 6
    assert len({r.json()["id"] for r in results}) == 1
    assert Entry.objects.filter(event=event).count() == 1
    assert Change.objects.filter(event=event).count() == 1


def test_the_preview_renders_the_entry_as_readers_see_it_and_saves_nothing(alice):
    response = token_client(alice).post(
        "/api/events/summit/preview/",
        {
            "body": "Hello <script>alert(1)</script> **world** [x](javascript:alert(1))",
            "city": "berlin",
            "speaker_name": "Ms. Farideh Goudarzi",
            "occurred_at": "17:48",
        },
        format="json",
    )
    html = response.json()["html"]
    assert '<span class="entry__city">Berlin</span>' in html and '>17:48<span class="entry__date">' in html
    assert "<strong>world</strong>" in html and "Farideh Goudarzi" in html
    assert "<script>" not in html and 'href="javascript' not in html
    assert not Entry.objects.exists() and not Change.objects.exists()


def test_editors_set_the_event_live_and_end_it(alice, event):
    client = token_client(alice)
    assert (
        client.post("/api/events/summit/status/", {"status": "ended"}, format="json").json()["status"]
        == "ended"
    )
    assert client.post("/api/events/summit/status/", {"status": "over"}, format="json").status_code == 400
    event.refresh_from_db()
    assert event.status == "ended"
    assert Change.objects.get(event=event).type == "event.updated"


def test_editors_add_a_city_on_the_spot(alice, event):
    client = token_client(alice)
    response = client.post("/api/events/summit/sessions/", {"city": "Tirana"}, format="json")
    assert response.status_code == 201 and response.json()["slug"] == "tirana"
    duplicate = client.post("/api/events/summit/sessions/", {"city": "Tirana"}, format="json")
    assert duplicate.status_code == 400 and "already has a city" in duplicate.json()["slug"][0]
    assert Session.objects.filter(event=event, slug="tirana").exists()
    frame = Change.objects.get(event=event).frame
    assert '"slug":"tirana"' in frame


def test_speakers_type_ahead_for_editors_only(api, alice, carol):
    services.speaker_get_or_create(name="Ms. Farideh Goudarzi")
    services.speaker_get_or_create(name="Mr. Hamid Moaser")
    assert [s["name"] for s in token_client(alice).get("/api/speakers/?q=fari").json()] == [
        "Farideh Goudarzi"
    ]
    assert token_client(carol).get("/api/speakers/?q=fari").status_code == 403
    assert api.get("/api/speakers/").status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("post", "/api/events/summit/preview/", {"body": "x"}),
        ("post", "/api/events/summit/status/", {"status": "ended"}),
        ("post", "/api/events/summit/sessions/", {"city": "Tirana"}),
    ],
)
def test_console_endpoints_are_for_the_events_editors(api, event, alice, bob, carol, method, path, data):
    assert getattr(api, method)(path, data, format="json").status_code == 401
    assert getattr(token_client(carol), method)(path, data, format="json").status_code == 403
    assert getattr(token_client(bob), method)(path, data, format="json").status_code == 403
    assert getattr(token_client(alice), method)(path, data, format="json").status_code in (200, 201)


def test_drafts_are_listed_for_editors_only(api, event, alice, bob):
    services.entry_create(event=event, by=alice, body="Embargoed.", status="draft")
    assert token_client(alice).get("/api/events/summit/entries/?drafts=1").json()["count"] == 1
    assert token_client(bob).get("/api/events/summit/entries/?drafts=1").json()["count"] == 0
    assert api.get("/api/events/summit/entries/?drafts=1").json()["count"] == 0


def test_the_console_page_is_for_editors_and_staff(client, event, alice, bob, staff):
    url = "/events/summit/console/"
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"] == f"/accounts/login/?next={url}"
    client.force_login(bob)
    assert client.get(url).status_code == 403
    for user in (alice, staff):
        client.force_login(user)
        page = client.get(url)
        assert page.status_code == 200 and 'id="composer"' in page.content.decode()


def test_signing_in_returns_to_the_console(event, alice):
    browser = Client()
    response = browser.post(
        "/accounts/login/",
        {"username": "alice", "password": "alice-password", "next": "/events/summit/console/"},
    )
    assert response.status_code == 302 and response["Location"] == "/events/summit/console/"


def test_editors_download_the_report(client, event, alice, bob):
    services.entry_create(
        event=event, by=alice, body="Worth keeping.", session=event.sessions.get(slug="paris")
    )
    client.force_login(alice)
    response = client.get("/events/summit/console/export.markdown")
    assert response["Content-Disposition"] == 'attachment; filename="summit.md"'
    assert "Worth keeping." in response.content.decode()
    client.force_login(bob)
    assert client.get("/events/summit/console/export.json").status_code == 403


def test_the_admin_exports_an_event(admin_client, event):
    services.entry_create(event=event, by=None, body="From the admin.")
    response = admin_client.post(
        "/admin/liveblog/event/", {"action": "export_json", "_selected_action": [event.pk]}
    )
    assert response["Content-Disposition"] == 'attachment; filename="summit.json"'
    assert "From the admin." in response.content.decode()
    assert Event.objects.count() == 1
