"""The readers' WebSocket: hello, what they missed, then the live frames."""

import asyncio
import time
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from liveblog import server
from liveblog.clients import scope_client_ip
from liveblog.delivery.hub import RESTORED, hub
from liveblog.delivery.readers import AsgiReader, Reader
from liveblog.delivery.stream import Stream
from liveblog.frames import SEQ, hello_frame, replay_problem, reset_frame
from liveblog.models import Event

CLOSE_UNSUPPORTED = 1003  # readers send no binary data
CLOSE_POLICY = 1008  # a reader that keeps talking, or one that stopped reading
CLOSE_TOO_MANY = 4029  # too many sockets from one client address


class ReaderConsumer(AsyncWebsocketConsumer):
    # Frames reach readers through the hub, not a channel layer: no per-reader channel.
    channel_layer_alias = "readers-have-no-channel-layer"
    stream: Stream | None = None
    reader: Reader | None = None
    admitted = False

    async def connect(self) -> None:
        self.ip = scope_client_ip(self.scope)
        if not hub.admission.admit(self.ip):
            await self.close(code=CLOSE_TOO_MANY)  # a client address already holds its share
            return
        self.admitted = True
        try:
            await self._join()
        except BaseException:
            # No disconnect follows a connect that failed: the address's slot is given back
            # here, or a carrier's address would be locked out after enough failures.
            self.admitted = False
            hub.admission.release(self.ip)
            raise

    async def _join(self) -> None:
        self.slug = self.scope["url_route"]["kwargs"]["slug"]
        query = parse_qs(self.scope["query_string"].decode("latin-1"))
        self.stream = stream = await hub.stream(self.slug, epoch=query.get("epoch", [None])[0])
        if stream is None:
            await self.close(code=4404)
            return
        if not await self.allowed():
            await self.close(code=4403)
            return
        await self.accept()
        after = _int(query.get("after", [""])[0])
        if after is not None and after > stream.head:
            await stream.catch_up()  # the page saw changes still on their way here
        head, epoch = stream.head, stream.epoch
        await self.send(hello_frame(slug=self.slug, epoch=epoch, seq=head, readers=stream.readers_total))
        reason = _reset_reason(after, head, stream.epoch, query.get("epoch", [epoch])[0])
        if reason:
            await self.send(reset_frame(reason))
            await self.close(code=4000)
            return
        self.reader = reader = server.reader_for(self.scope, self.base_send, close=self._close_behind)
        reason = await stream.join(reader, head if after is None else after)
        if reason:
            await self.send(reset_frame(reason))
            await self.close(code=4000)
            return
        if reader in stream.readers:
            await self.joined(stream, reader)

    async def allowed(self) -> bool:
        return True

    async def joined(self, stream: Stream, reader: Reader) -> None:
        """Called once the socket receives live frames."""

    def _close_behind(self) -> None:
        """End a reader reached through ``send`` that cannot be aborted below it."""
        asyncio.ensure_future(self.close(code=CLOSE_POLICY))

    async def disconnect(self, code: int) -> None:
        if self.stream is not None and self.reader is not None:
            self.stream.leave(self.reader)
        if isinstance(self.reader, AsgiReader):
            self.reader.stop()
        if self.admitted:
            hub.admission.release(self.ip)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Readers have nothing to say: text is ignored, within a rate; binary is refused."""
        if bytes_data is not None:
            await self.close(code=CLOSE_UNSUPPORTED)
            return
        now = time.monotonic()
        self.said = [t for t in getattr(self, "said", []) if now - t < 60] + [now]
        if len(self.said) > settings.LIVEBLOG_READER_MESSAGES_PER_MINUTE:
            await self.close(code=CLOSE_POLICY)


def _reset_reason(after: int | None, head: int, epoch: str, asked_epoch: str) -> str | None:
    if asked_epoch != epoch:
        return RESTORED
    return None if after is None else replay_problem(head=head, after=after)


def _int(value: str) -> int | None:
    return int(value) if SEQ.fullmatch(value) else None


class ConsoleConsumer(ReaderConsumer):
    """The desk's console: the same feed as readers, plus who else has the console open."""

    async def allowed(self) -> bool:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return False
        return await database_sync_to_async(_on_the_desk)(self.slug, user)

    async def joined(self, stream: Stream, reader: Reader) -> None:
        user = self.scope["user"]
        if user is not None:
            stream.presence.join(reader, user.get_full_name() or user.get_username())


def _on_the_desk(slug: str, user) -> bool:
    """Editors and contributors: a contributor's console follows the feed too (their own
    entries' changes come as ids, which the console fetches)."""
    event = Event.objects.filter(slug=slug).first()
    return event is not None and event.role_of(user) is not None
