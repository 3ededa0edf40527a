"""Redis failing as it does in production, for the benchmarks and the tests: a Redis process that
can be killed outright (SIGKILL: connections reset, the port refuses) and started again on the
same port, and a TCP proxy in front of one that can go silent without closing anything.

A network that drops every packet looks, from either end, like a peer that stopped answering:
nothing is refused and nothing is reset, and TCP's retransmissions deliver what was held once the
network is back. The proxy does the same by ceasing to read and write while black-holed: bytes
wait in the kernels' buffers, connections made meanwhile are accepted and held, and everything
flows again on ``resume``."""

import asyncio
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from deploy.launch import free_port, wait_port


class RedisProcess:
    """A redis-server of the caller's own on ``port``, without persistence."""

    def __init__(self, port: int | None = None, *options: str) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise FileNotFoundError("redis-server is not installed")
        self.port, self.binary, self.options = port or free_port(), binary, options
        self.proc: subprocess.Popen | None = None

    def start(self) -> "RedisProcess":
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        self.proc = subprocess.Popen(
            [*command, "--appendonly", "no", *self.options], stdout=subprocess.DEVNULL
        )
        wait_port(self.port)
        return self

    def kill(self) -> None:
        """SIGKILL: no goodbye to anyone, as when the machine or the container dies."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


@contextmanager
def redis_process(port: int | None = None, *options: str) -> Iterator[RedisProcess]:
    redis = RedisProcess(port, *options).start()
    try:
        yield redis
    finally:
        redis.stop()


class BlackHole:
    """A TCP proxy from ``port`` to 127.0.0.1:``upstream`` on a thread of its own, which
    ``black_hole()`` silences (nothing forwarded either way, nothing closed) until ``resume()``."""

    def __init__(self, upstream: int, port: int | None = None) -> None:
        self.upstream, self.port = upstream, port or free_port()
        self.loop = asyncio.new_event_loop()
        self.flowing = asyncio.Event()
        self.connections = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="black-hole", daemon=True)

    def start(self) -> "BlackHole":
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the proxy did not start")
        return self

    def black_hole(self) -> None:
        self.loop.call_soon_threadsafe(self.flowing.clear)

    def resume(self) -> None:
        self.loop.call_soon_threadsafe(self.flowing.set)

    def close(self) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.flowing.set()
        server = self.loop.run_until_complete(asyncio.start_server(self._connection, "127.0.0.1", self.port))
        self._ready.set()
        try:
            self.loop.run_forever()
        finally:
            server.close()
            for task in asyncio.all_tasks(self.loop):
                task.cancel()
            self.loop.run_until_complete(asyncio.sleep(0))
            self.loop.close()

    async def _connection(self, client_reader: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        self.connections += 1
        await self.flowing.wait()  # a connection made while black-holed is held
        try:
            upstream_reader, upstream = await asyncio.open_connection("127.0.0.1", self.upstream)
        except OSError:
            client.close()
            return
        await asyncio.gather(
            self._pump(client_reader, upstream), self._pump(upstream_reader, client), return_exceptions=True
        )

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while True:
                await self.flowing.wait()
                data = await source.read(65536)
                if not data:
                    break
                await self.flowing.wait()  # read just before the black hole: held until it ends
                sink.write(data)
                await sink.drain()
        finally:
            sink.close()


@contextmanager
def black_hole(upstream: int) -> Iterator[BlackHole]:
    proxy = BlackHole(upstream).start()
    try:
        yield proxy
    finally:
        proxy.close()
