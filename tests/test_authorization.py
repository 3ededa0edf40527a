"""Who may call what: every page and API endpoint, every method, every persona.

The table below is the contract (README: Pages, The JSON API, The editor console). Each cell is its
own test, named after its endpoint, method and persona, so a failure says exactly which one broke.
Pages authenticate with the session (``force_login``), the API with tokens.
"""

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from liveblog import services
from liveblog.models import Entry, Session
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "reader", "other_editor", "contributor", "editor", "staff", "superuser")

# (endpoint, method) -> expected status for
#   (anonymous, reader (carol), editor of another event (bob), contributor of this event (carla),
#    editor of this event (alice), staff (no admin permissions), superuser)
# {entry} is a published entry of "summit", {draft} an editor's draft, {deleted} a tombstone,
# {submitted} carla's entry awaiting review.
EXPECTED: dict[tuple[str, str], tuple[int, int, int, int, int, int, int]] = {
    # Pages: anyone reads; nothing there takes a write.
    ("/", "GET"): (200, 200, 200, 200, 200, 200, 200),
    ("/", "POST"): (405, 405, 405, 405, 405, 405, 405),
    ("/events/summit/", "GET"): (200, 200, 200, 200, 200, 200, 200),
    ("/events/summit/", "POST"): (405, 405, 405, 405, 405, 405, 405),
    ("/events/nowhere/", "GET"): (404, 404, 404, 404, 404, 404, 404),
    ("/events/summit/entries/{entry}/", "GET"): (200, 200, 200, 200, 200, 200, 200),
    ("/events/summit/entries/{entry}/", "POST"): (405, 405, 405, 405, 405, 405, 405),
    ("/events/other-summit/entries/{entry}/", "GET"): (404, 404, 404, 404, 404, 404, 404),
    ("/events/summit/entries/{draft}/", "GET"): (404, 404, 404, 404, 404, 404, 404),
    ("/events/summit/entries/{deleted}/", "GET"): (404, 404, 404, 404, 404, 404, 404),
    ("/events/summit/embed/", "GET"): (200, 200, 200, 200, 200, 200, 200),
    ("/events/summit/embed/", "POST"): (405, 405, 405, 405, 405, 405, 405),
    ("/events/summit/feed/", "GET"): (200, 200, 200, 200, 200, 200, 200),
    ("/events/summit/feed/", "POST"): (405, 405, 405, 405, 405, 405, 405),
    # The console and its exports: the event's editors and staff; others 403, strangers sign in.
    ("/events/summit/console/", "GET"): (302, 403, 403, 200, 200, 200, 200),
    ("/events/summit/console/", "POST"): (302, 405, 405, 405, 405, 405, 405),
    ("/events/summit/console/export.text", "GET"): (302, 403, 403, 403, 200, 200, 200),
    ("/events/summit/console/export.markdown", "GET"): (302, 403, 403, 403, 200, 200, 200),
    ("/events/summit/console/export.json", "GET"): (302, 403, 403, 403, 200, 200, 200),
    ("/events/summit/console/export.json", "POST"): (302, 405, 405, 405, 405, 405, 405),
    ("/events/summit/console/export.xml", "GET"): (302, 404, 404, 404, 404, 404, 404),
    # The admin: staff sign in; models need permissions, which only the superuser has here.
    ("/admin/", "GET"): (302, 302, 302, 302, 302, 200, 200),
    ("/admin/liveblog/entry/", "GET"): (302, 302, 302, 302, 302, 403, 200),
    ("/admin/liveblog/entry/{entry}/change/", "GET"): (302, 302, 302, 302, 302, 403, 200),
    ("/healthz", "GET"): (200, 200, 200, 200, 200, 200, 200),
    ("/healthz", "POST"): (405, 405, 405, 405, 405, 405, 405),
    # Asked from outside the monitoring network (see REMOTE_ADDR below): it does not exist.
    ("/metrics", "GET"): (404, 404, 404, 404, 404, 404, 404),
    ("/accounts/login/", "GET"): (200, 200, 200, 200, 200, 200, 200),
    # The API: reads are public, writes need the event's editors (or staff).
    ("/api/events/", "GET"): (200, 200, 200, 200, 200, 200, 200),
    ("/api/events/", "POST"): (405, 405, 405, 405, 405, 405, 405),
    ("/api/events/summit/", "GET"): (200, 200, 200, 200, 200, 200, 200),
    ("/api/events/summit/", "PATCH"): (405, 405, 405, 405, 405, 405, 405),
    ("/api/events/summit/", "DELETE"): (405, 405, 405, 405, 405, 405, 405),
    ("/api/events/summit/entries/", "GET"): (200, 200, 200, 200, 200, 200, 200),
    ("/api/events/summit/entries/", "POST"): (401, 403, 403, 201, 201, 201, 201),
    ("/api/events/summit/entries/", "DELETE"): (401, 405, 405, 405, 405, 405, 405),
    ("/api/events/nowhere/entries/", "POST"): (401, 404, 404, 404, 404, 404, 404),
    ("/api/events/summit/changes/?after=0", "GET"): (200, 200, 200, 200, 200, 200, 200),
    ("/api/events/summit/changes/?after=0", "POST"): (405, 405, 405, 405, 405, 405, 405),
    ("/api/events/summit/preview/", "POST"): (401, 403, 403, 200, 200, 200, 200),
    ("/api/events/summit/preview/", "GET"): (401, 405, 405, 405, 405, 405, 405),
    ("/api/events/summit/status/", "POST"): (401, 403, 403, 403, 200, 200, 200),
    ("/api/events/summit/status/", "GET"): (401, 405, 405, 405, 405, 405, 405),
    ("/api/events/summit/sessions/", "POST"): (401, 403, 403, 403, 201, 201, 201),
    ("/api/events/summit/sessions/", "GET"): (401, 405, 405, 405, 405, 405, 405),
    ("/api/speakers/", "GET"): (401, 403, 200, 200, 200, 200, 200),
    ("/api/speakers/", "POST"): (401, 403, 405, 405, 405, 405, 405),
    ("/api/entries/{entry}/", "GET"): (200, 200, 200, 200, 200, 200, 200),
    ("/api/entries/{entry}/", "PATCH"): (401, 403, 403, 403, 200, 200, 200),
    ("/api/entries/{entry}/", "DELETE"): (401, 403, 403, 403, 204, 204, 204),
    ("/api/entries/{entry}/", "PUT"): (401, 405, 405, 405, 405, 405, 405),
    ("/api/entries/{entry}/", "POST"): (401, 405, 405, 405, 405, 405, 405),
    # A draft is hidden from everyone but the event's editors: 404, not 403, so it stays unknown.
    ("/api/entries/{draft}/", "GET"): (404, 404, 404, 404, 200, 200, 200),
    ("/api/entries/{draft}/", "PATCH"): (401, 404, 404, 404, 200, 200, 200),
    ("/api/entries/{draft}/", "DELETE"): (401, 404, 404, 404, 204, 204, 204),
    ("/api/entries/{deleted}/", "GET"): (404, 404, 404, 404, 404, 404, 404),
    ("/api/entries/{deleted}/", "PATCH"): (401, 404, 404, 404, 404, 404, 404),
    ("/api/entries/{deleted}/", "DELETE"): (401, 404, 404, 404, 404, 404, 404),
    ("/api/schema/", "GET"): (200, 200, 200, 200, 200, 200, 200),
    # The desk: review is the editors'; a contributor sees their own submission, nobody else does.
    ("/api/entries/{submitted}/", "GET"): (404, 404, 404, 200, 200, 200, 200),
    ("/api/entries/{submitted}/", "PATCH"): (401, 404, 404, 200, 200, 200, 200),
    ("/api/entries/{submitted}/approve/", "POST"): (401, 404, 404, 403, 200, 200, 200),
    ("/api/entries/{submitted}/approve/", "GET"): (401, 405, 405, 405, 405, 405, 405),
    ("/api/entries/{submitted}/return/", "POST"): (401, 404, 404, 403, 200, 200, 200),
    ("/api/entries/{entry}/revisions/", "GET"): (200, 200, 200, 200, 200, 200, 200),
    ("/api/entries/{draft}/revisions/", "GET"): (404, 404, 404, 404, 404, 404, 404),
    ("/api/events/summit/people/", "GET"): (401, 403, 403, 403, 200, 200, 200),
    ("/api/events/summit/people/", "POST"): (401, 403, 403, 403, 200, 200, 200),
    ("/api/events/summit/people/carol/", "DELETE"): (401, 403, 403, 403, 204, 204, 204),
    ("/api/speakers/split/?name=Lord%20Alton%20of%20Liverpool", "GET"): (401, 403, 200, 200, 200, 200, 200),
}

