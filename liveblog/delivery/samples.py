"""Readers over time, for the desk's chart: the hub hands over the events' reader counts each time
it counts them (every LIVEBLOG_READERS_INTERVAL), and each minute's count is kept as a
ReaderSample, the most any process counted in that minute.

A process writes an event's minute once, and again only if it counts more readers within that
minute: a few small writes a minute, whatever the readers. Best effort: a database that fails or
lags loses samples, never a frame (the writes run beside delivery, one batch at a time)."""

import asyncio
import logging
from datetime import UTC, datetime

from channels.db import database_sync_to_async
from django.db import connection, transaction

from liveblog.models import Event, ReaderSample

log = logging.getLogger(__name__)


class Samples:
    def __init__(self) -> None:
        self.written: dict[str, tuple[datetime, int]] = {}  # slug -> (minute, readers) last written
        self.writing: asyncio.Future | None = None

    def due(self, counts: dict[str, int], now: datetime | None = None) -> list[tuple[str, datetime, int]]:
        """The samples to write for ``counts`` (slug -> readers, in every process), now."""
        minute = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
        due = []
        for slug, readers in counts.items():
            last = self.written.get(slug)
            if last is None or last[0] != minute or readers > last[1]:
                due.append((slug, minute, readers))
        return due

    def record(self, counts: dict[str, int]) -> None:
        """Write the samples due, unless the last batch is still being written (then these are
        lost: the next count writes this minute anyway)."""
        if self.writing is not None and not self.writing.done():
            return
        due = self.due(counts)
        if due:
            self.writing = asyncio.ensure_future(self._write(due))

    async def _write(self, due: list[tuple[str, datetime, int]]) -> None:
        try:
            await database_sync_to_async(write_samples)(due)
        except Exception:
            log.warning("could not record reader samples", exc_info=True)
            return
        for slug, minute, readers in due:
            self.written[slug] = (minute, readers)


def write_samples(due: list[tuple[str, datetime, int]]) -> None:
    """Upsert each (event slug, minute, readers), keeping the larger count where the minute has one."""
    sql = _upsert_sql()
    with transaction.atomic(), connection.cursor() as cursor:
        for slug, minute, readers in due:
            cursor.execute(sql, [connection.ops.adapt_datetimefield_value(minute), readers, slug])


def _upsert_sql() -> str:
    """One statement, the same on PostgreSQL and SQLite; names from the models' own metadata."""
    table, events = ReaderSample._meta.db_table, Event._meta.db_table
    event, minute, readers = (ReaderSample._meta.get_field(f).column for f in ("event", "minute", "readers"))  # type: ignore[union-attr]
    return (
        f"INSERT INTO {table} ({event}, {minute}, {readers}) "  # noqa: S608
        f"SELECT id, %s, %s FROM {events} WHERE slug = %s "
        f"ON CONFLICT ({event}, {minute}) DO UPDATE SET {readers} = "
        f"CASE WHEN excluded.{readers} > {table}.{readers} THEN excluded.{readers} ELSE {table}.{readers} END"
    )
