"""import_speakers: a conference write-up in, speakers and quote entries out."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liveblog import services
from liveblog.models import Change, Entry, Speaker
from liveblog.reports.parser import ReportParseError
from liveblog.reports.parser import Speaker as Parsed
from liveblog.reports.speakers import QuotedSpeaker, parse_speakers
from tests.conftest import ROOT, make_event

SPEAKERS_PAGE = ROOT / "samples" / "speakers-page.txt"
SAMPLE_TEXT = SPEAKERS_PAGE.read_text(encoding="utf-8")

# Every speaker of the sample with quotes, in order: the name and the number of quoted paragraphs.
SAMPLE_SPEAKERS = [
    ("Homa Jaberi", 4), ("Damona Taavoni", 5), ("Bahador Kiamarzi", 3), ("Kazem Panahi", 4),
    ("Henri Leclerc", 6), ("Maryam Rajavi", 4), ("Íngrid Betancourt", 6), ("Geoffry Robertson QC", 6),
    ("Giulio Terzi", 3), ("Steve McCabe", 4), ("Alejo Vidal-Quadras", 8), ("Tahar Boumedra", 6),
    ("Lincoln Bloomfield", 7), ("Lars Rise", 3), ("Geoffrey Bindman", 3), ("Taisir al-Tamimi", 3),
    ("Ken Blackwell", 1), ("Betty Boothroyd", 2), ("Lucio Malan", 3), ("Alan M. Dershowitz", 3),
    ("Els Van Hoof", 2), ("Leo Housakas", 1),
]  # fmt: skip


def by_name(speakers: list[QuotedSpeaker], name: str) -> QuotedSpeaker:
    (found,) = [quoted for quoted in speakers if quoted.speaker.name == name]
    return found


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def import_sample(*options: str, slug: str = "call-for-justice") -> str:
    return run("import_speakers", str(SPEAKERS_PAGE), "--event", slug, *options)


# --- the parser -----------------------------------------------------------------------------


def test_it_reads_the_22_speakers_of_the_sample_with_their_quotes():
    result = parse_speakers(SAMPLE_TEXT)

    assert [(q.speaker.name, len(q.quotes)) for q in result.speakers] == SAMPLE_SPEAKERS
    assert result.problems == []


def test_it_trusts_the_last_speaker_line_before_the_quotes():
    speakers = parse_speakers(SAMPLE_TEXT).speakers

    homa = speakers[0]  # "Ms. Homa Jaber, ..." at line 75, then "Ms. Homa Jaberi, ..." at line 77
    assert (homa.line, homa.speaker) == (77, Parsed("Ms.", "Homa Jaberi", "former political prisoner"))
    assert homa.quotes[0].startswith("“My name is Homa Jaberi.")
    assert homa.quotes[-1] == "“Our people are still experiencing this pain every day. " + (
        "We are determined to overthrow this regime and no obstacle will stop us.”"
    )
    rajavi = by_name(speakers, "Maryam Rajavi")  # after a caption-like line and a line of narration
    assert rajavi.line == 140
    assert rajavi.speaker.title == "President-elect of the National Council of Resistance of Iran (NCRI)"
    assert rajavi.quotes[0].startswith("“The NCRI alternative is a good yardstick")
    assert not any(quote.startswith("Mrs. Rajavi described") for quote in rajavi.quotes)  # narration


def test_it_takes_a_missing_honorific_from_an_earlier_line_naming_the_same_person():
    speakers = parse_speakers(SAMPLE_TEXT).speakers

    # "Ms. Damona Taavoni, MEK member, one of the eyewitnesses of the 1988 massacre." then
    # "Damona Taavoni, MEK member"
    assert by_name(speakers, "Damona Taavoni").speaker == Parsed("Ms.", "Damona Taavoni", "MEK member")
    assert by_name(speakers, "Bahador Kiamarzi").speaker.honorific == "Mr."
    vidal_quadras = by_name(speakers, "Alejo Vidal-Quadras").speaker
    assert vidal_quadras.honorific == "Dr."
    assert vidal_quadras.title.startswith("former Vice President of the European Parliament from 2004")


@pytest.mark.parametrize(
    ("name", "honorific", "title"),
    [
        ("Giulio Terzi", "", "former Italian Foreign Minister"),
        ("Steve McCabe", "", "British MP"),
        ("Lars Rise", "", "former Norwegian MP"),
        ("Taisir al-Tamimi", "", "former Palestinian Chief Justice"),
        ("Ken Blackwell", "", "former U.S. Ambassador to the UN Human Rights Commission"),
        ("Lucio Malan", "", "Italian Senator"),
        ("Els Van Hoof", "", "Belgian MP"),
        ("Leo Housakas", "", "Canadian Senator"),
        ("Betty Boothroyd", "Baroness", "former UK Speaker of the House of Commons"),
        ("Alan M. Dershowitz", "", "Distinguished American Civil Liberty Lawyer"),
        ("Íngrid Betancourt", "", "former Colombian presidential candidate"),  # the second line's spelling
    ],
)
def test_it_reads_the_samples_speaker_lines_with_the_title_first_or_after_a_comma(name, honorific, title):
    speaker = by_name(parse_speakers(SAMPLE_TEXT).speakers, name).speaker
    assert (speaker.honorific, speaker.title) == (honorific, title)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "Former Italian Foreign Minister Giulio Terzi",
            Parsed("", "Giulio Terzi", "former Italian Foreign Minister"),
        ),
        ("Belgian MP Els Van Hoof", Parsed("", "Els Van Hoof", "Belgian MP")),
        ("Canadian Senator Leo Housakas", Parsed("", "Leo Housakas", "Canadian Senator")),
        (
            "Former European Parliament Vice President Dr. Alejo Vidal-Quadras",
            Parsed("Dr.", "Alejo Vidal-Quadras", "former European Parliament Vice President"),
        ),
        (
            "Former U.S. Ambassador to the UN Human Rights Commission Ken Blackwell",
            Parsed("", "Ken Blackwell", "former U.S. Ambassador to the UN Human Rights Commission"),
        ),
        (
            "Former Commissioner Ursula von der Leyen",
            Parsed("", "Ursula von der Leyen", "former Commissioner"),
        ),
        (
            "Ms. Farideh Goudarzi, former political prisoner",
            Parsed("Ms.", "Farideh Goudarzi", "former political prisoner"),
        ),
        ("Senator Leo Housakas", Parsed("Senator", "Leo Housakas", "")),
        ("John Smith MP", Parsed("", "John Smith", "MP")),
        ("Lord Alton of Liverpool", Parsed("Lord", "Alton of Liverpool", "")),  # a peer's place is his name
        ("Baroness Betty Boothroyd", Parsed("Baroness", "Betty Boothroyd", "")),
        (
            "Lord Alton of Liverpool, member of the House of Lords",
            Parsed("Lord", "Alton of Liverpool", "member of the House of Lords"),
        ),
    ],
)
def test_it_splits_a_speaker_line_into_honorific_name_and_title(line, expected):
    (quoted,) = parse_speakers(f"{line}\n\n“We will not forget.”").speakers
    assert quoted.speaker == expected


def test_a_title_first_line_takes_the_name_another_line_of_the_speaker_gives():
    text = "John Paul Jones, Former Senator\n\nFormer Senator John Paul Jones\n\n“Justice.”"
    (quoted,) = parse_speakers(text).speakers
    assert quoted.speaker == Parsed("", "John Paul Jones", "former Senator")


def test_quotes_with_no_blank_line_between_them_are_separate_paragraphs():
    text = "Ms. Homa Jaberi, former political prisoner\n“First.\n“Second,\ngoing on.\n\nNarration.\n“Third.”"
    (quoted,) = parse_speakers(text).speakers
    assert quoted.quotes == ["“First.", "“Second,\ngoing on.", "“Third.”"]


def test_narration_that_names_the_speaker_or_introduces_a_quote_keeps_the_speaker():
    text = (
        "Ms. Homa Jaberi, former political prisoner\n\nShe spoke from Paris and said:\n\n“One.”\n\n"
        "Lars Rise, former Norwegian MP\n\nThe next speaker, Mr. Rise, was brief.\n\n“Two.”\n\n"
        "Ken Blackwell\n\nThe conference then heard from the families.\n\n“Three.”"
    )
    result = parse_speakers(text)
    assert [(q.speaker.name, q.quotes) for q in result.speakers] == [
        ("Homa Jaberi", ["“One.”"]),
        ("Lars Rise", ["“Two.”"]),
    ]
    assert [p.line for p in result.problems] == [17]


def test_quotes_after_the_intro_belong_to_nobody_and_are_reported_with_their_line():
    lines = SAMPLE_TEXT.split("\n")
    assert lines[70].startswith("The massacre of 1988 remains")  # the intro's last sentence, line 71
    text = "\n".join([*lines[:72], "“Justice has not been done.”", "", *lines[72:]])

    result = parse_speakers(text)

    assert [(p.line, p.message) for p in result.problems] == [
        (73, "quoted paragraph follows no speaker line; it was not imported")
    ]
    assert [(q.speaker.name, len(q.quotes)) for q in result.speakers] == SAMPLE_SPEAKERS
    assert result.speakers[0].line == 79


def test_the_same_speaker_twice_gathers_all_their_quotes():
    text = (
        "Lars Rise, former Norwegian MP\n\n“One.”\n\nKen Blackwell\n\n“Two.”\n\n"
        "Former Norwegian MP Lars Rise\n\n“Three.”"
    )
    speakers = parse_speakers(text).speakers
    assert [(q.speaker.name, q.quotes) for q in speakers] == [
        ("Lars Rise", ["“One.”", "“Three.”"]),
        ("Ken Blackwell", ["“Two.”"]),
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no speakers found: the text is empty"),
        (" \n\n\t\n", "no speakers found: the text is empty"),
        ("Home\nNews\n\nRecent Posts\n", "no speakers found: none of the 2 paragraph(s) is a quote"),
        (
            "Intro text goes here.\n\n“An orphan.”\n“Another.”",
            "no speakers found: 2 quoted paragraph(s) follow no speaker line, the first at line 3",
        ),
    ],
)
def test_a_text_without_speakers_is_refused_with_the_reason(text, reason):
    with pytest.raises(ReportParseError) as raised:
        parse_speakers(text)
    assert str(raised.value).startswith(reason)


# --- fuzzing --------------------------------------------------------------------------------

FUZZ_PIECES = st.sampled_from((
    "“", "”", '"', "«", "Ms. ", "Mr. ", "Dr. ", "Former ", "Senator ", "MP ", "Homa Jaberi", "Lars Rise",
    "van ", "der ", "al-", "M. ", ", ", ",", " ", ".", "\n", "\n\n", "\r\n", "\r", "of ", "the ",
    "Recent Posts", "\ufeff", "é", "Íngrid", "(NCRI)", "(", ")", "—", "1988",
))  # fmt: skip


def check_parses_or_refuses(text: str) -> None:
    try:
        result = parse_speakers(text)
    except ReportParseError as error:
        assert str(error).startswith("no speakers found: ")
        return
    line_count = len(text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    names = [quoted.speaker.name.casefold() for quoted in result.speakers]
    assert result.speakers and len(names) == len(set(names))
    assert all(1 <= quoted.line <= line_count and quoted.quotes for quoted in result.speakers)
    assert all(quoted.speaker.name.strip() for quoted in result.speakers)
    assert all(1 <= problem.line <= line_count for problem in result.problems)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(), st.lists(FUZZ_PIECES, max_size=80).map("".join)))
def test_it_raises_nothing_but_report_parse_error_on_random_text(text):
    check_parses_or_refuses(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 80), st.lists(FUZZ_PIECES, max_size=8).map("".join)),
        min_size=1,
        max_size=12,
    )
)
def test_it_raises_nothing_but_report_parse_error_on_a_mutated_sample(edits):
    text = SAMPLE_TEXT
    for where, length, replacement in edits:
        start = int(where * len(text))
        text = text[:start] + replacement + text[start + length :]
    check_parses_or_refuses(text)


# --- the command ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.both_databases
def test_it_imports_the_speakers_of_the_sample_without_entries():
    event = make_event("call-for-justice")

    output = import_sample()

    assert output.splitlines()[-1] == "call-for-justice: 22 speakers (22 new, 0 known)"
    assert "added: Ms. Homa Jaberi, former political prisoner" in output
    assert Speaker.objects.count() == 22
    homa = Speaker.objects.get(name="Homa Jaberi")
    assert (homa.honorific, homa.title) == ("Ms.", "former political prisoner")
    assert Speaker.objects.get(name="Lars Rise").title == "former Norwegian MP"
    assert not Entry.objects.exists() and not Change.objects.exists() and event.seq == 0


@pytest.mark.django_db
@pytest.mark.both_databases
def test_it_adds_one_quote_entry_per_speaker_to_the_feed_and_the_reader_page(client):
    event = make_event("call-for-justice")

    output = import_sample("--quotes")

    assert output.splitlines()[-1] == (
        "call-for-justice: 22 speakers (22 new, 0 known), 22 quote entries created, 0 updated, 0 unchanged"
    )
    entries = Entry.objects.filter(event=event).select_related("speaker")
    assert entries.count() == 22
    assert {(e.kind, e.occurred_at, e.session) for e in entries} == {("quote", event.starts_at, None)}
    homa = entries.get(speaker__name="Homa Jaberi")
    assert homa.source_key == "speakers:homa jaberi"
    assert homa.body.startswith("“My name is Homa Jaberi.") and homa.body.count("\n\n") == 3
    assert "<p>“Today, I want to discuss another type of torture." in homa.body_html

    frames = [json.loads(c.frame) for c in Change.objects.filter(event=event).order_by("seq")]
    assert [f["type"] for f in frames] == ["entry.created"] * 22
    assert frames[0]["entry"]["kind"] == "quote"
    assert frames[0]["entry"]["speaker"]["name"] == "Homa Jaberi"

    page = client.get("/events/call-for-justice/").content.decode()
    assert "Homa Jaberi" in page and "former political prisoner" in page
    assert "I was in prison for five-and-half years" in page
    assert "Leo Housakas" in page and "Canadian Senator" in page


@pytest.mark.django_db
@pytest.mark.both_databases
def test_importing_again_adds_nothing_and_updates_a_changed_quote(tmp_path):
    event = make_event("call-for-justice")
    import_sample("--quotes")
    changes = Change.objects.count()

    again = import_sample("--quotes")

    assert again.splitlines()[-1] == (
        "call-for-justice: 22 speakers (0 new, 22 known), 0 quote entries created, 0 updated, 22 unchanged"
    )
    assert Speaker.objects.count() == 22 and Entry.objects.count() == 22
    assert Change.objects.count() == changes  # readers were sent nothing
    assert Speaker.objects.filter(name="Íngrid Betancourt").count() == 1

    edited = tmp_path / "speakers.txt"
    edited.write_text(SAMPLE_TEXT.replace("more than anyone in her movement", "more than anyone else"))
    out = run("import_speakers", str(edited), "--event", "call-for-justice", "--quotes")
    assert "0 quote entries created, 1 updated, 21 unchanged" in out
    betancourt = Entry.objects.get(event=event, speaker__name="Íngrid Betancourt")
    assert betancourt.version == 2 and "more than anyone else" in betancourt.body
    assert Change.objects.filter(event=event, type="entry.updated", entry=betancourt).count() == 1


@pytest.mark.django_db
@pytest.mark.both_databases
def test_quotes_that_follow_no_speaker_are_reported_and_left_out(tmp_path):
    event = make_event("call-for-justice")
    lines = SAMPLE_TEXT.split("\n")
    page = tmp_path / "speakers.txt"
    page.write_text("\n".join([*lines[:72], "“Justice has not been done.”", "", *lines[72:]]))
    out, err = StringIO(), StringIO()

    call_command(
        "import_speakers", str(page), "--event", "call-for-justice", "--quotes", stdout=out, stderr=err
    )

    assert err.getvalue() == "line 73: quoted paragraph follows no speaker line; it was not imported\n"
    assert "22 quote entries created" in out.getvalue()
    assert not Entry.objects.filter(event=event, body__contains="Justice has not been done").exists()


@pytest.mark.django_db
@pytest.mark.both_databases
def test_a_dry_run_prints_and_saves_nothing():
    event = make_event("call-for-justice")

    output = import_sample("--quotes", "--dry-run")

    assert "would add: Ms. Homa Jaberi, former political prisoner" in output
    assert output.splitlines()[-1] == (
        "call-for-justice: 22 speakers (22 new, 0 known), 22 quote entries would be created, "
        "0 would be updated, 0 unchanged (dry run: nothing was saved)"
    )
    event.refresh_from_db()
    assert not Speaker.objects.exists() and not Entry.objects.exists() and not Change.objects.exists()
    assert event.seq == 0


@pytest.mark.django_db
@pytest.mark.both_databases
def test_a_known_speaker_without_a_title_gets_it_and_one_with_a_title_keeps_it():
    event = make_event("call-for-justice")
    lars = services.speaker_get_or_create(name="Lars Rise")
    earlier = services.entry_create(event=event, by=None, body="Welcome.", speaker=lars)
    services.speaker_get_or_create(name="Ken Blackwell", title="Chairman of the board")

    output = import_sample()

    assert output.splitlines()[-1] == "call-for-justice: 22 speakers (20 new, 2 known)"
    assert "title given to: Lars Rise, former Norwegian MP" in output
    assert Speaker.objects.get(name="Lars Rise").title == "former Norwegian MP"
    assert Speaker.objects.get(name="Ken Blackwell").title == "Chairman of the board"
    # Readers of the event are told, in one frame, and retitle his earlier entry.
    told = [json.loads(c.frame) for c in Change.objects.filter(event=event, type="event.updated")]
    assert {"id": lars.pk, "name": "Lars Rise", "honorific": "", "title": "former Norwegian MP"} in [
        speaker for frame in told for speaker in frame.get("speakers", [])
    ]
    assert (
        "former Norwegian MP" in Client().get(f"/events/{event.slug}/entries/{earlier.pk}/").content.decode()
    )


@pytest.mark.django_db
@pytest.mark.both_databases
def test_a_quote_entry_an_editor_deleted_is_not_brought_back():
    event = make_event("call-for-justice")
    import_sample("--quotes")
    services.entry_delete(entry=Entry.objects.get(event=event, speaker__name="Lars Rise"), by=None)

    again = import_sample("--quotes")

    assert "0 quote entries created, 0 updated, 22 unchanged" in again
    assert Entry.objects.published().filter(event=event).count() == 21


@pytest.mark.django_db
@pytest.mark.both_databases
def test_a_failure_part_way_leaves_nothing_behind(monkeypatch):
    from liveblog.management.commands import import_speakers

    make_event("call-for-justice")
    calls = {"n": 0}
    real = services.entry_create

    def failing_create(**kwargs):
        calls["n"] += 1
        if calls["n"] == 10:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(import_speakers.services, "entry_create", failing_create)
    with pytest.raises(RuntimeError):
        import_sample("--quotes")
    assert not Speaker.objects.exists() and not Entry.objects.exists() and not Change.objects.exists()


@pytest.mark.django_db
@pytest.mark.both_databases
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "no speakers found: the text is empty"),
        ("Home\nNews\nExit mobile version\n\nRecent Posts\n", "no speakers found: none of the 2 paragraph"),
    ],
)
def test_a_file_with_no_speakers_fails_with_the_reason(tmp_path, content, message):
    make_event("call-for-justice")
    empty = tmp_path / "chrome.txt"
    empty.write_text(content)
    with pytest.raises(CommandError, match=f"^{empty}: {message}"):
        run("import_speakers", str(empty), "--event", "call-for-justice", "--quotes")
    assert not Speaker.objects.exists() and not Entry.objects.exists()


@pytest.mark.django_db
@pytest.mark.both_databases
def test_the_event_must_exist_and_the_file_be_readable(tmp_path):
    with pytest.raises(CommandError, match="No event has the slug “nowhere”"):
        import_sample(slug="nowhere")
    make_event("call-for-justice")
    with pytest.raises(CommandError, match="Cannot read"):
        run("import_speakers", str(tmp_path / "missing.txt"), "--event", "call-for-justice")
    assert not Speaker.objects.exists()


@pytest.mark.django_db
@pytest.mark.both_databases
def test_a_speaker_too_long_to_store_fails_the_whole_import_with_its_line(tmp_path):
    make_event("call-for-justice")
    page = tmp_path / "speakers.txt"
    stacked = "Professor " * 5  # an honorific holds 40 characters
    page.write_text(f"Lars Rise, MP\n\n“One.”\n\n{stacked}Joe Bloggs, MP\n\n“Two.”\n")
    with pytest.raises(
        CommandError, match="^line 5: “Professor Professor .*Joe Bloggs, MP”: .*at most 40 characters"
    ):
        run("import_speakers", str(page), "--event", "call-for-justice", "--quotes")
    assert not Speaker.objects.exists() and not Entry.objects.exists()
