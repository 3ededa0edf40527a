"""The reader page in Chromium when the network is not on its side: a proxy that blocks WebSockets,
a socket that dies without a close, frames the page cannot use, a busy server behind "Show older".

The sockets go through Playwright's WebSocket routing, which stands where such a proxy would: it
can pass frames on, hold them back, or add its own."""

import json
import re
import time

import pytest

from tests.helpers import SLUG, Api, head

ENTRIES = ".entries article.entry"
QUIET_SECONDS = 2  # LIVEBLOG_READER_QUIET_SECONDS here; 30 in production


def shown(page) -> list[tuple[str, str, str]]:
    return page.eval_on_selector_all(
        ENTRIES, "nodes => nodes.map(n => [n.id, n.dataset.version, n.innerText.trim()])"
    )


def fresh(browser, url: str) -> list[tuple[str, str, str]]:
    page = browser.new_page()
    try:
        page.goto(url)
        return shown(page)
    finally:
        page.close()


class Proxy:
    """Every socket the page opens, through a stand-in for the network: ``passes`` (frames both
    ways), ``silent`` (the line opens and nothing ever comes), ``drop`` (the server's frames to
    the socket open at that moment are lost from then on, and no close ever comes)."""

    def __init__(self, context, mode: str = "passes"):
        self.mode = mode
        self.sockets: list = []
        self.dropping: set[int] = set()
        context.route_web_socket(re.compile(r"/ws/events/"), self.route)

    def route(self, ws) -> None:
        number = len(self.sockets)
        self.sockets.append(ws)
        if self.mode == "silent":
            return  # routed and never connected: open, and nothing comes
        server = ws.connect_to_server()
        server.on_message(lambda message: None if number in self.dropping else ws.send(message))

    def drop(self) -> None:
        self.dropping.add(len(self.sockets) - 1)

    def inject(self, frame: dict | str) -> None:
        self.sockets[-1].send(frame if isinstance(frame, str) else json.dumps(frame))


def reader_page(browser, base: str, mode: str = "passes"):
    context = browser.new_context()
    proxy = Proxy(context, mode)
    page = context.new_page()
    page.goto(f"{base}/events/{SLUG}/")
    return page, proxy


def test_with_websockets_blocked_entries_arrive_by_polling_within_15_s(browser, site):
    """A proxy that lets the socket open and passes nothing: the page says it is updating by
    polling, entries arrive within 15 s (the production interval: 10 s, give or take a fifth), and
    once the proxy lets sockets through the page is live again."""
    with site.serve() as base:
        page, proxy = reader_page(browser, base, mode="silent")
        page.wait_for_selector(".live-status[data-state=polling]", timeout=8000)
        assert page.inner_text(".live-status") == "Updating every 10 s"

        posted = time.monotonic()
        entry = site.api(base).post_entry("Read by polling, past a silent proxy.")
        page.wait_for_selector(f"#entry-{entry['id']}", timeout=15000)
        print(f"polled entry shown after {time.monotonic() - posted:.1f} s")
        assert shown(page) == fresh(browser, f"{base}/events/{SLUG}/")

        proxy.mode = "passes"  # the silent socket is given up after 10 s; the next one holds
        page.wait_for_selector(".live-status[data-state=live]", timeout=15000)
        live = site.api(base).post_entry("Read live again.")
        page.wait_for_selector(f"#entry-{live['id']}", timeout=3000)


@pytest.fixture
def quiet_site(new_site):
    return new_site(LIVEBLOG_READER_QUIET_SECONDS=str(QUIET_SECONDS))


def test_a_socket_that_died_without_a_close_is_noticed_and_the_page_catches_up(browser, quiet_site):
    """Packets dropped on an open socket: after a quiet while (2 s here, 30 s in production, give
    or take a fifth) the page reads the head, sees the database ahead, shows the change and
    connects again."""
    with quiet_site.serve() as base:
        api = quiet_site.api(base)
        page, proxy = reader_page(browser, base)
        page.wait_for_selector(".live-status[data-state=live]")
        proxy.drop()
        posted = time.monotonic()
        entry = api.post_entry("Posted while the socket was dead.")
        page.wait_for_selector(f"#entry-{entry['id']}", timeout=QUIET_SECONDS * 1200 + 5000)
        print(f"dead socket noticed and page caught up after {time.monotonic() - posted:.1f} s")
        assert shown(page) == fresh(browser, f"{base}/events/{SLUG}/")
        page.wait_for_function("() => window.liveblog.socket?.greeted", timeout=5000)
        assert len(proxy.sockets) == 2
        assert page.inner_text(".live-status") == "Live"
        later = api.post_entry("Live on the new socket.")
        page.wait_for_selector(f"#entry-{later['id']}", timeout=3000)


