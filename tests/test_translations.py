"""Entries and events in other languages: a translator (tomas, into French) on the summit's desk,
its editor (alice), an editor of another event (bob); what readers, frames, the API, the feed
and the exports carry."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from liveblog import services, translations
from liveblog.models import Change, Entry
from tests import test_html_valid
from tests.conftest import token_client
from tests.test_html_valid import errors

BODY = "The mayor of Berlin opens the **summit**."
validator = test_html_valid.vnu  # the Nu Html Checker (vnu.jar): a fixture
FRENCH = "La maire de Berlin ouvre le **sommet**."


@pytest.fixture
def tomas(db, event, django_user_model):
    """A translator of the summit, into French only."""
    user = django_user_model.objects.create_user("tomas", password="tomas-password")
    services.desk_set_role(event=event, user=user, role="translator", languages=["fr"])
    return user


@pytest.fixture
def entry(event, alice) -> Entry:
    return services.entry_create(event=event, by=alice, headline="Opening", body=BODY)


def put(client, entry_id, language="fr", **data):
    return client.put(f"/api/entries/{entry_id}/translations/{language}/", data, format="json")


def last_frame(event) -> dict:
    return json.loads(Change.objects.filter(event=event).latest("seq").frame)


# Services and frames ---------------------------------------------------------------------------


def test_it_sends_every_translation_to_readers_in_the_entrys_frame(entry, tomas):
    translations.translation_save(entry=entry, language="fr", headline="Ouverture", body=FRENCH, by=tomas)

    frame = last_frame(entry.event)
    assert frame["type"] == "entry.updated"
    assert frame["entry"]["language"] == "en"
    french = frame["entry"]["translations"]["fr"]
    assert french["headline"] == "Ouverture"
    assert french["html"] == "<p>La maire de Berlin ouvre le <strong>sommet</strong>.</p>"
    assert french["stale"] is False
    assert Change.objects.filter(entry=entry).latest("seq").actor == tomas


def test_it_marks_a_translation_out_of_date_once_the_original_changes(entry, alice, tomas):
    translations.translation_save(entry=entry, language="fr", headline="Ouverture", body=FRENCH, by=tomas)

    services.entry_update(entry=entry, by=alice, body=BODY + " Applause.")

    assert last_frame(entry.event)["entry"]["translations"]["fr"]["stale"] is True
    translations.translation_save(
        entry=entry, language="fr", headline="Ouverture", body=FRENCH + " Applaudissements.", by=tomas
    )
    assert last_frame(entry.event)["entry"]["translations"]["fr"]["stale"] is False


def test_a_removed_translation_leaves_every_frame_of_the_entry(entry, alice):
    translations.translation_save(entry=entry, language="de", headline="", body="Die Eröffnung.", by=alice)
    assert translations.translation_delete(entry=entry, language="de", by=alice)

    for change in Change.objects.filter(entry=entry):
        assert "Eröffnung" not in change.frame
    assert not translations.translation_delete(entry=entry, language="de", by=alice)


def test_it_refuses_a_translation_into_the_originals_language_or_an_unknown_one(entry, alice):
    with pytest.raises(ValidationError, match="written in English already"):
        translations.translation_save(entry=entry, language="en", headline="", body="x", by=alice)
    with pytest.raises(ValidationError, match="No language “xx”"):
        translations.translation_save(entry=entry, language="xx", headline="", body="x", by=alice)


def test_event_title_and_summary_translations_go_out_in_event_updated(event, alice):
    services.event_update(event=event, by=alice, translations={"fr": {"title": "Le Sommet", "summary": ""}})

    frame = last_frame(event)
    assert frame["type"] == "event.updated"
    assert frame["event"]["translations"] == {"fr": {"title": "Le Sommet", "summary": ""}}
    with pytest.raises(ValidationError):
        services.event_update(event=event, by=alice, translations={"en": {"title": "Summit"}})


# Who may translate ----------------------------------------------------------------------------


def test_a_translator_translates_but_changes_no_original(entry, tomas, api):
    client = token_client(tomas)

    response = put(client, entry.pk, headline="Ouverture", body=FRENCH)
    assert response.status_code == 201, response.content
    assert response.json()["html"].startswith("<p>La maire")

    edit = client.patch(f"/api/entries/{entry.pk}/", {"body": "Changed"}, format="json", HTTP_IF_MATCH='"1"')
    assert edit.status_code == 403
    assert put(client, entry.pk, "de", body="Die Eröffnung.").status_code == 403  # French only
    assert client.post("/api/events/summit/entries/", {"body": "Mine"}, format="json").status_code == 403
    assert put(api, entry.pk, body=FRENCH).status_code in (401, 403)


def test_a_translator_of_one_event_cannot_translate_another(tomas, other_event, bob):
    theirs = services.entry_create(event=other_event, by=bob, body="Toronto opens.")

    assert put(token_client(tomas), theirs.pk, body="Toronto ouvre.").status_code == 403


def test_create_editor_makes_a_translator(event, capsys):
    call_command("create_editor", "tina", "--event", "summit", "--role", "translator", "--languages", "fr,de")

    assert "tina (created) is a translator of summit, into fr, de." in capsys.readouterr().out
    assert event.translators.get().languages == "fr,de"


# The API --------------------------------------------------------------------------------------


def test_entries_carry_their_translations_and_lang_picks_one(entry, alice, api):
    put(token_client(alice), entry.pk, headline="Ouverture", body=FRENCH)

    listed = api.get("/api/events/summit/entries/?lang=fr").json()["results"][0]
    assert listed["language"] == "fr"
    assert listed["headline"] == "Ouverture" and listed["body"] == FRENCH
    assert 'lang="fr"' in listed["html"] and "La maire de Berlin" in listed["html"]
    assert listed["translations"]["fr"]["stale"] is False
    original = api.get(f"/api/entries/{entry.pk}/?lang=de").json()
    assert original["language"] == "en" and original["headline"] == "Opening"


def test_a_translation_saved_meanwhile_is_a_conflict(entry, alice, tomas):
    first = put(token_client(tomas), entry.pk, body=FRENCH, based_on="").json()
    put(token_client(alice), entry.pk, body="Autre texte.")

    late = put(token_client(tomas), entry.pk, body="Mon texte.", based_on=first["updated_at"])

    assert late.status_code == 409
    assert late.json()["current"]["body"] == "Autre texte."


def test_an_empty_or_oversized_translation_is_refused_with_a_reason(entry, alice):
    client = token_client(alice)

    assert put(client, entry.pk, body="").json() == {"body": ["Write the translated text."]}
    huge = put(client, entry.pk, body="&" * 15000)  # 75 KB once escaped
    assert huge.status_code == 400 and "KB" in huge.json()["body"][0]
    assert not entry.translations.exists()


# Readers --------------------------------------------------------------------------------------


def test_a_french_reader_sees_the_french_text_with_the_original_one_click_away(entry, alice, client):
    translations.translation_save(entry=entry, language="fr", headline="Ouverture", body=FRENCH, by=alice)
    services.entry_create(event=entry.event, by=alice, body="Untranslated words.")

    page = client.get("/events/summit/?lang=fr").content.decode()

    assert '<h3 class="entry__headline" lang="fr" dir="ltr" data-translation>Ouverture</h3>' in page
    assert 'lang="en" dir="ltr" data-original hidden>Opening</h3>' in page
    assert 'aria-pressed="false">Original (English)</button>' in page
    assert '<span class="entry__untranslated">' in page
    english = client.get("/events/summit/?lang=en").content.decode()
    assert "Ouverture" not in english and "entry__untranslated" not in english


def test_a_persian_translation_is_marked_right_to_left(entry, alice, client):
    translations.translation_save(entry=entry, language="fa", headline="", body="شهردار برلین.", by=alice)

    page = client.get("/events/summit/?lang=fa").content.decode()

    assert 'lang="fa" dir="rtl" data-translation><p>شهردار برلین.</p>' in page


# Everywhere the text goes -----------------------------------------------------------------------


def test_the_atom_feed_in_french_carries_the_french_text(entry, alice, client):
    translations.translation_save(entry=entry, language="fr", headline="Ouverture", body=FRENCH, by=alice)
    services.event_update(event=entry.event, by=alice, translations={"fr": {"title": "Le Sommet"}})

    feed = client.get("/events/summit/feed/?lang=fr").content.decode()

    assert 'xml:lang="fr"' in feed and "<title>Le Sommet</title>" in feed
    assert "<title>Ouverture</title>" in feed and "La maire de Berlin" in feed
    english = client.get("/events/summit/feed/").content.decode()
    assert "<title>Opening</title>" in english and "Ouverture" not in english


def test_export_in_french_gives_the_translations_and_the_originals_elsewhere(entry, alice, capsys):
    translations.translation_save(entry=entry, language="fr", headline="Ouverture", body=FRENCH, by=alice)
    services.entry_create(event=entry.event, by=alice, body="Untranslated words.")

    call_command("export_report", "summit", "--format", "json", "--lang", "fr")

    document = json.loads(capsys.readouterr().out)
    assert document["event"]["language"] == "fr"
    first, second = document["entries"]
    assert (first["headline"], first["body"], first["language"]) == ("Ouverture", FRENCH, "fr")
    assert (second["body"], second["language"]) == ("Untranslated words.", "en")
    call_command("export_report", "summit", "--format", "markdown", "--lang", "fr")
    assert "### Ouverture" in capsys.readouterr().out


def test_the_page_tells_search_engines_and_link_previews_its_language(entry, alice, client):
    translations.translation_save(entry=entry, language="fr", headline="Ouverture", body=FRENCH, by=alice)
    services.entry_create(event=entry.event, by=alice, body="Untranslated words.")

    page = client.get("/events/summit/?lang=fr").content.decode()

    data = json.loads(page.split('<script type="application/ld+json">')[1].split("</script>")[0])
    assert data["inLanguage"] == "fr"
    updates = {update["headline"]: update["inLanguage"] for update in data["liveBlogUpdate"]}
    assert updates["Ouverture"] == "fr"
    assert [language for headline, language in updates.items() if headline != "Ouverture"] == ["en"]
    assert '<meta property="og:locale" content="fr_FR">' in page
    assert '<meta property="og:locale:alternate" content="fa_IR">' in page
    assert 'href="/events/summit/feed/?lang=fr"' in page


def test_an_untranslated_event_title_is_marked_as_english_on_a_persian_page(event, client):
    page = client.get("/events/summit/?lang=fa").content.decode()

    assert '<h1 lang="en" dir="ltr">Summit</h1>' in page


# The translation desk and the console --------------------------------------------------------


def test_the_translation_desk_shows_each_original_beside_its_translation(entry, tomas, client):
    translations.translation_save(entry=entry, language="fr", headline="Ouverture", body=FRENCH, by=tomas)
    services.entry_update(entry=entry, by=entry.author, body=BODY + " Applause.")
    client.force_login(tomas)

    assert client.get("/events/summit/console/")["Location"] == "/events/summit/console/translate/"
    page = client.get("/events/summit/console/translate/?into=de").content.decode()

    row = page.split(f'id="translate-{entry.pk}"')[1].split("</li>")[0]
    assert "Applause." in row  # the original, as it now is
    assert 'value="Ouverture"' in row and FRENCH in row  # into French: tomas translates into French only
    assert '<p class="translate-pair__stale">' in row  # not hidden: the original changed since


def test_the_translation_desk_is_for_the_events_editors_and_translators(entry, bob, carol, client):
    for user in (bob, carol):
        client.force_login(user)
        assert client.get("/events/summit/console/translate/").status_code == 403


def test_the_console_exports_a_translated_report(entry, alice, client):
    translations.translation_save(
        entry=entry, language="de", headline="Eröffnung", body="Die Eröffnung.", by=alice
    )
    client.force_login(alice)

    response = client.get("/events/summit/console/export.markdown?language=de")

    assert response["Content-Disposition"] == 'attachment; filename="summit.de.md"'
    assert "### Eröffnung" in response.content.decode()
    console = client.get("/events/summit/console/").content.decode()
    assert 'href="/events/summit/console/export.markdown?language=fa"' in console


def test_key_moments_are_listed_in_the_readers_language(entry, alice, client):
    services.entry_set_flags(entry=entry, by=alice, key_moment=True)
    translations.translation_save(entry=entry, language="fr", headline="", body=FRENCH, by=alice)

    page = client.get("/events/summit/?lang=fr").content.decode()

    key_moments = page.split('id="key-heading"')[1].split("</ol>")[0]
    assert 'lang="fr">La maire de Berlin ouvre le sommet.</span>' in key_moments


def test_the_pages_with_translations_are_valid_html(entry, alice, tomas, client, tmp_path, validator):
    persian = "شهردار برلین."
    translations.translation_save(entry=entry, language="fa", headline="گشایش", body=persian, by=alice)
    translations.translation_save(entry=entry, language="fr", headline="Ouverture", body=FRENCH, by=tomas)
    services.entry_update(entry=entry, by=alice, body=BODY + " Applause.")  # the French one is stale
    services.entry_create(event=entry.event, by=alice, body="Untranslated words.")
    client.force_login(alice)
    pages = {
        "reader-fr": client.get("/events/summit/?lang=fr").content.decode(),
        "reader-fa": client.get("/events/summit/?lang=fa").content.decode(),
        "permalink-fr": client.get(f"/events/summit/entries/{entry.pk}/?lang=fr").content.decode(),
        "desk": client.get("/events/summit/console/translate/?into=fr").content.decode(),
        "console": client.get("/events/summit/console/?lang=en").content.decode(),
    }
    assert "peut-être pas à jour" in pages["reader-fr"] or "may be out of date" in pages["reader-fr"]

    assert errors(validator, pages, tmp_path) == []


def test_an_entry_written_in_persian_is_marked_so_for_every_reader(event, alice, client):
    response = token_client(alice).post(
        "/api/events/summit/entries/", {"body": "سالن برلین پر است.", "language": "fa"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["language"] == "fa"

    page = client.get("/events/summit/?lang=en").content.decode()

    assert '<div class="entry__body" lang="fa" dir="rtl"><p>سالن برلین پر است.</p></div>' in page
    assert '<span class="entry__untranslated">' in page  # to an English reader
    refused = token_client(alice).post(
        "/api/events/summit/entries/", {"body": "x", "language": "xx"}, format="json"
    )
    assert refused.status_code == 400 and "language" in refused.json()


def test_a_permalink_shared_in_french_previews_the_french_text(entry, alice, client):
    translations.translation_save(entry=entry, language="fr", headline="Ouverture", body=FRENCH, by=alice)

    page = client.get(f"/events/summit/entries/{entry.pk}/?lang=fr").content.decode()

    assert '<meta property="og:description" content="La maire de Berlin ouvre le sommet.">' in page
    assert "— Ouverture" in page.split('property="og:title"')[1].split(">")[0]
    assert '<meta property="og:locale" content="fr_FR">' in page
