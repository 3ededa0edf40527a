"""Entries and events in other languages: who may translate, the writes (each a Change, so
readers get the translation live), and what a reader in one language is shown.

A translation remembers a fingerprint of the original it was made from (``source``): once the
original's headline or body changes, the translation "may be out of date" until it is saved again.
"""

import functools
import hashlib
import html
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation as i18n
from django.utils.html import strip_tags
from django.utils.translation import gettext

from liveblog import languages
from liveblog.models import Change, Entry, EntryTranslation, Event, Translator
from liveblog.rendering import check_size, render_markdown

NAMES = dict(languages.LANGUAGES)
EVENT_FIELDS = ("title", "summary")


class NotATranslator(Exception):
    """The user may not translate this event's entries, or not into this language."""


def original_language(entry: Entry) -> str:
    """What the entry is written in: its own language, else its event's."""
    return entry.language or entry.event.language


def direction(language: str) -> str:
    return "rtl" if language in languages.RIGHT_TO_LEFT else "ltr"


def known(language: str | None) -> str | None:
    """``language`` if Liveblog speaks it (a reader's ?lang=, a command's --lang), else None."""
    return language if language in NAMES else None


def fingerprint(headline: str, body: str) -> str:
    """What a translation was made from: the original's headline and body, hashed."""
    return hashlib.sha256(f"{headline}\x00{body}".encode()).hexdigest()


def is_stale(item: EntryTranslation, entry: Entry) -> bool:
    """The original changed after the translation was made: it may be out of date."""
    return item.source != fingerprint(entry.headline, entry.body)


# Who may translate ---------------------------------------------------------------------------


def may_translate(event: Event, user, language: str | None = None) -> bool:
    """The event's editors (staff included) translate into any language; its translators into
    theirs (all, when their languages name none)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if event.is_editor(user):
        return True
    translator = Translator.objects.filter(event=event, user=user).first()
    if translator is None:
        return False
    return language is None or language in translator_languages(translator) or not translator.languages


def translator_languages(translator: Translator) -> list[str]:
    return [code.strip() for code in translator.languages.split(",") if code.strip()]


def check_languages(codes: list[str]) -> str:
    """A translator's languages as stored ("fr,de"), or ValidationError naming the unknown one."""
    unknown = [code for code in codes if code not in NAMES]
    if unknown:
        choices = ", ".join(NAMES)
        raise ValidationError(f"No language “{unknown[0]}”: choose among {choices}.")
    return ",".join(dict.fromkeys(codes))


# Writes ----------------------------------------------------------------------------------------


def _check_language(entry: Entry, language: str) -> None:
    if language not in NAMES:
        raise ValidationError({"language": f"No language “{language}”: choose among {', '.join(NAMES)}."})
    if language == original_language(entry):
        raise ValidationError({"language": f"This entry is written in {NAMES[language]} already."})


def translation_save(
    *, entry: Entry, language: str, headline: str, body: str, by, expected_updated_at: str | None = None
) -> EntryTranslation:
    """Add or replace the entry's translation into ``language``, made from the original as it is
    now. ``expected_updated_at``: the translation's ``updated_at`` the translator started from
    ("" for none yet); another's save in between raises StaleTranslation. Readers get the entry
    again, with every translation, in one ``entry.updated``."""
    from liveblog import services  # services imports frames, which read translations from here

    _check_language(entry, language)
    with transaction.atomic():
        current = services._locked_entry(entry, None)
        item = current.translations.filter(language=language).first()
        _check_expected(item, expected_updated_at)
        item = item or EntryTranslation(entry=current, language=language)
        item.headline, item.body = headline, body
        item.body_html = check_size(render_markdown(body))
        item.source = fingerprint(current.headline, current.body)
        item.translated_by = services._actor(by)
        item.full_clean(exclude=["entry", "translated_by"], validate_constraints=False)
        item.save()
        _announce(current, by=by)
        return item


@transaction.atomic
def translation_delete(*, entry: Entry, language: str, by) -> bool:
    """Take the entry's translation into ``language`` away; False if it had none."""
    from liveblog import services

    current = services._locked_entry(entry, None)
    deleted, _ = current.translations.filter(language=language).delete()
    if deleted:
        _announce(current, by=by)
    return bool(deleted)


class StaleTranslation(Exception):
    """The translation changed since the translator read it."""

    def __init__(self, item: EntryTranslation | None):
        super().__init__("This translation was changed by someone else.")
        self.item = item


def _check_expected(item: EntryTranslation | None, expected: str | None) -> None:
    if expected is None:
        return
    now = item.updated_at.isoformat() if item else ""
    if expected != now:
        raise StaleTranslation(item)


def _announce(entry: Entry, *, by) -> None:
    """The entry's frame again, with its translations as they now are; its earlier frames too,
    so that a replay never brings back a translation taken away."""
    from liveblog import services

    fresh = Entry.objects.for_display().get(pk=entry.pk)
    if not fresh.is_visible:
        return  # a draft's translation: readers hear of it when it is published
    change = services._append_change(event=fresh.event, type=Change.Type.ENTRY_UPDATED, by=by, entry=fresh)
    services.rewrite_history(fresh, change=change)


