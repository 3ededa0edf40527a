"""The agenda's text format, read line by line (kept free of Django):

    # Anything after a hash is a comment; blank lines are skipped.
    2026-06-03 17:40–18:00 | Berlin | Mr. Hamid Moaser | Remembering 1988
    2026-06-03 18:00 | Berlin | Ms. Farideh Goudarzi, former political prisoner
    2026-06-04
    17:40-17:55 | Paris | Mrs. Maryam Rajavi

Each slot is a time (a start, and an end after a dash or an en dash, if known), a city, a
speaker (an honorific and a title after a comma, as in reports) and, optionally, what the talk is
about. Times are the city's own. A line with only a date sets the day of the lines after it that
give none. An end earlier than the start is on the next day (23:50–00:10).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

_WHEN = re.compile(
    r"^(?:(?P<date>\d{4}-\d{2}-\d{2})\s+)?(?P<start>\d{1,2}:\d{2})(?:\s*[-–—]\s*(?P<end>\d{1,2}:\d{2}))?$"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class AgendaLine:
    line: int
    starts_at: datetime  # naive: in the city's time
    ends_at: datetime | None
    city: str
    speaker: str
    title: str


@dataclass(frozen=True)
class AgendaProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def parse_agenda(text: str) -> tuple[list[AgendaLine], list[AgendaProblem]]:
    """Every slot the text gives, and a problem for each line that gives none."""
    slots: list[AgendaLine] = []
    problems: list[AgendaProblem] = []
    day: date | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            if _DATE.match(line):
                day = _date(line)
                continue
            slots.append(_slot(number, line, day))
        except ValueError as error:
            problems.append(AgendaProblem(number, str(error)))
    return slots, problems


def _slot(number: int, line: str, day: date | None) -> AgendaLine:
    parts = [part.strip() for part in line.split("|")]
    if len(parts) < 3 or len(parts) > 4:
        raise ValueError(
            "expected “time | city | speaker”, and “| title” if you like, such as "
            "“2026-06-03 17:40–18:00 | Berlin | Mr. Hamid Moaser”."
        )
    when, city, speaker, title = (*parts, "")[:4]
    match = _WHEN.match(when)
    if match is None:
        raise ValueError(f"“{when}” is not a time such as 17:40 or 17:40–18:00, after a date if you like.")
    if match["date"]:
        day = _date(match["date"])
    if day is None:
        raise ValueError("no date: start the line with one (2026-06-03 17:40) or put a date on a line above.")
    starts_at = datetime.combine(day, _time(match["start"]))
    ends_at = None
    if match["end"]:
        ends_at = datetime.combine(day, _time(match["end"]))
        if ends_at <= starts_at:
            ends_at += timedelta(days=1)
    if not city:
        raise ValueError("no city: say where, between the time and the speaker.")
    if not speaker:
        raise ValueError("no speaker: say who speaks, after the city.")
    return AgendaLine(number, starts_at, ends_at, city, speaker, title)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"“{text}” is not a date: write it as 2026-06-03.") from None


def _time(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    if hours > 23 or minutes > 59:
        raise ValueError(f"“{text}” is not a time of day: 00:00 to 23:59.")
    return time(hours, minutes)
