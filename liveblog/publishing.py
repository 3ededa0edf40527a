"""Frames: what readers receive for each change, built once and serialized once, and their
delivery to every reader. The only module that talks to Redis."""

import asyncio
import contextvars
import ipaddress
import json
import logging
import random
import re
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import redis
import redis.asyncio as aioredis
import redis.connection
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction

from liveblog import heads, redis_clients
from liveblog.metrics import metrics
from liveblog.models import Change, Entry, Event, Session
from liveblog.rendering import render_entry

log = logging.getLogger(__name__)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def entry_payload(entry: Entry) -> dict[str, Any]:
    """The entry as readers, the API and the frames see it."""
    session, speaker = entry.session, entry.speaker
    return {
        "id": entry.pk,
        "version": entry.version,
        "occurred_at": _iso(entry.occurred_at),
        "local_time": entry.local_time,
        "dateline": entry.dateline,
        "city": {"slug": session.slug, "name": session.city} if session else None,
        "speaker": (
            {"id": speaker.pk, "name": speaker.name, "honorific": speaker.honorific, "title": speaker.title}
            if speaker
            else None
        ),
        "kind": entry.kind,
        "pinned": entry.pinned,
        "key_moment": entry.key_moment,
        "status": entry.status,
        "body": entry.body,
        "html": render_entry(entry),
        "updated_at": _iso(entry.updated_at),
    }


def event_payload(event: Event) -> dict[str, Any]:
    return {
        "slug": event.slug,
        "title": event.title,
        "summary": event.summary,
        "status": event.status,
        "timezone": event.timezone,
        "starts_at": _iso(event.starts_at),
        "ends_at": _iso(event.ends_at),
        # Queried afresh: a prefetched list would miss the city this very change adds.
        "cities": [
            {"slug": slug, "name": city}
            for slug, city in Session.objects.filter(event=event).values_list("slug", "city")
        ],
    }


def frame_for_change(*, event: Event, seq: int, type: str, entry: Entry | None) -> str:
    """Serialize the frame for one change. An entry readers may not see (a draft, a tombstone)
    goes out as ``entry.deleted`` with its id only, so no reader ever receives its text."""
    frame: dict[str, Any] = {"type": type, "seq": seq, "epoch": event.epoch}
    if entry is None:
        frame["event"] = event_payload(event)
    elif entry.is_visible:
        frame["entry"] = entry_payload(entry)
    else:
        frame["type"] = "entry.deleted"
        frame["entry"] = {"id": entry.pk}
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


# Delivery ----------------------------------------------------------------------------------
#
# After commit, publish() hands a change's frame to this process's hub and, with REDIS_URL, to
# Redis in one PUBLISH. Every process holds one Redis subscription and its hub fans each frame
# out to the process's own readers, in seq order, as the same pre-serialized text.


def redis_channel() -> str:
    """One channel per Redis database: pub/sub ignores the database number, and two deployments
    sharing a server must not hear each other."""
    database = redis.connection.parse_url(settings.REDIS_URL).get("db", 0)
    return f"{settings.LIVEBLOG_REDIS_PREFIX}:{database}:changes"


SEQ = re.compile(r"[0-9]{1,18}")  # a seq as clients send it
REPLAY_LIMIT = 500  # a reader further behind than this reloads instead of replaying
RECENT = 512  # frames each stream keeps for readers that reconnect
GAP_WAIT = 0.25  # seconds a frame that arrived early waits for the missing ones
FAN_OUT_SLICE = 100  # readers sent to before other tasks get a turn
BATCH_BYTES = 64 * 1024  # frames waiting together go to each reader as one write, up to this


Send = Callable[[dict[str, str]], Awaitable[None]]


def replay_problem(*, head: int, after: int) -> str | None:
    """Why a reader that saw up to ``after`` cannot catch up by replay, or None if it can."""
    if after > head:
        return "This page is ahead of the report; reload."
    if head - after > REPLAY_LIMIT:
        return f"More than {REPLAY_LIMIT} changes were missed; reload."
    return None


def reset_frame(reason: str) -> str:
    return json.dumps({"type": "reset", "reason": reason})


