"""The desk in Chromium: an editor's words are never lost. The composer keeps every field until
the server has the entry; a refusal shows next to its field in words; limits show before they
bite; a server that does not answer hands the entry to the outbox; a draft survives a reload."""

import json
from datetime import datetime

import pytest

from tests.helpers import SLUG
from tests.test_console_browser import entries_with, requests_to, sign_in

ENTRIES = f"**/api/events/{SLUG}/entries/"


@pytest.fixture
def site(new_site):
    with new_site().serve() as base:
        yield base


def all_entries(base: str, text: str) -> list[dict]:
    """Drafts too: the editor's API view, through alice's console page."""
    return entries_with(base, text)


def fill_everything(console, text: str, *, time: str = "17:03", city: str = "Berlin") -> None:
    console.get_by_label("City", exact=True).select_option(label=city)
    console.get_by_label("Time", exact=True).fill(time)
    console.get_by_label("Speaker").fill("Ms. Farideh Goudarzi")
    console.get_by_label("Headline").fill("Candles in Berlin")
    console.get_by_label("Text", exact=True).fill(text)
    console.get_by_label("Kind").select_option(label="Breaking")
    console.get_by_label("Pinned").check()
    console.get_by_label("Key moment").check()


def composer_fields(console) -> dict:
    return {
        "city": console.get_by_label("City", exact=True).input_value(),
        "time": console.get_by_label("Time", exact=True).input_value(),
        "speaker": console.get_by_label("Speaker").input_value(),
        "headline": console.get_by_label("Headline").input_value(),
        "text": console.get_by_label("Text", exact=True).input_value(),
        "kind": console.get_by_label("Kind").input_value(),
        "pinned": console.get_by_label("Pinned").is_checked(),
        "key_moment": console.get_by_label("Key moment").is_checked(),
    }


def everything(text: str, *, time: str = "17:03", city: str = "berlin") -> dict:
    return {
        "city": city,
        "time": time,
        "speaker": "Ms. Farideh Goudarzi",
        "headline": "Candles in Berlin",
        "text": text,
        "kind": "breaking",
        "pinned": True,
        "key_moment": True,
    }


def raw_field_names_in(text: str) -> list[str]:
    names = ("occurred_at", "speaker_name", "body:", "city:", "media:", "publish_at", "key_moment")
    return [name for name in names if name in text]


def test_a_time_the_server_refuses_is_explained_beside_the_time_and_nothing_is_lost(browser, site):
    console = sign_in(browser, site, "alice")
    fill_everything(console, "A time no clock shows.", time="25:99")

    console.get_by_role("button", name="Publish").click()

    error = console.locator("#c-time-error")
    error.wait_for()
    assert error.inner_text() == "Type the time as HH:MM on a 24-hour clock, in the city's time: 17:03."
    assert console.get_by_label("Time", exact=True).get_attribute("aria-invalid") == "true"
    assert composer_fields(console) == everything("A time no clock shows.", time="25:99")
    assert console.locator("section.outbox").is_hidden()  # nothing waits: it was refused
    assert all_entries(site, "no clock shows") == []

    console.get_by_label("Time", exact=True).fill("")  # corrected: now
    console.get_by_role("button", name="Publish").click()
    console.wait_for_selector("#entries li:has-text('A time no clock shows.')")
    console.wait_for_function("document.getElementById('c-text').value === ''")  # accepted: emptied
    assert error.is_hidden()


def test_a_text_over_the_limit_is_counted_as_it_is_typed_and_kept_when_refused(browser, site):
    console = sign_in(browser, site, "alice")
    counter = console.locator("#c-text-count")
    assert counter.inner_text() == "0 / 20,000 characters"
    text = console.get_by_label("Text", exact=True)

    text.fill("x" * 18500)
    assert counter.inner_text() == "18,500 / 20,000 characters — 1,500 left"
    assert counter.get_attribute("data-state") == "near"
    long_text = "The minister's full statement. " + "y" * 29969
    text.fill(long_text)
    assert counter.inner_text() == "30,000 / 20,000 characters — 10,000 too many"
    assert counter.get_attribute("data-state") == "over"
    posts = requests_to(console, "/entries/")

    console.get_by_role("button", name="Publish").click()

    assert console.locator("#c-text-error").inner_text() == (
        "The text is 30,000 characters long; an entry takes at most 20,000. Cut 10,000."
    )
    assert text.input_value() == long_text
    assert [method for method, _ in posts if method == "POST"] == []


