import gzip
import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liveblog import services
from liveblog.models import Change, Entry, Event
from tests.conftest import make_event

pytestmark = pytest.mark.django_db

ATOM = {"atom": "http://www.w3.org/2005/Atom"}


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
    assert 'data-day-label="Saturday 25 August 2018" data-zone="Europe/Paris"' in page
    assert '<h3 class="day" data-day="2018-08-25">Saturday 25 August 2018</h3>' in page
    assert '>17:42<span class="entry__date"> · 25 Aug 2018</span></time>' in page
    assert '<time datetime="2018-08-25T15:42:00+00:00"' in page
    assert '<span class="entry__city">Berlin</span>' in page
    assert (
        '<span class="entry__honorific">Mr.</span> <strong class="entry__speaker-name">'
        f'<a href="/events/summit/speakers/{speaker.pk}-hamid-moaser/">Hamid Moaser</a></strong>' in page
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


def test_entries_of_one_minute_read_in_the_order_they_were_posted_everywhere(client, event, alice):
    at = datetime(2018, 8, 25, 16, 0, tzinfo=UTC)
    bodies = [f"Same minute, post {n}." for n in (1, 2, 3)]
    entries = [
        services.entry_create(event=event, by=alice, body=body, occurred_at=at, pinned=True, key_moment=True)
        for body in bodies
    ]
    # Edited last: a database that returns rows as they lie on disk would now put it last.
    services.entry_update(entry=entries[0], by=alice, body=bodies[0])
    posted, newest_first = bodies, bodies[::-1]

    def order(text: str) -> list[str]:
        return sorted(bodies, key=text.index)

    page = client.get("/events/summit/").content.decode()  # live: newest first
    assert order(page.split('class="entries"')[1]) == newest_first
    assert order(page.split('class="pinned"')[1].split("</section>")[0]) == newest_first
    assert order(page.split('class="panel key-moments"')[1].split("</details>")[0]) == posted
    oldest = client.get("/events/summit/?order=oldest").content.decode()
    assert order(oldest.split('class="entries"')[1]) == posted
    assert order(client.get("/events/summit/feed/").content.decode()) == newest_first
    for param, expected in (("newest", newest_first), ("oldest", posted)):
        listed = client.get(f"/api/events/summit/entries/?order={param}").json()["results"]
        assert [entry["body"] for entry in listed] == expected


def test_every_list_of_entries_reads_their_cities_and_speakers_with_them(client, admin_client, event, alice):
    """However many entries, cities and speakers there are, each page takes the same queries."""
    urls = [
        (client, "/events/summit/"),
        (client, "/events/summit/?order=oldest"),
        (client, "/events/summit/feed/"),
        (client, "/api/events/summit/entries/"),
        (admin_client, "/admin/liveblog/entry/"),
    ]

    def post(names: list[str]) -> None:
        for n, name in enumerate(names):
            services.entry_create(
                event=event,
                by=alice,
                body=f"{name} spoke.",
                session=event.sessions.all()[n % 3],
                speaker=services.speaker_get_or_create(name=name),
                pinned=True,
                key_moment=True,
            )

    def queries() -> list[int]:
        counts = []
        for reader, url in urls:
            with CaptureQueriesContext(connection) as captured:
                assert reader.get(url).status_code == 200
            counts.append(len(captured))
        return counts

    post(["Mr. Hamid Moaser"])
    one = queries()
    post(["Mrs. Maryam Rajavi", "Ms. Farideh Goudarzi", "Bishop Jacques Gaillot", "Mr. Tahar Boumedra"])
    assert queries() == one


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


def test_the_admin_creates_an_event_with_its_cities_and_an_empty_feed(admin_client, alice):
    form = {
        "title": "Summit in Toronto",
        "slug": "toronto-summit",
        "summary": "",
        "timezone": "America/Toronto",
        "starts_at_0": "2026-09-01",
        "starts_at_1": "09:00:00",
        "status": "scheduled",
        "editors": [alice.pk],
        "sessions-TOTAL_FORMS": "1",
        "sessions-INITIAL_FORMS": "0",
        "sessions-0-city": "Toronto",
        "sessions-0-slug": "toronto",
        "sessions-0-position": "0",
    }
    assert admin_client.post("/admin/liveblog/event/add/", form).status_code == 302

    event = Event.objects.get(slug="toronto-summit")
    assert event.timezone == "America/Toronto" and event.is_editor(alice)
    assert list(event.sessions.values_list("city", flat=True)) == ["Toronto"]
    assert event.seq == 0 and not Change.objects.filter(event=event).exists()


def test_the_admin_lists_entries_with_filters_and_search(admin_client, event):
    services.entry_create(
        event=event, by=None, body="Searchable needle.", session=event.sessions.get(slug="paris")
    )
    page = admin_client.get(
        "/admin/liveblog/entry/?q=needle&city=Paris&kind=update&status=published"
    ).content.decode()
    assert "Searchable needle." in page
    assert Entry.objects.count() == 1


def test_healthz_reports_the_database_and_that_redis_is_not_used(client, db, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "not configured", "subscription": "not configured"}


def test_healthz_names_redis_when_it_answers(client, db, settings, redis_url):
    settings.REDIS_URL = redis_url
    response = client.get("/healthz")
    assert response.status_code == 200
    # No reader has connected to this process yet: there is nothing to subscribe for.
    assert response.json() == {"database": "ok", "redis": "ok", "subscription": "idle"}


def test_a_redis_outage_does_not_take_the_worker_out_of_the_load_balancer(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok" and response.json()["redis"] == "unavailable"


def _entries(event, alice, n, **fields):
    return [
        services.entry_create(
            event=event,
            by=alice,
            body=f"Update number {i}.",
            occurred_at=datetime(2018, 8, 25, 15, 0, tzinfo=UTC) + timedelta(minutes=i),
            **fields,
        )
        for i in range(n)
    ]


def test_the_page_carries_live_blog_posting_json_ld(client, event, alice):
    speaker = services.speaker_get_or_create(name="Mrs. Maryam Rajavi, the President-elect")
    services.entry_create(
        event=event,
        by=alice,
        body="Thirty years </script> have passed.",
        speaker=speaker,
        session=event.sessions.get(slug="paris"),
    )
    page = client.get("/events/summit/").content.decode()
    raw = page.split('<script type="application/ld+json">')[1].split("</script>")[0]
    data = json.loads(raw)
    assert data["@type"] == "LiveBlogPosting" and data["coverageStartTime"] == "2018-08-25T15:00:00+00:00"
    assert data["publisher"] == {"@type": "Organization", "name": "Liveblog"}
    assert data["about"]["@type"] == "Event" and data["about"]["startDate"] == "2018-08-25T15:00:00+00:00"
    (paris,) = [place for place in data["about"]["location"] if place.get("name") == "Paris"]
    assert paris["@type"] == "Place" and paris["address"]["addressLocality"] == "Paris"
    assert data["datePublished"] and data["dateModified"] >= data["datePublished"]
    update = data["liveBlogUpdate"][0]
    assert update["@type"] == "BlogPosting" and update["articleBody"] == "Thirty years </script> have passed."
    assert update["headline"].endswith("Mrs. Maryam Rajavi: Thirty years </script> have passed.")
    assert update["about"] == {
        "@type": "Person",
        "name": "Maryam Rajavi",
        "honorificPrefix": "Mrs.",
        "jobTitle": "the President-elect",
    }
    assert update["contentLocation"] == {"@type": "Place", "name": "Paris"}
    assert {"datePublished", "dateModified"} <= set(update)
    services.event_set_status(event=event, status="ended", by=alice)
    ended = client.get("/events/summit/").content.decode()
    assert '"coverageEndTime"' in ended


def test_the_page_has_opengraph_and_the_permalink_twitter_cards(client, event, alice):
    entry = services.entry_create(
        event=event, by=alice, body="Worth sharing.", session=event.sessions.get(slug="berlin")
    )
    page = client.get("/events/summit/").content.decode()
    assert '<meta property="og:title" content="Summit">' in page
    permalink = client.get(f"/events/summit/entries/{entry.pk}/").content.decode()
    assert '<meta name="twitter:card" content="summary">' in permalink
    assert (
        f'<meta property="og:url" content="http://testserver/events/summit/entries/{entry.pk}/">' in permalink
    )
    assert "Berlin" in permalink.split('property="og:title"')[1].split(">")[0]


def _hamid_and_the_news(event, alice) -> list[Entry]:
    """17:42 in Berlin, Mr. Hamid Moaser speaking; then 19:31, news with no city or speaker."""
    hamid = services.speaker_get_or_create(name="Mr. Hamid Moaser", title="Spokesman")
    berlin = event.sessions.get(slug="berlin")
    at = datetime(2018, 8, 25, 15, 42, tzinfo=UTC)
    return [
        services.entry_create(
            event=event, by=alice, session=berlin, speaker=hamid, occurred_at=at, body="Down with them."
        ),
        services.entry_create(event=event, by=alice, occurred_at=at + timedelta(minutes=109), body="News."),
    ]


def test_an_entry_goes_by_one_dateline_in_the_feed_json_ld_api_frames_and_export(client, event, alice):
    _hamid_and_the_news(event, alice)
    report_order = ["17:42 · Berlin · Mr. Hamid Moaser", "19:31"]
    headlines = ["17:42 · Berlin · Mr. Hamid Moaser: Down with them.", "19:31: News."]

    page = client.get("/events/summit/?order=oldest").content.decode()
    json_ld = json.loads(page.split('<script type="application/ld+json">')[1].split("</script>")[0])
    assert [update["headline"] for update in json_ld["liveBlogUpdate"]] == headlines
    feed = ElementTree.fromstring(client.get("/events/summit/feed/").content)  # noqa: S314 - our own feed
    titles = [title.text for title in feed.findall("atom:entry/atom:title", ATOM)]
    assert titles == headlines[::-1]  # newest first
    listed = client.get("/api/events/summit/entries/").json()["results"]
    assert [entry["dateline"] for entry in listed] == report_order
    frames = client.get("/api/events/summit/changes/?after=0").json()["frames"]
    assert [frame["entry"]["dateline"] for frame in frames] == report_order
    client.force_login(alice)
    exported = json.loads(client.get("/events/summit/console/export.json").content)
    assert [entry["dateline"] for entry in exported["entries"]] == report_order


def test_key_moments_show_the_dateline_and_the_permalink_and_markdown_the_speaker_apart(client, event, alice):
    hamid, news = _hamid_and_the_news(event, alice)
    services.entry_set_flags(entry=hamid, by=alice, key_moment=True)
    services.entry_set_flags(entry=news, by=alice, key_moment=True)

    permalink = client.get(f"/events/summit/entries/{hamid.pk}/").content.decode()
    assert "<title>17:42 · Berlin · Summit</title>" in permalink
    assert '<meta property="og:title" content="17:42 · Berlin — Mr. Hamid Moaser">' in permalink
    assert '<meta name="twitter:title" content="17:42 · Berlin — Mr. Hamid Moaser">' in permalink
    assert (
        '<meta property="og:title" content="19:31 — Summit">'
        in client.get(f"/events/summit/entries/{news.pk}/").content.decode()
    )
    page = client.get("/events/summit/").content.decode()
    key = page.split('class="panel key-moments"')[1].split("</details>")[0]
    lines = [re.sub(r"<[^>]+>", "", item) for item in re.findall(r"<li[^>]*>(.*?)</li>", key)]
    assert lines == ["17:42 · Berlin · Mr. Hamid Moaser Down with them.", "19:31 News."]
    client.force_login(alice)
    markdown = client.get("/events/summit/console/export.markdown").content.decode()
    assert "## 17:42 · Berlin\n**Mr. Hamid Moaser**, Spokesman\n" in markdown
    assert "## 19:31\n\nNews." in markdown


def test_pages_go_out_compressed(client, event, alice):
    services.entry_create(event=event, by=alice, body="Worth compressing. " * 200)
    for path in ("/", "/events/summit/", "/events/summit/embed/", "/events/summit/feed/"):
        response = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
        assert response["Content-Encoding"] == "gzip", path
        assert b"Summit" in gzip.decompress(response.content), path
    assert "Content-Encoding" not in client.get("/events/summit/")  # a client that did not ask


def test_the_atom_feed_is_valid_for_feed_readers(client, event, alice):
    """RFC 4287 as feedparser reads it: an author, each entry published at the time it happened
    (not when it was stored), and ids that do not depend on the host name."""
    _hamid_and_the_news(event, alice)
    feeds = [
        feedparser.parse(client.get("/events/summit/feed/", HTTP_HOST=host).content)
        for host in ("localhost", "127.0.0.1")
    ]
    parsed = feeds[0]
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.author == "Liveblog" and parsed.feed.id.startswith("urn:uuid:")
    assert [entry.published for entry in parsed.entries] == [
        "2018-08-25T17:31:00+00:00",
        "2018-08-25T15:42:00+00:00",
    ]
    assert parsed.entries[1].title == "17:42 · Berlin · Mr. Hamid Moaser: Down with them."
    assert [entry.id for entry in parsed.entries] == [entry.id for entry in feeds[1].entries]


def test_the_atom_feed_carries_updated_times(client, event, alice):
    entry = services.entry_create(event=event, by=alice, body="First wording.")
    services.entry_update(entry=entry, by=alice, body="Second wording.")
    feed = client.get("/events/summit/feed/")
    assert feed["Content-Type"].startswith("application/atom+xml")
    text = feed.content.decode()
    assert "Second wording." in text and "<updated>" in text and "<published>" in text


def test_filters_by_city_speaker_and_key_moments_without_javascript(client, event, alice):
    berlin = event.sessions.get(slug="berlin")
    hamid = services.speaker_get_or_create(name="Mr. Hamid Moaser")
    services.entry_create(event=event, by=alice, body="From Berlin, by Hamid.", session=berlin, speaker=hamid)
    services.entry_create(event=event, by=alice, body="From Berlin, key.", session=berlin, key_moment=True)
    services.entry_create(event=event, by=alice, body="From Paris.", session=event.sessions.get(slug="paris"))

    page = client.get("/events/summit/").content.decode()
    chips = re.findall(
        r"<li><a [^>]*>(.*?)</a></li>", page.split('class="panel cities"')[1].split("</details>")[0]
    )
    assert "Berlin 2 entries" in [re.sub(r"<[^>]+>", "", chip) for chip in chips]  # as read aloud
    assert "From Paris." not in client.get("/events/summit/?city=berlin").content.decode()
    by_speaker = client.get(f"/events/summit/?speaker={hamid.pk}").content.decode()
    assert "by Hamid" in by_speaker and "key." not in by_speaker.split('class="entries"')[1]
    key_only = client.get("/events/summit/?key=1").content.decode().split('class="entries"')[1]
    assert "From Berlin, key." in key_only and "From Paris." not in key_only


def test_now_live_names_the_cities_in_session(client, event):
    now = timezone.now()
    event.sessions.filter(slug="berlin").update(
        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
    )
    strip = client.get("/events/summit/").content.decode().split('class="now-live"')[1].split("</p>")[0]
    assert "Berlin" in strip and "Paris" not in strip


def test_long_events_page_by_fifty_with_a_plain_link(client, event, alice):
    _entries(event, alice, 60)
    page = client.get("/events/summit/").content.decode()
    assert (
        page.count('<article class="entry') == 50
        and "Update number 59." in page
        and "Update number 9." not in page
    )
    next_url = page.split('class="more__link button" href="')[1].split('"')[0].replace("&amp;", "&")
    older = client.get("/events/summit/" + next_url).content.decode()
    assert (
        older.count('<article class="entry') == 10
        and "Update number 9." in older
        and "more__link" not in older
    )


ENTRY_TEXT = re.compile(r'<div class="entry__body"[^>]*><p>(.*?)</p></div>')


def test_pages_of_entries_posted_in_one_minute_show_each_entry_once_in_either_order(client, event, alice):
    at = datetime(2018, 8, 25, 16, 0, tzinfo=UTC)
    bodies = [f"Update number {i}." for i in range(55)]
    for body in bodies:
        services.entry_create(event=event, by=alice, body=body, occurred_at=at)

    for order, expected in (("oldest", bodies), ("newest", bodies[::-1])):
        first = client.get(f"/events/summit/?order={order}").content.decode()
        next_url = first.split('class="more__link button" href="')[1].split('"')[0].replace("&amp;", "&")
        second = client.get("/events/summit/" + next_url).content.decode()
        shown = [
            body for page in (first, second) for body in ENTRY_TEXT.findall(page.split('class="entries"')[1])
        ]
        assert shown == expected, order


def test_pinned_entries_and_key_moments_are_listed(client, event, alice):
    services.entry_create(event=event, by=alice, body="Read this first.", pinned=True)
    services.entry_create(event=event, by=alice, body="The moment it happened.", key_moment=True)
    page = client.get("/events/summit/").content.decode()
    pinned = page.split('class="pinned"')[1].split("</section>")[0]
    assert "Read this first." in pinned and 'id="pinned-' in pinned
    key = page.split('class="panel key-moments"')[1].split("</details>")[0]
    assert "The moment it happened." in key and 'href="#entry-' in key


def test_an_ended_event_is_an_archive_with_conditional_get(client, event, alice):
    services.entry_create(event=event, by=alice, body="Last words.")
    services.event_set_status(event=event, status="ended", by=alice)
    first = client.get("/events/summit/")
    assert first["Cache-Control"] == "public, max-age=0, s-maxage=1, must-revalidate" and first["ETag"]
    assert "This event has ended" in first.content.decode()
    again = client.get("/events/summit/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    services.entry_create(event=event, by=alice, body="A late correction.")
    assert client.get("/events/summit/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_the_embed_page_is_minimal_and_may_be_framed(client, event, alice):
    services.entry_create(event=event, by=alice, body="Embedded.", session=event.sessions.get(slug="paris"))
    response = client.get("/events/summit/embed/?city=paris")
    page = response.content.decode()
    assert "X-Frame-Options" not in response and "Embedded." in page
    assert 'class="site-header"' not in page and 'data-city="paris"' in page
    assert client.get("/events/summit/")["X-Frame-Options"] == "DENY"


def test_a_cached_page_is_replaced_by_the_next_change(client, event, alice, django_assert_max_num_queries):
    services.entry_create(event=event, by=alice, body="First.")
    first = client.get("/events/summit/").content
    with django_assert_max_num_queries(2):  # from the cache: only the event is read (ETag, page)
        assert client.get("/events/summit/").content == first
    services.entry_create(event=event, by=alice, body="Second.")
    assert "Second." in client.get("/events/summit/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_readers_arriving_together_after_a_change_share_one_render(event, alice, monkeypatch):
    """Right after a post, every reader in flight misses the cache: one renders, the rest wait
    for that page instead of each rendering it again."""
    from django.test import Client

    from liveblog import views

    for n in range(40):
        services.entry_create(event=event, by=alice, body=f"Update {n}.")
    renders = []
    render = views._render_event_page
    monkeypatch.setattr(views, "_render_event_page", lambda *args: renders.append(1) or render(*args))
    services.entry_create(event=event, by=alice, body="The news everyone reloads for.")
    start, pages = threading.Barrier(8), []

    def reload() -> None:
        start.wait()
        pages.append(Client().get("/events/summit/").content.decode())

    readers = [threading.Thread(target=reload) for _ in range(8)]
    for thread in readers:
        thread.start()
    for thread in readers:
        thread.join()
    assert len(pages) == 8 and len(set(pages)) == 1
    assert "The news everyone reloads for." in pages[0]
    assert len(renders) == 1


def test_a_permalink_gives_its_context_and_ways_to_share(client, event, alice):
    hamid, news = _hamid_and_the_news(event, alice)
    page = client.get(f"/events/summit/entries/{hamid.pk}/").content.decode()
    assert '<a class="button" href="/events/summit/">← Back to the latest updates</a>' in page
    assert f'<span class="status status--{event.status}">{event.get_status_display()}</span>' in page
    assert "Saturday 25 August 2018, 17:42</time> in Berlin (Europe/Paris)" in page
    assert f'href="/events/summit/entries/{news.pk}/" rel="next"' in page and 'rel="prev"' not in page
    assert "https://x.com/intent/post?url=http%3A%2F%2Ftestserver%2Fevents%2Fsummit%2Fentries%2F" in page
    assert 'href="mailto:?subject=17%3A42' in page
    assert not re.search(r'<script[^>]* src="(https?:)?//', page)  # no third-party script


def test_the_home_page_puts_live_events_first_with_their_latest_entry(client, event, other_event, alice):
    services.event_set_status(event=event, status="live", by=alice)
    services.entry_create(event=event, by=alice, body="The latest words.")
    page = client.get("/").content.decode()
    live = page.split('id="section-1">Live now</h2>')[1].split("</section>")[0]
    assert "Summit" in live and "The latest words." in live and "Other summit" not in live.split("<h3")[1:]
    assert page.index("Live now") < page.index("Upcoming") < page.index("Past")


def test_the_home_page_counts_the_readers_every_live_process_reports(
    client, event, alice, redis_url, settings
):
    """Each worker reports its readers to Redis; the home page adds up the fresh reports."""
    import redis

    from liveblog.delivery.presence import readers_key

    settings.REDIS_URL = redis_url
    services.event_set_status(event=event, status="live", by=alice)
    now = time.time()
    reports = {"one": [7, now, []], "two": [5, now, ["alice"]], "gone": [100, now - 3600, []]}
    redis.Redis.from_url(redis_url).hset(
        readers_key("summit"), mapping={k: json.dumps(v) for k, v in reports.items()}
    )
    assert '<span class="event-card__readers">12 reading</span>' in client.get("/").content.decode()
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # Redis gone: the page, without a count
    page = client.get("/").content.decode()
    assert "Summit" in page and "reading" not in page


def test_a_favicon_and_a_manifest(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon["Content-Type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    manifest = client.get("/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert data["name"] == "Liveblog" and {i["sizes"] for i in data["icons"]} == {"192x192", "512x512"}
    for icon in data["icons"]:
        name = icon["src"].removeprefix("/static/")
        assert (Path(__file__).parents[1] / "liveblog" / "static" / name).read_bytes()[:4] == b"\x89PNG"
