"""Which language a reader gets: ?lang= (remembered), the cookie, Accept-Language, the event's
language, else English; <html lang dir>, the switcher, the alternates, and caches that keep one
copy per language (Django's page cache, browsers' ETags, nginx's key)."""

import re
import shutil
import subprocess
import urllib.request
from html.parser import HTMLParser

import pytest

from liveblog import services
from liveblog.i18n import from_accept_language
from liveblog.models import Event
from tests.conftest import ROOT, make_event
from tests.helpers import SLUG
from tests.server import free_port, wait_port

LANGUAGES = {"en": "English", "fr": "Français", "de": "Deutsch", "fa": "فارسی"}


def html_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page).group(0)


class Links(HTMLParser):
    """The page's alternates (<link rel=alternate hreflang>) and the switcher's links."""

    def __init__(self) -> None:
        super().__init__()
        self.alternates: dict[str, str] = {}
        self.switcher: list[dict[str, str | None]] = []
        self._in_switcher = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "link" and attributes.get("rel") == "alternate" and "hreflang" in attributes:
            self.alternates[attributes["hreflang"]] = attributes["href"]
        if tag == "nav" and attributes.get("class") == "languages":
            self._in_switcher = True
        if tag == "a" and self._in_switcher:
            self.switcher.append(attributes)

    def handle_endtag(self, tag):
        if tag == "nav":
            self._in_switcher = False


def links_of(page: str) -> Links:
    parser = Links()
    parser.feed(page)
    return parser


@pytest.mark.django_db
class TestChoosingTheLanguage:
    def test_it_speaks_english_to_a_reader_who_chose_nothing(self, client, event):
        page = client.get("/events/summit/").content.decode()

        assert html_tag(page) == '<html lang="en" dir="ltr">'

    def test_it_remembers_lang_in_a_cookie_for_a_year(self, client, event):
        response = client.get("/events/summit/?lang=fr")

        assert html_tag(response.content.decode()) == '<html lang="fr" dir="ltr">'
        cookie = response.cookies["lang"]
        assert cookie.value == "fr"
        assert cookie["max-age"] == 365 * 24 * 3600
        assert cookie["samesite"] == "Lax"
        assert "private" in response["Cache-Control"]  # a shared cache never hands it to another reader
        # The cookie alone, on another page.
        assert html_tag(client.get("/").content.decode()) == '<html lang="fr" dir="ltr">'

    def test_it_reads_the_cookie_alone(self, client, event):
        client.cookies["lang"] = "de"

        response = client.get("/events/summit/")

        assert html_tag(response.content.decode()) == '<html lang="de" dir="ltr">'
        assert response["Content-Language"] == "de"
        assert "lang" not in response.cookies  # nothing to remember anew

    def test_lang_wins_over_the_cookie_and_the_browser(self, client, event):
        client.cookies["lang"] = "de"

        page = client.get("/events/summit/?lang=fa", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

        assert html_tag(page) == '<html lang="fa" dir="rtl">'

    def test_it_follows_accept_language_and_its_quality_values(self, client, event):
        def language(header: str) -> str:
            page = client.get("/events/summit/", HTTP_ACCEPT_LANGUAGE=header).content.decode()
            return re.search(r'<html lang="(\w+)"', page).group(1)

        assert language("fr-CA,fr;q=0.9,en;q=0.8") == "fr"
        assert language("en;q=0.3, de;q=0.7, fa;q=0.5") == "de"
        assert language("es, it;q=0.9, fa;q=0.1") == "fa"  # the only one of ours they read
        assert language("de;q=0, fr;q=0.2") == "fr"  # q=0: not German
        assert language("ja, zh") == "en"  # none of ours: the event's language

    def test_it_ignores_malformed_accept_language(self):
        assert from_accept_language("fr;q=2, de;q=0.5") == "de"  # a quality above 1 is no quality
        assert from_accept_language("fr;q=abc") is None
        assert from_accept_language(",,;;=") is None
        assert from_accept_language("") is None

    def test_an_event_page_speaks_the_events_language_to_a_reader_who_chose_nothing(self, client):
        make_event("sommet", language="fr")

        assert html_tag(client.get("/events/sommet/").content.decode()) == '<html lang="fr" dir="ltr">'
        assert 'lang="fr"' in html_tag(client.get("/events/sommet/agenda/").content.decode())
        # The reader's own choice comes first, and other pages are English.
        page = client.get("/events/sommet/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
        assert html_tag(page) == '<html lang="de" dir="ltr">'
        assert html_tag(client.get("/").content.decode()) == '<html lang="en" dir="ltr">'

    def test_an_unknown_lang_is_ignored(self, client, event):
        response = client.get("/events/summit/?lang=xx", HTTP_ACCEPT_LANGUAGE="de")

        assert response.status_code == 200
        assert html_tag(response.content.decode()) == '<html lang="de" dir="ltr">'
        assert "lang" not in response.cookies
        client.cookies["lang"] = "klingon"
        assert 'lang="en"' in html_tag(client.get("/events/summit/").content.decode())

    def test_persian_is_right_to_left(self, client, event):
        page = client.get("/events/summit/?lang=fa").content.decode()

        assert html_tag(page) == '<html lang="fa" dir="rtl">'


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/events/summit/", "/events/summit/entries/{entry}/", "/events/summit/agenda/"]
)
def test_every_page_has_the_switcher_and_lists_its_alternates(client, event, alice, path):
    entry = services.entry_create(event=event, by=alice, body="Opening.")
    path = path.format(entry=entry.pk)

    page = client.get(f"{path}?lang=de&utm_source=x").content.decode()

    links = links_of(page)
    base = f"http://testserver{path}"
    assert links.alternates == {
        **{code: f"{base}?lang={code}" for code in LANGUAGES},
        "x-default": base,
    }
    assert [(a["href"], a["hreflang"], a["lang"], a.get("aria-current")) for a in links.switcher] == [
        (f"{path}?lang={code}", code, code, "true" if code == "de" else None) for code in LANGUAGES
    ]
    assert [name in page for name in LANGUAGES.values()] == [True] * 4  # each in its own name


@pytest.mark.django_db
def test_the_console_has_the_switcher(client, event, alice):
    client.force_login(alice)

    page = client.get("/events/summit/console/?lang=fa").content.decode()

    assert html_tag(page) == '<html lang="fa" dir="rtl">'
    assert len(links_of(page).switcher) == 4


@pytest.mark.django_db
def test_a_cached_page_is_never_served_in_another_language(client, event, django_user_model):
    client.cookies["lang"] = "de"
    german = client.get("/events/summit/")
    del client.cookies["lang"]

    french = client.get("/events/summit/", HTTP_ACCEPT_LANGUAGE="fr")
    # A French reader holding the German page's ETag gets the French page, not a 304.
    revalidated = client.get("/events/summit/", HTTP_ACCEPT_LANGUAGE="fr", HTTP_IF_NONE_MATCH=german["ETag"])

    assert 'lang="de"' in html_tag(german.content.decode())
    assert 'lang="fr"' in html_tag(french.content.decode())
    assert german["ETag"] != french["ETag"]
    assert revalidated.status_code == 200 and 'lang="fr"' in html_tag(revalidated.content.decode())
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in french["Vary"].split(",")}
    # Each language's copy, once rendered, is the one its readers get back.
    again = client.get("/events/summit/", HTTP_ACCEPT_LANGUAGE="fr", HTTP_IF_NONE_MATCH=french["ETag"])
    assert again.status_code == 304


