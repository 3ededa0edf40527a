"""The reader page in Chromium: live changes appear without reload and match a fresh load."""

import re

import pytest

from tests.helpers import SLUG, Api
from tests.server import daphne, free_port

ENTRIES = ".entries article.entry"


@pytest.fixture
def site(new_site):
    """A copy of the demo, not served yet: its environment and an editor's token."""
    copy = new_site()
    return copy.env, copy.token


def shown(page) -> list[tuple[str, str, str]]:
    """What a reader sees of each entry: its id, version and text."""
    return page.eval_on_selector_all(
        ENTRIES, "nodes => nodes.map(n => [n.id, n.dataset.version, n.innerText.trim()])"
    )


def fresh(browser, url: str) -> list[tuple[str, str, str]]:
    page = browser.new_page()
    page.goto(url)
    try:
        return shown(page)
    finally:
        page.close()


def open_reader(browser, url: str):
    page = browser.new_context().new_page()
    page.goto(url)
    page.wait_for_selector(".live-status[data-state=live]")
    return page


def test_created_edited_and_deleted_entries_show_without_reload(browser, site):
    env, token = site
    with daphne(env) as base:
        api, url = Api(base, token), f"{base}/events/{SLUG}/"
        readers = [open_reader(browser, url), open_reader(browser, url + "?order=oldest")]
        assert len(shown(readers[0])) == 30

        entry = api.call(
            "POST", f"/api/events/{SLUG}/entries/", {"body": "Breaking: the hall is full.", "city": "berlin"}
        )
        for page in readers:
            page.wait_for_selector(f"#entry-{entry['id']}:has-text('the hall is full')")
        assert shown(readers[0])[0][0] == f"entry-{entry['id']}"  # newest first while live
        assert shown(readers[1])[-1][0] == f"entry-{entry['id']}"

        api.call(
            "PATCH",
            f"/api/entries/{entry['id']}/",
            {"body": "Breaking: the hall is packed."},
            **{"If-Match": '"1"'},
        )
        for page in readers:
            page.wait_for_selector(f"#entry-{entry['id']}:has-text('the hall is packed')")

        api.call("DELETE", f"/api/entries/{entry['id']}/")
        for page in readers:
            page.wait_for_selector(f"#entry-{entry['id']}", state="detached")

        assert shown(readers[0]) == fresh(browser, url)
        assert shown(readers[1]) == fresh(browser, url + "?order=oldest")


def test_a_city_page_keeps_other_cities_out(browser, site):
    env, token = site
    with daphne(env) as base:
        api = Api(base, token)
        page = open_reader(browser, f"{base}/events/{SLUG}/?city=paris")
        api.call("POST", f"/api/events/{SLUG}/entries/", {"body": "From London.", "city": "london"})
        paris = api.call("POST", f"/api/events/{SLUG}/entries/", {"body": "From Paris.", "city": "paris"})
        page.wait_for_selector(f"#entry-{paris['id']}")
        assert "From London." not in page.inner_text(".entries")
        assert shown(page) == fresh(browser, f"{base}/events/{SLUG}/?city=paris")

        api.call("POST", f"/api/events/{SLUG}/sessions/", {"city": "Tirana"})
        # The new city is one the filter finds (the busiest 12 of 18 are listed beside the stream).
        page.wait_for_selector("#filter-cities option[value='Tirana']", state="attached")
        assert page.inner_text(".cities .panel__count") == "18"


def test_a_reader_that_was_away_catches_up_exactly(browser, site):
    env, token = site
    port = free_port()
    with daphne(env, port) as base:
        url = f"{base}/events/{SLUG}/"
        page = open_reader(browser, url)
        first = Api(base, token).call("POST", f"/api/events/{SLUG}/entries/", {"body": "Before the restart."})
        page.wait_for_selector(f"#entry-{first['id']}")
    page.wait_for_selector(".live-status[data-state=reconnecting]")

    with daphne(env) as other:  # editors keep posting through another process
        api = Api(other, token)
        created = [
            api.call("POST", f"/api/events/{SLUG}/entries/", {"body": f"While away {n}."}) for n in range(3)
        ]
        api.call(
            "PATCH",
            f"/api/entries/{first['id']}/",
            {"body": "Before the restart, edited."},
            **{"If-Match": '"1"'},
        )
        api.call("DELETE", f"/api/entries/{created[0]['id']}/")

    with daphne(env, port):
        page.wait_for_selector(f"#entry-{created[2]['id']}", timeout=40000)
        page.wait_for_selector(f"#entry-{first['id']}:has-text('edited')")
        assert page.query_selector(f"#entry-{created[0]['id']}") is None
        assert shown(page) == fresh(browser, url)
        assert page.inner_text(".live-status") == "Live"


def test_a_page_whose_socket_is_cut_off_follows_by_polling(browser, site):
    """A proxy that drops WebSockets: the page reads the same frames from the changes endpoint."""
    env, token = site
    refused: list[str] = []
    proxy = {"blocks": True}

    def cut_off(ws):
        if proxy["blocks"]:
            refused.append(ws.url)
            ws.close()
        else:
            ws.connect_to_server()

    with daphne(env) as base:
        context = browser.new_context()
        context.route_web_socket(re.compile(r"/ws/events/"), cut_off)
        page = context.new_page()
        page.goto(f"{base}/events/{SLUG}/")
        page.wait_for_selector(".live-status[data-state=polling]")
        assert page.inner_text(".live-status") == "Updating every 10 s"

        entry = Api(base, token).call("POST", f"/api/events/{SLUG}/entries/", {"body": "Read by polling."})
        page.wait_for_selector(f"#entry-{entry['id']}:has-text('Read by polling.')", timeout=15000)
        assert len(refused) >= 2
        assert shown(page) == fresh(browser, f"{base}/events/{SLUG}/")

        proxy["blocks"] = False  # the page goes back to its socket, at its next try
        page.wait_for_selector(".live-status[data-state=live]", timeout=40000)
        edited = Api(base, token).call(
            "PATCH", f"/api/entries/{entry['id']}/", {"body": "Read live again."}, **{"If-Match": '"1"'}
        )
        page.wait_for_selector(f"#entry-{edited['id']}:has-text('Read live again.')", timeout=5000)
