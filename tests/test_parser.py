"""The minute-by-minute report parser: plain text in, entries and problems out. No database."""

import time as clock
from datetime import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liveblog.reports.parser import (
    ParsedEntry,
    ParseResult,
    ReportParseError,
    Speaker,
    format_entry,
    parse_report,
    split_speaker,
)

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "minute-by-minute-report.txt"
SAMPLE_CITIES = {
    "Paris", "Berlin", "London", "Stockholm", "Amsterdam", "Oslo", "Toronto", "Brussels", "Rome",
    "Bucharest", "Stuttgart", "Bern", "Gothenburg", "Aarhus", "Vienna", "Ottawa", "Frankfort",
}  # fmt: skip


@pytest.fixture(scope="module")
def sample() -> ParseResult:
    return parse_report(SAMPLE.read_text(encoding="utf-8"))


def by_time(result: ParseResult, hhmm: str) -> ParsedEntry:
    wanted = time(int(hhmm[:2]), int(hhmm[2:]))
    (entry,) = [entry for entry in result.entries if entry.time == wanted]
    return entry


def only(text: str, **kwargs) -> ParsedEntry:
    (entry,) = parse_report(text, **kwargs).entries
    return entry


# --- the sample -----------------------------------------------------------------------------


def test_it_reads_thirty_entries_from_the_sample(sample):
    assert len(sample.entries) == 30
    assert sample.problems == []
    assert [entry.time for entry in sample.entries] == sorted(entry.time for entry in sample.entries)
    assert {entry.day_offset for entry in sample.entries} == {0}
    assert {entry.timezone_abbr for entry in sample.entries} == {""}


def test_it_finds_the_seventeen_cities_of_the_sample(sample):
    assert {entry.city for entry in sample.entries} - {""} == SAMPLE_CITIES


def test_it_reads_the_sample_speakers(sample):
    assert by_time(sample, "1703").speaker == Speaker(
        "Mrs.", "Maryam Rajavi", "the President-elect of the National Council of Resistance of Iran"
    )
    assert by_time(sample, "1729").speaker == Speaker("", "Patrick Kennedy", "")
    assert by_time(sample, "1738").speaker == Speaker(
        "", "Jean Francois Legaret", "Mayour of first arrondissment of Paris"
    )
    assert by_time(sample, "1742").speaker == Speaker("Mr.", "Hamid Moaser", "")
    assert by_time(sample, "1901").speaker == Speaker("Bishop", "Jacques Gaillot", "")
    assert by_time(sample, "1920").speaker == Speaker("Mr.", "John Paul (?)", "")


def test_it_gives_the_video_clip_a_city_and_no_speaker(sample):
    entry = by_time(sample, "1823")
    assert (entry.city, entry.speaker) == ("Paris", None)
    assert entry.body.startswith("Video Clip airs showing posters")
    assert entry.body.endswith("from across Iran.")


def test_it_gives_the_sample_announcements_neither_city_nor_speaker(sample):
    breaking, closing = by_time(sample, "1931"), by_time(sample, "2018")
    assert (breaking.city, breaking.speaker) == ("", None)
    assert breaking.body.startswith("Breaking news was read out. The people in Kurdistan")
    assert (closing.city, closing.speaker) == ("", None)
    assert closing.body.startswith("Rajavi closes the conference with a speech")


def test_it_starts_a_new_entry_at_a_header_with_no_blank_line_before_it(sample):
    previous, following = by_time(sample, "1752"), by_time(sample, "1759")
    assert previous.body.endswith("manipulated by the regime against the Iranian people.")
    assert "1759" not in previous.body
    assert following.speaker == Speaker("Ms.", "Farzaneh Majidi", "")
    assert following.body.startswith("I say hello to you")


def test_it_joins_the_continuation_paragraph_to_its_entry(sample):
    paragraphs = by_time(sample, "1920").body.split("\n\n")
    assert len(paragraphs) == 2
    assert paragraphs[0].startswith("In 1988, I cannot remember hearing")
    assert paragraphs[1].startswith("Those heroes of the 1988 massacre")


def test_it_skips_the_sample_page_chrome(sample):
    first, last = sample.entries[0], sample.entries[-1]
    assert first.line == 5
    assert first.body.startswith("Thirty years have passed")
    assert len(first.body.split("\n\n")) == 6
    assert last.line == 129
    assert last.body.endswith("She promised to bring freedom and democracy to Iran.")
    assert all("Exit mobile version" not in entry.body for entry in sample.entries)
    assert all("Live Report" not in entry.body for entry in sample.entries)


