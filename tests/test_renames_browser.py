"""A city renamed or moved to another zone, a speaker corrected: one frame, and every open page
shows what a fresh load shows."""

from tests.helpers import SLUG, Api, changes_after, head
from tests.server import daphne, manage
from tests.test_console_browser import sign_in

ENTRIES = ".entries article.entry"

RENAME = """
from django.db import transaction
from liveblog import services
from liveblog.models import Event, Session, Speaker
event = Event.objects.get(slug="{slug}")
with transaction.atomic():
    services.lock_event(event)
    berlin = Session.objects.filter(event=event, slug="berlin")
    berlin.update(city="Berlin-Tempelhof", timezone="America/Toronto")
    services.sessions_changed(event=event, by=None)
speaker = Speaker.objects.get(name="Hamid Moaser")
services.speaker_update(speaker=speaker, by=None, title="Spokesman of the families")
"""


def shown(page) -> list[str]:
    return page.eval_on_selector_all(ENTRIES, "nodes => nodes.map(n => n.innerText.trim())")


def test_renames_reach_open_pages_in_one_frame(browser, site):
    with daphne(site.env) as base:
        api = Api(base, site.token)
        berlin = api.post_entry("The hall in Berlin is full.", city="berlin", speaker_name="Mr. Hamid Moaser")
        url = f"{base}/events/{SLUG}/"
        page = browser.new_context().new_page()
        page.goto(url)
        page.wait_for_selector(".live-status[data-state=live]")
        console = sign_in(browser, base, "alice")
        article = f"#entry-{berlin['id']}"
        before = page.inner_text(f"{article} .entry__time time")
        seq = head(base)

        manage(site.env, "shell", "-c", RENAME.format(slug=SLUG))

        page.wait_for_selector(f"{article} .entry__city:has-text('Berlin-Tempelhof')", timeout=15000)
        page.wait_for_selector(f"{article} .entry__speaker:has-text('Spokesman of the families')")
        assert page.inner_text(f"{article} .entry__time time") != before  # six hours earlier in Toronto
        assert [frame["type"] for frame in changes_after(base, seq)] == ["event.updated", "event.updated"]

        item = f"#console-entry-{berlin['id']}"
        console.wait_for_selector(f"{item} .entry__city:has-text('Berlin-Tempelhof')")
        console.wait_for_selector(f"{item} .entry__speaker:has-text('Spokesman of the families')")

        fresh = browser.new_page()
        fresh.goto(url)
        assert shown(page) == shown(fresh)
        # The speaker's name still links to their page, as on a fresh load.
        line = f"{article} .entry__speaker"
        assert page.inner_html(line) == fresh.inner_html(line) and "/speakers/" in page.inner_html(line)
        fresh.close()
