"""Daphne's command line, with two adjustments to its WebSocket limits.

- Autobahn drops the TCP connection when a client breaks a limit (a frame or message above
  --websocket-max-message-size), so the client sees 1006 and no reason. With failByDrop off it
  sends the close frame first: 1009 for "message too big", 1002 for a protocol error.
- Autobahn applies the message limit to what the server sends as well. The limit is for what
  readers may send (they have nothing to say); the frames sent to them carry whole entries,
  several kilobytes each, and must always go out.

And one to its listening socket: Twisted's listen queue holds 50 connections. When a worker
restarts, thousands of readers reconnect within a second or two; past 50 the kernel drops their
handshakes and each retries a second or more later. ``-b``/``-p`` listen with
LIVEBLOG_LISTEN_BACKLOG (4096; the kernel caps it at ``net.core.somaxconn``).
"""

import os

import daphne.cli
from daphne.cli import CommandLineInterface
from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol

_set_options = WebSocketFactory.setProtocolOptions
_send_message = WebSocketProtocol.sendMessage
_endpoints = daphne.cli.build_endpoint_description_strings


def _with_close_frames(self, **options):
    options.setdefault("failByDrop", False)
    return _set_options(self, **options)


def _send_any_size(self, *args, **kwargs):
    # sendMessage writes synchronously, so lifting the limit for its duration is exact.
    limit, self.maxMessagePayloadSize = self.maxMessagePayloadSize, 0
    try:
        return _send_message(self, *args, **kwargs)
    finally:
        self.maxMessagePayloadSize = limit


def _with_listen_backlog(*args, **kwargs) -> list[str]:
    backlog = int(os.environ.get("LIVEBLOG_LISTEN_BACKLOG") or 4096)
    return [
        f"{endpoint}:backlog={backlog}" if endpoint.startswith("tcp:") else endpoint
        for endpoint in _endpoints(*args, **kwargs)
    ]


def main() -> None:
    WebSocketFactory.setProtocolOptions = _with_close_frames
    WebSocketProtocol.sendMessage = _send_any_size
    daphne.cli.build_endpoint_description_strings = _with_listen_backlog
    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