def test_it_reads_back_the_formatted_sample(sample):
    text = "\n\n".join(format_entry(entry) for entry in sample.entries)
    again = parse_report(text)
    assert [key(entry) for entry in again.entries] == [key(entry) for entry in sample.entries]
    assert again.problems == []


def test_it_formats_entries_in_the_minute_by_minute_style(sample):
    assert format_entry(by_time(sample, "1742")).startswith("1742: Berlin: Mr. Hamid Moaser\n\nAlso the")
    assert format_entry(by_time(sample, "1823")).startswith("1823: Paris: Video Clip airs showing")
    assert format_entry(by_time(sample, "1931")).startswith("1931: Breaking news was read out.")


# --- header formats -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("1703", time(17, 3)),
        ("17:03", time(17, 3)),
        ("17.03", time(17, 3)),
        ("9:05", time(9, 5)),
        ("17h03", time(17, 3)),
        ("5:03 pm", time(17, 3)),
        ("5.03pm", time(17, 3)),
        ("5:03 p.m.", time(17, 3)),
        ("5:03 AM", time(5, 3)),
        ("5 pm", time(17, 0)),
        ("12:15 am", time(0, 15)),
        ("12 pm", time(12, 0)),
    ],
)
def test_it_reads_each_time_format(stamp, expected):
    entry = only(f"{stamp}: Paris: Mr. Hamid Moaser\n\nWe are here.")
    assert entry.time == expected
    assert (entry.city, entry.speaker.name, entry.body) == ("Paris", "Hamid Moaser", "We are here.")


@pytest.mark.parametrize(
    ("stamp", "zone"),
    [
        ("17:03 CET", "CET"),
        ("5:03 pm EST", "EST"),
        ("1703 GMT", "GMT"),
        ("17:03 UTC+2", "UTC+2"),
        ("17:03", ""),
    ],
)
def test_it_records_a_timezone_abbreviation(stamp, zone):
    entry = only(f"{stamp}: Paris: Mr. Hamid Moaser\n\nWe are here.")
    assert (entry.time, entry.timezone_abbr, entry.city) == (time(17, 3), zone, "Paris")


@pytest.mark.parametrize(
    "header",
    [
        "1742: Berlin: Mr. Hamid Moaser",
        "17:42 — Berlin — Mr. Hamid Moaser",
        "17:42 – Berlin – Mr. Hamid Moaser",
        "17.42 - Berlin - Mr. Hamid Moaser",
        "17:42—Berlin—Mr. Hamid Moaser",
        "1742 : Berlin : Mr. Hamid Moaser",
    ],
)
def test_it_reads_each_separator(header):
    entry = only(f"{header}\n\nWe are here.")
    assert (entry.time, entry.city, entry.speaker, entry.body) == (
        time(17, 42),
        "Berlin",
        Speaker("Mr.", "Hamid Moaser", ""),
        "We are here.",
    )


@pytest.mark.parametrize(
    "header",
    ["17:42 — Berlin — Mr. Hamid Moaser: We are here.", "17.42 - Berlin - Mr. Hamid Moaser: We are here."],
)
def test_it_starts_the_body_with_the_text_after_the_speaker(header):
    entry = only(f"{header}\nAnd we stay.\n\nThank you.")
    assert entry.speaker == Speaker("Mr.", "Hamid Moaser", "")
    assert entry.body == "We are here.\nAnd we stay.\n\nThank you."


def test_it_reads_a_header_followed_directly_by_text():
    entry = only("1759: London: Ms. Farzaneh Majidi\nI say hello to you.\n\nI am one of the victims.")
    assert entry.speaker.name == "Farzaneh Majidi"
    assert entry.body == "I say hello to you.\n\nI am one of the victims."


def test_it_reads_a_lone_time_line_as_a_header():
    entry = only("17:03\n\nThe hall is filling up.")
    assert (entry.time, entry.city, entry.speaker, entry.body) == (
        time(17, 3),
        "",
        None,
        "The hall is filling up.",
    )


