"""The desk through the API: a Berlin contributor (carla) and the event's editor (alice) covering
it together — submissions, review, schedule, corrections, honest times and speakers."""

import json
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from liveblog import services
from liveblog.models import Change, Entry, Event, Review, Speaker
from tests.conftest import token_client
from tests.helpers import post_entry


@pytest.fixture
def carla(db, event, django_user_model):
    """A contributor of the event, reporting from Berlin."""
    user = django_user_model.objects.create_user("carla", password="carla-password")
    services.desk_set_role(
        event=event, user=user, role="contributor", cities=[event.sessions.get(slug="berlin")]
    )
    return user


@pytest.fixture
def reporter(carla):
    return token_client(carla)


@pytest.fixture
def editor(alice):
    return token_client(alice)


def submitted(reporter, body="The Berlin hall is full.", **fields):
    response = post_entry(reporter, body=body, city="berlin", **fields)
    assert response.status_code == 201, response.content
    return response.json()


# Contributors ------------------------------------------------------------------------------


def test_a_contributors_entry_goes_to_review_and_readers_see_nothing(reporter, client, event):
    entry = submitted(reporter)

    assert entry["status"] == "submitted" and entry["author"] == "carla"
    assert entry["review"]["action"] == "submitted" and entry["review"]["by"] == "carla"
    assert "Berlin hall" not in client.get("/events/summit/").content.decode()
    frame = json.loads(Change.objects.get(event=event, entry_id=entry["id"]).frame)
    assert frame == {
        "type": "entry.deleted",
        "seq": frame["seq"],
        "epoch": event.epoch,
        "entry": {"id": entry["id"]},
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": "published"}, "Contributors submit entries for review; an editor publishes them."),
        (
            {"status": "scheduled", "publish_at": "23:59"},
            "Contributors submit entries for review; an editor publishes them.",
        ),
        ({"city": "paris"}, "You report from berlin only: choose one as the city."),
        ({"city": ""}, "You report from berlin only: choose one as the city."),
    ],
    ids=["publish", "schedule", "another-city", "no-city"],
)
def test_a_contributor_never_publishes_nor_reports_from_elsewhere(reporter, fields, message):
    response = post_entry(reporter, body="From Berlin.", **{"city": "berlin", **fields})

    assert response.status_code == 403
    assert response.json() == {"detail": message}
    assert not Entry.objects.exists()


def test_a_contributor_changes_only_their_own_unpublished_entries(reporter, editor, alice):
    mine = submitted(reporter)
    theirs = post_entry(editor, body="Editor's draft.", status="draft").json()

    own = reporter.patch(
        f"/api/entries/{mine['id']}/", {"body": "Fuller."}, format="json", headers={"If-Match": '"1"'}
    )
    other = reporter.patch(
        f"/api/entries/{theirs['id']}/", {"body": "x"}, format="json", headers={"If-Match": '"1"'}
    )
    editor.post(f"/api/entries/{mine['id']}/approve/")
    after = reporter.patch(
        f"/api/entries/{mine['id']}/", {"body": "Later."}, format="json", headers={"If-Match": '"3"'}
    )

    assert own.status_code == 200 and own.json()["body"] == "Fuller."
    assert other.status_code == 404  # not even seen
    assert after.status_code == 403
    assert after.json() == {"detail": "This entry is published: only an editor can change it now."}


def test_a_contributor_sees_the_published_and_their_own_only(reporter, editor, django_user_model, event):
    other = django_user_model.objects.create_user("otto")
    services.desk_set_role(event=event, user=other, role="contributor")
    post_entry(token_client(other), body="Otto's submission.")
    post_entry(editor, body="Published news.")
    post_entry(editor, body="An editor's draft.", status="draft")
    submitted(reporter, body="Carla's submission.")

    listed = reporter.get("/api/events/summit/entries/?drafts=1").json()["results"]

    assert sorted(e["body"] for e in listed) == ["Carla's submission.", "Published news."]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/events/summit/status/", {"status": "ended"}),
        ("post", "/api/events/summit/sessions/", {"city": "Tirana"}),
        ("get", "/api/events/summit/people/", None),
        ("post", "/api/events/summit/people/", {"username": "carla", "role": "editor"}),
        ("post", "/api/entries/{id}/approve/", {}),
        ("post", "/api/entries/{id}/return/", {"note": "No."}),
    ],
)
def test_a_contributor_is_refused_the_editors_work(reporter, method, path, body):
    entry = submitted(reporter)

    response = getattr(reporter, method)(path.format(id=entry["id"]), body, format="json")

    assert response.status_code == 403


