"""The agenda in Chromium: who is on stage moves with the clock and with the editors' changes,
without a reload; the console edits a city's agenda and offers the speaker on stage first."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.helpers import SLUG
from tests.test_console_browser import sign_in

AGENDA = f"/api/events/{SLUG}/agenda/"


@pytest.fixture
def served(new_site):
    site = new_site()
    with site.serve() as base:
        api = site.api(base)
        for slot in api.call("GET", AGENDA)["slots"]:  # the demo's own programme, running now
            api.call("DELETE", f"/api/slots/{slot['id']}/")
        yield base, api


def add_slot(api, city: str, speaker: str, starts_at: datetime, ends_at: datetime | None = None) -> dict:
    body = {"city": city, "speaker_name": speaker, "starts_at": starts_at.isoformat()}
    if ends_at:
        body["ends_at"] = ends_at.isoformat()
    return api.call("POST", AGENDA, body)


def test_on_stage_follows_the_clock_and_the_editors_without_a_reload(browser, served):
    base, api = served
    noon = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)  # 13:00 in Berlin and Paris
    add_slot(api, "berlin", "Mr. Hamid Moaser", noon, noon + timedelta(minutes=10))
    add_slot(api, "berlin", "Ms. Farideh Goudarzi", noon + timedelta(minutes=10))
    page = browser.new_context().new_page()
    page.clock.install(time=noon + timedelta(minutes=5))
    page.goto(f"{base}/events/{SLUG}/")
    page.wait_for_selector(".live-status[data-state=live]")

    berlin = page.locator(".stage[data-city=berlin]")
    expect(berlin.locator(".stage__now")).to_have_text("Now Mr. Hamid Moaser")
    expect(berlin.locator(".stage__until")).to_have_text("until 13:10")
    expect(berlin.locator(".stage__next")).to_have_text("Next 13:10 Ms. Farideh Goudarzi")
    expect(page.locator(".stage[data-city=paris]")).to_have_count(0)

    # An editor puts Paris on the agenda: the open page learns it from the feed.
    add_slot(api, "paris", "Mrs. Maryam Rajavi", noon + timedelta(minutes=30))
    expect(page.locator(".stage[data-city=paris] .stage__next")).to_have_text("Next 13:30 Mrs. Maryam Rajavi")

    page.clock.fast_forward("06:00")  # 13:11: Berlin's next speaker is on
    expect(berlin.locator(".stage__now")).to_have_text("Now Ms. Farideh Goudarzi")
    expect(berlin.locator(".stage__next")).to_have_count(0)
    assert page.locator(".stage").first.get_attribute("data-city") == "berlin"  # someone on: first

    page.clock.fast_forward("30:00")  # 13:41: Berlin is done, Paris is on
    expect(page.locator(".stage[data-city=berlin]")).to_have_count(0)
    expect(page.locator(".stage[data-city=paris] .stage__now")).to_contain_text("Mrs. Maryam Rajavi")


def test_the_agenda_page_adds_the_readers_time_and_marks_what_happened(browser, served):
    base, api = served
    noon = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    add_slot(api, "berlin", "Mr. Hamid Moaser", noon, noon + timedelta(minutes=10))
    add_slot(api, "berlin", "Ms. Farideh Goudarzi", noon + timedelta(minutes=10))
    page = browser.new_context(timezone_id="America/Toronto").new_page()
    page.clock.install(time=noon + timedelta(minutes=12))
    page.goto(f"{base}/events/{SLUG}/agenda/")

    slots = page.locator("#city-berlin .slot")
    expect(slots.nth(0)).to_contain_text("13:00–13:10")
    expect(slots.nth(0).locator(".slot__yours")).to_have_text("(07:00 your time)")
    expect(slots.nth(0).locator(".slot__state")).to_have_text("Happened")
    expect(slots.nth(1).locator(".slot__state")).to_have_text("On now")
    page.clock.fast_forward("30:00")
    expect(slots.nth(1).locator(".slot__state")).to_have_text("Happened")


def test_the_console_edits_the_agenda_and_offers_the_speaker_on_stage(browser, served):
    base, api = served
    console = sign_in(browser, base, "alice")
    console.locator("#agenda-panel > summary").click()
    console.locator("#a-city").select_option("berlin")
    zone = ZoneInfo(console.locator("#a-city option[value=berlin]").get_attribute("data-timezone"))
    start = datetime.now(zone) - timedelta(minutes=5)
    end = start + timedelta(minutes=45)
    console.locator("#a-day").fill(f"{start:%Y-%m-%d}")
    console.locator("#a-start").fill(f"{start:%H:%M}")
    console.locator("#a-title").fill("Thirty years on")
    console.locator("#agenda-save").click()
    expect(console.locator("#agenda-errors")).to_have_text("Who speaks: give the speaker's name.")
    assert console.locator("#a-title").input_value() == "Thirty years on"  # nothing typed is lost

    console.locator("#a-speaker").fill("ms. farideh goudarzi")
    console.locator("#agenda-save").click()
    expect(console.locator("#agenda-slots li")).to_contain_text("Ms. Farideh Goudarzi · Thirty years on")
    slots = api.call("GET", AGENDA)["slots"]
    assert [(s["city"]["slug"], s["speaker"]["name"], s["local_start"]) for s in slots] == [
        ("berlin", "Farideh Goudarzi", f"{start:%H:%M}")  # the known speaker, in Berlin's time
    ]

    console.locator("#agenda-slots button[data-action=edit]").click()
    console.locator("#a-end").fill(f"{end:%H:%M}")
    console.locator("#agenda-save").click()
    expect(console.locator("#agenda-slots li")).to_contain_text(f"{start:%H:%M}–{end:%H:%M}")

    # Posting from Berlin: the speaker on stage there is offered first, before anything is typed.
    console.locator("#agenda-panel > summary").click()
    console.get_by_label("City", exact=True).select_option("berlin")
    console.get_by_label("Speaker", exact=True).focus()
    first = console.locator("#c-speakers [role=option]").first
    expect(first).to_contain_text("Ms. Farideh Goudarzi")
    expect(first).to_contain_text("on stage in Berlin now")
    console.get_by_label("Speaker", exact=True).press("ArrowDown")
    console.get_by_label("Speaker", exact=True).press("Enter")
    expect(console.locator("#c-speaker-chosen")).to_contain_text("Known speaker: Ms. Farideh Goudarzi")
