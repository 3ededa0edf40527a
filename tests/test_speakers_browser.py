"""The speakers directory as a reader reaches it in Chromium: from the reader page's header and
from a speaker's name in an entry, on a phone and on a desktop."""

from playwright.sync_api import expect

from tests.helpers import SLUG

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}


def test_a_reader_goes_from_an_entry_to_its_speaker_and_to_every_speaker(browser, demo_server):
    for viewport in (PHONE, DESKTOP):
        page = browser.new_context(viewport=viewport).new_page()
        page.goto(f"{demo_server}/events/{SLUG}/?order=oldest")
        speakers = page.locator("#filter-speaker option").all_text_contents()[1:]  # after "Everyone"
        name = page.locator(".entries .entry__speaker-name a").first
        said = name.inner_text()

        name.click()

        expect(page.locator("h1")).to_contain_text(said)
        expect(page.locator(".speaker-entries .entry").first).to_be_visible()
        assert page.locator(".speaker-header .portrait").is_visible()
        page.get_by_role("link", name="← All speakers").click()
        names = page.locator(".speaker-card__link").evaluate_all(
            "links => links.map(a => a.lastChild.textContent.trim())"
        )
        assert names == sorted(speakers, key=str.casefold)  # every speaker of the report, A to Z
        box = page.locator(".speaker-card").first.bounding_box()
        assert box is not None and box["x"] + box["width"] <= viewport["width"]  # nothing off the screen
        page.context.close()
