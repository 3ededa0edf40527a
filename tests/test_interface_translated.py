"""The interface in French, German and Persian: the reader page's words, plural forms, the API's
messages, and in Chromium the script's words, Persian digits and calendar, and a mirrored layout."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from liveblog import services
from liveblog.models import Change
from tests.conftest import token_client
from tests.helpers import SLUG


@pytest.mark.parametrize(
    "language, heading, ended",
    [
        ("en", "Key moments", "This event has ended. The report below is the complete archive."),
        ("fr", "Moments clés", "Cet événement est terminé. Le direct ci-dessous en est l’archive complète."),
        (
            "de",
            "Schlüsselmomente",
            "Diese Veranstaltung ist beendet. Der Bericht unten ist das vollständige Archiv.",
        ),
        ("fa", "لحظه\u200cهای کلیدی", "این رویداد به پایان رسیده است. گزارش زیر بایگانی کامل آن است."),
    ],
)
def test_the_reader_page_speaks_the_readers_language(client, event, alice, language, heading, ended):
    services.entry_create(event=event, by=alice, body="The summit opens.", key_moment=True)
    services.event_set_status(event=event, status="ended", by=alice)

    page = client.get(f"/events/summit/?lang={language}").content.decode()

    assert f'<h2 id="key-heading">{heading} <span' in page
    assert f'<p class="ended-notice">{ended}</p>' in page


CITY_COUNTS = {
    # language: (the header's cities, Paris with 1 entry, Berlin with 12)
    "en": ("3 cities", "1 entry", "12 entries"),
    "fr": ("3\u00a0villes", "1 publication", "12 publications"),
    "de": ("3 Städte", "1 Eintrag", "12 Einträge"),
    "fa": ("3 شهر", "1 مطلب", "12 مطلب"),
}


@pytest.mark.parametrize("language", CITY_COUNTS)
def test_counts_take_the_languages_plural_forms(client, event, alice, language):
    paris, berlin = event.sessions.get(slug="paris"), event.sessions.get(slug="berlin")
    start = datetime(2018, 8, 25, 15, 0, tzinfo=UTC)
    services.entry_create(event=event, by=alice, session=paris, occurred_at=start, body="Paris opens.")
    for minute in range(12):
        at = start + timedelta(minutes=minute + 1)
        services.entry_create(event=event, by=alice, session=berlin, occurred_at=at, body=f"Berlin {minute}.")

    page = client.get(f"/events/summit/?lang={language}").content.decode()

    cities, one, twelve = CITY_COUNTS[language]
    header = re.search(r'<p class="event-header__when">(.*?)</p>', page, re.S)[1]
    assert f" · {cities} · " in header
    count, unit = one.split(" ", 1)
    assert f'data-count="paris">{count}</span><span class="visually-hidden"> {unit}</span>' in page
    count, unit = twelve.split(" ", 1)
    assert f'data-count="berlin">{count}</span><span class="visually-hidden"> {unit}</span>' in page


def test_an_api_error_answers_in_the_language_asked_for(alice):
    api = token_client(alice)
    data = {"body": "From Atlantis.", "city": "atlantis"}

    french = api.post("/api/events/summit/entries/", data, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    german = api.post("/api/events/summit/entries/", {"body": " "}, format="json", HTTP_ACCEPT_LANGUAGE="de")

    assert french.status_code == 400
    assert french.json()["city"] == [
        "Ville inconnue pour cet événement\u00a0: «\u00a0atlantis\u00a0»\u202f; "
        "ses villes sont\u00a0: paris, berlin, london."
    ]
    assert german.status_code == 400
    assert german.json()["body"] == ["Der Text eines Eintrags darf nicht leer sein."]


def test_a_time_ahead_of_now_is_named_in_french_with_its_plural(alice):
    ahead = (datetime.now(UTC) + timedelta(hours=3, minutes=2)).isoformat()
    api = token_client(alice)

    response = api.post(
        "/api/events/summit/entries/",
        {"body": "Too soon.", "occurred_at": ahead},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert response.status_code == 400
    message = response.json()["occurred_at"][0]
    assert re.fullmatch(
        r"\d\d:\d\d le \w+ \d+ \w+ \d{4}, c’est dans 3\u00a0heures\. Indiquez l’heure .*", message
    )


def test_the_console_speaks_the_editors_language(client, alice):
    client.force_login(alice)

    page = client.get("/events/summit/console/?lang=fr").content.decode()

    assert '<html lang="fr"' in page
    assert '<h2 id="composer-heading">Nouvelle publication</h2>' in page
    assert '<label for="c-headline">Titre <span class="muted">(facultatif)</span></label>' in page
    assert '<summary class="button">Programme</summary>' in page  # the agenda's partial
    assert '<h2 id="picture-heading">Villes et lecteurs</h2>' in page  # the desk's picture


# In Chromium ---------------------------------------------------------------------------------


def open_reader(browser, base: str, language: str, **context):
    page = browser.new_context(viewport={"width": 1280, "height": 900}, **context).new_page()
    page.goto(f"{base}/events/{SLUG}/?lang={language}")
    page.wait_for_selector(".live-status[data-state=live], .ended-notice")
    return page


def test_the_script_speaks_persian_with_persian_digits_and_calendar(browser, demo_server):
    page = open_reader(browser, demo_server, "fa", timezone_id="Asia/Tehran")
    try:
        assert page.locator(".live-status[data-state=live]").inner_text() == "زنده"
        readers = page.locator(".live-readers")
        readers.wait_for()
        assert re.fullmatch(r"[۰-۹]+ نفر در حال خواندن", readers.inner_text())
        # The demo's day, 25 August 2018, is 3 Shahrivar 1397; the Gregorian date follows.
        assert page.locator("h3.day").first.inner_text().strip() == "شنبه ۳ شهریور ۱۳۹۷ (۲۵ اوت ۲۰۱۸)"
        assert re.fullmatch(
            r"[۰-۹]{2}:[۰-۹]{2}",
            page.locator(".entry__time time").first.evaluate("t => t.firstChild.textContent"),
        )
    finally:
        page.context.close()


def test_the_layout_is_mirrored_in_persian(browser, demo_server):
    sides = {}
    for language in ("en", "fa"):
        page = open_reader(browser, demo_server, language)
        try:
            assert page.evaluate("document.documentElement.dir") == ("rtl" if language == "fa" else "ltr")
            entry = page.locator("article.entry").first.bounding_box()
            time = page.locator("article.entry .entry__time").first.bounding_box()
            share = page.locator("article.entry .entry__share").first.bounding_box()
            summary = page.locator(".summary").evaluate(
                "s => [getComputedStyle(s).borderLeftWidth, getComputedStyle(s).borderRightWidth]"
            )
            sides[language] = (entry, time, share, summary)
        finally:
            page.context.close()

    entry, time, share, summary = sides["en"]
    assert abs(time["x"] - entry["x"]) < 2 and share["x"] + share["width"] > entry["x"] + entry["width"] - 2
    assert summary == ["4px", "0px"]
    entry, time, share, summary = sides["fa"]
    # The entry's start, its time, is on the right; the share button at its end, on the left.
    assert (
        abs(time["x"] + time["width"] - (entry["x"] + entry["width"])) < 2
        and abs(share["x"] - entry["x"]) < 2
    )
    assert summary == ["0px", "4px"]


def test_a_frame_is_written_in_the_events_language_whoever_posts_it(alice):
    api = token_client(alice)

    response = api.post(
        "/api/events/summit/entries/",
        {"body": "Breaking.", "kind": "breaking", "pinned": True},
        format="json",
        HTTP_ACCEPT_LANGUAGE="de",
    )

    assert response.status_code == 201
    frame = json.loads(Change.objects.latest("seq").frame)
    assert '<span class="entry__kind">Breaking</span>' in frame["entry"]["html"]
    assert '<span class="entry__flag">Pinned</span>' in frame["entry"]["html"]