def test_a_contributor_previews_uploads_and_finds_speakers(reporter, client, carla):
    from tests import photos
    from tests.test_media import upload

    assert (
        reporter.post(
            "/api/events/summit/preview/", {"body": "Hi", "city": "berlin"}, format="json"
        ).status_code
        == 200
    )
    assert upload(reporter, photos.png()).status_code == 201
    assert reporter.get("/api/speakers/?q=a").status_code == 200
    client.force_login(carla)
    assert client.get("/events/summit/console/").status_code == 200
    assert client.get("/events/summit/console/export.json").status_code == 403


def test_a_contributor_in_a_browser_session_needs_the_csrf_token(carla):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(carla)

    response = browser.post(
        "/api/events/summit/entries/", {"body": "x", "city": "berlin"}, content_type="application/json"
    )

    assert response.status_code == 403 and "CSRF" in response.json()["detail"]


def test_create_editor_makes_a_contributor_limited_to_cities(event, capsys):
    call_command("create_editor", "berta", "--event", "summit", "--role", "contributor", "--city", "berlin")

    assert "berta (created) is a contributor of summit, reporting from berlin." in capsys.readouterr().out
    role = event.role_of(Event.objects.get(pk=event.pk).contributors.get().user)
    assert role is not None and not role.editor and role.cities == {"berlin"}


def test_create_editor_names_an_unknown_city(event):
    from django.core.management.base import CommandError

    with pytest.raises(
        CommandError, match="summit has no city atlantis; its cities are: paris, berlin, london."
    ):
        call_command(
            "create_editor", "berta", "--event", "summit", "--role", "contributor", "--city", "atlantis"
        )


def test_editors_manage_the_desk(editor, django_user_model, carla):
    django_user_model.objects.create_user("dora")

    added = editor.post(
        "/api/events/summit/people/",
        {"username": "dora", "role": "contributor", "cities": ["paris"]},
        format="json",
    )
    unknown = editor.post(
        "/api/events/summit/people/", {"username": "nobody", "role": "editor"}, format="json"
    )
    removed = editor.delete("/api/events/summit/people/carla/")

    assert {"username": "dora", "role": "contributor", "cities": ["paris"]} in added.json()
    assert unknown.json() == {"username": ["No account is called “nobody”: an admin creates it first."]}
    assert removed.status_code == 204
    assert [p["username"] for p in editor.get("/api/events/summit/people/").json()] == ["alice", "dora"]


# Review ------------------------------------------------------------------------------------


def test_an_editor_approves_a_submission_and_readers_get_it(reporter, editor, client, event):
    entry = submitted(reporter)

    response = editor.post(f"/api/entries/{entry['id']}/approve/")

    assert response.status_code == 200
    approved = response.json()
    assert approved["status"] == "published" and approved["author"] == "carla"
    assert approved["review"]["action"] == "approved" and approved["review"]["by"] == "alice"
    assert "The Berlin hall is full." in client.get("/events/summit/").content.decode()
    assert [r.action for r in Review.objects.filter(entry_id=entry["id"])] == ["submitted", "approved"]
    again = editor.post(f"/api/entries/{entry['id']}/approve/")
    assert again.status_code == 409
    assert again.json() == {"detail": "This entry is not awaiting review: it is published."}


def test_an_editor_returns_a_submission_with_a_note_the_contributor_reads(reporter, editor):
    entry = submitted(reporter)

    returned = editor.post(
        f"/api/entries/{entry['id']}/return/", {"note": "Which hall? Name it."}, format="json"
    )
    seen = reporter.get(f"/api/entries/{entry['id']}/").json()

    assert returned.status_code == 200
    assert seen["status"] == "draft"
    assert seen["review"] == {
        **seen["review"],
        "action": "returned",
        "note": "Which hall? Name it.",
        "by": "alice",
    }
    resubmitted = reporter.patch(
        f"/api/entries/{entry['id']}/",
        {"body": "The Urania hall is full.", "status": "submitted"},
        format="json",
        headers={"If-Match": f'"{seen["version"]}"'},
    )
    assert resubmitted.json()["review"]["action"] == "submitted"


def test_returning_needs_a_note(reporter, editor):
    entry = submitted(reporter)

    response = editor.post(f"/api/entries/{entry['id']}/return/", {"note": ""}, format="json")

    assert response.json() == {"note": ["Say what to change: the contributor reads this note."]}


# Schedule ----------------------------------------------------------------------------------


def test_a_scheduled_entry_is_published_once_when_due(editor, event, client):
    at = (timezone.now() + timedelta(minutes=30)).replace(microsecond=0)
    entry = post_entry(
        editor, body="Doors open at the Paris venue.", status="scheduled", publish_at=at.isoformat()
    ).json()
    assert entry["status"] == "scheduled" and entry["publish_at"] == at.isoformat()

    assert services.publish_due(now=at - timedelta(seconds=1)) == []
    published = services.publish_due(now=at)
    again = services.publish_due(now=at + timedelta(seconds=5))

    assert [e.pk for e in published] == [entry["id"]] and again == []
    shown = client.get(f"/api/entries/{entry['id']}/").json()
    assert shown["status"] == "published" and shown["occurred_at"] == at.isoformat()
    assert Review.objects.get(entry_id=entry["id"], action="published").by is None