# Cells where the code answers otherwise than the contract above: reported, kept visible here
# and expected to fail until fixed (strict: a fix makes the test fail until it is removed).
# Cells where the code still disagrees with the table: each is a bug to fix, marked strict so
# that the fix is noticed.
KNOWN_DISCREPANCIES: dict[tuple[str, str], str] = {}

BODIES: dict[str, dict] = {
    "/api/events/summit/entries/": {"body": "Doors are open.", "city": "paris"},
    "/api/events/nowhere/entries/": {"body": "Doors are open."},
    "/api/events/summit/preview/": {"body": "A **preview**.", "city": "berlin"},
    "/api/events/summit/status/": {"status": "live"},
    "/api/events/summit/sessions/": {"city": "Tirana"},
    "/api/entries/{entry}/": {"body": "Edited."},
    "/api/entries/{draft}/": {"body": "Edited draft."},
    "/api/entries/{deleted}/": {"body": "Edited tombstone."},
    "/api/entries/{submitted}/": {"body": "Edited submission."},
    "/api/entries/{submitted}/return/": {"note": "Name the hall."},
    "/api/events/summit/people/": {"username": "carol", "role": "contributor", "cities": ["berlin"]},
}


# Requests made from a given client address rather than the test client's 127.0.0.1.
REMOTE_ADDR = {"/metrics": "203.0.113.9"}