def test_the_headline_counts_down_to_its_limit(browser, site):
    console = sign_in(browser, site, "alice")
    headline = console.get_by_label("Headline")
    counter = console.locator("#c-headline-count")
    headline.fill("Rajavi speaks")
    assert counter.inner_text() == "13 / 120 characters" and counter.get_attribute("data-state") == ""
    headline.fill("h" * 110)
    assert counter.inner_text() == "110 / 120 characters — 10 left"
    assert counter.get_attribute("data-state") == "near"


def test_an_unknown_city_is_refused_beside_the_city_in_words(browser, site):
    console = sign_in(browser, site, "alice")
    console.evaluate(
        """() => {
          const option = new Option("Atlantis", "atlantis");
          option.dataset.timezone = "Europe/Paris";
          document.getElementById("c-city").append(option);
        }"""
    )
    fill_everything(console, "From a city that is not on the programme.", city="Atlantis")

    console.get_by_role("button", name="Publish").click()

    error = console.locator("#c-city-error")
    error.wait_for()
    assert error.inner_text().startswith("Unknown city “atlantis” for this event; its cities are:")
    assert raw_field_names_in(console.locator("#composer").inner_text()) == []
    assert composer_fields(console) == everything(
        "From a city that is not on the programme.", city="atlantis"
    )


def test_a_server_error_sends_the_entry_to_the_outbox_which_sends_it_once(browser, site):
    console = sign_in(browser, site, "alice")
    failed = []

    def fail_once(route):
        if route.request.method == "POST" and not failed:
            failed.append(route.request.headers["idempotency-key"])
            return route.fulfill(status=500, content_type="application/json", body="{}")
        route.fallback()

    console.route(ENTRIES, fail_once)
    posts = requests_to(console, f"/api/events/{SLUG}/entries/")
    console.get_by_label("Text", exact=True).fill("Sent while the server was down for a moment.")

    console.get_by_role("button", name="Publish").click()

    console.wait_for_selector(".outbox-item:has-text('Waiting for the connection…')")
    assert console.get_by_label("Text", exact=True).input_value() == ""  # the outbox has it now
    console.wait_for_selector("#entries li:has-text('Sent while the server was down')")
    console.wait_for_selector("section.outbox", state="hidden")
    assert len(all_entries(site, "server was down")) == 1
    keys = [method for method, _ in posts if method == "POST"]
    assert len(keys) == 2 and failed  # the failed try and the outbox's, with the same key


def test_a_preview_the_server_cannot_make_says_so_and_keeps_the_text(browser, site):
    console = sign_in(browser, site, "alice")
    console.route("**/preview/", lambda route: route.fulfill(status=502, body="Bad gateway"))

    console.get_by_label("Text", exact=True).fill("Previewed while the server is away.")

    problem = console.locator("#preview-problem")
    problem.wait_for()
    assert problem.inner_text() == "Preview unavailable — the server did not answer; your text is safe."
    console.unroute("**/preview/")
    console.get_by_label("Text", exact=True).press("End")
    console.get_by_label("Text", exact=True).type(" Back.")
    console.wait_for_selector("#preview .entry__body:has-text('away. Back.')")
    assert problem.is_hidden()


def test_every_field_of_a_draft_survives_a_reload(browser, site):
    console = sign_in(browser, site, "alice")
    fill_everything(console, "Typed, then the tab crashed.", time="16:45")

    console.reload()
    console.wait_for_selector(".live-status[data-state=live]")

    assert composer_fields(console) == everything("Typed, then the tab crashed.", time="16:45")
    assert console.locator("#c-text-count").inner_text() == "28 / 20,000 characters"


def test_a_double_click_on_publish_posts_once(browser, site):
    console = sign_in(browser, site, "alice")
    posts = requests_to(console, f"/api/events/{SLUG}/entries/")
    console.get_by_label("Text", exact=True).fill("Clicked twice in a hurry.")

    console.get_by_role("button", name="Publish").dblclick()

    console.wait_for_selector("#entries li:has-text('Clicked twice in a hurry.')")
    console.wait_for_timeout(500)
    assert [method for method, _ in posts].count("POST") == 1
    assert len(all_entries(site, "Clicked twice")) == 1


