"""Read a conference write-up into its speakers and their quotes.

A write-up, as copied off a web page, runs: site navigation, an intro, then one section per
speaker. A section opens with one or more speaker lines (a caption, then the name and title again,
as "Ms. Homa Jaberi, former political prisoner" or "Former Norwegian MP Lars Rise") and goes on
with quoted paragraphs that start with an opening quote mark, mixed with narration. The last
speaker line before the quotes is trusted: the lines before it often carry typos or captions.

Plain text processing only, with no Django import, like the minute-by-minute parser it builds on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

# The report parser's own tests for a speaker segment and its vocabulary, so that both readers
# agree on what a speaker looks like.
from liveblog.reports.parser import (
    NAME_PARTICLES,
    Problem,
    ReportParseError,
    Speaker,
    is_speaker_segment,
    split_honorific,
    split_lines,
    split_speaker,
)

__all__ = ["QuotedSpeaker", "SpeakersResult", "parse_speakers"]

_OPENING_QUOTES = ("“", '"', "„", "«")
# Words that lead into a title rather than end one, so the words after them are not a name:
# "Mayor of First Arrondissement" is a title, not "Mayor of" followed by a name.
_CONNECTORS = frozenset(("of", "for", "the", "and", "in", "at", "to", "on", "from", "with", "a", "an"))
# Capitalised only because they opened the line ("Former Norwegian MP Lars Rise").
_LEADING_WORDS = frozenset(("Former", "Retired", "Acting"))
_SECTION_LINES = 3
_INITIAL_RE = re.compile(r"[^\W\d_]\.")


@dataclass(frozen=True)
class QuotedSpeaker:
    line: int  # the trusted speaker line
    speaker: Speaker
    quotes: list[str]


@dataclass(frozen=True)
class SpeakersResult:
    speakers: list[QuotedSpeaker]
    problems: list[Problem]


@dataclass(frozen=True)
class _Paragraph:
    line: int
    text: str


# --- paragraphs -----------------------------------------------------------------------------


def _paragraphs(lines: list[str]) -> list[_Paragraph]:
    """Paragraphs split at blank lines and before every line that opens a quote, since pasted
    quotes often follow each other with no blank line between them."""
    paragraphs: list[_Paragraph] = []
    start = 0
    current: list[str] = []
    for number, line in enumerate([*lines, ""], start=1):
        text = line.rstrip()  # trailing spaces would be a Markdown line break
        if current and (not text.strip() or text.lstrip().startswith(_OPENING_QUOTES)):
            paragraphs.append(_Paragraph(start, "\n".join(current).strip()))
            current = []
        if text.strip():
            start = start if current else number
            current.append(text)
    return paragraphs


def _is_quote(paragraph: _Paragraph) -> bool:
    return paragraph.text.startswith(_OPENING_QUOTES)


def _speaker_text(paragraph: _Paragraph) -> str | None:
    """The paragraph as a speaker line, or None. A caption that opens with an honorific and has
    a title may end with a full stop ("Ms. Damona Taavoni, MEK member, one of the eyewitnesses of
    the 1988 massacre."), other sentences not; a lone word ("Applause") is a speaker only with an
    honorific or a title."""
    if "\n" in paragraph.text:
        return None
    text = " ".join(paragraph.text.split())
    if "," in text and split_honorific(text)[0]:
        text = text.removesuffix(".")
    if not is_speaker_segment(text):
        return None
    speaker = split_speaker(text)
    return text if speaker.honorific or speaker.title or len(speaker.name.split()) > 1 else None


# --- one speaker line -----------------------------------------------------------------------


def _read_line(text: str, names: list[str]) -> Speaker:
    """The speaker on one line. `names` are the names the section's other lines give, which
    settle where a name starts when the title comes first."""
    speaker = split_speaker(text)
    if "," in text or not speaker.title:
        return speaker
    return _title_first(text, speaker, names) or speaker


def _title_first(text: str, run_on: Speaker, names: list[str]) -> Speaker | None:
    """The title, then the name, as in "Former Italian Foreign Minister Giulio Terzi". None when
    the line does not end in a name inside the title `split_speaker` found."""
    words = text.split()
    known = [name for name in names if len(name.split()) >= 2 and text.endswith(" " + name)]
    size = len(known[0].split()) if known else _trailing_name_size(words)
    name = " ".join(words[-size:])
    before = words[:-size]
    if not before or before[-1].casefold() in _CONNECTORS or not run_on.title.endswith(name):
        return None
    if split_speaker(name) != Speaker("", name, "") or not name[0].isupper():
        return None  # "Smith MP" is not a name
    honorific = before[-1] if before[-1].endswith(".") and split_honorific(f"{before[-1]} {name}")[0] else ""
    title = " ".join(before[:-1] if honorific else before)
    if title and title.split(None, 1)[0] in _LEADING_WORDS:
        title = title[0].lower() + title[1:]  # it follows the name now: "Lars Rise, former Norwegian MP"
    return Speaker(honorific, name, title) if title else None


def _trailing_name_size(words: list[str]) -> int:
    """How many words end the line as a name: two, and more over particles and initials
    ("Els Van Hoof", "Alan M. Dershowitz", "Ursula von der Leyen")."""
    start = max(len(words) - 2, 0)
    while start > 0 and (words[start].casefold() in NAME_PARTICLES or _INITIAL_RE.fullmatch(words[start])):
        start -= 1
    return len(words) - start


def _section_speaker(lines: list[str]) -> Speaker:
    """The speaker of a section's speaker lines: the last line, its missing honorific and title
    taken from an earlier line naming the same person ("Ms. Damona Taavoni, MEK member, ..."
    then "Damona Taavoni, MEK member")."""
    names = [split_speaker(line).name for line in lines if "," in line]
    speakers = [_read_line(line, names) for line in lines]
    trusted = speakers[-1]
    for earlier in reversed(speakers[:-1]):
        if earlier.name.casefold() == trusted.name.casefold():
            trusted = replace(
                trusted,
                honorific=trusted.honorific or earlier.honorific,
                title=trusted.title or earlier.title,
            )
    return trusted


# --- the whole write-up ---------------------------------------------------------------------


@dataclass
class _Draft:
    line: int
    speaker: Speaker
    quotes: list[str] = field(default_factory=list)


@dataclass
class _Reader:
    drafts: dict[str, _Draft] = field(default_factory=dict)  # by name, casefolded, in order
    problems: list[Problem] = field(default_factory=list)
    # The last speaker lines not yet followed by a quote, as speaker text. A section has a
    # caption and a line or two, so a few are enough, and a long navigation list stays linear.
    pending: list[_Paragraph] = field(default_factory=list)
    current: _Draft | None = None

    def read(self, paragraph: _Paragraph) -> None:
        if _is_quote(paragraph):
            self._quote(paragraph)
        elif (text := _speaker_text(paragraph)) is not None:
            self.pending = [*self.pending[1 - _SECTION_LINES :], _Paragraph(paragraph.line, text)]
            self.current = None
        elif self.pending and not self._leads_to_quotes(paragraph.text):
            # Navigation and intro headings look like speaker lines; prose that does not name
            # them shows they were not. Narration after a speaker's first quote keeps them.
            self.pending = []

    def _quote(self, paragraph: _Paragraph) -> None:
        if self.pending:
            self.current = self._open()
            self.pending = []
        if self.current is None:
            self.problems.append(
                Problem(paragraph.line, "quoted paragraph follows no speaker line; it was not imported")
            )
        else:
            self.current.quotes.append(paragraph.text)

    def _open(self) -> _Draft:
        """The pending section's speaker; a speaker met again collects their quotes in one place."""
        speaker = _section_speaker([line.text for line in self.pending])
        key = speaker.name.casefold()
        if key not in self.drafts:
            self.drafts[key] = _Draft(self.pending[-1].line, speaker)
        return self.drafts[key]

    def _leads_to_quotes(self, text: str) -> bool:
        """Whether narration between speaker lines and quotes keeps the speaker: it names them
        ("Mrs. Maryam Rajavi ... delivered the keynote speech") or introduces a quote ("She said:")."""
        if text.endswith(":"):
            return True
        surname = _section_speaker([line.text for line in self.pending]).name.split()[-1]
        return re.search(rf"(?<!\w){re.escape(surname)}(?!\w)", text) is not None


def parse_speakers(text: str) -> SpeakersResult:
    """The speakers of a write-up with their quotes, in order of appearance, and problems.

    Raises ReportParseError when no quoted paragraph follows a speaker line.
    """
    paragraphs = _paragraphs(split_lines(text))
    reader = _Reader()
    for paragraph in paragraphs:
        reader.read(paragraph)
    if not reader.drafts:
        raise ReportParseError(_no_speakers_reason(paragraphs, reader.problems))
    speakers = [QuotedSpeaker(d.line, d.speaker, list(d.quotes)) for d in reader.drafts.values()]
    return SpeakersResult(speakers=speakers, problems=reader.problems)


def _no_speakers_reason(paragraphs: list[_Paragraph], problems: list[Problem]) -> str:
    if not paragraphs:
        return "no speakers found: the text is empty"
    if problems:
        return (
            f"no speakers found: {len(problems)} quoted paragraph(s) follow no speaker line, "
            f"the first at line {problems[0].line}"
        )
    return (
        f"no speakers found: none of the {len(paragraphs)} paragraph(s) is a quote (opening with “) "
        "after a speaker line such as 'Ms. Homa Jaberi, former political prisoner'"
    )
