"""Each city's own clock in Chromium: the reader page's Toronto entry, the console's "now"."""

from datetime import UTC, datetime

from playwright.sync_api import expect

from tests.helpers import SLUG
from tests.server import EDITOR_PASSWORD


def test_the_toronto_entry_shows_torontos_time_with_the_reports_beside_it(browser, demo_server):
    page = browser.new_context(timezone_id="Europe/Paris").new_page()
    page.goto(f"{demo_server}/events/{SLUG}/?city=toronto")

    entry = page.locator("article.entry").first
    assert entry.locator("time").get_attribute("datetime") == "2018-08-25T16:40:00+00:00"  # "1840" in Paris
    assert entry.locator(".entry__time").inner_text() == "12:40 · 25 Aug 2018"
    assert entry.locator(".entry__city").inner_text() == "Toronto"
    assert entry.locator(".entry__event-time").inner_text() == "· 18:40 Paris"
    # A reader in Paris has the report's time already: no third clock.
    assert entry.locator(".entry__reader-time").count() == 0
    page.context.close()


def test_a_reader_elsewhere_also_gets_their_own_time_and_berlin_one_clock(browser, demo_server):
    page = browser.new_context(timezone_id="Asia/Tokyo").new_page()
    page.goto(f"{demo_server}/events/{SLUG}/?city=toronto")
    assert page.locator("article.entry .entry__reader-time").first.inner_text() == "01:40 your time"

    page.goto(f"{demo_server}/events/{SLUG}/?city=berlin")
    times = page.locator("article.entry .entry__time").all_inner_texts()
    assert times == ["17:48 · 25 Aug 2018", "17:42 · 25 Aug 2018"]  # newest first, as the report wrote them
    assert page.locator("article.entry .entry__event-time").count() == 0  # Berlin keeps Paris time
    page.context.close()


def test_the_consoles_now_is_the_chosen_citys_time(browser, site):
    with site.serve() as base:
        context = browser.new_context()
        page = context.new_page()
        # 01:22 in Toronto, 07:22 in Paris: the console once said 07:22 for Toronto.
        page.clock.set_fixed_time(datetime(2018, 8, 25, 5, 22, tzinfo=UTC))
        page.goto(f"{base}/events/{SLUG}/console/")
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill(EDITOR_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/events/{SLUG}/console/")
        city, time = page.get_by_label("City", exact=True), page.locator("#c-time")

        city.select_option(label="Toronto")
        expect(time).to_have_value("01:22")
        assert page.locator("#c-time-hint").inner_text() == "now, Toronto time — type to backfill"
        city.select_option(label="Ottawa")
        assert time.input_value() == "01:22"
        city.select_option(label="Paris")
        expect(time).to_have_value("07:22")
        city.select_option(label="London")
        expect(time).to_have_value("06:22")

        # A city added from the console takes its zone from the gazetteer at once.
        page.get_by_role("button", name="Add a city").click()
        page.get_by_label("New city").fill("Tehran")
        page.get_by_role("button", name="Add", exact=True).click()
        # The server reads the gazetteer on its first new city: give it time on a busy machine.
        expect(time).to_have_value("09:52", timeout=30000)  # UTC+4:30 in 2018
        assert city.evaluate("s => s.selectedOptions[0].textContent") == "Tehran"

        page.get_by_role("button", name="Add a city").click()
        page.get_by_label("New city").fill("Xanadu Springs")
        page.get_by_role("button", name="Add", exact=True).click()
        notice = page.locator("#c-city-error")
        notice.get_by_text("is not in the gazetteer").wait_for(timeout=30000)
        assert "its time zone is the event's, Europe/Paris" in notice.inner_text()
        assert time.input_value() == "07:22"
        context.close()
