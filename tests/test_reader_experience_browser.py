"""The reader page as people use it, in Chromium: order, filters, place kept, sharing, paging,
times, embed, the end of an event, and an accessibility scan."""

import http.server
import json
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.helpers import SLUG

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def site(demo_template, tmp_path_factory):
    """A copy of the demo served to this module's tests, and an editor's API on it."""
    copy = demo_template.copy(tmp_path_factory.mktemp("reader"))
    with copy.serve() as base:
        yield base, copy.api(base)


@contextmanager
def another_site(body: str):
    """A page of another site (localhost, where Liveblog is 127.0.0.1) that embeds Liveblog."""
    html = f"<!doctype html><title>News site</title>{body}".encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()


def open_page(browser, url: str, **context):
    page = browser.new_context(**context).new_page()
    page.goto(url)
    if context.get("java_script_enabled", True):
        page.wait_for_selector(".live-status[data-state=live], .ended-notice")
    return page


def entry_ids(page) -> list[str]:
    return page.eval_on_selector_all(".entries article.entry", "nodes => nodes.map(n => n.id)")


def test_the_order_toggle_is_remembered(browser, site):
    base, _ = site
    page = open_page(browser, f"{base}/events/{SLUG}/")
    assert page.inner_text(".entries article.entry >> nth=0").startswith("20:18")  # live: newest first
    page.click(".order a[data-order=oldest]")
    page.wait_for_url("**order=oldest")
    assert page.inner_text(".entries article.entry >> nth=0").startswith("17:03")

    page.goto(f"{base}/events/{SLUG}/")  # no order in the link: the reader's choice applies
    page.wait_for_url("**order=oldest")
    assert page.inner_text(".entries article.entry >> nth=0").startswith("17:03")


def test_filters_work_without_javascript(browser, site):
    base, _ = site
    page = open_page(browser, f"{base}/events/{SLUG}/", java_script_enabled=False)
    page.click(".filter summary")  # one control, folded until asked for
    page.fill("#filter-city", "berlin")  # the city searched for by name, in any case
    page.click(".filter button[type=submit]")
    assert page.locator(".entries article.entry").count() == 2
    assert "Farideh Goudarzi" in page.inner_text(".entries")
    assert page.inner_text(".filter summary") == "Filter: Berlin"  # folded again over the results
    page.click(".filter summary")
    assert page.input_value("#filter-city") == "Berlin"
    page.select_option("#filter-speaker", label="Hamid Moaser")
    page.click(".filter button[type=submit]")
    assert page.locator(".entries article.entry").count() == 1
    assert "Hamid Moaser" in page.inner_text(".entries") and "city=Berlin" in page.url


def test_live_frames_outside_the_filter_stay_hidden(browser, site):
    base, api = site
    page = open_page(browser, f"{base}/events/{SLUG}/?key=1")
    api.post_entry("Not a key moment.")
    key = api.post_entry("A key moment.", key_moment=True)
    page.wait_for_selector(f"#entry-{key['id']}")
    assert "Not a key moment." not in page.inner_text(".entries")
    assert page.locator(".key-moments li", has_text="A key moment.").count() == 1


def test_new_entries_never_move_the_text_being_read(browser, site):
    base, api = site
    page = open_page(browser, f"{base}/events/{SLUG}/", viewport={"width": 390, "height": 700})
    reading = page.locator("#" + entry_ids(page)[12])
    reading.scroll_into_view_if_needed()
    page.mouse.wheel(0, 50)
    page.wait_for_timeout(200)
    before = reading.bounding_box()["y"]
    title = page.title()

    created = [api.post_entry(f"While you were reading {n}.") for n in range(3)]
    page.wait_for_selector(".new-updates:not([hidden]) button:has-text('3 new updates')")
    assert abs(reading.bounding_box()["y"] - before) < 2  # still where the reader was reading
    assert page.title() == f"(3) {title}"

    page.click(".new-updates button")
    newest = f"entry-{created[-1]['id']}"
    assert entry_ids(page)[0] == newest
    assert 0 <= page.evaluate(f"document.getElementById('{newest}').getBoundingClientRect().top") < 100
    assert page.title() == title and page.is_hidden(".new-updates")


def test_at_the_top_new_entries_slide_in(browser, site):
    base, api = site
    page = open_page(browser, f"{base}/events/{SLUG}/")
    entry = api.post_entry("Fresh from the hall.")
    node = page.wait_for_selector(f"#entry-{entry['id']}")
    assert "entry--new" in node.get_attribute("class")
    assert page.is_hidden(".new-updates")
    page.wait_for_selector(".announcer:has-text('1 new update')")


