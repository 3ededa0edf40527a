"""Daphne's command line, with two adjustments to its WebSocket limits.

- Autobahn drops the TCP connection when a client breaks a limit (a frame or message above
  --websocket-max-message-size), so the client sees 1006 and no reason. With failByDrop off it
  sends the close frame first: 1009 for "message too big", 1002 for a protocol error.
- Autobahn applies the message limit to what the server sends as well. The limit is for what
  readers may send (they have nothing to say); the frames sent to them carry whole entries,
  several kilobytes each, and must always go out.
"""

from daphne.cli import CommandLineInterface
from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol

_set_options = WebSocketFactory.setProtocolOptions
_send_message = WebSocketProtocol.sendMessage


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


def main() -> None:
    WebSocketFactory.setProtocolOptions = _with_close_frames
    WebSocketProtocol.sendMessage = _send_any_size
    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