def test_an_entry_refused_after_waiting_offline_goes_back_to_the_composer_whole(browser, site):
    console = sign_in(browser, site, "alice")
    console.evaluate("document.getElementById('c-city').append(new Option('Atlantis', 'atlantis'))")
    console.context.set_offline(True)
    fill_everything(console, "Written on the train, from nowhere.", city="Atlantis", time="16:40")
    console.get_by_role("button", name="Publish").click()
    console.wait_for_selector(".outbox-item:has-text('Waiting for the connection…')")
    assert console.get_by_label("Text", exact=True).input_value() == ""

    console.context.set_offline(False)
    item = console.wait_for_selector(".outbox-item--rejected")
    assert console.locator("#outbox-heading").inner_text() == "Not accepted by the server"
    assert "City: Unknown city “atlantis”" in item.inner_text()
    assert raw_field_names_in(item.inner_text()) == []
    console.get_by_role("button", name="Back to the composer").click()

    assert composer_fields(console) == everything(
        "Written on the train, from nowhere.", city="atlantis", time="16:40"
    )
    assert console.locator("#c-city-error").inner_text().startswith("Unknown city “atlantis”")
    assert console.locator("section.outbox").is_hidden()


def test_the_console_shows_the_date_only_for_other_days(browser, site):
    console = sign_in(browser, site, "alice")
    old = console.locator("#entries li:has-text('Rajavi closes the conference') .entry__date")
    assert old.is_visible() and "2018" in old.inner_text()  # the demo's day is not today
    console.get_by_label("Text", exact=True).fill("Posted today.")
    console.get_by_label("Text", exact=True).press("Control+Enter")
    today = console.locator("#entries li:has-text('Posted today.') .entry__date")
    today.wait_for(state="attached")
    assert today.is_hidden()


def test_ending_the_event_names_the_consequence_and_the_time_then_means_the_events_day(browser, site):
    console = sign_in(browser, site, "alice")
    assert console.locator(".console-status").inner_text().split() == [
        "Event:",
        "LIVE",
        "Connection:",
        "connected",
    ]
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.accept()

    console.on("dialog", answer)
    console.get_by_role("button", name="End event…").click()
    console.get_by_role("button", name="Set live").wait_for()

    assert "Readers will see the report as over" in asked[0]
    starts = datetime.fromisoformat(console.get_attribute("#console", "data-starts-at"))
    console.get_by_label("City", exact=True).select_option(label="Paris")
    console.get_by_label("Time", exact=True).fill("17:03")
    day = starts.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    label = f"{day:%a} {day.day} {day:%b %Y}"
    assert console.locator("#c-time-hint").inner_text() == f"{label} at 17:03, Paris time"


def test_the_embed_and_exports_are_in_the_share_panel(browser, site):
    console = sign_in(browser, site, "alice")
    assert console.locator("#embed-code").is_hidden()
    console.get_by_text("Share & export").click()
    snippet = console.locator("#embed-code").input_value()
    assert snippet.startswith("<iframe src=") and f"/events/{SLUG}/embed/" in snippet
    links = console.locator("#share-panel a").evaluate_all("links => links.map(a => a.textContent)")
    assert links == ["Text", "Markdown", "JSON", "Français", "Deutsch", "فارسی"]  # then translated
    assert json.loads(console.evaluate("JSON.stringify(document.getElementById('share-panel').open)"))


# The desk: a Berlin reporter and an editor, in two browsers --------------------------------------

REPORTER = "ruth"
SET_PASSWORD = """
from django.contrib.auth.models import User
user = User.objects.get(username="{name}")
user.set_password("{password}")
user.save()
"""


@pytest.fixture
def desk(new_site):
    """A copy of the demo with ruth, a contributor who reports from Berlin, served."""
    from tests.server import EDITOR_PASSWORD, manage

    site = new_site()
    manage(site.env, "create_editor", REPORTER, "--event", SLUG, "--role", "contributor", "--city", "berlin")
    manage(site.env, "shell", "-c", SET_PASSWORD.format(name=REPORTER, password=EDITOR_PASSWORD))
    with site.serve() as base:
        yield base


def submit(console, text: str) -> None:
    console.get_by_label("Text", exact=True).fill(text)
    console.get_by_role("button", name="Submit for review").click()
    console.wait_for_selector(f"#mine li:has-text('{text}')")


def test_a_reporters_console_has_no_editor_controls(browser, desk):
    console = sign_in(browser, desk, REPORTER)
    for name in ("Publish", "End event…", "Set live", "People", "Share & export", "Schedule", "Add a city"):
        assert console.get_by_role("button", name=name, exact=True).count() == 0, name
    assert console.get_by_role("button", name="Submit for review").is_visible()
    assert console.get_by_role("button", name="Save draft").is_visible()
    options = console.locator("#c-city option").evaluate_all("os => os.map(o => o.textContent)")
    assert options == ["Berlin"]
    assert console.locator("#entries li button").count() == 0  # others' entries are not theirs to change


