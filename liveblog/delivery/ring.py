"""The replay ring: the last frames of one event's feed, kept in memory for the readers that
reconnect, so that most returning readers cost no database query."""

import sys
from collections import deque
from collections.abc import Iterable
from typing import NamedTuple

from liveblog.frames import REWRITES_HISTORY


class Published(NamedTuple):
    """A change's frame as delivery handles it: the frame text, and what it is about, so that
    nothing in delivery parses the JSON. ``entry`` is None for an event change, or when the
    publisher did not say (then the frame counts as one that rewrites history)."""

    seq: int
    frame: str
    type: str = ""
    entry: int | None = None

    @property
    def rewrites_history(self) -> bool:
        return self.type in REWRITES_HISTORY or (self.entry is None and not self.type)


class Ring:
    """Up to ``size`` frames in seq order, and no more than ``max_bytes`` of them (the oldest go
    first: a worker holds a ring for every live event, and a thousand rings of large frames would
    not fit), and the seq before which a replay must come from the database instead: the feed
    rewrote an entry's earlier frames (frames.REWRITES_HISTORY) that the ring still holds as they
    were first sent."""

    def __init__(self, size: int, frames: Iterable[Published] = (), *, max_bytes: int | None = None) -> None:
        self.frames: deque[Published] = deque()
        self.size, self.max_bytes = size, max_bytes
        self.bytes = 0  # what the frames' text takes in memory
        self.rewritten = 0
        self._last_of: dict[int, int] = {}  # entry id -> its latest seq in the ring
        for published in frames:
            self.add(published)

    def add(self, published: Published) -> None:
        frames = self.frames
        frames.append(published)
        self.bytes += sys.getsizeof(published.frame)
        while len(frames) > self.size or (self.max_bytes is not None and self.bytes > self.max_bytes):
            self._evict()
        if published.rewrites_history:
            earlier = self._last_of.get(published.entry) if published.entry is not None else published.seq - 1
            if earlier is not None:
                self.rewritten = max(self.rewritten, earlier)
        if published.entry is not None and frames:
            self._last_of[published.entry] = published.seq

    def since(self, after: int) -> list[str] | None:
        """The frames after ``after`` as first sent, or None when the ring cannot tell: it does
        not reach back that far, or the feed has rewritten some of them since."""
        frames = self.frames
        if not frames or frames[0].seq > after + 1 or after < self.rewritten:
            return None
        return [published.frame for published in frames if published.seq > after]

    def differs(self, published: Published) -> bool:
        """True if the ring holds another frame at this seq: the feed it was filled from is not
        the one this frame comes from."""
        frames = self.frames
        if not frames or not frames[0].seq <= published.seq <= frames[-1].seq:
            return False
        held = frames[published.seq - frames[0].seq]  # the ring's seqs follow each other
        return held.seq == published.seq and held.frame != published.frame

    def _evict(self) -> None:
        oldest = self.frames.popleft()
        self.bytes -= sys.getsizeof(oldest.frame)
        if oldest.entry is not None and self._last_of.get(oldest.entry) == oldest.seq:
            del self._last_of[oldest.entry]