def test_a_pinned_entry_shows_above_the_stream_and_key_moments_jump(browser, site):
    base, api = site
    page = open_page(browser, f"{base}/events/{SLUG}/?order=oldest")
    entry = api.post_entry("Pin me.", city="paris")
    api.call(
        "PATCH", f"/api/entries/{entry['id']}/", {"pinned": True, "key_moment": True}, **{"If-Match": '"1"'}
    )
    page.wait_for_selector(f".pinned #pinned-{entry['id']}")
    page.click(f".key-moments li[data-id='{entry['id']}'] a")
    page.wait_for_url(f"**#entry-{entry['id']}")
    top = page.evaluate(f"document.querySelector('#entry-{entry['id']}').getBoundingClientRect().top")
    assert 0 <= top < page.viewport_size["height"]
    api.call("PATCH", f"/api/entries/{entry['id']}/", {"pinned": False}, **{"If-Match": '"2"'})
    page.wait_for_selector(f"#pinned-{entry['id']}", state="detached")


def test_a_permalink_can_be_copied_and_opens_highlighted(browser, site):
    base, api = site
    entry = api.post_entry("Share this one.", city="london")
    page = open_page(browser, f"{base}/events/{SLUG}/")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page.click(f"#entry-{entry['id']} .entry__share")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"{base}/events/{SLUG}/entries/{entry['id']}/"

    shared = browser.new_page()
    shared.goto(copied)
    assert shared.get_attribute("meta[property='og:title']", "content").startswith(entry["local_time"])
    oldest = entry_ids(open_page(browser, f"{base}/events/{SLUG}/?order=oldest"))[0]
    deep = open_page(browser, f"{base}/events/{SLUG}/#{oldest}")  # on a later page of a long report
    deep.wait_for_selector(f"#{oldest}.entry--highlight")
    assert 0 <= deep.evaluate(f"document.getElementById('{oldest}').getBoundingClientRect().top") < 200


def test_times_show_the_venue_the_reader_and_how_long_ago(browser, site):
    base, api = site
    page = open_page(browser, f"{base}/events/{SLUG}/?order=oldest", timezone_id="America/New_York")
    first = page.locator(".entries article.entry").first
    # Venue time first, the date because it is not today; the reader's own time on the same
    # 24-hour clock; no "8 years ago".
    assert first.locator(".entry__time").inner_text() == "17:03 · 25 Aug 2018"
    assert first.locator(".entry__reader-time").inner_text() == "11:03 your time"
    assert first.locator(".entry__ago").inner_text() == ""
    assert page.inner_text(".entries h3.day >> nth=0") == "SATURDAY 25 AUGUST 2018"  # as shown
    entry = api.post_entry("Said just now.", city="london")
    posted = page.locator(f"#entry-{entry['id']}")
    assert posted.locator(".entry__time").inner_text() == entry["local_time"]  # today: no date
    assert posted.locator(".entry__ago").inner_text() == "just now"
    above = page.evaluate(  # the nearest date line above the entry
        f"[...document.querySelectorAll('#entry-{entry['id']} ~ *, .entries > *')]"
        f".filter((n) => n.compareDocumentPosition(document.getElementById('entry-{entry['id']}')) & 4)"
        ".filter((n) => n.matches('h3.day')).pop().outerHTML"
    )
    today = posted.get_attribute("data-day-label")
    day = posted.get_attribute("data-day")
    assert today != "Saturday 25 August 2018" and above == f'<h3 class="day" data-day="{day}">{today}</h3>'


def test_older_entries_load_with_the_keyboard_and_by_plain_link(browser, site):
    base, api = site
    for n in range(25):
        api.post_entry(f"Filler {n}.")
    page = open_page(browser, f"{base}/events/{SLUG}/", viewport={"width": 1280, "height": 600})
    assert len(entry_ids(page)) == 50
    page.focus(".more__link")
    page.keyboard.press("Enter")
    page.locator(".entries article.entry").nth(50).wait_for()
    assert page.locator(".entries article.entry").last.inner_text().startswith("17:03")

    plain = open_page(browser, f"{base}/events/{SLUG}/", java_script_enabled=False)
    plain.click(".more__link")
    assert "cursor=" in plain.url and plain.locator(".entries article.entry").last.inner_text().startswith(
        "17:03"
    )


def test_the_embed_has_the_same_live_behaviour(browser, site):
    base, api = site
    host = browser.new_context().new_page()
    embed = f'<iframe src="{base}/events/{SLUG}/embed/?city=rome" width="400" height="600"></iframe>'
    with another_site(embed) as url:
        host.goto(url)
        frame = host.frame_locator("iframe")
        frame.locator(".live-status[data-state=live]").wait_for()  # live in a third-party frame
        entry = api.post_entry("From Rome, live in the embed.", city="rome")
        frame.locator(f"#entry-{entry['id']}").wait_for()
        api.post_entry("From Oslo, not for this embed.", city="oslo")
        host.wait_for_timeout(500)
        assert "Oslo, not for this embed" not in frame.locator(".entries").inner_text()