# --- cities and sentences -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "city"),
    [
        ("1742: Berlin: Mr. Hamid Moaser", "Berlin"),
        ("1742: New York: Mr. Hamid Moaser", "New York"),
        ("1742: Rio de Janeiro: Mr. Hamid Moaser", "Rio de Janeiro"),
        ("1742: Aix-en-Provence: Mr. Hamid Moaser", "Aix-en-Provence"),
        ("1742: St. Louis: Mr. Hamid Moaser", "St. Louis"),
        ("1742: Ashraf 3: Mr. Hamid Moaser", "Ashraf 3"),
        ("1742: Mr. Hamid Moaser", ""),
        ("1742: Senator Joe Lieberman: We stand together.", ""),
        ("1742: Breaking news was read out. The people poured into the streets.", ""),
        ("1742: the hall applauds", ""),
    ],
)
def test_it_tells_a_city_from_a_speaker_or_a_sentence(header, city):
    assert only(f"{header}\n\nText.").city == city


def test_it_keeps_a_sentence_after_the_time_as_the_body():
    entry = only("1931: Breaking news was read out. The people in Kurdistan had poured in the streets.")
    assert (entry.city, entry.speaker) == ("", None)
    assert entry.body == "Breaking news was read out. The people in Kurdistan had poured in the streets."


def test_it_matches_known_cities_whatever_their_case():
    report = (
        "1742: WASHINGTON, D.C.: Mr. Hamid Moaser\n\nText.\n\n1750: tirana: Ms. Zahra Merrikhi\n\nMore text."
    )
    result = parse_report(report, known_cities=["Washington, D.C.", "Tirana"])
    assert [entry.city for entry in result.entries] == ["Washington, D.C.", "Tirana"]


@pytest.mark.parametrize(
    "segment",
    [
        "Video Clip airs showing posters and people supporting the movement from across Iran.",
        "Rajavi closes the conference with a speech thanking all of the people for their work, and more",
        "Video Clip airs showing posters",
        "We are here!",
        "The people of Iran call for freedom and for justice and for the end of this regime now",
    ],
)
def test_it_reads_a_long_or_sentence_like_third_segment_as_body(segment):
    entry = only(f"1823: Paris: {segment}")
    assert (entry.city, entry.speaker, entry.body) == ("Paris", None, segment)


# --- speakers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "honorific",
    [
        "Mr.", "Mr", "Ms.", "Mrs.", "Miss", "Dr.", "Dr", "Prof.", "Bishop", "Baroness", "Baron", "Lord",
        "Lady", "Sir", "Senator", "Sen.", "Rep.", "Mayor", "Ambassador", "Judge", "Rev.", "Imam",
        "Rabbi", "Madam", "General", "Col.", "Prof. Dr.",
    ],
)  # fmt: skip
def test_it_splits_off_each_honorific(honorific):
    assert split_speaker(f"{honorific} Hamid Moaser") == Speaker(honorific, "Hamid Moaser", "")
    entry = only(f"1742: Berlin: {honorific} Hamid Moaser\n\nText.")
    assert entry.speaker == Speaker(honorific, "Hamid Moaser", "")


def test_it_keeps_a_lone_honorific_word_as_the_name():
    assert split_speaker("Lord Major") == Speaker("Lord", "Major", "")
    assert split_speaker("Bishop") == Speaker("", "Bishop", "")


def test_it_splits_a_title_after_a_comma():
    assert split_speaker("Mrs. Maryam Rajavi, the President-elect of the NCRI") == Speaker(
        "Mrs.", "Maryam Rajavi", "the President-elect of the NCRI"
    )
    assert split_speaker("Martin Luther King, Jr., pastor") == Speaker(
        "", "Martin Luther King, Jr.", "pastor"
    )
    assert split_speaker("Ali Safavi (Paris, France), NCRI") == Speaker(
        "", "Ali Safavi (Paris, France)", "NCRI"
    )


@pytest.mark.parametrize(
    ("text", "name", "title"),
    [
        ("Jean Francois Legaret Mayour of first arrondissment of Paris", "Jean Francois Legaret",
         "Mayour of first arrondissment of Paris"),
        ("Jane Doe former Minister of Justice", "Jane Doe", "former Minister of Justice"),
        ("Rudy Giuliani Mayor of New York", "Rudy Giuliani", "Mayor of New York"),
        ("John Bercow Member of Parliament", "John Bercow", "Member of Parliament"),
        ("David Amess MP", "David Amess", "MP"),
        ("Ursula von der Leyen", "Ursula von der Leyen", ""),
        ("Nouri al-Maliki", "Nouri al-Maliki", ""),
        ("Mike Judge", "Mike Judge", ""),
    ],
)  # fmt: skip
def test_it_splits_a_run_on_title(text, name, title):
    assert split_speaker(text) == Speaker("", name, title)