def wire_frames(frames: list[str]) -> bytes:
    """The frames as a server writes them on a WebSocket (RFC 6455: one final, unmasked text
    frame each), encoded once for every reader instead of once per reader."""
    parts = []
    for frame in frames:
        payload = frame.encode()
        size = len(payload)
        if size < 126:
            header = bytes((0x81, size))
        elif size < 1 << 16:
            header = bytes((0x81, 126)) + size.to_bytes(2, "big")
        else:
            header = bytes((0x81, 127)) + size.to_bytes(8, "big")
        parts += (header, payload)
    return b"".join(parts)


def publish_on_commit(change: Change) -> None:
    """Publish the change's frame once its transaction commits; never if it rolls back."""
    slug, seq, frame, epoch = change.event.slug, change.seq, change.frame, change.event.epoch
    heads.forget(slug)  # and again at commit: a page read meanwhile may have cached the old head
    transaction.on_commit(lambda: publish(slug, seq, frame, epoch))


def publish(slug: str, seq: int, frame: str, epoch: str = "") -> None:
    """Hand a committed frame to the readers. A failure is logged, never raised: the change is
    committed, and readers recover it through seq once delivery works again."""
    heads.forget(slug)
    hub.deliver_threadsafe(slug, seq, frame, epoch)
    if not settings.REDIS_URL:
        return
    try:
        _redis_client().publish(redis_channel(), f"{slug} {seq} {epoch}\n{frame}")
    except redis.RedisError:
        metrics.publish_failures += 1
        log.warning("publish of %s #%s to Redis failed; readers will catch up", slug, seq, exc_info=True)


_sync_redis: redis.Redis | None = None


def _redis_client() -> redis.Redis:
    global _sync_redis
    if _sync_redis is None:
        # Short timeouts: an editor's POST must not hang on a Redis outage.
        _sync_redis = redis_clients.sync_client(socket_timeout=1, socket_connect_timeout=1)
    return _sync_redis


@database_sync_to_async
def _feed_head(slug: str) -> tuple[int, str] | None:
    return Event.objects.filter(slug=slug).values_list("seq", "epoch").first()


@database_sync_to_async
def _frames_after(slug: str, seq: int, limit: int) -> list[tuple[int, str]]:
    changes = Change.objects.filter(event__slug=slug, seq__gt=seq).order_by("seq")
    return list(changes.values_list("seq", "frame")[:limit])


