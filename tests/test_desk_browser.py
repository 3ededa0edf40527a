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
    assert error.is_hidden()
    assert console.get_by_label("Text", exact=True).input_value() == ""


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
    assert composer_fields(console) == everything("From a city that is not on the programme.", city="atlantis")


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

    assert composer_fields(console) == everything("Written on the train, from nowhere.", city="atlantis", time="16:40")
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
    assert console.locator(".console-status").inner_text().split() == ["Event:", "LIVE", "Connection:", "connected"]
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
    links = console.locator(".share-panel a").evaluate_all("links => links.map(a => a.textContent)")
    assert links == ["Text", "Markdown", "JSON"]
    assert json.loads(console.evaluate("JSON.stringify(document.querySelector('.share-panel').open)"))
