"""The map of the event's cities on the reader page, in Chromium: the demo's cities where they are
on the globe, each a link to its filter, a dot that grows and pulses as its city reports, and the
cities still there as links without JavaScript."""

import json

import pytest

from tests.helpers import SLUG
from tests.server import manage
from tests.test_reader_experience_browser import AXE

# The demo's cities (latitude, longitude): what the gazetteer gives their sessions.
PLACES = {
    "paris": (48.857, 2.352),
    "berlin": (52.520, 13.405),
    "london": (51.507, -0.128),
    "stockholm": (59.329, 18.069),
    "amsterdam": (52.368, 4.904),
    "oslo": (59.914, 10.752),
    "toronto": (43.653, -79.383),
    "brussels": (50.850, 4.352),
    "bucharest": (44.427, 26.103),
    "rome": (41.903, 12.496),
    "stuttgart": (48.776, 9.183),
    "bern": (46.948, 7.447),
    "gothenburg": (57.709, 11.975),
    "aarhus": (56.163, 10.204),
    "vienna": (48.208, 16.374),
    "ottawa": (45.422, -75.697),
    "frankfort": (50.111, 8.682),
}
PLACE = """
from liveblog.models import Session
for slug, (latitude, longitude) in {places}.items():
    Session.objects.filter(event__slug="{slug}", slug=slug).update(latitude=latitude, longitude=longitude)
"""
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
SERIOUS = ("serious", "critical")


@pytest.fixture
def site(new_site):
    """The demo with its cities placed, served."""
    copy = new_site()
    manage(copy.env, "shell", "-c", PLACE.format(places=json.dumps(PLACES), slug=SLUG))
    with copy.serve() as base:
        yield copy, base


def dot(page, city: str):
    return page.locator(f".city-map a[data-city='{city}'] .city-map__dot")


def centre(page, city: str) -> tuple[float, float]:
    box = dot(page, city).bounding_box()
    assert box is not None, f"{city} has no dot on screen"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_it_shows_the_demo_cities_where_they_are(browser, site):
    _, base = site
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{base}/events/{SLUG}/")

    cities = page.locator(".city-map a[data-city]")
    assert cities.count() == 17
    assert page.get_by_role("link", name="Paris, 7 entries").count() == 1
    assert page.get_by_role("link", name="Toronto, 1 entry").count() == 1
    paris, berlin, toronto = centre(page, "paris"), centre(page, "berlin"), centre(page, "toronto")
    rome, oslo = centre(page, "rome"), centre(page, "oslo")
    assert toronto[0] < paris[0] < berlin[0]  # west to east
    assert oslo[1] < berlin[1] < rome[1]  # north to south
    assert float(dot(page, "paris").get_attribute("r")) > float(dot(page, "berlin").get_attribute("r"))
    assert "Paris" in page.locator(".city-map__names").text_content()  # the busiest is named
    page.close()


def test_a_city_on_the_map_opens_its_filter(browser, site):
    _, base = site
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{base}/events/{SLUG}/")

    page.locator(".city-map a[data-city='berlin']").click()

    page.wait_for_url("**city=berlin**")
    assert page.locator(".filter__active").inner_text() == "Berlin"
    entries = page.locator(".entries article.entry").all_inner_texts()
    assert len(entries) == 2 and all("Berlin" in text for text in entries)
    assert page.locator(".city-map a[data-city='berlin']").get_attribute("aria-current") == "page"
    page.close()


def test_a_new_entry_grows_its_city_and_pulses(browser, site):
    copy, base = site
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{base}/events/{SLUG}/")
    page.wait_for_selector(".live-status[data-state=live]")
    before = float(dot(page, "oslo").get_attribute("r"))

    copy.api(base).post_entry("Oslo: the square is full.", city="oslo")

    page.get_by_role("link", name="Oslo, 2 entries").wait_for()
    page.locator(".city-map a[data-city='oslo'] .city-map__pulse").wait_for(state="attached")
    assert float(dot(page, "oslo").get_attribute("r")) > before
    assert page.locator(".city-map__pulse").count() == 1  # only the city that reported
    page.close()


def test_without_javascript_the_cities_are_links_on_the_map_and_in_a_list(browser, site):
    _, base = site
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(f"{base}/events/{SLUG}/")

    page.locator(".cities > summary").click()  # folded on a phone: the latest entry comes first

    assert page.get_by_role("link", name="Berlin, 2 entries").is_visible()  # its dot
    listed = page.locator(".cities ul").get_by_role("link", name="Berlin 2 entries")
    assert listed.is_visible()
    assert page.locator("figcaption.city-map__caption").inner_text().startswith("Map of the 17 cities")
    context.close()


def test_an_accessibility_scan_of_the_map_finds_no_serious_violation(browser, site):
    _, base = site
    for url in (f"{base}/events/{SLUG}/", f"{base}/events/{SLUG}/?city=paris"):
        for viewport in (PHONE, DESKTOP):
            # axe is injected as an inline script, which the site's own policy rightly forbids.
            context = browser.new_context(viewport=viewport, bypass_csp=True)
            page = context.new_page()
            page.goto(url)
            page.locator(".cities").evaluate("panel => panel.open = true")
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("axe.run('.cities', {resultTypes: ['violations']})")
            serious = [
                (v["id"], v["nodes"][0]["target"]) for v in result["violations"] if v["impact"] in SERIOUS
            ]
            assert serious == [], f"{url} at {viewport['width']}px: {serious}"
            context.close()
