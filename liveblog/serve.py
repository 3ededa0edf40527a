"""Daphne's command line, with WebSocket failures closed by a close frame that says why.

Autobahn drops the TCP connection when a client breaks a limit (a frame or message above
--websocket-max-message-size), so the client sees 1006 and no reason. With failByDrop off it
sends the close frame first: 1009 for "message too big", 1002 for a protocol error.
"""

from daphne.cli import CommandLineInterface
from daphne.ws_protocol import WebSocketFactory

_set_options = WebSocketFactory.setProtocolOptions


def _with_close_frames(self, **options):
    options.setdefault("failByDrop", False)
    return _set_options(self, **options)


def main() -> None:
    WebSocketFactory.setProtocolOptions = _with_close_frames
    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