def test_it_keeps_an_uncertain_name_as_written():
    assert split_speaker("Mr. John Paul (?)") == Speaker("Mr.", "John Paul (?)", "")
    assert only("1920: Paris: Mr. John Paul (?)\n\nText.").speaker == Speaker("Mr.", "John Paul (?)", "")


@pytest.mark.parametrize(
    "speaker",
    [
        Speaker("Mrs.", "Maryam Rajavi", "the President-elect of the National Council of Resistance of Iran"),
        Speaker("", "Jean Francois Legaret", "Mayour of first arrondissment of Paris"),
        Speaker("Mr.", "John Paul (?)", ""),
        Speaker("", "Patrick Kennedy", ""),
        Speaker("Bishop", "Jacques Gaillot", ""),
    ],
)
def test_it_displays_a_speaker_as_header_text_that_reads_back(speaker):
    assert split_speaker(speaker.display()) == speaker


def test_it_displays_a_speaker_in_the_sample_style():
    speaker = Speaker("Mrs.", "Maryam Rajavi", "the President-elect")
    assert speaker.display() == "Mrs. Maryam Rajavi, the President-elect"


# --- order and days -------------------------------------------------------------------------


def test_it_keeps_document_order_for_a_report_written_latest_first():
    report = "1810: Oslo: Mr. Behrouz Omid\n\nThird.\n\n1750: London: Ms. Naghmeh Rajabi\n\nSecond.\n\n"
    report += "1703: Paris: Mrs. Maryam Rajavi\n\nFirst."
    result = parse_report(report)
    assert [entry.body for entry in result.entries] == ["Third.", "Second.", "First."]
    assert [entry.day_offset for entry in result.entries] == [0, 0, 0]
    assert result.problems == []


def test_it_rolls_over_midnight_in_time_order():
    report = "2340: Paris\n\nA.\n\n2350: Paris\n\nB.\n\n0010: Paris\n\nC.\n\n0130: Paris\n\nD."
    result = parse_report(report)
    assert [entry.day_offset for entry in result.entries] == [0, 0, 1, 1]
    assert result.problems == []


def test_it_rolls_over_midnight_in_a_report_written_latest_first():
    report = "0130: Paris\n\nD.\n\n0010: Paris\n\nC.\n\n2350: Paris\n\nB.\n\n2340: Paris\n\nA."
    result = parse_report(report)
    assert [entry.day_offset for entry in result.entries] == [1, 1, 0, 0]
    assert result.problems == []


def test_it_reports_a_time_out_of_order():
    report = "1700: Paris\n\nA.\n\n1800: Paris\n\nB.\n\n1730: Paris\n\nC.\n\n1900: Paris\n\nD."
    result = parse_report(report)
    assert [entry.day_offset for entry in result.entries] == [0, 0, 0, 0]
    assert [problem.line for problem in result.problems] == [9]
    assert "17:30" in result.problems[0].message


def test_it_reports_an_invalid_time_meant_as_a_header():
    report = "1703: Paris: Mrs. Maryam Rajavi\n\nFirst.\n\n2561: Paris: Patrick Kennedy\n\nLost.\n\n"
    report += "1738: Paris: Jean Francois Legaret\n\nThird."
    result = parse_report(report)
    assert [entry.body for entry in result.entries] == ["First.", "Third."]
    assert [problem.line for problem in result.problems] == [5]
    assert "2561" in result.problems[0].message


@pytest.mark.parametrize(
    "line", ["1988 was the year of the massacre.", "1988: the year of the massacre.", "2561 people"]
)
def test_it_keeps_a_number_that_is_not_a_header_in_the_body(line):
    result = parse_report(f"1703: Paris: Mrs. Maryam Rajavi\n\nFirst.\n\n{line}\n\nLast.")
    assert result.entries[0].body == f"First.\n\n{line}\n\nLast."
    assert result.problems == []


def test_it_reports_an_entry_without_text():
    result = parse_report("1703: Paris: Mrs. Maryam Rajavi\n1729: Paris: Patrick Kennedy\n\nText.")
    assert [entry.body for entry in result.entries] == ["", "Text."]
    assert [(problem.line, problem.message) for problem in result.problems] == [(1, "entry has no text")]


