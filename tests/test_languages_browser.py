"""The pages in Chromium in each language: Persian right to left and mirrored, the switcher
remembered, the scripts' catalog loaded, and the accessibility scan in English and Persian."""

import json
import os
from pathlib import Path

import pytest

from tests.helpers import SLUG

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}
# LIVEBLOG_SCREENSHOTS=folder keeps each page's picture there, to be looked at.
SCREENSHOTS = os.environ.get("LIVEBLOG_SCREENSHOTS")


@pytest.fixture(scope="module")
def served(demo_template, tmp_path_factory):
    """A copy of the demo served to this module's tests, and an entry's id on it."""
    copy = demo_template.copy(tmp_path_factory.mktemp("languages"))
    with copy.serve() as base:
        entry = copy.api(base).post_entry("Scanned entry.", city="paris", key_moment=True)
        yield base, entry["id"]


def open_page(browser, url: str, viewport: dict, **context):
    page = browser.new_context(viewport=viewport, **context).new_page()
    page.goto(url)
    return page


def keep(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=False)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_reader_page_in_persian_reads_right_to_left(browser, served, viewport):
    base, _ = served
    page = open_page(browser, f"{base}/events/{SLUG}/?lang=fa", viewport)
    page.wait_for_selector(".live-status[data-state=live], .ended-notice")

    assert page.eval_on_selector("html", "html => [html.lang, html.dir]") == ["fa", "rtl"]
    # Mirrored: the brand at the right, the switcher at the left, the text starting at the right.
    brand = page.locator(".site-header__brand").bounding_box()
    switcher = page.locator(".languages").bounding_box()
    assert brand["x"] + brand["width"] > viewport["width"] - 40
    assert switcher["x"] < brand["x"]
    assert page.eval_on_selector("main", "main => getComputedStyle(main).direction") == "rtl"
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    keep(page, f"reader-fa-{viewport['width']}")
    page.context.close()


def test_the_switcher_changes_the_language_and_it_is_remembered(browser, served):
    base, entry = served
    page = open_page(browser, f"{base}/events/{SLUG}/", PHONE)
    assert page.eval_on_selector("html", "html => html.lang") == "en"
    current = page.locator(".languages a[aria-current]")
    assert current.inner_text() == "English"

    page.get_by_role("link", name="Deutsch").click()
    page.wait_for_url("**?lang=de")
    assert page.eval_on_selector("html", "html => html.lang") == "de"
    assert page.locator(".languages a[aria-current]").inner_text() == "Deutsch"

    page.goto(f"{base}/events/{SLUG}/entries/{entry}/")  # another page, no ?lang=
    assert page.eval_on_selector("html", "html => html.lang") == "de"
    # The scripts have their catalog, in the page's language.
    assert page.evaluate("typeof gettext === 'function' && typeof ngettext === 'function'")
    assert page.evaluate("django.pluralidx(2)") == 1
    page.context.close()


def test_a_browser_that_reads_french_gets_french(browser, served):
    base, _ = served
    page = open_page(browser, f"{base}/", DESKTOP, locale="fr-FR")

    assert page.eval_on_selector("html", "html => [html.lang, html.dir]") == ["fr", "ltr"]
    page.context.close()


def test_an_accessibility_scan_in_english_and_persian_finds_no_serious_violation(browser, served):
    base, entry = served
    paths = ["/", f"/events/{SLUG}/", f"/events/{SLUG}/entries/{entry}/", f"/events/{SLUG}/agenda/"]
    for language in ("en", "fa"):
        for path in paths:
            for viewport in (PHONE, DESKTOP):
                # axe is injected as an inline script, which the site's own policy rightly forbids.
                page = browser.new_context(viewport=viewport, bypass_csp=True).new_page()
                page.goto(f"{base}{path}?lang={language}")
                page.wait_for_load_state("networkidle")
                page.add_script_tag(path=str(AXE))
                result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
                serious = [
                    (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                    for v in result["violations"]
                    if v["impact"] in ("serious", "critical")
                ]
                assert serious == [], (
                    f"{path}?lang={language} at {viewport['width']}px: {json.dumps(serious)}"
                )
                page.context.close()
