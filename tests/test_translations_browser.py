"""A French reader of the demo in Chromium: translations arrive live, the original one click
away, untranslated entries marked, and new entries announced in French."""

import pytest

from deploy.launch import manage
from tests.helpers import SLUG
from tests.server import EDITOR_PASSWORD, daphne

FRENCH = "La salle de Berlin est comble ; on attend la première intervenante."
SET_PASSWORD = """
from django.contrib.auth.models import User
tina = User.objects.get(username="tina")
tina.set_password("tina-password")
tina.save()
"""


@pytest.fixture
def served(new_site):
    site = new_site()
    with daphne(site.env) as base:
        yield base, site.api(base)


def open_reader(browser, url: str, **context):
    page = browser.new_context(**context).new_page()
    page.goto(url)
    page.wait_for_selector(".live-status[data-state=live]")
    return page


def test_a_french_reader_sees_the_translation_arrive_and_the_original_on_a_click(browser, served):
    base, api = served
    entry = api.call(
        "POST", f"/api/events/{SLUG}/entries/", {"body": "The Berlin hall is full.", "city": "berlin"}
    )
    page = open_reader(browser, f"{base}/events/{SLUG}/?lang=fr")
    article = page.locator(f"#entry-{entry['id']}")
    assert article.locator(".entry__untranslated").is_visible()
    assert article.locator(".entry__body").get_attribute("lang") == "en"

    api.call(
        "PUT", f"/api/entries/{entry['id']}/translations/fr/", {"headline": "Salle comble", "body": FRENCH}
    )

    french = article.locator(".entry__body[lang=fr]")
    french.wait_for()
    assert french.inner_text() == FRENCH
    assert article.locator("h3[lang=fr]").inner_text() == "Salle comble"
    assert not article.locator(".entry__body[lang=en]").is_visible()
    assert article.locator(".entry__untranslated").count() == 0
    button = article.get_by_role("button", name="Original (English)")
    assert button.get_attribute("aria-pressed") == "false"

    button.click()

    assert article.locator(".entry__body[lang=en]").inner_text() == "The Berlin hall is full."
    assert not french.is_visible() and not article.locator("h3[lang=fr]").is_visible()
    assert button.get_attribute("aria-pressed") == "true"
    button.click()
    assert french.is_visible()


def test_a_stale_translation_is_flagged_and_a_new_entry_is_announced_in_french(browser, served):
    base, api = served
    page = open_reader(browser, f"{base}/events/{SLUG}/?lang=fr")
    # Written, translated, then published: the French reader's first sight of it is in French.
    draft = api.call("POST", f"/api/events/{SLUG}/entries/", {"body": "The hall is full.", "status": "draft"})
    api.call("PUT", f"/api/entries/{draft['id']}/translations/fr/", {"body": FRENCH})
    api.call("PATCH", f"/api/entries/{draft['id']}/", {"status": "published"}, **{"If-Match": '"1"'})

    article = page.locator(f"#entry-{draft['id']}")
    article.locator(".entry__body[lang=fr]").wait_for()
    page.wait_for_selector(".announcer:has-text('La salle de Berlin est comble')")
    assert article.locator(".entry__stale").count() == 0

    api.call(
        "PATCH",
        f"/api/entries/{draft['id']}/",
        {"body": "The hall is full: 800 people."},
        **{"If-Match": '"2"'},
    )

    article.locator(".entry__stale").wait_for()
    assert article.locator(".entry__body[lang=fr]").inner_text() == FRENCH


