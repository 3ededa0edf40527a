"""The replay ring and the messages between processes, on their own."""

from liveblog.delivery.bus import decode, encode
from liveblog.delivery.ring import Published, Ring


def frames(*published: Published) -> list[str]:
    return [p.frame for p in published]


def test_the_ring_replays_what_it_holds_and_no_further_back():
    one, two, three = (Published(seq, f"frame {seq}", "entry.created", seq) for seq in (1, 2, 3))
    ring = Ring(2, [one, two, three])
    assert ring.since(1) == frames(two, three) and ring.since(2) == frames(three)
    assert ring.since(3) == []
    assert ring.since(0) is None  # seq 1 has left the ring: the database must answer


def test_an_edit_keeps_replays_that_start_after_the_entrys_earlier_frames():
    ring = Ring(10)
    ring.add(Published(1, "7 created", "entry.created", 7))
    ring.add(Published(2, "8 created", "entry.created", 8))
    ring.add(Published(3, "8 edited", "entry.updated", 8))
    # The feed rewrote seq 2 (entry 8's first frame): a replay from before it is the database's.
    assert ring.since(0) is None and ring.since(1) is None
    assert ring.since(2) == ["8 edited"]


def test_an_event_change_rewrites_nothing():
    ring = Ring(10, [Published(1, "created", "entry.created", 7), Published(2, "event", "event.updated")])
    assert ring.since(0) == ["created", "event"]


def test_a_frame_that_does_not_say_what_it_is_about_counts_as_a_rewrite():
    ring = Ring(10, [Published(1, "a", "entry.created", 7), Published(2, "b")])
    assert ring.since(0) is None and ring.since(1) == ["b"]


def test_the_ring_keeps_no_more_bytes_than_its_bound_the_oldest_going_first():
    big = "x" * 1000
    ring = Ring(
        512, (Published(seq, f"{seq}{big}", "entry.created", seq) for seq in range(1, 101)), max_bytes=10_000
    )
    assert 5_000 < ring.bytes <= 10_000
    held = [int(frame[:-1000]) for frame in ring.since(ring.frames[0].seq - 1) or []]
    assert held == list(range(100 - len(held) + 1, 101)) and len(held) < 10
    assert ring.since(1) is None  # the rest comes from the database


def test_a_frame_at_a_seq_the_ring_holds_is_told_from_a_duplicate():
    ring = Ring(10, [Published(1, "one", "entry.created", 1), Published(2, "two", "entry.created", 2)])
    assert not ring.differs(Published(2, "two", "entry.created", 2))  # the same frame heard twice
    assert ring.differs(Published(2, "another two", "entry.created", 9))  # another history
    assert not ring.differs(Published(3, "three", "entry.created", 3))  # not sent yet


def test_messages_between_processes_carry_what_the_ring_needs():
    published = Published(42, '{"type":"entry.updated","seq":42}', "entry.updated", 7)
    message = encode("summit", published, "epoch-1")
    assert decode(message.encode()) == ("summit", published, "epoch-1")


def test_a_message_from_a_process_of_the_previous_release_still_delivers():
    assert decode(b"summit 42 epoch-1\n{}") == ("summit", Published(42, "{}", "", None), "epoch-1")
    assert decode(b"summit nonsense\n{}") is None
