"""Photos in Chromium: an editor posts one from a phone-sized console (picked, dropped, pasted,
or taken offline and sent when the connection returns), readers see it arrive live with its box
reserved before it loads, and open it full size in a lightbox."""

import base64
import urllib.request

import pytest

from tests import photos
from tests.helpers import SLUG
from tests.test_console_browser import entries_with, sign_in

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}


@pytest.fixture
def site(new_site):
    with new_site().serve() as base:
        yield base


def photo_file(name: str = "stage.jpg", **options) -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": photos.phone_jpeg(**options)}


def phone_console(browser, base: str):
    page = sign_in(browser, base, "alice")
    page.set_viewport_size(PHONE["viewport"])
    return page


def test_an_editor_posts_a_photo_from_a_phone_and_readers_see_it_live(browser, site):
    readers = []
    for viewport in ({"width": 390, "height": 844}, {"width": 1280, "height": 900}):
        reader = browser.new_context(viewport=viewport).new_page()
        reader.goto(f"{site}/events/{SLUG}/")
        reader.wait_for_selector(".live-status[data-state=live]")
        readers.append(reader)
    console = phone_console(browser, site)

    console.locator("#c-photo-file").set_input_files(photo_file(width=1200, height=800, orientation=6))
    console.get_by_label("Alt text (required)").fill("Candles on the stage in Berlin")
    console.get_by_label("Caption").fill("The vigil at the end of the day.")
    console.get_by_label("Credit").fill("Anna Berg")
    console.get_by_label("Text", exact=True).fill("The hall falls silent for the victims.")
    console.wait_for_selector("#preview figure img[alt='Candles on the stage in Berlin']")
    # The thumbnail and the preview show the file itself (a blob: address the CSP allows).
    console.wait_for_function("document.querySelector('.photo-item__thumb').naturalWidth > 0")
    console.wait_for_function("document.querySelector('#preview figure img').naturalWidth > 0")
    console.get_by_role("button", name="Publish").click()

    for reader in readers:
        figure = reader.wait_for_selector("article:has-text('falls silent') figure.photo")
        image = figure.query_selector("img")
        assert image.get_attribute("alt") == "Candles on the stage in Berlin"
        assert (image.get_attribute("width"), image.get_attribute("height")) == ("800", "1200")  # upright
        assert image.get_attribute("loading") == "lazy" and ".webp 800w" in image.get_attribute("srcset")
        assert (
            figure.query_selector("figcaption").inner_text() == "The vigil at the end of the day. ANNA BERG"
        )
    console.wait_for_selector("#entries li:has-text('falls silent')")
    console.wait_for_selector(".photo-item", state="detached")  # the composer is free for the next one
    [entry] = entries_with(site, "falls silent")
    assert [m["alt"] for m in entry["media"]] == ["Candles on the stage in Berlin"]


def test_publishing_a_photo_without_alt_text_asks_for_it_and_keeps_everything(browser, site):
    console = phone_console(browser, site)
    console.locator("#c-photo-file").set_input_files(photo_file())
    console.wait_for_selector(".photo-item")
    assert console.evaluate("document.activeElement.id").endswith("-alt")  # asked for next
    console.get_by_label("Text", exact=True).fill("Without a description.")

    console.get_by_role("button", name="Publish").click()

    assert console.locator("#composer-errors").inner_text() == (
        "Describe the photo “stage.jpg” for readers who cannot see it (alt text)."
    )
    assert console.evaluate("document.activeElement.id").endswith("-alt")
    assert console.get_by_label("Text", exact=True).input_value() == "Without a description."
    assert entries_with(site, "Without a description") == []


