"""Finding the speaker an editor means: by name, whatever the accents, the case, the honorific,
or one slip of the keyboard. A typo must find the person, never make a second one."""

import unicodedata

from liveblog.models import Speaker
from liveblog.reports.parser import split_honorific

SUGGESTIONS = 8


def fold(text: str) -> str:
    """A name as compared: no accents, no case, no punctuation, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    cleaned = "".join(c if c.isalnum() else " " for c in letters.casefold())
    return " ".join(cleaned.split())


def name_key(text: str) -> str:
    """The folded name without its honorific or title: "Ms. Faridéh GOUDARZI" → "farideh goudarzi"."""
    name = split_honorific(text.split(",", 1)[0])[1]
    return fold(name)


def known(text: str) -> Speaker | None:
    """The speaker ``text`` names exactly (accents, case and honorific aside), if any."""
    key = name_key(text)
    if not key:
        return None
    return next((speaker for speaker in Speaker.objects.all() if name_key(speaker.name) == key), None)


def suggest(query: str, *, limit: int = SUGGESTIONS) -> list[Speaker]:
    """Known speakers for what was typed, best first: the same name, then names holding the
    words typed (from their start), then names one or two slips away (a letter missing, added,
    changed or two swapped: two allowed from ten letters on)."""
    key = name_key(query)
    if not key:
        return list(Speaker.objects.order_by("name")[:limit])
    ranked = []
    for speaker in Speaker.objects.all():
        rank = _rank(key, name_key(speaker.name))
        if rank is not None:
            ranked.append((rank, speaker.name.casefold(), speaker))
    ranked.sort(key=lambda item: item[:2])
    return [speaker for _, _, speaker in ranked[:limit]]


def _rank(typed: str, name: str) -> int | None:
    if typed == name:
        return 0
    words = name.split()
    if all(any(word.startswith(part) for word in words) for part in typed.split()):
        return 1
    if typed in name:
        return 2
    allowed = 2 if len(typed) >= 10 else 1
    if _distance(typed, name, allowed) <= allowed:
        return 3
    # One word typed, close to one of the name's ("Goudarzy").
    if " " not in typed and len(typed) >= 4 and any(_distance(typed, word, 1) <= 1 for word in words):
        return 4
    return None


def _distance(a: str, b: str, limit: int) -> int:
    """Edit distance with adjacent swaps (optimal string alignment), or limit + 1 once over it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = char_a != char_b
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]
