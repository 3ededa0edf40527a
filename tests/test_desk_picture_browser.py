"""The desk's picture in the console, in Chromium, as the clock moves: a city on now that has not
reported for a while is named as quiet, for as long as it is quiet and its session runs."""

from datetime import datetime, timedelta

import pytest

from tests.helpers import SLUG
from tests.server import EDITOR_PASSWORD, manage

BERLIN_ON = """
from datetime import datetime
from liveblog.models import Session
Session.objects.filter(event__slug="{slug}", slug="berlin").update(
    starts_at=datetime.fromisoformat("{starts}"), ends_at=datetime.fromisoformat("{ends}"))
"""


@pytest.fixture
def site(new_site):
    copy = new_site()
    with copy.serve() as base:
        yield copy, base


def console_at(browser, base: str, clock: datetime, viewport: dict):
    """alice's console, its page's clock set to ``clock`` (the server's stays as it is)."""
    page = browser.new_context(viewport=viewport).new_page()
    page.clock.install(time=clock)
    page.goto(f"{base}/events/{SLUG}/console/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(EDITOR_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/events/{SLUG}/console/")
    return page


def quiet_cities(page) -> str:
    return page.locator(".desk-picture__quiet").inner_text()


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 900}])
def test_a_live_city_that_stopped_reporting_is_named_as_quiet_while_its_session_runs(browser, site, viewport):
    copy, base = site
    picture = copy.api(base).call("GET", f"/api/events/{SLUG}/desk/")
    berlin = next(city for city in picture["cities"] if city["slug"] == "berlin")
    last = datetime.fromisoformat(berlin["last_entry_at"])  # 17:48 in Berlin
    ends = last + timedelta(hours=1)
    manage(copy.env, "shell", "-c", BERLIN_ON.format(slug=SLUG, starts=last - timedelta(hours=1), ends=ends))

    page = console_at(browser, base, last + timedelta(minutes=14), viewport)

    picture = page.locator(".desk-picture")
    picture.get_by_text("Berlin quiet for 14 min").wait_for()
    entries = picture.get_by_role("img", name="Entries per 10 min")
    assert "at most" in entries.get_attribute("aria-label")
    assert picture.locator(".desk-chart[data-series=entries] rect").count() > 1
    picture.get_by_text("Every city").click()
    assert picture.get_by_role("row", name="Berlin 17:48").is_visible()  # its last entry, in its time

    page.clock.fast_forward("05:00")
    picture.get_by_text("Berlin quiet for 19 min").wait_for()

    page.clock.fast_forward("42:00")  # to 18:49, past the end of Berlin's session
    page.wait_for_function("!document.querySelector('.desk-picture__quiet').textContent.includes('Berlin')")
    assert "Berlin" not in quiet_cities(page)  # its session is over: no longer expected to report

    page.clock.fast_forward("48:00:00")  # days on, the cities still expected say since when
    page.wait_for_function("document.querySelector('.desk-picture__quiet').textContent.includes('since 25')")
    assert "quiet for" not in quiet_cities(page) and "days" not in quiet_cities(page)
    page.context.close()