def cells():
    for (endpoint, method), statuses in EXPECTED.items():
        assert len(statuses) == len(PERSONAS), f"{method} {endpoint}: one status per persona"
        for persona, expected in zip(PERSONAS, statuses, strict=True):
            marks = []
            if (endpoint, method) in KNOWN_DISCREPANCIES:
                marks.append(pytest.mark.xfail(reason=KNOWN_DISCREPANCIES[endpoint, method], strict=True))
            yield pytest.param(
                endpoint, method, persona, expected, id=f"{method} {endpoint} as {persona}", marks=marks
            )


@pytest.fixture(autouse=True)
def generous_write_limits(settings):
    """Writes are rate-limited per user (LIVEBLOG_WRITE_RATE); this module measures
    permissions, not limits, so a 429 must never stand in for a 2xx or a 403."""
    settings.LIVEBLOG_WRITE_RATE = "100000/m"


@pytest.fixture
def world(event, other_event, alice, bob, carol, staff, django_user_model):
    superuser = django_user_model.objects.create_superuser("root", password="root-password")
    carla = django_user_model.objects.create_user("carla", password="carla-password")
    services.desk_set_role(event=event, user=carla, role="contributor")
    submitted = services.entry_create(
        event=event,
        by=carla,
        body="From Paris.",
        status="submitted",
        session=event.sessions.get(slug="paris"),
    )
    entry = services.entry_create(
        event=event, by=alice, body="Published.", session=Session.objects.get(event=event, slug="paris")
    )
    draft = services.entry_create(event=event, by=alice, body="Embargoed.", status="draft")
    deleted = services.entry_create(event=event, by=alice, body="Retracted.")
    services.entry_delete(entry=deleted, by=alice)
    users = {
        "anonymous": None,
        "reader": carol,
        "other_editor": bob,
        "contributor": carla,
        "editor": alice,
        "staff": staff,
        "superuser": superuser,
    }
    ids = {"entry": entry.pk, "draft": draft.pk, "deleted": deleted.pk, "submitted": submitted.pk}
    return users, ids


def client_for(user, api: bool):
    if api:
        return token_client(user) if user else APIClient()
    client = Client()
    if user:
        client.force_login(user)
    return client


def call(client, method: str, path: str, body: dict | None, api: bool, **headers):
    kwargs = dict(headers)
    if method in ("POST", "PATCH", "PUT"):
        if api:
            kwargs.update(data=body or {}, format="json")
        else:
            kwargs.update(data=body or {})
    return getattr(client, method.lower())(path, **kwargs)


