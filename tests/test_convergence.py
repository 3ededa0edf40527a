"""Readers converge to the report: whatever editors do, however readers reconnect and whichever
publishes get lost on the way, every reader that applies its frames in seq order ends up with the
entries a fresh read shows, each at its version.

A Hypothesis state machine creates, edits and deletes entries through the services, reconnects
readers (WebSockets on the in-process ASGI application, in-memory layer) and drops the next K
publishes as a Redis outage would; the hub's periodic catch-up (every LIVEBLOG_READERS_INTERVAL)
and its gap filling are what bring those changes to the readers."""

import asyncio
import concurrent.futures
import itertools
import json
import time

import hypothesis
import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from config.asgi import application
from liveblog import selectors, services
from liveblog.delivery import bus
from liveblog.delivery.hub import hub
from liveblog.frames import entry_payload
from liveblog.models import Entry, Event
from tests.conftest import make_event

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://localhost")
READERS = 2
SETTLE = 3.0  # seconds a reader may take to catch up; it takes a tick or two (0.1 s each)
SLUGS = (f"convergence-{n}" for n in itertools.count())

bodies = st.from_regex(r"[A-Za-z][A-Za-z0-9 *_`#<>&.,]{0,40}", fullmatch=True)
picks = st.integers(min_value=0, max_value=1_000)  # which of the entries: taken modulo their number


class Reader:
    """A reader page: the frames it received, applied in seq order, as a page of entries."""

    def __init__(self, name: str, slug: str):
        self.name, self.slug = name, slug
        self.seq = 0  # the last change applied
        self.page: dict[int, dict] = {}  # entry id -> the entry as the frame carried it
        self.socket: WebsocketCommunicator | None = None

    async def connect(self) -> None:
        self.socket = WebsocketCommunicator(
            application, f"/ws/events/{self.slug}/?after={self.seq}", headers=[ORIGIN]
        )
        connected, code = await self.socket.connect(timeout=10)
        assert connected, f"{self.name} was refused ({code})"

    async def disconnect(self) -> None:
        socket, self.socket = self.socket, None
        if socket is not None:
            await socket.disconnect(timeout=5)

    async def read(self) -> None:
        """Apply every frame that has arrived; never wait (a receive that times out would cancel
        the connection)."""
        while self.socket is not None and not await self.socket.receive_nothing(timeout=0):
            message = await self.socket.receive_output(timeout=5)
            assert message["type"] == "websocket.send", f"{self.name} was closed: {message}"
            self.apply(json.loads(message["text"]))

    def apply(self, frame: dict) -> None:
        kind = frame["type"]
        if kind in ("hello", "readers"):
            return
        assert kind != "reset", f"{self.name} was told to reload: {frame}"
        assert frame["seq"] == self.seq + 1, f"{self.name} got seq {frame['seq']} after {self.seq}: {frame}"
        self.seq = frame["seq"]
        if kind in ("entry.created", "entry.updated"):
            self.page[frame["entry"]["id"]] = frame["entry"]
        elif kind == "entry.deleted":
            self.page.pop(frame["entry"]["id"], None)


@database_sync_to_async
def fresh_read(slug: str) -> tuple[int, dict[int, dict]]:
    """The head of the feed and the published entries, as a page loaded now shows them."""
    event = Event.objects.get(slug=slug)
    return event.seq, {entry.pk: entry_payload(entry) for entry in selectors.entries_for_reader(event)}


@database_sync_to_async
def new_event(slug: str) -> tuple[Event, dict]:
    event = make_event(slug, cities=("Paris", "Berlin"))
    return event, {session.slug: session for session in event.sessions.all()}