def test_a_page_shown_again_checks_at_once(browser, site):
    """A laptop waking (the page visible again) or a page back from the back-forward cache: the
    head is read at once, not after the quiet while (30 s here, as in production)."""
    with site.serve() as base:
        api = site.api(base)
        page, proxy = reader_page(browser, base)
        for wake in (
            "document.dispatchEvent(new Event('visibilitychange'))",
            "window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))",
        ):
            page.wait_for_selector(".live-status[data-state=live]")
            proxy.drop()
            entry = api.post_entry(f"Posted while asleep: {wake[:20]}.")
            page.wait_for_timeout(300)
            assert page.query_selector(f"#entry-{entry['id']}") is None  # the dead socket said nothing
            woke = time.monotonic()
            page.evaluate(wake)
            page.wait_for_selector(f"#entry-{entry['id']}", timeout=3000)
            print(f"caught up {time.monotonic() - woke:.1f} s after waking")
        assert len(proxy.sockets) == 3
        assert shown(page) == fresh(browser, f"{base}/events/{SLUG}/")


def test_frames_the_page_cannot_use_block_nothing_and_cause_no_reconnect(browser, site):
    """An unknown frame type, frames with a missing or bad seq, text that is not JSON, and a frame
    that breaks the page's code: the page logs, ignores or reads the change again, never
    reconnects or reloads, and shows the entries posted afterwards."""
    with site.serve() as base:
        api = site.api(base)
        page, proxy = reader_page(browser, base)
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        loads: list[str] = []
        page.on("load", lambda _: loads.append(page.url))
        page.wait_for_selector(".live-status[data-state=live]")
        seq, epoch = head(base), page.get_attribute(".entries[data-event]", "data-epoch")
        entry = {"id": 1, "html": "<article>x</article>"}
        for frame in (
            "this is not JSON",
            {"type": "poll.opened", "question": "A frame of a later version?"},
            {"type": "entry.created", "epoch": epoch, "entry": entry},
            *(
                {"type": "entry.created", "seq": bad, "epoch": epoch, "entry": entry}
                for bad in ("43", 4.5, -1)
            ),
            {"type": "entry.created", "seq": seq + 10**6, "epoch": epoch, "entry": entry},  # past the head
            {"type": "entry.created", "seq": seq + 1, "epoch": epoch, "entry": None},  # breaks upsert()
        ):
            proxy.inject(frame)
        first = api.post_entry("Posted after the odd frames.")
        page.wait_for_selector(f"#entry-{first['id']}", timeout=3000)
        page.wait_for_timeout(5000)  # longer than the page waits for a missing frame (3.75 s)
        second = api.post_entry("And the next one.")
        page.wait_for_selector(f"#entry-{second['id']}", timeout=3000)

        assert len(proxy.sockets) == 1, "no reconnect"
        assert loads == [], "no reload"
        assert page.inner_text(".live-status") == "Live"
        assert any(f"Could not show change {seq + 1}" in text for text in errors), errors
        assert shown(page) == fresh(browser, f"{base}/events/{SLUG}/")


def test_a_busy_server_behind_show_older_keeps_the_link(browser, site):
    """A 503, then a 429, for the next page of the report: the link stays and says to try again;
    the next try that works loads the page."""
    with site.serve() as base:
        api = Api(base, site.token)
        for n in range(25):  # past one page of 50
            api.post_entry(f"Filler {n}.")
        page = browser.new_page(viewport={"width": 390, "height": 844})
        answer = {"status": 0}

        def busy(route):
            if answer["status"]:
                route.fulfill(status=answer["status"], headers={"Retry-After": "5"}, body="Busy.")
            else:
                route.continue_()

        page.route(re.compile(r"cursor="), busy)
        page.goto(f"{base}/events/{SLUG}/")
        assert page.locator(ENTRIES).count() == 50
        problem = page.locator(".more__problem")
        for answer["status"] in (503, 429):
            page.click(".more__link")
            page.wait_for_selector(".more__problem:has-text('Could not load older entries')")
            assert problem.inner_text() == "Could not load older entries — try again."
            assert page.locator(".more__link").is_visible()
            assert page.locator(ENTRIES).count() == 50
            page.evaluate("document.querySelector('.more__problem').textContent = ''")

        answer["status"] = 0
        page.click(".more__link")
        page.locator(ENTRIES).nth(50).wait_for()
        assert not problem.is_visible()
        assert page.locator(ENTRIES).last.inner_text().startswith("17:03")
