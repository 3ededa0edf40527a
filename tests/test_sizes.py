"""No entry can grow into a frame that drops readers: Markdown cannot expand past a bound, and
what would render to more than 64 KB of HTML is refused, saying so, wherever it comes from."""

import time

import pytest

from liveblog.models import Change, Entry
from liveblog.reports.importer import import_report
from liveblog.reports.parser import ReportParseError
from tests.conftest import token_client
from tests.helpers import post_entry

# One long link definition used again and again: 19 KB of Markdown that made 22.6 MB of HTML.
HOSTILE = (f"[r]: http://e.example/{'a' * 2000}\n\n" + "[r]" * 6000)[:19500]
# Emphasis on lines of their own, the densest expansion left: 20,000 characters, 75 KB of HTML.
DENSE = "*a*\n" * 4999


def test_reference_links_are_text_not_an_expansion(alice, event):
    started = time.perf_counter()
    response = post_entry(token_client(alice), body=HOSTILE)
    took = time.perf_counter() - started

    assert response.status_code == 201
    assert len(response.json()["html"].encode()) < 25_000  # about the text's own size
    assert took < 5  # not the half second per request the expansion cost


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