def test_a_photo_taken_offline_is_uploaded_and_attached_once_back_online(browser, site):
    console = phone_console(browser, site)
    console.context.set_offline(True)
    console.locator("#c-photo-camera").set_input_files(photo_file("camera.jpg"))
    console.get_by_label("Alt text (required)").fill("The Paris hall from the back")
    console.get_by_label("Text", exact=True).fill("Photo from the hall, sent when the wifi returns.")
    console.get_by_role("button", name="Publish").click()
    console.wait_for_selector(".outbox-item:has-text('wifi returns')")

    console.context.set_offline(False)
    console.reload()  # the file waited in the browser's storage, not in the page
    console.wait_for_selector("#entries li:has-text('wifi returns')")
    console.wait_for_selector("#outbox li", state="detached")

    [entry] = entries_with(site, "wifi returns")
    assert [m["alt"] for m in entry["media"]] == ["The Paris hall from the back"]
    served = urllib.request.urlopen(site + entry["media"][0]["src"], timeout=10)
    assert served.headers["Content-Type"] == "image/jpeg"


def test_photos_dropped_or_pasted_on_the_composer_are_added(browser, site):
    console = phone_console(browser, site)
    data = base64.b64encode(photos.png()).decode()
    script = """([data, how]) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], how + ".png", { type: "image/png" }));
      const form = document.getElementById("composer");
      const event = how === "dropped"
        ? new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true })
        : new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true });
      document.getElementById("c-text").dispatchEvent(event);
    }"""

    console.evaluate(script, [data, "dropped"])
    console.evaluate(script, [data, "pasted"])

    console.wait_for_selector(".photo-item:nth-child(2)")
    names = console.locator(".photo-item button[data-remove]").evaluate_all("bs => bs.map(b => b.ariaLabel)")
    assert names == ["Remove the photo dropped.png", "Remove the photo pasted.png"]


def test_the_reader_page_reserves_each_photos_box_before_it_loads(browser, new_site):
    site = new_site()
    with site.serve() as base:
        api = site.api(base)
        photo = api.upload_photo(photos.phone_jpeg(1600, 900))
        api.post_entry("Wide shot of the hall.", media=[photo["id"]])
        page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        page.route("**/media/**", lambda route: None)  # the photos never arrive

        page.goto(f"{base}/events/{SLUG}/", wait_until="domcontentloaded")
        box = page.locator("article:has-text('Wide shot') img").bounding_box()

        assert box["width"] == pytest.approx(358, abs=2)  # the column, 390 less the margins
        assert box["height"] == pytest.approx(358 * 900 / 1600, abs=2)


def test_a_photo_opens_full_size_and_closes_with_escape_returning_focus(browser, demo_server):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{demo_server}/events/{SLUG}/")
    link = page.locator("a[data-lightbox]").first
    alt = link.locator("img").get_attribute("alt")

    link.click()

    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    assert dialog.locator("img").get_attribute("alt") == alt
    assert dialog.locator("img").get_attribute("src").endswith("-1600.webp")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Close"
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.dataset.lightbox") == ""  # back on the photo's link


def test_a_gallery_swipes_sideways_on_a_phone_and_steps_with_the_arrow_keys(browser, demo_server):
    page = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True).new_page()
    page.goto(f"{demo_server}/events/{SLUG}/")
    gallery = page.locator(".gallery").first
    gallery.scroll_into_view_if_needed()

    sizes = gallery.evaluate("g => [g.scrollWidth, g.clientWidth, getComputedStyle(g).scrollSnapType]")
    assert sizes[0] > sizes[1] and sizes[2] == "x mandatory"  # the second photo is a swipe away
    gallery.locator("a[data-lightbox]").first.click()
    dialog = page.get_by_role("dialog")
    assert dialog.locator(".lightbox__count").inner_text() == "Photo 1 of 2"
    first = dialog.locator("img").get_attribute("src")
    page.keyboard.press("ArrowRight")
    assert dialog.locator(".lightbox__count").inner_text() == "Photo 2 of 2"
    assert dialog.locator("img").get_attribute("src") != first
    assert dialog.get_by_role("button", name="Next photo").is_hidden()
    page.keyboard.press("ArrowLeft")
    assert dialog.locator(".lightbox__count").inner_text() == "Photo 1 of 2"