@pytest.mark.parametrize(("endpoint", "method", "persona", "expected"), list(cells()))
def test_who_may_call_what(world, endpoint, method, persona, expected):
    users, ids = world
    path = endpoint.format(**ids)
    api = path.startswith("/api/")
    headers = {"HTTP_IF_MATCH": '"1"'} if method == "PATCH" else {}
    if endpoint in REMOTE_ADDR:
        headers["REMOTE_ADDR"] = REMOTE_ADDR[endpoint]
    response = call(client_for(users[persona], api), method, path, BODIES.get(endpoint), api, **headers)

    assert response.status_code == expected, (
        f"{method} {path} as {persona}: {response.status_code} {response.content[:300]!r}"
    )
    if expected == 302:  # strangers are sent to sign in, never to the page itself
        login = "/admin/login/" if path.startswith("/admin/") else "/accounts/login/"
        assert response["Location"].startswith(f"{login}?next="), response["Location"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_drafts_in_the_entry_list_are_for_the_events_editors_only(world, persona):
    users, _ids = world
    response = client_for(users[persona], api=True).get("/api/events/summit/entries/?drafts=1")
    bodies = [entry["body"] for entry in response.json()["results"]]
    if persona in ("editor", "staff", "superuser"):
        assert bodies == ["From Paris.", "Published.", "Embargoed."]
    elif persona == "contributor":
        assert bodies == ["From Paris.", "Published."]  # their own, not the editor's draft
    else:
        assert bodies == ["Published."]


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_change_feed_never_carries_a_drafts_text(world, persona):
    users, _ids = world
    response = client_for(users[persona], api=True).get("/api/events/summit/changes/?after=0")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Published." in text and "Embargoed." not in text


def test_the_change_feed_no_longer_serves_retracted_or_replaced_text(world):
    users, ids = world
    alice = token_client(users["editor"])
    edited = alice.patch(
        f"/api/entries/{ids['entry']}/", {"body": "Corrected."}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert edited.status_code == 200
    text = APIClient().get("/api/events/summit/changes/?after=0").content.decode()
    assert "Retracted." not in text, "a deleted entry's text is still served to anyone"
    assert "Published." not in text, "the wording an edit replaced is still served to anyone"


@pytest.mark.parametrize("persona", PERSONAS)
def test_writes_refused_change_nothing(world, persona):
    """A refused write leaves the entries, the cities and the event exactly as they were."""
    users, ids = world
    client = client_for(users[persona], api=True)
    allowed = persona in ("editor", "staff", "superuser")
    before = list(Entry.objects.order_by("pk").values_list("pk", "body", "version", "deleted_at"))
    cities = list(Session.objects.order_by("pk").values_list("slug", flat=True))

    # Published at once: what nobody but the event's editors may do (a contributor submits).
    client.post("/api/events/summit/entries/", {"body": "Sneaked in.", "status": "published"}, format="json")
    client.post("/api/events/summit/sessions/", {"city": "Atlantis"}, format="json")
    client.post("/api/events/summit/status/", {"status": "ended"}, format="json")
    client.patch(f"/api/entries/{ids['entry']}/", {"body": "Defaced."}, format="json", HTTP_IF_MATCH='"1"')
    client.delete(f"/api/entries/{ids['draft']}/")

    if allowed:
        assert Entry.objects.filter(body="Sneaked in.").exists()
        return
    assert list(Entry.objects.order_by("pk").values_list("pk", "body", "version", "deleted_at")) == before
    assert list(Session.objects.order_by("pk").values_list("slug", flat=True)) == cities
    assert users["editor"].edited_events.get().status == "live"


UNSAFE_API_CALLS = [
    ("POST", "/api/events/summit/entries/", {"body": "Hi"}, 201),
    ("POST", "/api/events/summit/preview/", {"body": "Hi"}, 200),
    ("POST", "/api/events/summit/status/", {"status": "ended"}, 200),
    ("POST", "/api/events/summit/sessions/", {"city": "Tirana"}, 201),
    ("PATCH", "/api/entries/{entry}/", {"body": "Edited."}, 200),
    ("DELETE", "/api/entries/{entry}/", None, 204),
]


@pytest.mark.parametrize(
    ("method", "endpoint", "body", "success"),
    UNSAFE_API_CALLS,
    ids=[f"{method} {endpoint}" for method, endpoint, _body, _success in UNSAFE_API_CALLS],
)
@pytest.mark.parametrize("persona", ["editor", "superuser"])
def test_session_writes_need_the_csrf_token(world, persona, method, endpoint, body, success):
    users, ids = world
    path = endpoint.format(**ids)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(users[persona])

    def send(**headers):
        kwargs = {"HTTP_IF_MATCH": '"1"', **headers}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return getattr(browser, method.lower())(path, **kwargs)

    refused = send()
    assert refused.status_code == 403, refused.content
    assert "CSRF" in refused.json()["detail"]
    forged = send(HTTP_X_CSRFTOKEN="x" * 32)
    assert forged.status_code == 403 and "CSRF" in forged.json()["detail"]
    assert not Entry.objects.filter(body__in=["Hi", "Edited."]).exists()
    assert not Session.objects.filter(slug="tirana").exists()
    assert users["editor"].edited_events.get().status == "live"

    browser.get("/events/summit/console/")  # the console sets the csrftoken cookie
    token = browser.cookies["csrftoken"].value
    accepted = send(HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == success, accepted.content


def test_token_writes_need_no_csrf_token(world):
    users, _ids = world
    client = token_client(users["editor"], enforce_csrf_checks=True)
    response = client.post("/api/events/summit/entries/", {"body": "By token."}, format="json")
    assert response.status_code == 201


def test_an_inactive_editor_is_refused(world, event):
    users, ids = world
    alice = users["editor"]
    client = token_client(alice)
    alice.is_active = False
    alice.save()
    # The token no longer authenticates: 401, as for anyone without credentials.
    assert client.post("/api/events/summit/entries/", {"body": "Gone."}, format="json").status_code == 401
    page = Client()
    page.force_login(alice)
    assert page.get("/events/summit/console/").status_code == 302
    assert not Entry.objects.filter(body="Gone.").exists()


def test_an_editor_of_one_event_cannot_reach_anothers_entries(world, bob, other_event):
    """bob edits other-summit: its entries are his, summit's are not (and the other way round)."""
    users, ids = world
    his = services.entry_create(event=other_event, by=bob, body="Toronto.")
    alice = token_client(users["editor"])
    assert (
        alice.patch(f"/api/entries/{his.pk}/", {"body": "x"}, format="json", HTTP_IF_MATCH='"1"').status_code
        == 403
    )
    assert alice.delete(f"/api/entries/{his.pk}/").status_code == 403
    assert alice.post("/api/events/other-summit/entries/", {"body": "x"}, format="json").status_code == 403
    assert token_client(bob).delete(f"/api/entries/{his.pk}/").status_code == 204
    # Moving an entry into another event's city is not a way round it.
    moved = alice.patch(
        f"/api/entries/{ids['entry']}/", {"city": "toronto"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert moved.status_code == 400 and "city" in moved.json()


# WebSockets: the readers' route is public; the console's (presence, other editors' names) is the
# event's desk's: its editors, contributors and staff. True: the socket is accepted.
WS_EXPECTED: dict[str, tuple[bool, bool, bool, bool, bool, bool, bool]] = {
    "/ws/events/summit/": (True, True, True, True, True, True, True),
    "/ws/events/summit/console/": (False, False, False, True, True, True, True),
    "/ws/events/nowhere/console/": (False, False, False, False, False, False, False),
}


@pytest.fixture
def session_cookies(world):
    users, _ids = world
    cookies = {}
    for persona, user in users.items():
        if user is None:
            cookies[persona] = b""
            continue
        client = Client()
        client.force_login(user)
        cookies[persona] = f"sessionid={client.cookies['sessionid'].value}".encode()
    return cookies


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("path", "persona", "accepted"),
    [
        pytest.param(path, persona, accepted, id=f"WS {path} as {persona}")
        for path, row in WS_EXPECTED.items()
        for persona, accepted in zip(PERSONAS, row, strict=True)
    ],
)
async def test_who_may_open_which_websocket(session_cookies, path, persona, accepted):
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    headers = [(b"origin", b"http://localhost")]
    if session_cookies[persona]:
        headers.append((b"cookie", session_cookies[persona]))
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await socket.connect(timeout=5)
    assert connected is accepted, f"{path} as {persona}: close code {code}"
    if connected:
        hello = json.loads(await socket.receive_from(timeout=5))
        assert hello["type"] == "hello" and hello["event"] == "summit"
        await socket.disconnect()
    else:
        assert code in (4403, 4404)


# Translations: the event's editors (staff included) and its translators; tomas translates the
# summit into French only. Personas as above, then the translator. {entry} has a French
# translation already; {theirs} is an entry of other-summit, which bob edits.
TRANSLATION_PERSONAS = (*PERSONAS, "translator")
TRANSLATION_EXPECTED: dict[tuple[str, str], tuple[int, ...]] = {
    ("/api/entries/{entry}/translations/fr/", "PUT"): (401, 403, 403, 403, 200, 200, 200, 200),
    ("/api/entries/{entry}/translations/fr/", "DELETE"): (401, 403, 403, 403, 204, 204, 204, 204),
    ("/api/entries/{entry}/translations/de/", "PUT"): (401, 403, 403, 403, 201, 201, 201, 403),
    ("/api/entries/{entry}/translations/xx/", "PUT"): (401, 404, 404, 404, 404, 404, 404, 404),
    ("/api/entries/{entry}/translations/fr/", "GET"): (401, 405, 405, 405, 405, 405, 405, 405),
    ("/api/entries/{draft}/translations/fr/", "PUT"): (401, 404, 404, 404, 201, 201, 201, 404),
    ("/api/entries/{deleted}/translations/fr/", "PUT"): (401, 404, 404, 404, 404, 404, 404, 404),
    ("/api/entries/{theirs}/translations/fr/", "PUT"): (401, 403, 201, 403, 403, 201, 201, 403),
    ("/api/events/summit/translations/fr/", "PUT"): (401, 403, 403, 403, 200, 200, 200, 200),
    ("/api/events/summit/translations/de/", "DELETE"): (401, 403, 403, 403, 200, 200, 200, 403),
    ("/api/events/other-summit/translations/fr/", "PUT"): (401, 403, 200, 403, 403, 200, 200, 403),
    # A translator changes no original, writes no entry, and runs nothing else on the desk.
    ("/api/entries/{entry}/", "PATCH"): (401, 403, 403, 403, 200, 200, 200, 403),
    ("/api/entries/{entry}/", "DELETE"): (401, 403, 403, 403, 204, 204, 204, 403),
    ("/api/events/summit/entries/", "POST"): (401, 403, 403, 201, 201, 201, 201, 403),
    ("/api/events/summit/status/", "POST"): (401, 403, 403, 403, 200, 200, 200, 403),
    ("/api/events/summit/people/", "GET"): (401, 403, 403, 403, 200, 200, 200, 403),
    # The translation desk; a translator's console is the translation desk (a redirect there).
    ("/events/summit/console/translate/", "GET"): (302, 403, 403, 403, 200, 200, 200, 200),
    ("/events/summit/console/translate/", "POST"): (302, 405, 405, 405, 405, 405, 405, 405),
    ("/events/summit/console/", "GET"): (302, 403, 403, 200, 200, 200, 200, 302),
    ("/events/summit/console/export.markdown?language=fr", "GET"): (302, 403, 403, 403, 200, 200, 200, 403),
}
TRANSLATION_BODIES = {
    "/api/events/summit/translations/fr/": {"title": "Le Sommet"},
    "/api/events/other-summit/translations/fr/": {"title": "L’autre sommet"},
    "/api/entries/{entry}/": {"body": "Edited."},
    "/api/events/summit/entries/": {"body": "Doors are open.", "city": "paris"},
    "/api/events/summit/status/": {"status": "live"},
}


@pytest.fixture
def translation_world(world, event, other_event, bob, django_user_model):
    from liveblog import translations

    users, ids = world
    tomas = django_user_model.objects.create_user("tomas", password="tomas-password")
    services.desk_set_role(event=event, user=tomas, role="translator", languages=["fr"])
    entry = Entry.objects.get(pk=ids["entry"])
    translations.translation_save(entry=entry, language="fr", headline="", body="Publié.", by=users["editor"])
    services.event_update(event=event, by=None, translations={"de": {"title": "Der Gipfel"}})
    theirs = services.entry_create(event=other_event, by=bob, body="Toronto.")
    return {**users, "translator": tomas}, {**ids, "theirs": theirs.pk}


@pytest.mark.parametrize(
    ("endpoint", "method", "persona", "expected"),
    [
        pytest.param(endpoint, method, persona, expected, id=f"{method} {endpoint} as {persona}")
        for (endpoint, method), row in TRANSLATION_EXPECTED.items()
        for persona, expected in zip(TRANSLATION_PERSONAS, row, strict=True)
    ],
)
def test_who_may_translate_what(translation_world, endpoint, method, persona, expected):
    users, ids = translation_world
    path = endpoint.format(**ids)
    api = path.startswith("/api/")
    body = TRANSLATION_BODIES.get(endpoint, {"body": "Traduit."})
    headers = {"HTTP_IF_MATCH": '"1"'} if method == "PATCH" else {}
    response = call(client_for(users[persona], api), method, path, body, api, **headers)

    assert response.status_code == expected, (
        f"{method} {path} as {persona}: {response.status_code} {response.content[:300]!r}"
    )
    if expected == 302 and persona == "translator":
        assert response["Location"] == "/events/summit/console/translate/"
    elif expected == 302:
        assert response["Location"].startswith("/accounts/login/?next="), response["Location"]
