"""Speakers in templates: the link to a speaker's page in an event, and their portrait."""

import zlib

from django import template

from liveblog import directory
from liveblog.models import Entry, Media, Speaker
from liveblog.reports.parser import NAME_PARTICLES

register = template.Library()
PARTICLES = NAME_PARTICLES | {"of"}
SHADES = 8  # .portrait--shade-0 to -7 in speakers.css: the page's policy allows no inline style


@register.filter
def speaker_url(entry: Entry) -> str:
    """The page of the entry's speaker in its event; "" for an entry readers do not see (a
    preview, a draft): its speaker may not have spoken in the event yet."""
    speaker = entry.speaker
    if speaker is None or speaker.pk is None or not entry.pk or not entry.is_visible:
        return ""
    return directory.speaker_url(entry.event.slug, speaker)


@register.filter
def portrait(speaker: Speaker) -> Media | None:
    return directory.portrait(speaker)


@register.filter
def initials(speaker: Speaker) -> str:
    """Up to two letters for a speaker without a photo: the first and last words of the name
    that are not particles ("Alton of Liverpool" → "AL", "Alejo Vidal-Quadras" → "AV")."""
    words = [w for w in speaker.name.split() if w.casefold() not in PARTICLES]
    words = words or speaker.name.split()
    letters = [word[0] for word in (words[:1] + words[1:][-1:])]
    return "".join(letters).upper()


@register.filter
def shade(speaker: Speaker) -> int:
    """A background of the speaker's own for their initials: the same on every page."""
    return zlib.crc32(speaker.name.encode()) % SHADES
