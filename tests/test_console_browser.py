"""The editor console in Chromium: sign in, post fast, stay safe offline and in conflicts."""

import json
import re
import urllib.request

import pytest

from tests.helpers import SLUG
from tests.server import EDITOR_PASSWORD as PASSWORD
from tests.server import free_port, manage

CONSOLE_SOCKET = re.compile(r"/ws/events/[^/]+/console/")


@pytest.fixture
def site(new_site):
    """A copy of the demo, served; alice and bob edit its event."""
    with new_site().serve() as base:
        yield base


def sign_in(browser, base: str, username: str, *, socket_route=None):
    """The console, signed in; ``socket_route`` stands between the page and its WebSocket."""
    context = browser.new_context()
    if socket_route:
        context.route_web_socket(CONSOLE_SOCKET, socket_route)
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
    # The composer empties once the server has the entry (its frame may arrive first).
    console.wait_for_function("document.getElementById('c-text').value === ''")
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
    start = entries_with(site, "Rajavi closes")[0]["version"]
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
    assert current["body"].endswith("(Bob's wording.)") and current["version"] == start + 2  # two edits


def test_editors_see_who_else_has_the_console_open(browser, site):
    alice = sign_in(browser, site, "alice")
    sign_in(browser, site, "bob")
    alice.wait_for_selector("#presence:has-text('Also here: bob')")


def requests_to(page, path: str) -> list[tuple[str, str]]:
    """The requests the page makes from now on to URLs containing ``path``: (method, URL)."""
    seen: list[tuple[str, str]] = []
    page.on("request", lambda r: seen.append((r.method, r.url)) if path in r.url else None)
    return seen


def post_from_the_composer(console, text: str) -> None:
    console.get_by_label("Text", exact=True).fill(text)
    console.get_by_label("Text", exact=True).press("Control+Enter")
    console.wait_for_selector(f"#entries li:has-text('{text}')")


def test_an_edit_by_another_editor_shows_from_its_frame_without_fetching_the_entry(browser, site):
    alice, bob = sign_in(browser, site, "alice"), sign_in(browser, site, "bob")
    api_calls = requests_to(alice, "/api/entries/")
    first = "#entries li:has-text('Rajavi closes the conference')"

    bob.click(f"{first} button[data-action=edit]")
    bob.fill(f"{first} .edit-form textarea", "Rajavi closes the conference. (Bob's wording.)")
    bob.click(f"{first} .edit-form button[type=submit]")

    alice.wait_for_selector(f'{first}:has-text("Bob\'s wording")')
    alice.click(f"{first} button[data-action=pin]")  # her change starts from the version the frame brought
    alice.wait_for_selector(f"{first} .entry__flag:has-text('Pinned')")
    entry = entries_with(site, "Rajavi closes")[0]
    assert entry["pinned"] and entry["body"].endswith("(Bob's wording.)")
    assert api_calls == [("PATCH", f"{site}/api/entries/{entry['id']}/")]  # her pin, and no reads


def test_a_frame_lost_on_the_way_is_fetched_and_the_list_is_whole(browser, site):
    lost: list[str] = []

    def lose_the_first_new_entry(ws):
        server = ws.connect_to_server()

        def forward(message):
            frame = json.loads(message)
            if not lost and frame.get("type") == "entry.created":
                lost.append(frame["entry"]["body"])  # never reaches the page
                return
            ws.send(message)

        server.on_message(forward)

    alice = sign_in(browser, site, "alice", socket_route=lose_the_first_new_entry)
    bob = sign_in(browser, site, "bob")
    catch_up = requests_to(alice, "/changes/?after=")
    post_from_the_composer(bob, "Lost on the way to Alice.")
    post_from_the_composer(bob, "Arrived after the lost one.")

    alice.wait_for_selector("#entries li:has-text('Arrived after the lost one.')")
    alice.wait_for_selector("#entries li:has-text('Lost on the way to Alice.')")
    assert lost == ["Lost on the way to Alice."]
    assert catch_up, "the page asked the changes endpoint for what it missed"
    texts = alice.eval_on_selector_all(
        "#entries li .entry__body", "nodes => nodes.map(n => n.innerText.trim())"
    )
    assert texts[:2] == ["Arrived after the lost one.", "Lost on the way to Alice."]


def test_a_console_left_open_across_a_restore_starts_again_from_the_restored_report(browser, new_site):
    demo, port = new_site(), free_port()
    with demo.serve(port) as base:
        console = sign_in(browser, base, "alice")
        old_epoch = console.get_attribute("#console", "data-epoch")
        console.evaluate("window.openedBeforeTheRestore = true")
    console.wait_for_selector(".live-status[data-state=reconnecting]")
    printed = manage(demo.env, "new_epoch", SLUG)  # as after restoring the database from a backup
    new_epoch = re.search(r"epoch (\S+),", printed)[1]
    assert new_epoch != old_epoch

    with demo.serve(port):
        console.wait_for_function("() => !window.openedBeforeTheRestore", timeout=40000)  # reloaded
        console.wait_for_selector(".live-status[data-state=live]")
        assert console.get_attribute("#console", "data-epoch") == new_epoch
        console.wait_for_selector("#entries li:has-text('Rajavi closes the conference')")
