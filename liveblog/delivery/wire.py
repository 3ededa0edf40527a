"""Frames as a WebSocket server writes them (RFC 6455: one final, unmasked text frame each)."""


def websocket_frames(frames: list[str]) -> bytes:
    """Encoded once for every reader of a fan-out instead of once per reader."""
    parts: list[bytes] = []
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
