"""Read minute-by-minute live reports as they were copied off web pages.

A report is a run of entries. Each opens with a header line such as
``1703: Paris: Mrs. Maryam Rajavi, the President-elect of ...`` (time, then an optional city,
then an optional speaker, then optionally the first words of the text) and goes on with
paragraphs of text until the next header. Site navigation before the first header and after
the last paragraph is dropped.

Plain text processing only, with no Django import, so the importer, the exporter and the tests
share it. Every step is linear in the size of the text: reports are pasted by people, and a
pasted page can hold anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import time

__all__ = [
    "ParseResult",
    "ParsedEntry",
    "Problem",
    "ReportParseError",
    "Speaker",
    "format_entry",
    "parse_report",
    "split_speaker",
]


class ReportParseError(ValueError):
    """The text cannot be read as a report at all (it holds no entries)."""


@dataclass(frozen=True)
class Speaker:
    honorific: str
    name: str
    title: str

    def display(self) -> str:
        """Header text that `split_speaker` reads back into this same speaker."""
        person = " ".join(part for part in (self.honorific, self.name) if part)
        return ", ".join(part for part in (person, self.title) if part)


@dataclass(frozen=True)
class ParsedEntry:
    line: int
    time: time
    day_offset: int
    timezone_abbr: str
    city: str
    speaker: Speaker | None
    body: str


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


@dataclass(frozen=True)
class ParseResult:
    entries: list[ParsedEntry]
    problems: list[Problem]


# --- vocabulary -----------------------------------------------------------------------------

_HONORIFICS = (
    "Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Professor", "Bishop", "Archbishop", "Cardinal",
    "Baroness", "Baron", "Lord", "Lady", "Viscount", "Viscountess", "Earl", "Countess", "Sir", "Dame",
    "Senator", "Sen", "Rep", "Congressman",
    "Congresswoman", "Mayor", "Ambassador", "Amb", "Judge", "Rev", "Revd", "Reverend", "Father", "Fr",
    "Pastor", "Imam", "Ayatollah", "Sheikh", "Rabbi", "Madam", "Madame", "Mme", "Mlle", "Monsieur",
    "General", "Gen", "Col", "Colonel", "Major", "Maj", "Capt", "Captain", "Lt", "Hon", "Rt",
)  # fmt: skip
_HONORIFIC_WORDS = frozenset(word.casefold() for word in _HONORIFICS)
# One honorific, dot optional, and the space after it: names need a word after their honorific.
_HONORIFIC_RE = re.compile(
    r"(?:{})\.?\s+".format("|".join(sorted(_HONORIFICS, key=len, reverse=True))), re.IGNORECASE
)

# Words that open a title run on after a name ("Jean Francois Legaret Mayour of ..."). Mayour is
# in the list because it is how the sample spells Mayor.
_TITLE_WORDS = frozenset((
    "mayor", "mayour", "president", "vice", "member", "senator", "minister", "chair", "chairman",
    "chairwoman", "chairperson", "head", "director", "leader", "secretary", "spokesperson", "spokesman",
    "spokeswoman", "representative", "ambassador", "governor", "councillor", "councilor", "deputy",
    "former", "professor", "founder", "co", "ex", "editor", "author", "chief", "executive",
    "commissioner", "coordinator", "activist", "journalist", "lawyer", "attorney", "chancellor",
    "premier", "envoy", "rapporteur", "official", "officer", "adviser", "advisor", "manager",
    "candidate", "delegate", "prime", "mp", "mep", "msp", "qc", "kc", "ceo",
))  # fmt: skip
# Letters after a name that are titles even at the very end ("John Smith MP").
_POSTNOMINALS = frozenset(("mp", "mep", "msp", "qc", "kc", "obe", "mbe", "cbe"))
# Lowercase words that may open a title; other lowercase words after a bare name read as a verb.
_TITLE_OPENERS = _TITLE_WORDS | frozenset((
    "the", "a", "an", "of", "for", "from", "acting", "retired", "honorary", "senior",
))  # fmt: skip
NAME_PARTICLES = frozenset((
    "de", "da", "di", "del", "della", "der", "den", "van", "von", "du", "des", "la", "le", "bin",
    "bint", "ibn", "al", "el", "ter", "ten", "dos", "das", "y", "zu",
))  # fmt: skip
_PLACE_PARTICLES = frozenset((
    "de", "da", "di", "del", "der", "am", "an", "im", "on", "upon", "sur", "en", "la", "le", "les", "of",
))  # fmt: skip
_ABBREVIATIONS = frozenset((
    "jr", "sr", "st", "ste", "mt", "ft", "hon", "rt", "esq", "inc", "ltd", "co", "corp", "univ", "dept",
    "no", "ph.d",
))  # fmt: skip

_MAX_SPEAKER_CHARS = 300  # a speaker segment longer than this is always prose
_MAX_SPEAKER_WORDS = 25
_MAX_WORDS_BEFORE_COMMA = 12
_MAX_NAME_WORDS = 6
_MAX_CITY_CHARS = 100

# --- regular expressions --------------------------------------------------------------------
# Every pattern is anchored or made of fixed-width alternatives, so none of them can backtrack
# quadratically on a long line.

_TIME_RE = re.compile(
    r"\s*(?P<stamp>(?P<hhmm>\d{4})(?!\d)"
    r"|(?P<hour>\d{1,2})(?:[:.h](?P<minute>\d{2}))?(?!\d)(?:\s*(?P<ampm>(?i:[ap]\.?m\b\.?)))?)"
    r"(?:\s+(?P<tz>(?:UTC|GMT)(?:[+-]\d{1,2}(?::?\d{2})?)?|[A-Z]{1,4}T|MSK)(?![\w+]))?"
)
_AFTER_TIME_RE = re.compile(r"\s*(?:[:—–]|-(?=\s|$))")
# A colon only separates when a space follows, so "http://" or "10:30" inside a header survive;
# a hyphen only with spaces round it, so "Jean-Paul" stays one name.
_SEPARATOR_RE = re.compile(r"[—–]|:(?=\s|$)|(?<=\s)-(?=\s|$)")
_PARENTHESES_RE = re.compile(r"\([^()]*\)")
_INITIALS_RE = re.compile(r"(?:[^\W\d_]\.)+")
_PLACE_WORD_RE = re.compile(r"(?:St|Ste|Mt|Ft)\.|[^\W\d_][^\W_]*(?:['’-][^\W_]+)*")
_ATTACHED_PARTICLE_RE = re.compile(r"(?!ex|co)[a-z]{1,3}['’-]")
_SUFFIX_RE = re.compile(r"\s*(?:Jr|Sr|II|III|IV)\b\.?\s*(?:,|$)")
_WORD_RE = re.compile(r"\S+")
_CHROME_RE = re.compile(
    r"(?:exit mobile version|share this|share on|related (?:posts|articles|stories|news)|"
    r"you may also like|read more|read next|tags?:|tagged|categories:|category:|filed under|"
    r"posted (?:in|on)|leave a (?:comment|reply)|\d+ comments?|like this|loading\.\.\.|"
    r"(?:previous|next) (?:post|article)|back to top|copyright|©|all rights reserved|subscribe|"
    r"follow us|advertisement)(?!\w)",
    re.IGNORECASE,
)
_SENTENCE_MARK_RE = re.compile(r"[.!?…\"“”«»]")


# --- speakers -------------------------------------------------------------------------------


def split_speaker(text: str) -> Speaker:
    """Split "Mrs. Maryam Rajavi, the President-elect ..." into honorific, name and title.

    The title follows the first comma outside parentheses, or runs on after the name from the
    first lowercase word or title word ("Jean Francois Legaret Mayour of first arrondissment").
    Text is kept as written, so uncertain names such as "John Paul (?)" survive.
    """
    return _speaker_parts(text)[0]


def split_honorific(text: str) -> tuple[str, str]:
    """("Ms.", "Farideh Goudarzi") from "Ms. Farideh Goudarzi"; ("", text) when there is none."""
    text = text.strip()
    start = _honorific_end(text)
    return text[:start].strip(), text[start:].strip()


def _speaker_parts(text: str) -> tuple[Speaker, bool]:
    """The speaker, and whether its title ran on after the name without a comma."""
    text = text.strip()
    start = _honorific_end(text)
    honorific, rest = text[:start].strip(), text[start:]
    comma = _title_comma(rest)
    if comma >= 0:
        return Speaker(honorific, rest[:comma].strip(), rest[comma + 1 :].strip()), False
    cut = _run_on_title_start(rest)
    cut += _territorial_designation(honorific, rest[cut:])
    return Speaker(honorific, rest[:cut].strip(), rest[cut:].strip()), cut < len(rest)


# A peer's name ends with its place: "Lord Alton of Liverpool" is the name, not a title.
_PEERAGES = frozenset(("lord", "lady", "baron", "baroness", "viscount", "viscountess", "earl", "countess"))
_TERRITORIAL_RE = re.compile(r"\s*of(?:\s+(?:the\s+)?[A-Z][\w'’-]*)+")


def _territorial_designation(honorific: str, after_name: str) -> int:
    """How much of the text after a peer's name is their territorial designation."""
    words = honorific.replace(".", " ").split()
    if not words or words[-1].casefold() not in _PEERAGES:
        return 0
    match = _TERRITORIAL_RE.match(after_name)
    return match.end() if match else 0