def in_a_thread(fn) -> None:
    """Run on a thread of its own: the main thread may hold Playwright's event loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(fn).result()


@pytest.fixture
def lossy_publish(monkeypatch):
    """publish() that drops the next `lossy_publish.drop` publishes, as a Redis outage does."""
    real = bus.publish

    class Lossy:
        drop = 0
        dropped = 0

        def __call__(self, slug, published, epoch):
            if self.drop:
                self.drop -= 1
                self.dropped += 1
                return
            real(slug, published, epoch)

    lossy = Lossy()
    monkeypatch.setattr(bus, "publish", lossy)
    return lossy


def test_every_reader_converges_to_the_report(hub_settings, lossy_publish):
    class Convergence(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.loop = asyncio.new_event_loop()
            lossy_publish.drop = 0
            self.event, self.sessions = self.run(new_event(next(SLUGS)))
            self.alive: list[int] = []  # entries not deleted, drafts included
            self.readers = [Reader(f"reader {n}", self.event.slug) for n in range(READERS)]
            for reader in self.readers:
                self.run(reader.connect())

        def run(self, coroutine):
            self.settled = False  # until the next check passes
            return self.loop.run_until_complete(coroutine)

        def write(self, service, **kwargs):
            return self.run(database_sync_to_async(service)(by=None, **kwargs))

        def entry(self, pick: int) -> Entry:
            return Entry.objects.get(pk=self.alive[pick % len(self.alive)])

        @rule(body=bodies, city=st.sampled_from([None, "paris", "berlin"]), draft=st.booleans())
        def create(self, body, city, draft):
            status = Entry.Status.DRAFT if draft else Entry.Status.PUBLISHED
            entry = self.write(
                services.entry_create,
                event=self.event,
                body=body,
                session=self.sessions.get(city),
                status=status,
            )
            self.alive.append(entry.pk)

        @precondition(lambda self: self.alive)
        @rule(pick=picks, body=bodies, draft=st.booleans())
        def edit(self, pick, body, draft):
            entry = self.run(database_sync_to_async(self.entry)(pick))
            status = Entry.Status.DRAFT if draft else Entry.Status.PUBLISHED
            self.write(services.entry_update, entry=entry, body=body, status=status)

        @precondition(lambda self: self.alive)
        @rule(pick=picks)
        def delete(self, pick):
            entry = self.run(database_sync_to_async(self.entry)(pick))
            self.write(services.entry_delete, entry=entry)
            self.alive.remove(entry.pk)

        @precondition(lambda self: any(reader.socket for reader in self.readers))
        @rule(pick=picks)
        def leave(self, pick):
            """A connection drops: frames on their way to the reader are lost with it."""
            connected = [reader for reader in self.readers if reader.socket is not None]
            self.run(connected[pick % len(connected)].disconnect())

        @rule(n=st.integers(min_value=0, max_value=READERS - 1))
        def reconnect(self, n):
            """The reader (back, or still there) connects again from the last seq it applied."""
            reader = self.readers[n]

            async def again():
                await reader.read()
                await reader.disconnect()
                await reader.connect()

            self.run(again())

        @rule(n=st.integers(min_value=0, max_value=READERS - 1), body=bodies)
        def post_while_reconnecting(self, n, body):
            """An entry is posted while a reader connects: its frame meets the replay."""
            reader = self.readers[n]

            async def both():
                await reader.disconnect()
                post = database_sync_to_async(services.entry_create)(event=self.event, by=None, body=body)
                entry, _ = await asyncio.gather(post, reader.connect())
                self.alive.append(entry.pk)

            self.run(both())

        @rule(k=st.integers(min_value=1, max_value=3))
        def lose_publishes(self, k):
            lossy_publish.drop = k

        @invariant()
        def readers_converge(self):
            self.run(self.converged())

        async def converged(self) -> None:
            """Every connected reader catches up with the report."""
            readers = [reader for reader in self.readers if reader.socket is not None]
            deadline = time.monotonic() + SETTLE
            while True:
                head, page = await fresh_read(self.event.slug)
                for reader in readers:
                    await reader.read()
                behind = [r for r in readers if (r.seq, r.page) != (head, page)]
                if not behind:
                    self.settled = True
                    return
                if time.monotonic() > deadline:
                    reader = behind[0]
                    raise AssertionError(
                        f"{reader.name} is at seq {reader.seq}, the report at {head}; "
                        f"its page {summary(reader.page)}, the report {summary(page)}"
                    )
                await asyncio.sleep(0.02)

        def teardown(self):
            async def everyone_back():
                for reader in self.readers:
                    if reader.socket is None:
                        await reader.connect()
                await self.converged()

            async def close():
                for reader in self.readers:
                    await reader.disconnect()
                hub.reset()

            async def cancel_the_rest():
                tasks = asyncio.all_tasks() - {asyncio.current_task()}
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

            try:
                if self.settled:  # the scenario passed so far: readers still away come back too
                    self.run(everyone_back())
            finally:
                try:
                    self.run(close())
                finally:
                    self.run(cancel_the_rest())
                    self.loop.close()

    in_a_thread(
        lambda: run_state_machine_as_test(
            Convergence,
            settings=hypothesis.settings(
                max_examples=25,
                stateful_step_count=15,
                deadline=None,
                derandomize=True,
                database=None,
                # No explain phase: on a failure it replays variations, each waiting out SETTLE.
                phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate, hypothesis.Phase.shrink],
                suppress_health_check=[
                    hypothesis.HealthCheck.too_slow,
                    hypothesis.HealthCheck.data_too_large,
                ],
            ),
        )
    )
    assert lossy_publish.dropped, "no publish was lost: the catch-up went untested"


def summary(page: dict[int, dict]) -> dict[int, tuple[int, str]]:
    return {pk: (entry["version"], entry["body"][:20]) for pk, entry in sorted(page.items())}


@pytest.fixture
def hub_settings(settings):
    settings.REDIS_URL = ""  # the in-memory layer: one process, its hub
    settings.LIVEBLOG_READERS_INTERVAL = 0.1  # the catch-up that recovers lost publishes
    return settings