@pytest.mark.django_db
def test_an_event_whose_language_changes_is_served_in_its_new_language(client):
    event = make_event("sommet", language="en")
    client.get("/events/sommet/")

    Event.objects.filter(pk=event.pk).update(language="fr")
    from liveblog import heads

    heads.forget("sommet")

    assert 'lang="fr"' in html_tag(client.get("/events/sommet/").content.decode())


@pytest.mark.django_db
def test_scripts_get_their_catalog_in_the_pages_language(client, event):
    page = client.get("/events/summit/?lang=fr").content.decode()
    src = re.search(r'<script src="(/jsi18n/fr\.js\?v=\w+)" defer></script>', page).group(1)

    catalog = client.get(src)

    assert catalog.status_code == 200
    assert catalog["Content-Type"].startswith("text/javascript")
    assert "django.ngettext" in catalog.content.decode() and "django.interpolate" in catalog.content.decode()
    assert catalog["Cache-Control"] == "public, max-age=31536000, immutable"  # the address names the release
    assert "Cookie" not in catalog.get("Vary", "")  # the same for every reader
    assert client.get("/jsi18n/xx.js").status_code == 404


@pytest.mark.server
def test_through_nginx_a_french_reader_never_gets_the_german_readers_copy(demo_server, tmp_path, monkeypatch):
    if not shutil.which("nginx"):
        pytest.skip("nginx is not installed")
    monkeypatch.syspath_prepend(str(ROOT / "deploy"))  # deploy/topology.py runs as a script beside launch.py
    from topology import nginx_conf

    listen = free_port()
    port = int(demo_server.rsplit(":", 1)[1])
    conf = nginx_conf(tmp_path, listen, [port])
    nginx = subprocess.Popen(
        ["nginx", "-c", str(conf), "-e", str(tmp_path / "error.log"), "-g", "daemon off;"]
    )
    try:
        wait_port(listen)
        url = f"http://127.0.0.1:{listen}/events/{SLUG}/"

        def get(address: str = url, **headers: str) -> tuple[str, str, str]:
            with urllib.request.urlopen(urllib.request.Request(address, headers=headers)) as response:
                lang = re.search(r'<html lang="(\w+)"', response.read().decode()).group(1)
                return lang, response.headers["X-Cache"], response.headers.get("Set-Cookie") or ""

        assert get(Cookie="lang=de")[0] == "de"
        assert get(**{"Accept-Language": "fr"})[0] == "fr"  # right after: the German copy is cached
        assert get(**{"Accept-Language": "de;q=0.5, fr"})[0] == "fr"
        assert get(**{"Accept-Language": "de, fr", "Cookie": "lang=fa"})[0] == "fa"
        assert get(f"{url}?lang=en", Cookie="lang=de")[0] == "en"
        # The copies are kept: the same reader again is served from nginx's cache.
        lang, cache, _ = get(Cookie="lang=de")
        assert lang == "de" and cache != "MISS"
        # A ?lang= not remembered yet is answered with its cookie, never from another's copy.
        lang, cache, cookie = get(f"{url}?lang=en")
        assert (lang, cache, cookie.split(";")[0]) == ("en", "BYPASS", "lang=en")
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