def test_a_submission_reaches_the_editor_live_and_readers_once_approved(browser, desk):
    reader = browser.new_context().new_page()
    reader.goto(f"{desk}/events/{SLUG}/")
    reader.wait_for_selector(".live-status[data-state=live]")
    alice, ruth = sign_in(browser, desk, "alice"), sign_in(browser, desk, REPORTER)
    assert (
        alice.locator("section.review")
        .inner_text()
        .endswith("Nothing waiting: submissions from reporters appear here.")
    )

    submit(ruth, "The Berlin hall stands for a minute of silence.")

    assert "WAITING FOR REVIEW" in ruth.locator("#mine li").first.inner_text().upper()
    queued = alice.wait_for_selector("#review li:has-text('minute of silence')")  # no reload
    assert "SUBMITTED · BY RUTH" in queued.inner_text().upper() and "Berlin" in queued.inner_text()
    assert alice.locator("#review-heading").inner_text() == "Waiting for review (1)"
    assert reader.locator("article:has-text('minute of silence')").count() == 0

    alice.click("#review li:has-text('minute of silence') button[data-action=approve]")

    reader.wait_for_selector("article:has-text('minute of silence')")
    alice.wait_for_selector("#entries li:has-text('minute of silence')")
    assert alice.locator("#review li").count() == 0
    ruth.wait_for_selector("#entries li:has-text('minute of silence')")
    assert ruth.locator("#mine li:has-text('minute of silence')").count() == 0


def test_a_returned_submission_shows_the_note_to_the_reporter_live(browser, desk):
    alice, ruth = sign_in(browser, desk, "alice"), sign_in(browser, desk, REPORTER)
    submit(ruth, "Speakers from twelve countries.")
    entry = "#review li:has-text('twelve countries')"
    alice.wait_for_selector(entry)

    alice.click(f"{entry} button[data-action=return]")
    alice.get_by_label("What should the reporter change?").fill("Name the countries, please.")
    alice.get_by_role("button", name="Send back").click()

    returned = ruth.wait_for_selector("#mine li:has-text('Returned by alice')")
    assert "Returned by alice: “Name the countries, please.”" in returned.inner_text()
    alice.wait_for_selector(entry, state="detached")
    ruth.click("#mine li:has-text('twelve countries') button[data-action=submit]")
    alice.wait_for_selector(entry)


def test_an_editor_schedules_an_entry_and_cancels_it(browser, desk):
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    alice = sign_in(browser, desk, "alice")
    paris = ZoneInfo("Europe/Paris")
    now = datetime.now(paris)
    later = now + timedelta(minutes=45)
    when = later.strftime("%H:%M") if later.date() == now.date() else later.isoformat(timespec="minutes")
    alice.get_by_label("City", exact=True).select_option(label="Paris")
    alice.get_by_label("Text", exact=True).fill("The closing statement, at the time it is read.")
    alice.get_by_label("Or publish later, at").fill(when)

    alice.get_by_role("button", name="Schedule", exact=True).click()

    scheduled = alice.wait_for_selector("#scheduled li:has-text('closing statement')")
    assert f"SCHEDULED FOR {later:%H:%M}" in scheduled.inner_text().upper()
    assert alice.get_by_label("Text", exact=True).input_value() == ""
    assert entries_with(desk, "closing statement") == []  # readers do not see it yet
    alice.click("#scheduled li:has-text('closing statement') button[data-action=unschedule]")
    alice.wait_for_selector("#entries li.console-entry--draft:has-text('closing statement')")
    assert alice.locator("#scheduled li").count() == 0


def test_scheduling_without_a_time_asks_for_one_and_keeps_the_text(browser, desk):
    alice = sign_in(browser, desk, "alice")
    alice.get_by_label("Text", exact=True).fill("Not yet.")
    alice.get_by_role("button", name="Schedule", exact=True).click()
    assert alice.locator("#c-publish-at-error").inner_text().startswith("Say when to publish it")
    assert alice.get_by_label("Text", exact=True).input_value() == "Not yet."