def test_a_scheduled_entry_needs_a_time_to_come(editor):
    no_time = post_entry(editor, body="Later.", status="scheduled")
    past = post_entry(editor, body="Later.", status="scheduled", publish_at="2018-08-25T10:00:00+02:00")

    assert no_time.json() == {"publish_at": ["Say when to publish it, e.g. 21:15."]}
    assert past.json() == {
        "publish_at": ["10:00 on Saturday 25 August 2018 has passed: publish it now instead."]
    }


def test_a_cancelled_schedule_publishes_nothing(editor):
    at = timezone.now() + timedelta(minutes=5)
    entry = post_entry(editor, body="Maybe.", status="scheduled", publish_at=at.isoformat()).json()

    editor.patch(
        f"/api/entries/{entry['id']}/", {"status": "draft"}, format="json", headers={"If-Match": '"1"'}
    )

    assert services.publish_due(now=at + timedelta(seconds=1)) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_asking_at_once_publish_each_entry_once(event, alice):
    at = timezone.now() - timedelta(seconds=1)
    for n in range(10):
        entry = services.entry_create(event=event, by=alice, body=f"Scheduled {n}.", status="draft")
        Entry.objects.filter(pk=entry.pk).update(status="scheduled", publish_at=at)
    results: list[int] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        barrier.wait()
        try:
            results.extend(e.pk for e in services.publish_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == len(set(results)) == 10
    assert Review.objects.filter(action="published").count() == 10
    assert Change.objects.filter(event=event, type="entry.updated").count() == 10


# Corrections -------------------------------------------------------------------------------


def test_a_correction_is_shown_to_readers_and_keeps_the_version_it_replaced(editor, client):
    entry = post_entry(editor, body="Rajavi spoke in Berlin.").json()

    typo = editor.patch(
        f"/api/entries/{entry['id']}/",
        {"body": "Rajavi spoke in Berlin!"},
        format="json",
        headers={"If-Match": '"1"'},
    ).json()
    fixed = editor.patch(
        f"/api/entries/{entry['id']}/",
        {"body": "Rajavi spoke in Paris.", "correction": "She spoke in Paris, not Berlin."},
        format="json",
        headers={"If-Match": '"2"'},
    ).json()

    assert typo["correction"] == "" and typo["corrected_at"] is None  # a typo fix is not a correction
    assert fixed["correction"] == "She spoke in Paris, not Berlin." and fixed["corrected_at"]
    assert "— She spoke in Paris, not Berlin." in fixed["html"] and "<strong>Corrected " in fixed["html"]
    revisions = client.get(f"/api/entries/{entry['id']}/revisions/").json()
    assert [(r["version"], r["note"]) for r in revisions] == [(2, "She spoke in Paris, not Berlin.")]
    assert "Rajavi spoke in Berlin!" in revisions[0]["html"] and 'id="version-2-of-' in revisions[0]["html"]
    permalink = client.get(f"/events/summit/entries/{entry['id']}/").content.decode()
    assert 'id="revisions"' in permalink and "Rajavi spoke in Berlin!" in permalink


def test_the_feed_tells_of_a_correction_and_updates(editor, client):
    import feedparser

    entry = post_entry(editor, body="Rajavi spoke in Berlin.").json()
    Entry.objects.filter(pk=entry["id"]).update(updated_at=timezone.now() - timedelta(hours=1))
    before = feedparser.parse(client.get("/events/summit/feed/").content).entries[0]

    editor.patch(
        f"/api/entries/{entry['id']}/",
        {"body": "Rajavi spoke in Paris.", "correction": "She spoke in Paris."},
        format="json",
        headers={"If-Match": '"1"'},
    )

    after = feedparser.parse(client.get("/events/summit/feed/").content).entries[0]
    assert after.updated_parsed > before.updated_parsed
    assert "<strong>Corrected " in after.summary and "— She spoke in Paris.</p>" in after.summary


# Times -------------------------------------------------------------------------------------


def test_a_time_in_the_future_is_refused_saying_what_it_would_have_meant(editor, event):
    ahead = (timezone.now() + timedelta(hours=3)).astimezone(event.sessions.get(slug="berlin").tzinfo)

    response = post_entry(editor, body="Too early.", city="berlin", occurred_at=ahead.isoformat())

    assert response.status_code == 400
    message = response.json()["occurred_at"][0]
    assert message.startswith(
        f"{ahead:%H:%M} in Berlin on {ahead:%A} {ahead.day} {ahead:%B %Y} is 3 hours from now."
    )
    assert message.endswith("Give the time it happened, or schedule the entry to publish it later.")


def test_a_bare_time_is_read_on_the_events_day_once_it_is_not_live(editor, event):
    Event.objects.filter(pk=event.pk).update(status=Event.Status.ENDED)

    entry = post_entry(editor, body="Backfilled.", city="berlin", occurred_at="19:30").json()

    assert entry["occurred_at"] == "2018-08-25T19:30:00+02:00"  # in Berlin, on the event's day


# Speakers ----------------------------------------------------------------------------------


@pytest.fixture
def goudarzi(db):
    return Speaker.objects.create(honorific="Ms.", name="Farideh Goudarzi", title="former political prisoner")


@pytest.mark.parametrize(
    "typed",
    [
        "Farideh Godarzi",
        "farideh goudarzi",
        "Faridéh Goudarzi",
        "Goudarzy",
        "Ms Farideh Goudarzi",
        "Fraideh Goudarzi",
    ],
)
def test_the_speaker_suggestions_find_the_person_through_typos(editor, goudarzi, typed):
    Speaker.objects.create(name="Hamid Moaser")

    found = editor.get("/api/speakers/", {"q": typed}).json()

    assert found[0]["name"] == "Farideh Goudarzi"


def test_an_unknown_speaker_name_is_refused_with_the_close_ones(editor, goudarzi):
    response = post_entry(editor, body="Quote.", speaker_name="Farideh Godarzi")

    assert response.status_code == 400
    assert response.json() == {
        "speaker_name": [
            "No known speaker is called “Farideh Godarzi”. Did you mean Ms. Farideh Goudarzi? "
            "Otherwise add them as a new speaker."
        ]
    }
    assert Speaker.objects.count() == 1


def test_a_known_speaker_is_matched_whatever_the_accents_and_honorific(editor, goudarzi):
    entry = post_entry(editor, body="Quote.", speaker_name="farideh GOUDARZI").json()

    assert entry["speaker"]["id"] == goudarzi.pk


def test_a_new_speaker_is_added_as_the_editor_split_them(editor):
    split = editor.get("/api/speakers/split/", {"name": "Lord Alton of Liverpool"}).json()
    entry = post_entry(
        editor, body="Quote.", new_speaker={**split, "title": "member of the House of Lords"}
    ).json()

    assert split == {"honorific": "Lord", "name": "Alton of Liverpool", "title": ""}
    assert entry["speaker"]["name"] == "Alton of Liverpool" and entry["dateline"].endswith(
        "Lord Alton of Liverpool"
    )


def test_a_correction_made_another_day_says_its_date(editor, event, alice):
    entry = services.entry_create(
        event=event,
        by=alice,
        body="Spoke in Berlin.",
        occurred_at=event.starts_at,
        session=event.sessions.get(slug="paris"),
    )

    fixed = editor.patch(
        f"/api/entries/{entry.pk}/",
        {"body": "Spoke in Paris.", "correction": "Paris."},
        format="json",
        headers={"If-Match": '"1"'},
    ).json()

    now = timezone.now().astimezone(entry.tzinfo)
    assert f"<strong>Corrected {now.day} {now:%b %Y}, " in fixed["html"]


def test_the_feed_takes_out_what_xml_cannot_carry(editor, event, client):
    import feedparser

    Event.objects.filter(pk=event.pk).update(title="Sum\x0bmit")
    post_entry(editor, body="The bell \x07 rings.", city="paris", headline="Bell\x01")

    response = client.get("/events/summit/feed/")

    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo and feed.feed.title == "Summit"
    assert feed.entries[0].title == "Bell" and "The bell  rings." in feed.entries[0].summary


def test_two_editors_approving_at_once_publish_it_once(reporter, alice, event):
    entry = Entry.objects.get(pk=submitted(reporter)["id"])
    seen_by_both = Entry.objects.get(pk=entry.pk)  # each editor read it while it was submitted

    services.entry_approve(entry=entry, by=alice)
    with pytest.raises(services.NotAwaitingReview):
        services.entry_approve(entry=seen_by_both, by=alice)

    assert list(Review.objects.filter(entry=entry).values_list("action", flat=True)) == [
        "submitted",
        "approved",
    ]
    assert Change.objects.filter(entry=entry, type="entry.updated").count() == 1


def test_the_desks_list_reads_reviews_and_authors_in_a_fixed_number_of_queries(
    reporter, editor, django_assert_max_num_queries
):
    for n in range(12):
        submitted(reporter, body=f"Submission {n}.")

    with django_assert_max_num_queries(12):
        listed = editor.get("/api/events/summit/entries/?drafts=1").json()["results"]

    assert len(listed) == 12 and all(e["review"]["by"] == "carla" and e["author"] == "carla" for e in listed)