def _honorific_end(text: str) -> int:
    # Several may stack ("Prof. Dr."); the pattern's trailing space keeps the last word a name.
    end = 0
    while match := _HONORIFIC_RE.match(text, end):
        end = match.end()
    return end


def _title_comma(text: str) -> int:
    """Index of the comma that starts the title, or -1. "King, Jr." is still the name."""
    depth = 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == "," and depth == 0 and not _SUFFIX_RE.match(text, index + 1):
            return index
    return -1


def _run_on_title_start(text: str) -> int:
    tokens = list(_WORD_RE.finditer(text))
    index = 1  # the first word is always part of the name
    while index < len(tokens):
        particles = _particle_run(tokens, index)
        if particles:
            index += particles
            continue
        if _opens_title(tokens[index].group(), is_last=index == len(tokens) - 1):
            return tokens[index].start()
        index += 1
    return len(text)


def _particle_run(tokens: list[re.Match[str]], index: int) -> int:
    """How many words from `index` are name particles leading to a name ("von der Leyen")."""
    for count in range(1, 4):  # bounded, so that a long run of "de de de" stays linear
        if index + count > len(tokens) or tokens[index + count - 1].group() not in NAME_PARTICLES:
            return 0
        if index + count < len(tokens) and tokens[index + count].group()[0].isupper():
            return count
    return 0