def clean_event_translations(value: Any, own: str) -> dict[str, dict[str, str]]:
    """An event's ``translations`` as given to event_update: {"fr": {"title", "summary"}}, with
    known languages other than the event's own (``own``), and text only."""
    if not isinstance(value, dict):
        raise ValidationError({"translations": 'Give {"fr": {"title": "…", "summary": "…"}}.'})
    cleaned: dict[str, dict[str, str]] = {}
    for language, fields in value.items():
        if language not in NAMES or language == own:
            raise ValidationError({"translations": f"No other language “{language}” to translate into."})
        if not isinstance(fields, dict) or not set(fields) <= set(EVENT_FIELDS):
            raise ValidationError({"translations": "Each language has a title and a summary only."})
        if not all(isinstance(text, str) for text in fields.values()):
            raise ValidationError({"translations": "A title and a summary are text."})
        if len(fields.get("title", "")) > 200:
            raise ValidationError({"translations": "A title has at most 200 characters."})
        texts = {name: fields.get(name, "").strip() for name in EVENT_FIELDS}
        if any(texts.values()):
            cleaned[language] = texts
    return cleaned


# What readers see ------------------------------------------------------------------------------


def translations_payload(entry: Entry) -> dict[str, dict[str, Any]]:
    """Every translation of the entry, by language, as frames and the API carry them."""
    return {
        item.language: {
            "headline": item.headline,
            "body": item.body,
            "html": item.body_html,
            "stale": is_stale(item, entry),
            "updated_at": item.updated_at.isoformat(),
        }
        for item in entry.translations.all()
    }


def event_text(event: Event, language: str | None) -> dict[str, str]:
    """The event's title and summary in ``language``, each where translated, else the original."""
    own = (event.translations or {}).get(language or "", {})
    return {name: own.get(name) or getattr(event, name) for name in EVENT_FIELDS}


@dataclass(frozen=True)
class Reading:
    """An entry as a reader of one language is shown it."""

    original: str  # the language it is written in
    original_dir: str
    reader: str | None = None
    translation: EntryTranslation | None = None
    stale: bool = False
    untranslated: bool = False  # the reader's language differs, and there is no translation

    @property
    def language(self) -> str:
        return self.translation.language if self.translation else self.original

    @property
    def dir(self) -> str:
        return direction(self.language)

    @property
    def labels(self) -> dict[str, Any]:
        return labels(self.reader or languages.DEFAULT)

    @property
    def original_label(self) -> str:
        return self.labels["original"][self.original]


def reading(entry: Entry, reader: str | None) -> Reading:
    """``reader``: the reader's language; None where the text goes to every reader (frames)."""
    original = original_language(entry)
    base = Reading(original=original, original_dir=direction(original), reader=reader)
    if reader is None or reader == original or not entry.pk:
        return base
    item = next((t for t in entry.translations.all() if t.language == reader), None)
    if item is None:
        return replace(base, untranslated=True)
    return replace(base, translation=item, stale=is_stale(item, entry))


@functools.cache
def labels(reader: str) -> dict[str, Any]:
    """What the page says around translated entries, in the reader's language: the script
    uses the same words for entries that arrive live."""
    with i18n.override(reader):
        return {
            "original": {code: original_label(code) for code in NAMES},
            "translated": gettext("Translated"),
            "stale": gettext("may be out of date"),
            "untranslated": gettext("Not translated"),
        }


def original_label(language: str) -> str:
    """“Original (English)”: the button that shows the text as it was written, naming its
    language as its speakers do (as the language switcher does)."""
    return gettext("Original (%(language)s)") % {"language": NAMES.get(language, language)}


def reader_language(request, event: Event) -> str:
    """The language a page reads in: the one asked for (?lang=), else the one the request was
    resolved to (the locale middleware: cookie, Accept-Language), else the event's."""
    asked = known(request.GET.get("lang"))
    resolved = known((getattr(request, "LANGUAGE_CODE", None) or "").split("-")[0])
    return asked or resolved or event.language


def show_event_in(event: Event, language: str) -> Event:
    """The event, its title and summary in ``language`` where translated: for one page's render
    (never saved). ``title_lang`` and ``summary_lang`` (and ``_dir``) say what each is in, for
    the page's ``lang`` and ``dir`` attributes."""
    own = (event.translations or {}).get(language, {})
    for name in EVENT_FIELDS:
        shown = language if own.get(name) else event.language
        setattr(event, name, own.get(name) or getattr(event, name))
        setattr(event, f"{name}_lang", shown)
        setattr(event, f"{name}_dir", direction(shown))
    return event


def in_language(payload: dict[str, Any], entry: Entry, language: str | None) -> dict[str, Any]:
    """An entry's payload for the API's ?lang=: its headline, body and html (the entry as a
    reader of ``language`` sees it) in that language where translated; ``language`` says which."""
    item = next((t for t in entry.translations.all() if t.language == language), None)
    if item is None or language == payload.get("language"):
        return payload
    shown = render_to_string("liveblog/_entry.html", {"entry": entry, "reader_language": language})
    return {**payload, "language": language, "headline": item.headline, "body": item.body, "html": shown}


OG_LOCALES = {"en": "en_GB", "fr": "fr_FR", "de": "de_DE", "fa": "fa_IR"}


def og_locales(language: str) -> list[str]:
    """OpenGraph's ``og:locale`` of a page in ``language`` first, then the others it is
    offered in (``og:locale:alternate``)."""
    return [OG_LOCALES[language], *(OG_LOCALES[code] for code in NAMES if code != language)]


def plain_text(html_text: str) -> str:
    """A translation's words as plain text, as Entry.text gives an original's."""
    return " ".join(html.unescape(strip_tags(html_text)).split())
