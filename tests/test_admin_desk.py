"""The admin as a desk uses it: an event's page fits a laptop screen, every time on it is in the
event's zone and says so, the feed's internals stay out of the way, and every save still goes
through the services. The desk's people, review trail and earlier versions are there too."""

import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from django.test import Client

from liveblog import services
from liveblog.models import Change, Contributor, Entry, Event, Review, Session
from tests.conftest import make_event

STARTS = datetime(2018, 8, 25, 15, 3, tzinfo=UTC)  # 17:03 in Paris


class Page(HTMLParser):
    """What a person sees of an admin page: its fields by name, their labels, and its text."""

    def __init__(self, html: str):
        super().__init__()
        self.inputs: dict[str, dict[str, str]] = {}
        self.labels: dict[str, str] = {}
        self.words: list[str] = []
        self._label_for: str | None = None
        self._skip = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag in ("input", "textarea", "select") and "name" in attributes:
            self.inputs[attributes["name"]] = attributes
        if tag == "label" and "for" in attributes:
            self._label_for = attributes["for"]
            self.labels[self._label_for] = ""
        if tag in ("script", "style", "datalist"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_for = None
        if tag in ("script", "style", "datalist"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if self._label_for:
            self.labels[self._label_for] += data
        if not self._skip and data.strip():
            self.words.append(" ".join(data.split()))

    @property
    def text(self) -> str:
        return " ".join(self.words)

    def label(self, field_id: str) -> str:
        return " ".join(self.labels[field_id].split())

    def value(self, name: str) -> str:
        return self.inputs[name].get("value", "")


def page(client, url: str) -> Page:
    response = client.get(url)
    assert response.status_code == 200
    return Page(response.content.decode())


def event_form(event: Event, **changes: str) -> dict:
    """The event's change form as the browser posts it untouched, times typed in Paris."""
    sessions = list(event.sessions.all())
    form = {
        "title": event.title,
        "summary": event.summary,
        "status": event.status,
        "timezone": event.timezone,
        "starts_at_0": "2018-08-25",
        "starts_at_1": "17:03",
        "ends_at_0": "",
        "ends_at_1": "",
        "language": event.language,
        "translations": json.dumps(event.translations),
        "initial-translations": json.dumps(event.translations),  # a callable default's hidden initial
        "editors": [user.pk for user in event.editors.all()],
        "sessions-TOTAL_FORMS": str(len(sessions)),
        "sessions-INITIAL_FORMS": str(len(sessions)),
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "1000",
        "contributors-TOTAL_FORMS": "0",
        "contributors-INITIAL_FORMS": "0",
    }
    for i, session in enumerate(sessions):
        for name in ("id", "event", "city", "slug", "venue", "country", "timezone", "position"):
            value = getattr(session, "event_id" if name == "event" else name)
            form[f"sessions-{i}-{name}"] = "" if value is None else str(value)
        form.update(
            {f"sessions-{i}-{name}": "" for name in ("starts_at_0", "starts_at_1", "ends_at_0", "ends_at_1")}
        )
    return {**form, **changes}


@pytest.fixture
def paris_event(db) -> Event:
    return make_event("summit", cities=("Paris", "Berlin", "Toronto"), starts_at=STARTS)


def test_it_shows_an_events_start_in_its_zone_and_names_the_zone(admin_client, paris_event):
    shown = page(admin_client, f"/admin/liveblog/event/{paris_event.pk}/change/")

    assert shown.value("starts_at_0") == "2018-08-25"
    assert shown.value("starts_at_1") == "17:03"  # 15:03 UTC
    assert "Starts (Europe/Paris): " in shown.text and "Ends (Europe/Paris): " in shown.text
    assert shown.inputs["starts_at_0"]["aria-label"] == "Starts (Europe/Paris), date"
    assert shown.inputs["starts_at_1"]["aria-label"] == "Starts (Europe/Paris), time"


def test_it_stores_the_instant_of_the_local_time_typed(admin_client, paris_event):
    url = f"/admin/liveblog/event/{paris_event.pk}/change/"
    response = admin_client.post(
        url, event_form(paris_event, starts_at_1="18:30", ends_at_0="2018-08-25", ends_at_1="22:00")
    )
    assert response.status_code == 302, response.content.decode()[:3000]

    paris_event.refresh_from_db()
    assert paris_event.starts_at == datetime(2018, 8, 25, 16, 30, tzinfo=UTC)
    assert paris_event.ends_at == datetime(2018, 8, 25, 20, 0, tzinfo=UTC)
    assert list(Change.objects.filter(event=paris_event).values_list("type", flat=True)) == ["event.updated"]


def test_an_untouched_save_changes_no_time_and_tells_no_reader(admin_client, paris_event):
    url = f"/admin/liveblog/event/{paris_event.pk}/change/"
    assert admin_client.post(url, event_form(paris_event)).status_code == 302

    paris_event.refresh_from_db()
    assert paris_event.starts_at == STARTS
    assert not Change.objects.filter(event=paris_event).exists()


def test_a_new_event_reads_its_times_in_the_zone_typed_beside_them(admin_client):
    form = {
        "title": "Summit in Toronto",
        "slug": "toronto-summit",
        "summary": "",
        "timezone": "America/Toronto",
        "starts_at_0": "2026-09-01",
        "starts_at_1": "09:00",
        "status": "scheduled",
        "language": "en",
        "sessions-TOTAL_FORMS": "0",
        "sessions-INITIAL_FORMS": "0",
    }
    assert admin_client.post("/admin/liveblog/event/add/", form).status_code == 302
    assert Event.objects.get(slug="toronto-summit").starts_at == datetime(2026, 9, 1, 13, 0, tzinfo=UTC)


def test_the_feeds_head_is_shown_folded_away_and_cannot_be_edited(admin_client, paris_event):
    services.event_update(event=paris_event, by=None, summary="Seventeen cities.")
    paris_event.refresh_from_db()
    url = f"/admin/liveblog/event/{paris_event.pk}/change/"
    html = admin_client.get(url).content.decode()
    shown = Page(html)

    assert "seq" not in shown.inputs and "epoch" not in shown.inputs
    internal = re.search(r"<details>\s*<summary>.*?Internal.*?</details>", html, re.S)
    assert internal and paris_event.epoch in internal.group(0)

    form = event_form(paris_event, seq="999", epoch="forged")
    assert admin_client.post(url, form).status_code == 302
    paris_event.refresh_from_db()
    assert (paris_event.seq, paris_event.epoch) != (999, "forged") and paris_event.seq == 1


def test_the_cities_are_a_compact_table_with_the_rest_folded(admin_client, paris_event):
    Session.objects.filter(event=paris_event, slug="berlin").update(venue="Urania", country="Germany")
    html = admin_client.get(f"/admin/liveblog/event/{paris_event.pk}/change/").content.decode()
    shown = Page(html)

    cities = html[html.index('id="sessions-group"') :]
    headings = re.findall(r'<th class="column-(\w+)', cities)
    assert headings == ["city", "slug", "timezone", "starts_at", "ends_at", "details"]
    assert [shown.value(f"sessions-{i}-city") for i in range(3)] == ["Paris", "Berlin", "Toronto"]
    assert "Starts (Europe/Paris)" in shown.text and "Ends (Europe/Paris)" in shown.text
    # Venue, country and order are in each row, folded under what they hold.
    assert shown.value("sessions-1-venue") == "Urania"
    assert re.search(r"<details>\s*<summary>Urania, Germany</summary>", html)
    assert re.search(r"<details>\s*<summary>Venue, country</summary>", html)


def test_a_city_in_another_zone_shows_its_own_clock_beside_the_events(admin_client, paris_event):
    toronto = paris_event.sessions.get(slug="toronto")
    toronto.timezone, toronto.starts_at = "America/Toronto", datetime(2018, 8, 25, 20, 0, tzinfo=UTC)
    toronto.save()
    shown = page(admin_client, f"/admin/liveblog/event/{paris_event.pk}/change/")

    assert shown.value("sessions-2-starts_at_1") == "22:00"  # in the event's zone, as labelled
    assert "16:00 in Toronto" in shown.text


def test_an_entrys_time_is_in_its_citys_zone_and_saved_from_it(admin_client, paris_event):
    berlin = paris_event.sessions.get(slug="berlin")
    berlin.timezone = "Europe/London"  # an hour behind Paris in August
    berlin.save()
    entry = services.entry_create(
        event=paris_event, by=None, body="At the venue.", session=berlin, occurred_at=STARTS
    )
    url = f"/admin/liveblog/entry/{entry.pk}/change/"
    shown = page(admin_client, url)
    assert (shown.value("occurred_at_0"), shown.value("occurred_at_1")) == ("2018-08-25", "16:03")
    assert "Time (Europe/London):" in shown.text
    assert shown.inputs["occurred_at_1"]["aria-label"] == "Time (Europe/London), time"

    form = {
        "session": berlin.pk,
        "speaker": "",
        "occurred_at_0": "2018-08-25",
        "occurred_at_1": "16:30",
        "body": "At the venue.",
        "kind": "update",
        "status": "published",
        "seen_version": entry.version,
    }
    assert admin_client.post(url, form).status_code == 302
    entry.refresh_from_db()
    assert entry.occurred_at == datetime(2018, 8, 25, 15, 30, tzinfo=UTC)
    assert Change.objects.filter(entry=entry).values_list("type", flat=True).last() == "entry.updated"


def test_the_entry_list_shows_each_time_in_its_city_with_the_zone(admin_client, paris_event):
    toronto = paris_event.sessions.get(slug="toronto")
    toronto.timezone = "America/Toronto"
    toronto.save()
    services.entry_create(
        event=paris_event,
        by=None,
        body="From Paris.",
        session=paris_event.sessions.get(slug="paris"),
        occurred_at=STARTS,
    )
    services.entry_create(
        event=paris_event, by=None, body="From Toronto.", session=toronto, occurred_at=STARTS
    )
    shown = page(admin_client, "/admin/liveblog/entry/")

    assert re.search(r"17:03 CEST Paris .*From Paris\.", shown.text)
    assert re.search(r"11:03 EDT Toronto .*From Toronto\.", shown.text)


# The desk: contributors, review, corrections ------------------------------------------------


@pytest.fixture
def reporter(django_user_model):
    return django_user_model.objects.create_user("dora", password="dora-password")


def test_a_contributor_added_on_the_event_page_reports_from_the_city_ticked(
    admin_client, paris_event, reporter
):
    berlin = paris_event.sessions.get(slug="berlin")
    url = f"/admin/liveblog/event/{paris_event.pk}/change/"
    shown = page(admin_client, url)
    assert "Contributors" in shown.text and "Reports from" in shown.text

    form = event_form(
        paris_event,
        **{
            "contributors-TOTAL_FORMS": "1",
            "contributors-0-user": str(reporter.pk),
            "contributors-0-cities": [berlin.pk],
        },
    )
    assert admin_client.post(url, form).status_code == 302

    assert paris_event.role_of(reporter).cities == frozenset({"berlin"})
    assert not paris_event.is_editor(reporter)


def test_a_contributors_cities_are_the_events_own(admin_client, paris_event, reporter):
    elsewhere = make_event("other-summit", cities=("Oslo",)).sessions.get()
    url = f"/admin/liveblog/event/{paris_event.pk}/change/"
    shown = page(admin_client, url)
    assert "Berlin" in shown.text and "Oslo" not in shown.text

    form = event_form(
        paris_event,
        **{
            "contributors-TOTAL_FORMS": "1",
            "contributors-0-user": str(reporter.pk),
            "contributors-0-cities": [elsewhere.pk],
        },
    )
    response = admin_client.post(url, form)
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not Contributor.objects.exists()


def test_an_editor_made_a_contributor_is_told_and_keeps_one_role(admin_client, paris_event, reporter):
    paris_event.editors.add(reporter)
    url = f"/admin/liveblog/event/{paris_event.pk}/change/"
    form = event_form(
        paris_event, **{"contributors-TOTAL_FORMS": "1", "contributors-0-user": str(reporter.pk)}
    )
    response = admin_client.post(url, form, follow=True)

    assert "Now a contributor, no longer an editor: dora." in Page(response.content.decode()).text
    role = paris_event.role_of(reporter)
    assert role and not role.editor and role.cities == frozenset()


def test_taking_a_contributor_off_the_event_page_takes_them_off_the_desk(admin_client, paris_event, reporter):
    services.desk_set_role(event=paris_event, user=reporter, role="contributor")
    row = Contributor.objects.get()
    form = event_form(
        paris_event,
        **{
            "contributors-TOTAL_FORMS": "1",
            "contributors-INITIAL_FORMS": "1",
            "contributors-0-id": str(row.pk),
            "contributors-0-event": str(paris_event.pk),
            "contributors-0-user": str(reporter.pk),
            "contributors-0-DELETE": "on",
        },
    )
    assert admin_client.post(f"/admin/liveblog/event/{paris_event.pk}/change/", form).status_code == 302
    assert paris_event.role_of(reporter) is None


@pytest.fixture
def submitted(paris_event, reporter) -> Entry:
    services.desk_set_role(event=paris_event, user=reporter, role="contributor")
    berlin = paris_event.sessions.get(slug="berlin")
    return services.entry_create(
        event=paris_event,
        by=reporter,
        body="Candles in Berlin.",
        session=berlin,
        status="submitted",
        occurred_at=STARTS,
    )


def test_an_entry_shows_who_submitted_returned_and_approved_it(admin_client, admin_user, submitted):
    services.entry_return(entry=submitted, by=admin_user, note="Which hall? Name the venue.")
    entry = Entry.objects.get(pk=submitted.pk)
    services.entry_update(entry=entry, by=entry.author, body="Candles at the Urania.", status="submitted")
    services.entry_approve(entry=Entry.objects.get(pk=entry.pk), by=admin_user)
    shown = page(admin_client, f"/admin/liveblog/entry/{entry.pk}/change/")

    trail = shown.text[shown.text.index("Review trail") :]
    steps = re.findall(r"(Submitted|Returned|Approved) (dora|admin) (\S.*?)(?= \d+ \w{3} |$| Save)", trail)
    assert [(action, by) for action, by, _ in steps] == [
        ("Submitted", "dora"),
        ("Returned", "admin"),
        ("Submitted", "dora"),
        ("Approved", "admin"),
    ]
    assert steps[1][2].startswith("Which hall? Name the venue.")
    assert "Author: dora" in shown.text  # the contributor stays the author
    editable = [
        n for n, attrs in shown.inputs.items() if n.startswith("reviews-") and attrs.get("type") != "hidden"
    ]
    assert editable == []  # the services write the trail; nobody edits it here


def test_approving_in_the_list_publishes_through_the_services(admin_client, submitted, paris_event):
    listing = page(admin_client, "/admin/liveblog/entry/?status__exact=submitted")
    assert "Submitted by dora" in listing.text

    admin_client.post("/admin/liveblog/entry/", {"action": "approve", "_selected_action": [submitted.pk]})

    submitted.refresh_from_db()
    assert submitted.status == "published"
    assert Review.objects.filter(entry=submitted).values_list("action", flat=True).last() == "approved"
    assert Change.objects.filter(entry=submitted).values_list("type", flat=True).last() == "entry.updated"


def read_only_rows(shown: Page) -> dict[str, str]:
    """The hidden fields of the trail and versions shown on an entry's page, posted back with it."""
    return {
        name: attrs.get("value", "")
        for name, attrs in shown.inputs.items()
        if name.startswith(("reviews-", "revisions-")) and attrs.get("type") == "hidden"
    }


def test_publishing_a_submission_from_its_page_is_an_approval_in_the_trail(admin_client, submitted):
    url = f"/admin/liveblog/entry/{submitted.pk}/change/"
    form = {
        **read_only_rows(page(admin_client, url)),
        "session": submitted.session_id,
        "speaker": "",
        "occurred_at_0": "2018-08-25",
        "occurred_at_1": "17:03",
        "body": "Candles in Berlin, at the Urania.",
        "kind": "update",
        "status": "published",
        "seen_version": submitted.version,
    }
    assert admin_client.post(url, form).status_code == 302

    submitted.refresh_from_db()
    assert (submitted.status, submitted.author.username) == ("published", "dora")
    assert list(submitted.reviews.values_list("action", "by__username")) == [
        ("submitted", "dora"),
        ("approved", "admin"),
    ]


def test_returning_in_the_list_asks_for_the_note_the_contributor_reads(admin_client, submitted):
    asked = admin_client.post(
        "/admin/liveblog/entry/", {"action": "return_to_contributor", "_selected_action": [submitted.pk]}
    )
    assert "Note to the contributor" in Page(asked.content.decode()).text
    assert Entry.objects.get(pk=submitted.pk).status == "submitted"

    admin_client.post(
        "/admin/liveblog/entry/",
        {
            "action": "return_to_contributor",
            "_selected_action": [submitted.pk],
            "returning": "yes",
            "note": "Name the hall.",
        },
    )

    submitted.refresh_from_db()
    assert submitted.status == "draft"
    assert Review.objects.filter(entry=submitted).values_list("action", "note").last() == (
        "returned",
        "Name the hall.",
    )


def test_a_correction_made_in_the_admin_keeps_the_version_readers_saw(admin_client, paris_event):
    entry = services.entry_create(event=paris_event, by=None, body="3,000 prisoners.", occurred_at=STARTS)
    url = f"/admin/liveblog/entry/{entry.pk}/change/"
    form = {
        "session": "",
        "speaker": "",
        "occurred_at_0": "2018-08-25",
        "occurred_at_1": "17:03",
        "body": "30,000 prisoners.",
        "kind": "update",
        "status": "published",
        "seen_version": entry.version,
        "correction_note": "The figure was 30,000",
    }
    assert admin_client.post(url, form).status_code == 302

    entry.refresh_from_db()
    assert (entry.body, entry.correction) == ("30,000 prisoners.", "The figure was 30,000")
    shown = page(admin_client, url)
    assert shown.value("correction_note") == ""  # a new note for the next correction only
    versions = shown.text[shown.text.index("Earlier published versions") :]
    assert "The figure was 30,000" in versions and "3,000 prisoners." in versions


def admin_password(demo_template) -> str:
    return re.search(r"user: admin\s+password: (\S+)", demo_template.load_demo_output).group(1)


@pytest.fixture
def served(site):
    with site.serve() as base:
        yield base


# Where the title's words are drawn, line by line (its box spans the buttons' width either way).
TITLE_LINES = """() => {
    const range = document.createRange();
    range.selectNodeContents(document.querySelector("#content > h2").firstChild);
    return [...range.getClientRects()].map(r => ({x: r.x, y: r.y, width: r.width, height: r.height}));
}"""


def boxes_overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def test_the_event_page_fits_a_laptop_and_a_phone_without_sideways_scrolling(browser, served, demo_template):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    admin = context.new_page()
    admin.goto(f"{served}/admin/liveblog/event/")
    admin.get_by_label("Username").fill("admin")
    admin.get_by_label("Password").fill(admin_password(demo_template))
    admin.get_by_role("button", name="Log in").click()
    admin.locator("#result_list tbody th a").first.click()
    admin.wait_for_selector("#sessions-group")

    assert admin.evaluate("document.documentElement.scrollWidth") <= 1280
    assert admin.locator("#sessions-group tr.has_original").count() == 17
    starts = admin.get_by_role("group", name="When").get_by_label("Starts (Europe/Paris), time")
    assert starts.input_value() == "17:03"  # the reader page's time, not 15:03 UTC
    # The long title wraps before the History and View on site buttons instead of under them.
    tools = admin.locator(".object-tools").bounding_box()
    assert not any(boxes_overlap(line, tools) for line in admin.evaluate(TITLE_LINES))
    assert not admin.get_by_text("Seq:").is_visible()  # folded in Internal

    admin.locator("#sessions-group tr.has_original summary").first.click()  # "France": Paris's country
    assert admin.locator("#id_sessions-0-venue").is_visible()

    admin.set_viewport_size({"width": 390, "height": 844})
    assert admin.evaluate("document.documentElement.scrollWidth") <= 390
    inline = admin.locator("#sessions-group .tabular")
    assert inline.evaluate("e => e.scrollWidth <= e.clientWidth")  # each city a card, no table to pan
    context.close()


def test_an_events_title_translated_in_the_admin_reaches_readers(admin_client, paris_event):
    url = f"/admin/liveblog/event/{paris_event.pk}/change/"
    wrong = admin_client.post(url, event_form(paris_event, translations='{"xx": {"title": "?"}}'))
    assert "No other language “xx” to translate into." in wrong.content.decode()

    french = json.dumps({"fr": {"title": "Le Sommet", "summary": ""}})
    assert admin_client.post(url, event_form(paris_event, translations=french)).status_code == 302

    frame = json.loads(Change.objects.get(event=paris_event).frame)
    assert frame["event"]["translations"] == {"fr": {"title": "Le Sommet", "summary": ""}}
    assert "<h1>Le Sommet</h1>" in Client().get("/events/summit/?lang=fr").content.decode()