def _opens_title(word: str, *, is_last: bool) -> bool:
    base = _base_word(word)
    if base in _POSTNOMINALS:
        return True
    if word[0].islower():
        attached = _ATTACHED_PARTICLE_RE.match(word)  # "al-Maliki", "d'Estaing" are names
        return not (attached and word[attached.end() : attached.end() + 1].isupper())
    # A title word that ends the name is more likely a surname ("Mike Judge").
    return base in _TITLE_WORDS and not is_last


def _base_word(word: str) -> str:
    return word.strip(".,;:()\"'’“”").split("-")[0].casefold()


def _starts_title(title: str) -> bool:
    words = title.split(None, 1)
    return bool(words) and _base_word(words[0]) in _TITLE_OPENERS


def _is_abbreviation(word: str) -> bool:
    stem = word[:-1].casefold()
    return stem in _HONORIFIC_WORDS or stem in _ABBREVIATIONS or bool(_INITIALS_RE.fullmatch(word))


def _reads_as_sentence(segment: str) -> bool:
    """Prose rather than a name: long, or holding a sentence end that is not an abbreviation."""
    if len(segment) > _MAX_SPEAKER_CHARS:
        return True
    plain = _PARENTHESES_RE.sub(" ", segment)  # "(?)" marks an uncertain name, not a question
    words = plain.split()
    if len(words) > _MAX_SPEAKER_WORDS or len(plain.split(",", 1)[0].split()) > _MAX_WORDS_BEFORE_COMMA:
        return True
    for word in words:
        core = word.rstrip("\"'”’)]")
        if core and (core[-1] in "!?…" or (core[-1] == "." and not _is_abbreviation(core))):
            return True
    return False