class Stream:
    """One event's readers in this process and the frames sent to them, in seq order."""

    def __init__(self, slug: str, head: int, epoch: str, recent: list[tuple[int, str]]):
        self.slug, self.head, self.sent, self.epoch = slug, head, head, epoch
        self.readers: dict[object, Send] = {}
        self.recent: deque[tuple[int, str]] = deque(recent, maxlen=RECENT)
        self.pending: dict[int, str] = {}
        self.outbox: deque[tuple[int | None, str]] = deque()
        self.lock = asyncio.Lock()
        self.wake = asyncio.Event()
        self.readers_total = 0
        self.consoles: dict[object, tuple[Send, str]] = {}
        self.remote_editors: list[str] = []
        self.editors_shown: list[str] = []
        self.tasks = {asyncio.ensure_future(self._fan_out())}
        self.filling = False
        self.idle_since: float | None = None
        self.rewritten = 0  # replays from before this seq come from the database

    def deliver(self, seq: int, frame: str) -> None:
        """Queue a frame; release it and any it unblocks in seq order. Call in the loop."""
        if seq <= self.head:
            return  # already delivered (local and Redis paths both bring it)
        self.pending[seq] = frame
        while self.head + 1 in self.pending:
            self.head += 1
            self.outbox.append((self.head, self.pending.pop(self.head)))
        if self.outbox:
            self.wake.set()
        if self.pending and not self.filling:
            self._spawn(self._fill(wait=GAP_WAIT))

    def idle(self) -> bool:
        """True once the stream has had no reader for a while: it can be dropped."""
        if self.readers:
            self.idle_since = None
            return False
        self.idle_since = self.idle_since or time.monotonic()
        return time.monotonic() - self.idle_since > 60

    def reset_all(self, reason: str) -> None:
        self.broadcast(reset_frame(reason))

    def broadcast(self, frame: str) -> None:
        """A frame outside the feed (the reader count): sent in turn, not kept."""
        self.outbox.append((None, frame))
        self.wake.set()

    async def catch_up(self) -> None:
        """Fetch from the database every change this stream has not delivered yet."""
        await self._fill(wait=0)

    async def join(self, key: object, send: Send, after: int) -> None:
        """Send the reader what it missed after ``after``, then the live frames."""
        if after > self.head:
            await self.catch_up()
        async with self.lock:
            if after < self.sent:
                frames = await self._since(after)
                if frames and not key.push(wire_frames(frames)):
                    for frame in frames:
                        await send({"type": "websocket.send", "text": frame})
            self.readers[key] = send

    def leave(self, key: object) -> None:
        self.readers.pop(key, None)
        if self.consoles.pop(key, None):
            self.share_presence()

    def console_join(self, key: object, send: Send, name: str) -> None:
        self.consoles[key] = (send, name)
        self.share_presence()

    def local_editors(self) -> list[str]:
        return sorted({name for _, name in self.consoles.values()})

    def share_presence(self, names: list[str] | None = None) -> None:
        """Tell the consoles in this process who has the console open (here, or anywhere)."""
        names = sorted(set(self.local_editors() + (self.remote_editors if names is None else names)))
        if names == self.editors_shown:
            return
        self.editors_shown = names
        message = {"type": "websocket.send", "text": json.dumps({"type": "presence", "editors": names})}
        for send, _ in list(self.consoles.values()):
            self._spawn(send(message))

    async def _since(self, after: int) -> list[str]:
        # The ring serves replays from where it is still true: before `rewritten`, an entry was
        # edited or deleted since, and the database holds its frames as they read now.
        if self.recent and self.recent[0][0] <= after + 1 and after >= self.rewritten:
            return [frame for seq, frame in self.recent if seq > after]
        rows = await _frames_after(self.slug, after, self.sent - after)
        return [frame for seq, frame in rows if seq <= self.sent]

    async def _fill(self, *, wait: float) -> None:
        self.filling = True
        try:
            if wait:
                await asyncio.sleep(wait)
            if wait and not self.pending:
                return  # the missing frames arrived by themselves
            for seq, frame in await _frames_after(self.slug, self.head, REPLAY_LIMIT * 2):
                self.deliver(seq, frame)
        except Exception:
            log.exception("could not fetch missed changes of %s", self.slug)
        finally:
            self.filling = False
        if self.pending:
            self._spawn(self._fill(wait=GAP_WAIT))  # still missing: try again shortly

    async def _fan_out(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            async with self.lock:
                while self.outbox:
                    batch = self._next_batch()
                    started = time.perf_counter()
                    await self._send_all([frame for _, frame in batch])
                    metrics.fanout_seconds.observe(time.perf_counter() - started)
                    metrics.changes_fanned_out += len(batch)
                    for seq, frame in batch:
                        if seq is not None:
                            self._remember(seq, frame)
                            self.sent = seq

    def _next_batch(self) -> list[tuple[int | None, str]]:
        """The frames waiting, in order, up to BATCH_BYTES (at least one): under a burst, each
        reader gets every frame that arrived during the previous fan-out in one write."""
        batch = [self.outbox.popleft()]
        size = len(batch[0][1])
        while self.outbox and size + len(self.outbox[0][1]) <= BATCH_BYTES:
            batch.append(self.outbox.popleft())
            size += len(batch[-1][1])
        return batch

    async def _send_all(self, frames: list[str]) -> None:
        # The frames were serialized once, at commit, and are framed once here for every reader.
        wire = wire_frames(frames)
        messages = [{"type": "websocket.send", "text": frame} for frame in frames]
        limit = settings.LIVEBLOG_READER_BUFFER
        metrics.frames_sent += len(self.readers) * len(frames)
        for n, (key, send) in enumerate(list(self.readers.items()), 1):
            try:
                if not key.push(wire):
                    for message in messages:
                        await send(message)
                if key.backlog() > limit:
                    # A reader that stopped reading: its frames would pile up in this process.
                    log.info(
                        "disconnecting a reader of %s that fell %d bytes behind", self.slug, key.backlog()
                    )
                    self.readers.pop(key, None)
                    key.abort()
                    metrics.readers_dropped_slow += 1
            except Exception:
                # Closed, so that the page reconnects and catches up rather than stays silent.
                log.warning("dropping a reader of %s that could not be sent to", self.slug, exc_info=True)
                self.readers.pop(key, None)
                key.abort()
            if n % FAN_OUT_SLICE == 0:
                await asyncio.sleep(0)  # handshakes and the Redis subscription get their turn

    def _remember(self, seq: int, frame: str) -> None:
        self.recent.append((seq, frame))
        if frame.startswith(('{"type":"entry.updated"', '{"type":"entry.deleted"')):
            entry_id = json.loads(frame)["entry"]["id"]
            earlier = [s for s, f in self.recent if s < seq and _entry_id(f) == entry_id]
            self.rewritten = max([self.rewritten, *earlier])

    def _spawn(self, coroutine) -> None:
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def close(self) -> None:
        for task in self.tasks:
            task.cancel()


class Hub:
    """This process's streams, its one Redis subscription and the reader-count ticker."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.streams: dict[str, Stream] = {}
        self.creating: dict[str, asyncio.Future] = {}
        self.tasks: set[asyncio.Task] = set()
        self.redis: aioredis.Redis | None = None
        self.process_id = uuid.uuid4().hex
        self.sockets_per_ip: dict[str, int] = {}

    def admit(self, ip: str) -> bool:
        """Count a new socket of ``ip``, unless it already holds LIVEBLOG_MAX_SOCKETS_PER_IP.
        Loopback is not counted: it is a proxy on this host whose clients cannot be told apart
        (until it is named in TRUSTED_PROXIES), or a local tool."""
        if _loopback(ip):
            return True
        held = self.sockets_per_ip.get(ip, 0)
        if held >= settings.LIVEBLOG_MAX_SOCKETS_PER_IP:
            return False
        self.sockets_per_ip[ip] = held + 1
        return True

    def release(self, ip: str) -> None:
        if _loopback(ip):
            return
        held = self.sockets_per_ip.get(ip, 0) - 1
        if held > 0:
            self.sockets_per_ip[ip] = held
        else:
            self.sockets_per_ip.pop(ip, None)

    def _bind(self) -> None:
        """Attach to the running loop; a new loop (a test, a restarted server) starts afresh."""
        loop = asyncio.get_running_loop()
        if self.loop is loop:
            return
        self.reset()
        self.loop = loop
        self._spawn(self._tick())
        if settings.REDIS_URL:
            self.redis = redis_clients.async_client(socket_timeout=2)
            self._spawn(self._subscribe())

    def reset(self) -> None:
        for task in self.tasks:
            task.cancel()
        for stream in self.streams.values():
            stream.close()
        self.loop, self.streams, self.creating, self.tasks, self.redis = None, {}, {}, set(), None

    def _spawn(self, coroutine) -> None:
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def stream(self, slug: str, *, epoch: str | None = None) -> Stream | None:
        """The event's stream in this process, created on its first reader; None: no such event.
        A stream whose epoch differs from ``epoch`` (the event was restored) is opened afresh."""
        self._bind()
        stream = self.streams.get(slug)
        if stream is not None and (epoch is None or stream.epoch == epoch):
            return stream
        if slug not in self.creating:
            opening = self.creating[slug] = asyncio.ensure_future(self._open(slug))
            opening.add_done_callback(lambda _: self.creating.pop(slug, None))
        return await asyncio.shield(self.creating[slug])

    async def _open(self, slug: str) -> Stream | None:
        head = await _feed_head(slug)
        if head is None:
            return None
        seq, epoch = head
        old = self.streams.get(slug)
        if old is not None and old.epoch == epoch:
            return old
        recent = await _frames_after(slug, max(0, seq - RECENT), RECENT * 2)
        stream = self.streams[slug] = Stream(slug, recent[-1][0] if recent else seq, epoch, recent[-RECENT:])
        if old is not None:
            old.reset_all("The report was restored; reload to see it as it is now.")
        # Frames published while the rows above were read found no stream: fetch them.
        await stream.catch_up()
        return stream

    def deliver_threadsafe(self, slug: str, seq: int, frame: str, epoch: str = "") -> None:
        loop = self.loop
        if loop is None or loop.is_closed():
            return  # no reader has connected to this process
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self.deliver(slug, seq, frame, epoch)
        else:
            # A fresh context: the caller's (a sync thread inside asgiref's executor) would make
            # the tasks this frame spawns look like they run in that executor too.
            loop.call_soon_threadsafe(self.deliver, slug, seq, frame, epoch, context=contextvars.Context())

    def deliver(self, slug: str, seq: int, frame: str, epoch: str = "") -> None:
        heads.forget(slug)  # a change made in another process: its pages here are out of date
        stream = self.streams.get(slug)
        if stream is None:
            return
        if not epoch or epoch == stream.epoch:
            stream.deliver(seq, frame)
        else:
            # Another epoch never mixes with this stream's seqs: if the database has moved to it
            # (a restore), the stream is opened afresh and its readers reload.
            self._spawn(self.stream(slug, epoch=epoch))

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(settings.LIVEBLOG_READERS_INTERVAL)
            try:
                await self._catch_up_all()
            except Exception:
                log.warning("could not check the feeds for missed changes", exc_info=True)
            try:
                await self._count_readers()
            except Exception:
                log.warning("could not update reader counts", exc_info=True)

    async def _count_readers(self) -> None:
        streams = [s for s in self.streams.values() if s.readers or s.readers_total or s.editors_shown]
        local = {s.slug: (len(s.readers) - len(s.consoles), s.local_editors()) for s in streams}
        shared = await self._shared_counts(local) if self.redis else local
        for stream in streams:
            total, editors = shared.get(stream.slug, (0, []))
            if total != stream.readers_total:
                stream.readers_total = total
                stream.broadcast(json.dumps({"type": "readers", "count": total}))
            stream.remote_editors = editors
            stream.share_presence(editors)

    async def _catch_up_all(self) -> None:
        """A safety net: whatever a lost publish, a Redis outage or another process without Redis
        (an import, a script) left undelivered, every stream with readers fetches it."""
        for stream in list(self.streams.values()):
            if stream.readers:
                head = await _feed_head(stream.slug)
                if head is not None and head[1] != stream.epoch:
                    await self.stream(stream.slug, epoch=head[1])  # restored: readers reload
                    continue
                await stream.catch_up()
            elif stream.idle():
                self.streams.pop(stream.slug, None)
                stream.close()

    async def _subscribe(self) -> None:
        delay = 0.5
        while True:
            try:
                async with self.redis.pubsub() as pubsub:
                    await pubsub.subscribe(redis_channel())
                    log.info("subscribed to %s", redis_channel())
                    delay = 0.5
                    for stream in list(self.streams.values()):
                        await stream.catch_up()  # whatever was published while we were away
                    async for message in pubsub.listen():
                        self._on_message(message)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("Redis subscription lost; retrying in %.1f s", delay, exc_info=True)
                await asyncio.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 5.0)

    async def _shared_counts(
        self, local: dict[str, tuple[int, list[str]]]
    ) -> dict[str, tuple[int, list[str]]]:
        """Report this process's readers and editors to Redis; add up every live process's."""
        now = time.time()
        fresh_after = now - 3 * settings.LIVEBLOG_READERS_INTERVAL
        shared = {}
        for slug, (count, editors) in local.items():
            key = f"{settings.LIVEBLOG_REDIS_PREFIX}:readers:{slug}"
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.hset(key, self.process_id, json.dumps([count, now, editors]))
                pipe.expire(key, 3600)
                pipe.hgetall(key)
                *_, reports = await pipe.execute()
            live = [r for r in map(_report, reports.values()) if r and r[1] >= fresh_after]
            shared[slug] = (sum(r[0] for r in live), sorted({name for r in live for name in r[2]}))
        return shared

    def _on_message(self, message: dict) -> None:
        if message.get("type") != "message":
            return
        header, _, frame = message["data"].decode().partition("\n")
        slug, seq, epoch = (header.split(" ") + ["", ""])[:3]
        if SEQ.fullmatch(seq):
            self.deliver(slug, int(seq), frame, epoch)


def _entry_id(frame: str) -> int | None:
    entry = json.loads(frame).get("entry")
    return entry["id"] if entry else None


def _loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def _report(value: bytes) -> list | None:
    """One process's [readers, reported at, editors]; None for anything else under that key."""
    try:
        report = json.loads(value)
        count, at, editors = report
        return [int(count), float(at), [str(name) for name in editors]]
    except (ValueError, TypeError):
        return None


hub = Hub()