def test_a_translator_translates_beside_the_original_and_readers_see_it_at_once(browser, new_site):
    site = new_site()
    manage(site.env, "create_editor", "tina", "--event", SLUG, "--role", "translator", "--languages", "fr")
    manage(site.env, "shell", "-c", SET_PASSWORD)
    with daphne(site.env) as base:
        api = site.api(base)
        entry = api.call("POST", f"/api/events/{SLUG}/entries/", {"body": "The Berlin hall is full."})
        reader = open_reader(browser, f"{base}/events/{SLUG}/?lang=fr")
        desk = browser.new_context().new_page()
        desk.goto(f"{base}/events/{SLUG}/console/")
        desk.get_by_label("Username").fill("tina")
        desk.get_by_label("Password").fill("tina-password")
        desk.get_by_role("button", name="Sign in").click()
        desk.wait_for_url(f"{base}/events/{SLUG}/console/translate/")
        row = desk.locator(f"#translate-{entry['id']}")
        assert "The Berlin hall is full." in row.locator(".translate-pair__original").inner_text()

        row.get_by_label("Headline").fill("Salle comble")
        row.get_by_label("Text").fill(FRENCH)
        row.get_by_role("button", name="Save and publish").click()

        row.locator(".translate-pair__status:has-text('Published')").wait_for()
        reader.locator(
            f"#entry-{entry['id']} .entry__body[lang=fr]:has-text('La salle de Berlin')"
        ).wait_for()
        assert row.locator(".translate-pair__stale").is_hidden()

        api.call(
            "PATCH",
            f"/api/entries/{entry['id']}/",
            {"body": "The Berlin hall is full: 800."},
            **{"If-Match": '"1"'},
        )

        row.locator(".translate-pair__stale").wait_for()  # flagged live on the desk
        assert "800" in row.locator(".translate-pair__original").inner_text()
        reader.locator(f"#entry-{entry['id']} .entry__stale").wait_for()
        assert row.get_by_label("Text").input_value() == FRENCH  # what was typed stays


@pytest.mark.parametrize(
    ("language", "title", "words"),
    [
        ("fr", "Conférence internationale en ligne", "notre devoir démocratique"),
        ("de", "Internationale Online-Konferenz", "unsere demokratische Pflicht"),
        ("fa", "کنفرانس بین‌المللی آنلاین", "وظیفه‌ی دموکراتیک ماست"),
    ],
)
def test_readers_in_paris_berlin_and_tehran_read_the_demo_in_their_language(
    browser, demo_server, language, title, words
):
    page = browser.new_page()
    page.goto(f"{demo_server}/events/{SLUG}/?lang={language}&order=oldest")

    assert title in page.locator("h1").inner_text()
    translated = page.locator(f".entry__body[lang={language}]", has_text=words)
    assert translated.is_visible()
    assert translated.get_attribute("dir") == ("rtl" if language == "fa" else "ltr")
    assert page.locator(".entry__untranslated").count() > 0  # the rest, in English, marked
    page.close()


def test_the_console_lists_an_entrys_translations_and_flags_a_stale_one(browser, new_site):
    site = new_site()
    with daphne(site.env) as base:
        api = site.api(base)
        entry = api.call("POST", f"/api/events/{SLUG}/entries/", {"body": "The Berlin hall is full."})
        console = browser.new_context().new_page()
        console.goto(f"{base}/events/{SLUG}/console/")
        console.get_by_label("Username").fill("alice")
        console.get_by_label("Password").fill(EDITOR_PASSWORD)
        console.get_by_role("button", name="Sign in").click()
        console.wait_for_selector(".live-status[data-state=live]")
        item = console.locator(f"li.console-entry[data-id='{entry['id']}']")
        item.wait_for()
        assert item.locator(".console-translations").count() == 0

        api.call("PUT", f"/api/entries/{entry['id']}/translations/de/", {"body": "Der Saal ist voll."})
        item.locator(".console-translations a[lang=de]").wait_for()
        assert item.locator(".console-translations__stale").count() == 0
        api.call("PATCH", f"/api/entries/{entry['id']}/", {"body": "The hall: full."}, **{"If-Match": '"1"'})

        item.locator(".console-translations__stale").wait_for()
        item.get_by_role("link", name="Deutsch").click()
        console.wait_for_url(f"**/console/translate/?into=de#translate-{entry['id']}")
        assert console.locator(f"#translate-{entry['id']} .translate-pair__stale").is_visible()