# --- bodies and page chrome -----------------------------------------------------------------


def test_it_joins_paragraphs_and_keeps_whitespace_inside_them():
    entry = only("1703: Paris\n\n  First  line\n  second line  \n\n\n\nNext paragraph.  \n")
    assert entry.body == "First  line\n  second line\n\nNext paragraph."


def test_it_keeps_short_paragraphs_in_the_middle_of_the_report():
    report = "1703: Paris\n\nFirst.\n\nApplause\n\n[Crowd chants]\n\nMore.\n\n1710: Paris\n\nLast."
    assert parse_report(report).entries[0].body == "First.\n\nApplause\n\n[Crowd chants]\n\nMore."


@pytest.mark.parametrize(
    "chrome",
    [
        "Exit mobile version",
        "Share this:\nTwitter\nFacebook",
        "Related posts",
        "Tags: Iran, NCRI, 1988 massacre",
        "Home\nNews\nContact",
        "© 2018 Iran News Update. All rights reserved.",
    ],
)
def test_it_drops_page_chrome_around_the_entries(chrome):
    report = f"Site name\nLive Report\n\n1703: Paris\n\nWe are here.\n\nThank you.\n\n{chrome}\n"
    result = parse_report(report)
    assert result.entries[0].body == "We are here.\n\nThank you."


def test_it_keeps_the_only_text_of_the_last_entry_even_when_short():
    assert only("1703: Paris: Mr. Hamid Moaser\n\nThank you").body == "Thank you"
    assert only("1703: Paris\nThank you all").body == "Thank you all"


def test_it_tolerates_windows_line_endings_and_a_byte_order_mark():
    text = SAMPLE.read_text(encoding="utf-8")
    windows = parse_report("\ufeff" + text.replace("\n", "\r\n"))
    assert [key(entry) for entry in windows.entries] == [key(entry) for entry in parse_report(text).entries]
    assert windows.entries[0].line == 5


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "the text is empty"),
        ("  \n\n\t\n", "the text is empty"),
        (
            "Home News\n\nLive Report\n\nExit mobile version",
            "none of the 3 non-blank line(s) starts with a time",
        ),
        ("2561: Paris: Mr. Hamid Moaser\n\nText.", "invalid time, the first at line 1"),
    ],
)
def test_it_raises_a_helpful_error_when_there_are_no_entries(text, reason):
    with pytest.raises(ReportParseError, match="^no entries found: ") as raised:
        parse_report(text)
    assert reason in str(raised.value)
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    "text",
    [
        "1703: " + "Paris " * 200_000,
        "1703:" + " :" * 300_000,
        "1703" + " " * 500_000 + "x",
        "1703: Paris: " + "(" * 300_000,
        "1703: Paris: Mr. " + "de " * 200_000 + "Smith",
        "1703: Paris\n\nText.\n" + "Share\n" * 200_000,
        "1703: Paris\n\n" + "a. " * 300_000,
        "17:03 — " * 100_000,
        "\n".join(
            f"{hour % 24:02d}{minute:02d}: Paris: Mr. X\nText." for hour in range(2000) for minute in (0, 30)
        ),
    ],
)
def test_it_is_fast_on_huge_input(text):
    started = clock.perf_counter()
    check_parses_or_refuses(text)
    assert clock.perf_counter() - started < 3


# --- properties -----------------------------------------------------------------------------


def key(entry: ParsedEntry) -> tuple:
    return (entry.time, entry.day_offset, entry.timezone_abbr, entry.city, entry.speaker, entry.body)


