"""No entry can grow into a frame that drops readers: Markdown cannot expand past a bound, and
what would render to more than 64 KB of HTML is refused, saying so, wherever it comes from."""

import asyncio
import json
import urllib.error

import pytest

from bench.wire import open_reader
from liveblog.models import Change, Entry
from liveblog.reports.importer import import_report
from liveblog.reports.parser import ReportParseError
from tests.conftest import token_client
from tests.helpers import SLUG, head, post_entry, run

# One long link definition used again and again: 19 KB of Markdown that made 22.6 MB of HTML.
HOSTILE = (f"[r]: http://e.example/{'a' * 2000}\n\n" + "[r]" * 6000)[:19500]
# Emphasis on lines of their own, the densest expansion left: 20,000 characters, 75 KB of HTML.
DENSE = "*a*\n" * 4999


def test_reference_links_are_text_not_an_expansion(alice, event):
    response = post_entry(token_client(alice), body=HOSTILE)

    assert response.status_code == 201
    assert len(response.json()["html"].encode()) < 25_000  # about the text's own size


def test_text_that_would_render_past_64_kb_is_refused_and_nothing_is_saved(alice, event):
    response = post_entry(token_client(alice), body=DENSE)

    assert response.status_code == 400
    message = response.json()["body"][0]
    assert message.endswith(
        "KB of HTML; an entry may hold 64 KB. Shorten it, or split it into several entries."
    )
    assert not Entry.objects.exists() and not Change.objects.exists()


def test_an_edit_past_the_bound_is_refused_and_the_entry_kept(alice, event):
    client = token_client(alice)
    entry = post_entry(client, body="Short.").json()

    response = client.patch(
        f"/api/entries/{entry['id']}/", {"body": DENSE}, format="json", headers={"If-Match": '"1"'}
    )

    assert response.status_code == 400 and "may hold 64 KB" in response.json()["body"][0]
    assert Entry.objects.get().body == "Short."


def test_the_preview_says_so_too(alice, event):
    response = token_client(alice).post("/api/events/summit/preview/", {"body": DENSE}, format="json")

    assert response.status_code == 400 and "may hold 64 KB" in response.json()["body"][0]


def test_an_imported_entry_past_the_bound_stops_the_import_naming_its_line(db):
    report = "17:03: Paris: Opening.\n\n17:10: Berlin: " + "*a* " * 20_000 + "\n"  # no 20,000 cap here

    with pytest.raises(ReportParseError, match=r"^Line 3: This text would make \d+ KB of HTML"):
        import_report(
            report, slug="imported", day=__import__("datetime").date(2018, 8, 25), tz="Europe/Paris"
        )

    assert not Entry.objects.exists()


@pytest.mark.server
def test_a_thousand_readers_keep_their_connection_through_hostile_bodies(new_site):
    """The 19 KB body that rendered to 22.6 MB, and one that would render past 64 KB, posted while
    1,000 readers watch: the first is text (a small frame), the second refused; not one reader
    is dropped, and every one gets the entries that follow."""
    site = new_site(LIVEBLOG_MAX_SOCKETS_PER_IP="2000", LIVEBLOG_WRITE_RATE="100000/m")
    with site.serve() as base:
        api, seq = site.api(base), head(base)

        async def scenario():
            received: list[list[dict]] = [[] for _ in range(1000)]
            limit = asyncio.Semaphore(100)
            url = base.replace("http://", "ws://") + f"/ws/events/{SLUG}/?after={seq}"

            async def connect(n):
                async with limit:
                    return await open_reader(url, base, lambda data, _: received[n].append(json.loads(data)))

            sockets = await asyncio.gather(*(connect(n) for n in range(1000)))
            posted = await asyncio.to_thread(post_all, api)
            await asyncio.sleep(3)
            return posted, received, sum(ws.closed.done() for ws in sockets)

        (refused, hostile, after), received, closed = run(scenario())

    assert refused.code == 400 and "an entry may hold 64 KB" in refused.read().decode()
    assert closed == 0
    entries = [[f["entry"]["id"] for f in frames if f["type"] == "entry.created"] for frames in received]
    assert entries == [[hostile["id"], after["id"]]] * 1000


def post_all(api):
    try:
        api.post_entry(DENSE)
    except urllib.error.HTTPError as error:
        refused = error
    return refused, api.post_entry(HOSTILE), api.post_entry("After the hostile bodies.")