def test_an_accessibility_scan_finds_no_serious_violation(browser, site):
    base, api = site
    entry = api.post_entry(
        "Scanned entry.", city="paris", key_moment=True, pinned=True, speaker_name="Mrs. Maryam Rajavi"
    )
    urls = [
        f"{base}/",
        f"{base}/events/{SLUG}/",
        f"{base}/events/{SLUG}/?order=oldest&city=berlin",
        f"{base}/events/{SLUG}/entries/{entry['id']}/",
        f"{base}/events/{SLUG}/embed/",
        f"{base}/events/{SLUG}/speakers/",
        f"{base}/events/{SLUG}/speakers/{entry['speaker']['id']}/",  # redirected to the page's own address
    ]
    for url in urls:
        for viewport in ({"width": 390, "height": 844}, {"width": 1280, "height": 900}):
            # axe is injected as an inline script, which the site's own policy rightly forbids.
            page = browser.new_context(viewport=viewport, bypass_csp=True).new_page()
            page.goto(url)
            page.wait_for_load_state("networkidle")
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
            serious = [
                (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                for v in result["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            assert serious == [], f"{url} at {viewport['width']}px: {json.dumps(serious)}"
            page.context.close()


def test_an_event_ended_by_mistake_and_set_live_again_reaches_every_page(browser, site):
    base, api = site
    page = open_page(browser, f"{base}/events/{SLUG}/")
    api.call("POST", f"/api/events/{SLUG}/status/", {"status": "ended"})
    page.wait_for_selector(".ended-notice:has-text('This event has ended')")
    loaded_while_ended = open_page(browser, f"{base}/events/{SLUG}/")
    assert loaded_while_ended.is_visible(".ended-notice")

    api.call("POST", f"/api/events/{SLUG}/status/", {"status": "live"})
    entry = api.post_entry("Back on air after the mistaken end.")

    for tab in (page, loaded_while_ended):
        tab.wait_for_selector(f"#entry-{entry['id']}", timeout=5000)
        assert not tab.is_visible(".ended-notice")
        assert tab.inner_text(".event-header .status").strip().upper() == "LIVE"


def test_a_phone_shows_the_latest_entry_on_its_first_screen(browser, site):
    base, api = site
    api.post_entry("Pinned for everyone.", pinned=True)
    latest = api.post_entry("The latest news, on the first screen.", city="paris")
    page = open_page(browser, f"{base}/events/{SLUG}/", viewport={"width": 390, "height": 844})
    body = page.locator(f"#entry-{latest['id']} .entry__body")
    assert body.inner_text() == "The latest news, on the first screen."
    box = body.bounding_box()
    assert box["y"] + box["height"] <= 844, box  # its text, not only its time line
    assert page.locator(".pinned__item").first.bounding_box()["height"] < 60  # one compact line
    assert page.locator("details.filter").get_attribute("open") is None  # folded
    assert page.locator(".updated time").inner_text() == "just now"


def test_city_counts_and_key_moments_follow_the_frames(browser, site):
    base, api = site
    page = open_page(browser, f"{base}/events/{SLUG}/", viewport={"width": 1280, "height": 900})
    count = page.locator(".cities .count[data-count=paris]")
    before = int(count.inner_text())
    entry = api.post_entry('*"The world must not look away."*', city="paris", key_moment=True)
    expect(count).to_have_text(str(before + 1))  # live, without a reload
    moment = page.locator(f".key-moments li[data-id='{entry['id']}']")
    assert moment.inner_text() == f'{entry["dateline"]}\n"The world must not look away."'  # no Markdown marks
    api.call("DELETE", f"/api/entries/{entry['id']}/")
    expect(count).to_have_text(str(before))
    assert moment.count() == 0


def test_the_embed_opens_links_outside_the_frame_and_tells_the_host_its_height(browser, site):
    base, api = site
    entry = api.post_entry("Open me outside the frame.", city="rome")
    listener = (
        "<script>window.heights = []; addEventListener('message', (e) => {"
        " if (e.data && e.data.type === 'liveblog:height') window.heights.push(e.data.height); });</script>"
    )
    embed = f'<iframe src="{base}/events/{SLUG}/embed/" title="Live" width="600" height="400"></iframe>'
    host = browser.new_context().new_page()
    with another_site(listener + embed) as url:
        host.goto(url)
        host.wait_for_function("window.heights.length > 0")  # the host page's own script: no CSP
        assert host.evaluate("window.heights[window.heights.length - 1]") > 400  # taller than the frame
        frame = host.frame_locator("iframe")
        with host.expect_popup() as popup:
            frame.locator(f"#entry-{entry['id']} a.entry__time").click()
        assert popup.value.url.endswith(f"/events/{SLUG}/entries/{entry['id']}/")
        assert host.url == url  # the host page stays where it was