def is_speaker_segment(segment: str) -> bool:
    if not segment or not segment[0].isupper() or _reads_as_sentence(segment):
        return False
    speaker, run_on = _speaker_parts(segment)
    if not 1 <= len(speaker.name.split()) <= _MAX_NAME_WORDS:
        return False
    # "Video Clip airs showing ..." is a bare name followed by a verb: prose, not a speaker.
    return bool(speaker.honorific) or not run_on or _starts_title(speaker.title)


# --- cities ---------------------------------------------------------------------------------


def _known_city_map(known_cities: Iterable[str]) -> dict[str, str]:
    cities = (" ".join(city.split()) for city in known_cities)
    return {city.casefold(): city for city in cities if city}


def _as_city(segment: str, known: dict[str, str]) -> str:
    """The city this segment names, spelt as in `known` when listed there, or ""."""
    if len(segment) > _MAX_CITY_CHARS:
        return ""
    words = segment.split()
    city = " ".join(words)
    if city.casefold() in known:
        return known[city.casefold()]
    return city if words and _looks_like_place(words) else ""


def _looks_like_place(words: list[str]) -> bool:
    """One to three capitalised words, allowing "Rio de Janeiro" and "Ashraf 3"."""
    first = _base_word(words[0])
    if len(words) > 5 or first in _HONORIFIC_WORDS or first in _TITLE_WORDS:
        return False
    capitalised = 0
    for index, word in enumerate(words):
        if word[0].isupper() and _PLACE_WORD_RE.fullmatch(word):
            capitalised += 1
        elif not (0 < index < len(words) - 1 and word in _PLACE_PARTICLES) and not (index and word.isdigit()):
            return False
    return 1 <= capitalised <= 3


# --- header lines ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Header:
    time: time
    timezone_abbr: str
    city: str
    speaker: Speaker | None
    inline: str  # text after the header segments: the first line of the body


@dataclass(frozen=True)
class _BadTime:
    stamp: str


def _read_header(line: str, known: dict[str, str]) -> _Header | _BadTime | None:
    """A header, a header-like line with an impossible time, or None for ordinary text."""
    match = _TIME_RE.match(line)
    if not match or not (match["hhmm"] or match["minute"] or match["ampm"]):
        return None  # a bare number such as "30" opens many sentences
    rest = _rest_after_stamp(line, match)
    if rest is None:
        return None
    clock = _clock(match)
    if clock is None:
        return _BadTime(match["stamp"]) if _meant_as_header(match, rest, known) else None
    city, speaker, inline = _read_segments(rest, known)
    return _Header(clock, match["tz"] or "", city, speaker, inline)


def _rest_after_stamp(line: str, match: re.Match[str]) -> str | None:
    after = line[match.end() :]
    separator = _AFTER_TIME_RE.match(after)
    if separator:
        return after[separator.end() :]
    # "17:03" alone on a line is a header; "1988" alone is more likely a year.
    return "" if not match["hhmm"] and not after.strip() else None


def _clock(match: re.Match[str]) -> time | None:
    if match["hhmm"]:
        hour, minute = int(match["hhmm"][:2]), int(match["hhmm"][2:])
    else:
        hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["ampm"][0] in "pP" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _meant_as_header(match: re.Match[str], rest: str, known: dict[str, str]) -> bool:
    """Whether a line with an impossible time was still meant to open an entry."""
    head, tail = _cut(rest)
    if _HONORIFIC_RE.match(head):
        return True
    if not _as_city(head, known):
        return False
    # Four bare digits are often a year ("1988: The Massacre"), so ask for a further segment.
    return not match["hhmm"] or tail is not None


def _cut(text: str) -> tuple[str, str | None]:
    """The first segment, stripped, and the raw text after its separator (None if none)."""
    separator = _SEPARATOR_RE.search(text)
    if separator is None:
        return text.strip(), None
    return text[: separator.start()].strip(), text[separator.end() :]


