"""The editor console in Chromium: sign in, post fast, stay safe offline and in conflicts."""

import json
import urllib.request

import pytest

from tests.helpers import SLUG
from tests.server import EDITOR_PASSWORD as PASSWORD


@pytest.fixture
def site(new_site):
    """A copy of the demo, served; alice and bob edit its event."""
    with new_site().serve() as base:
        yield base


def sign_in(browser, base: str, username: str):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/events/{SLUG}/console/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/events/{SLUG}/console/")
    page.wait_for_selector(".live-status[data-state=live]")
    page.wait_for_selector("#entries li")
    return page


def entries_with(base: str, text: str) -> list[dict]:
    with urllib.request.urlopen(f"{base}/api/events/{SLUG}/entries/?order=newest", timeout=10) as response:
        return [e for e in json.loads(response.read())["results"] if text in e["body"]]


def test_an_editor_signs_in_posts_with_ctrl_enter_and_readers_see_it(browser, site):
    reader = browser.new_context().new_page()
    reader.goto(f"{site}/events/{SLUG}/")
    reader.wait_for_selector(".live-status[data-state=live]")
    console = sign_in(browser, site, "alice")

    console.get_by_label("City", exact=True).select_option(label="Berlin")
    console.get_by_label("Speaker").fill("Ms. Farideh Goudarzi")
    console.get_by_label("Text", exact=True).fill("In the Berlin hall, **30,000** candles are lit.")
    console.wait_for_selector("#preview strong:has-text('30,000')")  # the preview renders as readers see it
    console.get_by_label("Text", exact=True).press("Control+Enter")

    article = reader.wait_for_selector("article:has-text('In the Berlin hall, 30,000 candles')")
    assert "Berlin" in article.inner_text() and "Farideh Goudarzi" in article.inner_text()
    assert article.query_selector(".entry__body strong").inner_text() == "30,000"
    console.wait_for_selector("#entries li:has-text('In the Berlin hall, 30,000 candles')")
    assert console.get_by_label("Text", exact=True).input_value() == ""
    assert console.evaluate("document.activeElement.id") == "c-text"
    assert console.get_by_label("City", exact=True).input_value() == "berlin"
    assert console.get_by_label("Speaker").input_value() == "Ms. Farideh Goudarzi"


def test_an_entry_typed_offline_lands_exactly_once(browser, site):
    console = sign_in(browser, site, "alice")
    console.context.set_offline(True)
    console.get_by_label("Text", exact=True).fill("Typed while the venue wifi was down.")
    console.get_by_label("Text", exact=True).press("Control+Enter")
    console.wait_for_selector(".outbox-item:has-text('Typed while the venue wifi')")
    assert entries_with(site, "venue wifi") == []

    console.context.set_offline(False)
    console.reload()  # the outbox survives a reload, and the 'online' retry may race it
    console.wait_for_selector("#entries li:has-text('Typed while the venue wifi')")
    console.wait_for_selector("#outbox li", state="detached")
    assert len(entries_with(site, "venue wifi")) == 1


def test_two_editors_editing_one_entry_get_a_conflict_not_a_lost_update(browser, site):
    alice, bob = sign_in(browser, site, "alice"), sign_in(browser, site, "bob")
    first = "#entries li:has-text('Rajavi closes the conference')"
    for page in (alice, bob):
        page.click(f"{first} button[data-action=edit]")

    alice.fill(f"{first} .edit-form textarea", "Rajavi closes the conference. (Alice's wording.)")
    alice.click(f"{first} .edit-form button[type=submit]")
    alice.wait_for_selector(f"{first}:has-text('Alice')")

    bob.fill(f"{first} .edit-form textarea", "Rajavi closes the conference. (Bob's wording.)")
    bob.click(f"{first} .edit-form button[type=submit]")
    conflict = bob.wait_for_selector(".conflict")
    assert "Alice's wording" in conflict.inner_text()
    assert entries_with(site, "Rajavi closes")[0]["body"].endswith("(Alice's wording.)")

    bob.click(f"{first} .edit-form button:has-text('Reapply mine')")
    bob.wait_for_selector(".conflict", state="detached")
    current = entries_with(site, "Rajavi closes")[0]
    assert current["body"].endswith("(Bob's wording.)") and current["version"] == 3


def test_editors_see_who_else_has_the_console_open(browser, site):
    alice = sign_in(browser, site, "alice")
    sign_in(browser, site, "bob")
    alice.wait_for_selector("#presence:has-text('Also here: bob')")