SYLLABLES = ["ka", "lo", "ri", "ven", "tor", "mal", "si", "bu", "ner", "pa", "gre", "zo", "han", "bel"]
word = st.lists(st.sampled_from(SYLLABLES), min_size=2, max_size=3).map(
    lambda parts: "".join(parts).capitalize()
)
words = st.lists(word, min_size=1, max_size=3).map(" ".join)
name = st.lists(word, min_size=2, max_size=3).map(" ".join)
honorific = st.sampled_from(
    [
        "",
        "",
        "Mr.",
        "Ms.",
        "Mrs.",
        "Dr.",
        "Prof.",
        "Bishop",
        "Lord",
        "Sir",
        "Senator",
        "Madam",
        "Rev.",
        "Imam",
        "Col.",
    ]
)
title = st.one_of(
    st.just(""),
    words.map(lambda place: f"the Mayor of {place}"),
    words.map(lambda place: f"Head of the {place} Council"),
    st.sampled_from(["Member of Parliament", "former Minister of Justice", "President-elect of the NCRI"]),
)
speaker = st.one_of(st.none(), st.builds(Speaker, honorific=honorific, name=name, title=title))
opener = st.sampled_from(["We", "They", "The", "People", "Our", "This", "Everyone"])
filler = st.sampled_from((
    "stand", "with", "the", "people", "of", "city", "and", "call", "for", "justice", "freedom", "today",
    "together", "remember", "victims", "many", "years", "ago", "voices", "heard", "across", "world,",
    "1988", "30,000",
))  # fmt: skip
sentence = st.builds(
    lambda first, rest, end: " ".join([first, *rest]) + end,
    opener,
    st.lists(filler, min_size=2, max_size=8),
    st.sampled_from([".", "!", "?", "…"]),
)
paragraph = st.lists(sentence, min_size=1, max_size=3).map(" ".join)
body = st.one_of(st.just(""), st.lists(paragraph, min_size=1, max_size=3).map("\n\n".join))


@st.composite
def reports(draw) -> list[ParsedEntry]:
    """Entries in time order, steps short enough to tell a midnight from a mistake, maybe reversed."""
    minute = draw(st.integers(0, 24 * 60 - 1))
    entries = []
    for step in draw(st.lists(st.integers(0, 300), min_size=1, max_size=6)):
        minute += step
        entries.append(
            ParsedEntry(
                line=0,
                time=time(minute // 60 % 24, minute % 60),
                day_offset=minute // (24 * 60),
                timezone_abbr=draw(st.sampled_from(["", "CET", "EST", "GMT", "UTC"])),
                city=draw(st.one_of(st.just(""), words)),
                speaker=draw(speaker),
                body=draw(body),
            )
        )
    first_day = entries[0].day_offset
    entries = [
        ParsedEntry(**{**vars(entry), "day_offset": entry.day_offset - first_day}) for entry in entries
    ]
    return entries[::-1] if draw(st.booleans()) else entries


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_it_reads_back_what_it_formats(entries):
    text = "\n\n".join(format_entry(entry) for entry in entries)
    result = parse_report(text)
    assert [key(entry) for entry in result.entries] == [key(entry) for entry in entries], text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(speaker.filter(lambda found: found is not None))
def test_it_splits_a_displayed_speaker_back_into_its_parts(original):
    assert split_speaker(original.display()) == original


FUZZ_ALPHABET = st.sampled_from(list("0123456789:.-—– \n\r\tapmPMCETUGMr,()?!.ParisBerlin\ufeffé漢"))
# Pieces of headers, so that random text often comes close to a real one.
FUZZ_PIECES = st.sampled_from((
    "1703", "17:03", "5 pm", "2561", "2350", "0010", ": ", ":", " — ", " - ", "–", " ", "Paris", "Mr. ",
    "Lord ", "John Paul", "(?)", "(", ")", ", ", "former", "of", "de ", "CET", "GMT+1", ".", "!", "\n",
    "\n\n", "\r\n", "\r", "Exit mobile version", "Share this", "\ufeff", "é",
))  # fmt: skip


def check_parses_or_refuses(text: str) -> None:
    try:
        result = parse_report(text)
    except ReportParseError as error:
        assert str(error).startswith("no entries found: ")
        return
    line_count = len(text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    assert result.entries
    assert all(1 <= entry.line <= line_count and entry.day_offset >= 0 for entry in result.entries)
    assert all(1 <= problem.line <= line_count for problem in result.problems)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.text(alphabet=FUZZ_ALPHABET, max_size=400),
        st.lists(FUZZ_PIECES, max_size=80).map("".join),
    )
)
def test_it_raises_nothing_but_report_parse_error_on_random_text(text):
    check_parses_or_refuses(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.floats(0, 1),
            st.integers(0, 80),
            st.one_of(
                st.text(alphabet=FUZZ_ALPHABET, max_size=30), st.lists(FUZZ_PIECES, max_size=8).map("".join)
            ),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_it_raises_nothing_but_report_parse_error_on_a_mutated_sample(edits):
    text = SAMPLE.read_text(encoding="utf-8")
    for where, length, replacement in edits:
        start = int(where * len(text))
        text = text[:start] + replacement + text[start + length :]
    check_parses_or_refuses(text)