def _read_segments(rest: str, known: dict[str, str]) -> tuple[str, Speaker | None, str]:
    """City, speaker and inline body from the header text after the time."""
    city = ""
    head, tail = _cut(rest)
    if tail is not None and not head:
        rest = tail  # an empty first segment ("1703: : Name") says there is no city
    elif found := _as_city(head, known):
        city, rest = found, tail or ""
    head, tail = _cut(rest)
    if is_speaker_segment(head):
        return city, split_speaker(head), tail or ""
    return city, None, rest


# --- the whole report -----------------------------------------------------------------------


@dataclass
class _Block:
    header: _Header
    line: int
    lines: list[str] = field(default_factory=list)  # body lines, the header's inline text first


def parse_report(text: str, *, known_cities: Iterable[str] = ()) -> ParseResult:
    """Read a minute-by-minute report into entries, in document order, and problems.

    Raises ReportParseError when the text holds no entries at all.
    """
    lines = split_lines(text)
    blocks, problems = _collect_blocks(lines, _known_city_map(known_cities))
    if not blocks:
        raise ReportParseError(_no_entries_reason(lines, problems))
    blocks[-1].lines = _drop_trailing_chrome(blocks[-1].lines)
    offsets, order_problems = _day_offsets(blocks)
    entries = [_entry(block, offset) for block, offset in zip(blocks, offsets, strict=True)]
    problems += order_problems
    problems += [Problem(entry.line, "entry has no text") for entry in entries if not entry.body]
    problems.sort(key=lambda problem: problem.line)
    return ParseResult(entries=entries, problems=problems)


def split_lines(text: str) -> list[str]:
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _collect_blocks(lines: list[str], known: dict[str, str]) -> tuple[list[_Block], list[Problem]]:
    blocks: list[_Block] = []
    problems: list[Problem] = []
    current: _Block | None = None
    for number, line in enumerate(lines, start=1):
        found = _read_header(line, known)
        if isinstance(found, _Header):
            current = _Block(found, number, [found.inline])
            blocks.append(current)
        elif isinstance(found, _BadTime):
            problems.append(Problem(number, f"'{found.stamp}' is not a valid time; this entry was skipped"))
            current = None  # its text must not end up in the entry before it
        elif current is not None:
            current.lines.append(line)
    return blocks, problems


def _no_entries_reason(lines: list[str], problems: list[Problem]) -> str:
    if problems:
        return (
            f"no entries found: {len(problems)} header line(s) have an invalid time, "
            f"the first at line {problems[0].line}"
        )
    filled = sum(1 for line in lines if line.strip())
    if not filled:
        return "no entries found: the text is empty"
    return (
        f"no entries found: none of the {filled} non-blank line(s) starts with a time "
        "followed by a separator, such as '1703: Paris: Name', '17:03 — Paris' or '5:03 pm - Paris'"
    )


def _drop_trailing_chrome(lines: list[str]) -> list[str]:
    """The last entry's lines without the site navigation pasted after them."""
    first_text = next((index for index, line in enumerate(lines) if line.strip()), len(lines))
    floor = 1 if first_text == 0 else 0  # the header line's own text is never navigation
    end = len(lines)
    while end > floor:
        line = lines[end - 1].strip()
        if line and not _is_chrome(line, keeps_text=end - 1 > first_text):
            break
        end -= 1
    return lines[:end]


def _is_chrome(line: str, *, keeps_text: bool) -> bool:
    if len(line) > 200:
        return False
    words = line.split()
    if _CHROME_RE.match(line) and len(words) <= 15:
        return True
    # A short label is navigation only while some real text stays in the entry.
    return keeps_text and len(words) < 5 and not _SENTENCE_MARK_RE.search(line)


def _paragraphs(lines: list[str]) -> list[str]:
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append("\n".join(current).strip())
            current = []
    return paragraphs


def _entry(block: _Block, day_offset: int) -> ParsedEntry:
    header = block.header
    return ParsedEntry(
        line=block.line,
        time=header.time,
        day_offset=day_offset,
        timezone_abbr=header.timezone_abbr,
        city=header.city,
        speaker=header.speaker,
        body="\n\n".join(_paragraphs(block.lines)),
    )