def test_the_speaker_field_suggests_the_known_speaker_for_a_typo(browser, desk):
    alice = sign_in(browser, desk, "alice")
    speaker = alice.get_by_label("Speaker")
    speaker.fill("Farideh Godarzi")

    options = alice.locator("#c-speakers [role=option]")
    first = options.first
    first.wait_for()
    assert first.inner_text().startswith("Ms. Farideh Goudarzi")
    assert options.last.inner_text() == "Add “Farideh Godarzi” as a new speaker"
    speaker.press("ArrowDown")
    speaker.press("Enter")

    assert speaker.input_value() == "Ms. Farideh Goudarzi"
    assert alice.locator("#c-speaker-chosen").inner_text().startswith("Known speaker: Ms. Farideh Goudarzi")
    alice.get_by_label("Text", exact=True).fill("Goudarzi thanks the organisers.")
    alice.get_by_label("Text", exact=True).press("Control+Enter")
    alice.wait_for_selector("#entries li:has-text('thanks the organisers')")
    [entry] = entries_with(desk, "thanks the organisers")
    assert entry["speaker"]["name"] == "Farideh Goudarzi"


def test_an_unknown_name_is_refused_and_a_new_speaker_is_added_only_through_the_split_form(browser, desk):
    alice = sign_in(browser, desk, "alice")
    speaker = alice.get_by_label("Speaker")
    speaker.fill("Lord Alton of Liverpool")
    alice.get_by_label("Text", exact=True).fill("Lord Alton speaks of the prisoners.")
    alice.get_by_role("button", name="Publish").click()
    alice.wait_for_selector("#c-speaker-error:has-text('No known speaker is called')")
    assert alice.get_by_label("Text", exact=True).input_value() == "Lord Alton speaks of the prisoners."

    speaker.fill("Lord Alton of Liverpool")
    alice.locator("#c-speakers").get_by_role(
        "option", name="Add “Lord Alton of Liverpool” as a new speaker"
    ).click()
    alice.locator("#c-new-speaker").wait_for()
    assert alice.get_by_label("Honorific").input_value() == "Lord"
    assert alice.get_by_label("Name", exact=True).input_value() == "Alton of Liverpool"
    alice.get_by_label("Title", exact=True).fill("Member of the House of Lords")
    alice.get_by_role("button", name="Use this new speaker").click()
    alice.get_by_role("button", name="Publish").click()

    alice.wait_for_selector("#entries li:has-text('speaks of the prisoners')")
    [entry] = entries_with(desk, "speaks of the prisoners")
    assert {k: entry["speaker"][k] for k in ("honorific", "name", "title")} == {
        "honorific": "Lord",
        "name": "Alton of Liverpool",
        "title": "Member of the House of Lords",
    }


def test_an_editor_marks_an_edit_as_a_correction_and_readers_see_the_note(browser, desk):
    reader = browser.new_context().new_page()
    reader.goto(f"{desk}/events/{SLUG}/")
    alice = sign_in(browser, desk, "alice")
    first = "#entries li:has-text('Rajavi closes the conference')"
    alice.click(f"{first} button[data-action=edit]")
    alice.fill(f"{first} .edit-form textarea", "Rajavi closes the conference, before 30,000 people.")
    alice.get_by_label("This is a correction").check()
    alice.get_by_label("What was corrected").fill("The crowd was 30,000, not 3,000.")
    alice.click(f"{first} .edit-form button[type=submit]")

    article = reader.wait_for_selector("article:has-text('before 30,000 people')")
    assert "The crowd was 30,000, not 3,000." in article.inner_text()
    alice.wait_for_selector(f"{first} .edit-form", state="detached")


def test_an_editor_adds_a_reporter_to_the_desk_from_the_people_panel(browser, desk):
    alice = sign_in(browser, desk, "alice")
    alice.get_by_text("People", exact=True).click()
    people = alice.locator("#people")
    people.locator("li:has-text('ruth')").wait_for()
    assert "Contributor · Berlin" in people.locator("li:has-text('ruth')").inner_text()

    alice.get_by_label("Username").fill("bob")
    alice.get_by_label("Role").select_option("contributor")
    alice.locator("#person-form").get_by_label("Paris").check()
    alice.locator("#person-form").get_by_role("button", name="Save").click()

    people.locator("li:has-text('bob'):has-text('Contributor · Paris')").wait_for()
    alice.get_by_label("Username").fill("nobody-here")
    alice.locator("#person-form").get_by_role("button", name="Save").click()
    alice.wait_for_selector("#person-form .errors:has-text('No account is called “nobody-here”')")
