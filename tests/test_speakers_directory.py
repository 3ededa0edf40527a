"""The speakers directory and each speaker's page, as readers get them: who spoke, their titles,
portraits and cities, what they said in order, their slots on the agenda, and the links from
entries that lead there."""

import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from io import BytesIO, StringIO

from django.core.management import call_command

from liveblog import media, services
from liveblog.models import Entry, SpeakerSlot
from liveblog.reports.speakers import parse_speakers
from tests.conftest import ROOT, make_event
from tests.photos import phone_jpeg

SPEAKERS_PAGE = ROOT / "samples" / "speakers-page.txt"
AT = datetime(2018, 8, 25, 15, 0, tzinfo=UTC)


class Texts(HTMLParser):
    """The text of each element with a given class, and the attributes of those elements."""

    def __init__(self, html: str, css_class: str):
        super().__init__()
        self.css_class, self.found, self.attrs, self._open = css_class, [], [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag in ("img", "br", "meta", "link", "input"):
            if self.css_class in (dict(attrs).get("class") or "").split():
                self.attrs.append(dict(attrs))
            return
        self._open = [[depth + 1, text] for depth, text in self._open]
        if self.css_class in (dict(attrs).get("class") or "").split():
            self._open.append([1, []])
            self.found.append(self._open[-1][1])
            self.attrs.append(dict(attrs))

    def handle_endtag(self, tag):
        if tag in ("img", "br", "meta", "link", "input"):
            return
        self._open = [[depth - 1, text] for depth, text in self._open if depth > 1]

    def handle_data(self, data):
        for _, text in self._open:
            text.append(data)


def texts(html: str, css_class: str) -> list[str]:
    return [" ".join("".join(parts).split()) for parts in Texts(html, css_class).found]


def attrs(html: str, css_class: str) -> list[dict]:
    return Texts(html, css_class).attrs


def json_ld(html: str) -> dict:
    return json.loads(html.split('<script type="application/ld+json">')[1].split("</script>")[0])


def import_sample(slug: str) -> None:
    call_command("import_speakers", str(SPEAKERS_PAGE), "--event", slug, "--quotes", stdout=StringIO())


def test_the_directory_lists_the_22_speakers_of_the_write_up_and_their_87_quotes(client, db):
    make_event("call-for-justice", cities=())
    import_sample("call-for-justice")

    page = client.get("/events/call-for-justice/speakers/").content.decode()

    names = texts(page, "speaker-card__name")
    assert len(names) == 22 and "22 speakers, A to Z" in page
    assert names[:3] == ["Alan M. Dershowitz", "Dr. Alejo Vidal-Quadras", "Mr. Bahador Kiamarzi"]
    written = sorted(
        (q.speaker.name for q in parse_speakers(SPEAKERS_PAGE.read_text()).speakers), key=str.casefold
    )
    assert all(shown.endswith(name) for shown, name in zip(names, written, strict=True))  # A to Z by name
    assert "Ms. Homa Jaberi" in names and "Íngrid Betancourt" in names
    titles = texts(page, "speaker-card__title")
    assert "former political prisoner" in titles
    quotes = [int(n) for facts in texts(page, "speaker-facts") for n in re.findall(r"(\d+) quotes?", facts)]
    assert len(quotes) == 22 and sum(quotes) == 87


def test_a_speakers_page_gives_their_quotes_in_the_order_of_the_write_up(client, db):
    make_event("call-for-justice", cities=())
    import_sample("call-for-justice")
    directory = client.get("/events/call-for-justice/speakers/").content.decode()
    (link,) = [a["href"] for a in attrs(directory, "speaker-card__link") if "alejo" in a["href"]]

    page = client.get(link).content.decode()

    assert link.endswith("-alejo-vidal-quadras/")
    assert (
        texts(page, "speaker-header__title") != [] and "<h1>" in page and "Alejo Vidal-Quadras</h1>" in page
    )
    (quoted,) = [
        q
        for q in parse_speakers(SPEAKERS_PAGE.read_text()).speakers
        if q.speaker.name == "Alejo Vidal-Quadras"
    ]
    shown = texts(page, "entry__body")[0]
    positions = [shown.find(" ".join(quote.strip('“”" ').split())[:40]) for quote in quoted.quotes]
    assert len(positions) == 8 and -1 not in positions and positions == sorted(positions)
    assert "8 quotes" in texts(page, "speaker-facts")[0]


def test_the_directory_shows_honorific_title_cities_counts_and_the_initials_of_those_without_a_photo(
    client, event, alice
):
    paris, berlin = event.sessions.get(slug="paris"), event.sessions.get(slug="berlin")
    hamid = services.speaker_get_or_create(name="Mr. Hamid Moaser", title="spokesman")
    lord = services.speaker_get_or_create(name="Lord Alton of Liverpool")
    for session in (berlin, paris, berlin):
        services.entry_create(event=event, by=alice, session=session, speaker=hamid, body="Down with them.")
    services.entry_create(event=event, by=alice, speaker=lord, body="A quote.", kind=Entry.Kind.QUOTE)
    services.entry_create(event=event, by=alice, speaker=lord, body="Draft.", status=Entry.Status.DRAFT)

    page = client.get("/events/summit/speakers/").content.decode()

    assert texts(page, "speaker-card__name") == ["Lord Alton of Liverpool", "Mr. Hamid Moaser"]
    assert texts(page, "speaker-card__honorific") == ["Lord", "Mr."]
    assert texts(page, "speaker-facts") == ["1 quote", "Paris, Berlin 3 entries"]  # the event's city order
    assert texts(page, "portrait--initials") == ["AL", "HM"]
    assert texts(page, "speaker-card__title") == ["spokesman"]


def test_a_speaker_appears_once_they_speak_and_others_events_do_not_count(
    client, event, other_event, alice, bob
):
    hamid = services.speaker_get_or_create(name="Mr. Hamid Moaser")
    services.entry_create(event=other_event, by=bob, speaker=hamid, body="Elsewhere.")
    assert texts(client.get("/events/summit/speakers/").content.decode(), "speaker-card__name") == []
    assert client.get(f"/events/summit/speakers/{hamid.pk}/").status_code == 404

    services.entry_create(event=event, by=alice, speaker=hamid, body="Here.")

    page = client.get("/events/summit/speakers/").content.decode()
    assert texts(page, "speaker-card__name") == ["Mr. Hamid Moaser"]
    assert texts(page, "speaker-facts") == ["1 entry"]


def test_speaker_names_in_entries_link_to_their_page_which_lists_their_entries_in_order(client, event, alice):
    berlin = event.sessions.get(slug="berlin")
    hamid = services.speaker_get_or_create(name="Mr. Hamid Moaser", title="spokesman")
    later = services.entry_create(
        event=event,
        by=alice,
        session=berlin,
        speaker=hamid,
        body="Second.",
        occurred_at=AT + timedelta(minutes=9),
    )
    services.entry_create(event=event, by=alice, session=berlin, speaker=hamid, body="First.", occurred_at=AT)
    services.entry_create(event=event, by=alice, body="Someone else.", occurred_at=AT)
    url = f"/events/summit/speakers/{hamid.pk}-hamid-moaser/"

    reader = client.get("/events/summit/").content.decode()
    permalink = client.get(later.get_absolute_url()).content.decode()
    page = client.get(url).content.decode()

    assert f'<a href="{url}">Hamid Moaser</a>' in reader and f'<a href="{url}">Hamid Moaser</a>' in permalink
    assert texts(page, "entry__body") == ["First.", "Second."]
    assert texts(page, "speaker-facts") == ["Berlin 2 entries"]
    assert f'href="/events/summit/?speaker={hamid.pk}&amp;order=oldest"' in page


def test_a_speakers_page_answers_at_one_address_and_others_redirect_there(client, event, alice):
    hamid = services.speaker_get_or_create(name="Mr. Hamid Moaser")
    services.entry_create(event=event, by=alice, speaker=hamid, body="Here.")
    canonical = f"/events/summit/speakers/{hamid.pk}-hamid-moaser/"

    for old in (f"/events/summit/speakers/{hamid.pk}/", f"/events/summit/speakers/{hamid.pk}-hamid/"):
        response = client.get(old + "?utm_source=x")
        assert response.status_code == 301 and response["Location"] == canonical
    page = client.get(canonical)
    assert page.status_code == 200
    assert f'<link rel="canonical" href="http://testserver{canonical}">' in page.content.decode()

    services.speaker_update(speaker=hamid, by=alice, name="Hamid Moasser")
    assert client.get(canonical)["Location"] == f"/events/summit/speakers/{hamid.pk}-hamid-moasser/"
    assert client.get("/events/summit/speakers/999999/").status_code == 404
    assert client.get("/events/nothing/speakers/").status_code == 404


def test_the_pages_are_cached_per_change_and_answer_304_to_a_reader_who_has_them(client, event, alice):
    hamid = services.speaker_get_or_create(name="Mr. Hamid Moaser")
    services.entry_create(event=event, by=alice, speaker=hamid, body="Here.")
    for url in ("/events/summit/speakers/", f"/events/summit/speakers/{hamid.pk}-hamid-moaser/"):
        first = client.get(url)
        assert first["Cache-Control"] == "public, max-age=0, s-maxage=1, must-revalidate"
        assert client.get(url, headers={"If-None-Match": first["ETag"]}).status_code == 304

        services.entry_create(event=event, by=alice, speaker=hamid, body=f"More for {url}.")

        again = client.get(url, headers={"If-None-Match": first["ETag"]})
        assert again.status_code == 200 and again["ETag"] != first["ETag"]


def test_a_portrait_shows_the_uploaded_photo_with_its_renditions_else_the_address_given(client, event, alice):
    data = phone_jpeg(width=900, height=1200)
    photo = services.media_create(
        event=event,
        by=alice,
        photo=media.process(BytesIO(data), len(data)),
        alt="Hamid Moaser at the lectern",
    )
    hamid = services.speaker_get_or_create(name="Mr. Hamid Moaser")
    rise = services.speaker_get_or_create(name="Lars Rise")
    services.speaker_update(speaker=hamid, by=alice, photo=photo)
    services.speaker_update(speaker=rise, by=alice, photo_url="https://example.org/rise.jpg")
    for speaker in (hamid, rise):
        services.entry_create(event=event, by=alice, speaker=speaker, body="Here.")

    directory = client.get("/events/summit/speakers/").content.decode()
    page = client.get(f"/events/summit/speakers/{hamid.pk}-hamid-moaser/").content.decode()

    hamid_img, rise_img = attrs(directory, "portrait")  # A to Z
    assert rise_img["src"] == "https://example.org/rise.jpg" and rise_img["alt"] == ""
    assert hamid_img["src"] == photo.src and hamid_img["srcset"] == photo.srcset
    assert " 320w" in hamid_img["srcset"] and hamid_img["width"] == "900"
    (large,) = attrs(page, "portrait")
    assert large["alt"] == "Hamid Moaser at the lectern" and large["srcset"] == photo.srcset
    assert texts(directory, "portrait--initials") == []


def test_a_speakers_slots_on_the_agenda_show_in_their_citys_time(client, event, alice):
    berlin = event.sessions.get(slug="berlin")
    berlin.timezone = "Europe/Berlin"
    berlin.save()
    toronto = services.session_add(
        event=event, by=alice, city="Toronto", slug="toronto", timezone="America/Toronto"
    )
    hamid = services.speaker_get_or_create(name="Mr. Hamid Moaser")
    SpeakerSlot.objects.create(
        session=toronto, speaker=hamid, starts_at=AT + timedelta(hours=1), title="Thirty years on"
    )
    SpeakerSlot.objects.create(
        session=berlin, speaker=hamid, starts_at=AT, ends_at=AT + timedelta(minutes=20)
    )

    directory = client.get("/events/summit/speakers/").content.decode()
    page = client.get(f"/events/summit/speakers/{hamid.pk}-hamid-moaser/").content.decode()

    assert texts(directory, "speaker-facts") == ["Berlin, Toronto 2 slots on the agenda"]
    slots = texts(page, "speaker-slots__item")
    assert slots[0] == "Berlin Sat 25 Aug, 17:00–17:20 (Europe/Berlin)"
    assert slots[1] == "Toronto Sat 25 Aug, 12:00 (America/Toronto) Thirty years on"
    assert "Nothing reported from Hamid Moaser yet." in page


def change_speaker(admin_client, speaker, **fields):
    data = {"honorific": speaker.honorific, "name": speaker.name, "title": speaker.title, "photo_url": ""}
    data["photo"] = speaker.photo_id or ""
    return admin_client.post(f"/admin/liveblog/speaker/{speaker.pk}/change/", {**data, **fields})


def test_an_admin_uploads_a_portrait_and_readers_see_it(admin_client, client, event, alice):
    hamid = services.speaker_get_or_create(name="Mr. Hamid Moaser")
    services.entry_create(event=event, by=alice, speaker=hamid, body="Here.")
    before = client.get("/events/summit/speakers/")
    upload = BytesIO(phone_jpeg(width=800, height=800))
    upload.name = "hamid.jpg"

    response = change_speaker(admin_client, hamid, upload=upload, upload_event=event.pk)

    assert response.status_code == 302
    hamid.refresh_from_db()
    assert hamid.photo.event == event and hamid.photo.alt == "Portrait of Mr. Hamid Moaser"
    page = client.get("/events/summit/speakers/", headers={"If-None-Match": before["ETag"]})
    assert page.status_code == 200  # the change reached the event's pages
    (img,) = attrs(page.content.decode(), "portrait")
    assert img["srcset"] == hamid.photo.srcset


def test_an_admin_chooses_a_portrait_among_the_events_photos(admin_client, client, event, alice):
    data = phone_jpeg()
    hall = services.media_create(
        event=event, by=alice, photo=media.process(BytesIO(data), len(data)), alt="Hamid"
    )
    hamid = services.speaker_get_or_create(name="Mr. Hamid Moaser")
    entry = services.entry_create(event=event, by=alice, speaker=hamid, body="Here.", media=[hall])

    form = admin_client.get(f"/admin/liveblog/speaker/{hamid.pk}/change/").content.decode()
    assert (
        f'<img src="{hall.src}" alt="" width="64" height="64" loading="lazy"> <span>Hamid <i>Summit</i>'
        in form
    )
    assert re.search(r'name="photo" value=""[^>]*checked>\s*No photo', form)
    assert change_speaker(admin_client, hamid, photo=hall.pk, upload_event=event.pk).status_code == 302

    hamid.refresh_from_db()
    assert hamid.photo == hall
    services.entry_delete(entry=entry, by=alice)  # the photo stays: it is a portrait now
    services.entry_create(event=event, by=alice, speaker=hamid, body="Again.")
    (img,) = attrs(client.get("/events/summit/speakers/").content.decode(), "portrait")
    assert img["src"] == hall.src


def test_a_file_that_is_no_photo_is_refused_saying_why_and_keeps_what_was_typed(admin_client, event, alice):
    hamid = services.speaker_get_or_create(name="Mr. Hamid Moaser")
    services.entry_create(event=event, by=alice, speaker=hamid, body="Here.")
    upload = BytesIO(b"%PDF-1.4 not a photo")
    upload.name = "cv.pdf"

    response = change_speaker(
        admin_client, hamid, title="Spokesman of the families", upload=upload, upload_event=event.pk
    )

    page = response.content.decode()
    assert response.status_code == 200 and "This file is a PDF, not a photo." in page
    assert 'value="Spokesman of the families"' in page
    hamid.refresh_from_db()
    assert hamid.title == "" and hamid.photo is None