# --- days -----------------------------------------------------------------------------------

_DAY = 24 * 60
_HALF_DAY = _DAY // 2


def _minutes(block: _Block) -> int:
    return block.header.time.hour * 60 + block.header.time.minute


def _runs_backwards(minutes: list[int]) -> bool:
    """Whether most steps go back in time; a step of at most half a day forward, wrapping
    round midnight, counts as forward."""
    forward = backward = 0
    for before, after in zip(minutes, minutes[1:], strict=False):
        if before != after:
            if (after - before) % _DAY <= _HALF_DAY:
                forward += 1
            else:
                backward += 1
    return backward > forward


def _day_offsets(blocks: list[_Block]) -> tuple[list[int], list[Problem]]:
    """Days since the chronologically first entry, walking the entries in time order."""
    minutes = [_minutes(block) for block in blocks]
    backwards = _runs_backwards(minutes)
    order = list(range(len(blocks)))[:: -1 if backwards else 1]
    offsets = [0] * len(blocks)
    problems: list[Problem] = []
    day = 0
    for before, after in zip(order, order[1:], strict=False):
        if minutes[after] < minutes[before]:
            if (minutes[after] - minutes[before]) % _DAY <= _HALF_DAY:
                day += 1  # crossed midnight
            else:
                problems.append(_out_of_order(blocks[after], blocks[before], backwards))
        offsets[after] = day
    return offsets, problems


def _out_of_order(block: _Block, neighbour: _Block, backwards: bool) -> Problem:
    direction = "latest first" if backwards else "earliest first"
    return Problem(
        block.line,
        f"time {block.header.time:%H:%M} is out of order: the report runs {direction} "
        f"but the entry at line {neighbour.line} is at {neighbour.header.time:%H:%M}",
    )


# --- writing --------------------------------------------------------------------------------


def format_entry(entry: ParsedEntry) -> str:
    """The entry as minute-by-minute text, "HHMM: City: Speaker" then the body.

    Each header layout is checked against the parser, so that entries joined by blank lines read
    back with the same time, city, speaker and body.
    """
    stamp = entry.time.strftime("%H%M") + (f" {entry.timezone_abbr}" if entry.timezone_abbr else "")
    for parts, inline in _header_choices(entry):
        line = _header_line(stamp, parts)
        if _reads_back(line, entry, inline):
            return _with_body(line, entry.body, inline)
    # Nothing reads back exactly (say a city the parser only knows from known_cities).
    return _with_body(_header_line(stamp, _plain_parts(entry)), entry.body, "")


def _plain_parts(entry: ParsedEntry) -> list[str]:
    return [part for part in (entry.city, entry.speaker.display() if entry.speaker else "") if part]


def _header_choices(entry: ParsedEntry) -> Iterator[tuple[list[str], str]]:
    """Header segments and inline body text, nicest first."""
    first_line = entry.body.split("\n", 1)[0]
    if first_line and entry.speaker is None:
        yield [*_plain_parts(entry), first_line], first_line  # like the sample's "1931: Breaking news"
    yield _plain_parts(entry), ""
    if entry.speaker and not entry.city:
        yield ["", *_plain_parts(entry)], ""  # an empty city segment keeps a bare name from reading as a city


def _header_line(stamp: str, parts: list[str]) -> str:
    return f"{stamp}: {': '.join(parts)}" if parts else f"{stamp}:"


def _reads_back(line: str, entry: ParsedEntry, inline: str) -> bool:
    found = _read_header(line, {})
    return (
        isinstance(found, _Header)
        and (found.time, found.timezone_abbr, found.city, found.speaker)
        == (entry.time, entry.timezone_abbr, entry.city, entry.speaker)
        and found.inline.strip() == inline.strip()
    )


def _with_body(line: str, body: str, inline: str) -> str:
    if inline:
        return line + body[len(inline) :]  # the rest of the body follows its first line
    return f"{line}\n\n{body}" if body else line
