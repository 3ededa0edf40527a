"""One server under test, measured: connect the readers, let them idle, run the rounds (and the
burst, the stalled readers' wait, the restart), collect what every reader saw."""

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .burst import Burst
from .clients import ConnectReport, Fleet, ReaderResult
from .proc import cpu_seconds, listen_overflows, now, rss_kib
from .profiling import Profiler, summarize
from .restart import Restart
from .stalled import Stalled, close_all, note_closed, open_stalled, queued_bytes, wait_closed

# A round's trigger: given the round's number and expected seq, start the frame on its way;
# returns the POST's duration in seconds, or None when there is no POST (the floor).
Trigger = Callable[[int, int], float | None]


@dataclass
class Hooks:
    """What a server under test does beyond a round's trigger."""

    trigger: Trigger
    burst: Callable[[int, int], Burst]  # (entries, the seq the first will get): what was sent
    restart: Callable[[], Restart] | None = None  # Liveblog only: stop, start, post
    profile_pid: int | None = None  # Liveblog only: the process py-spy samples


@dataclass
class Phase:
    """Everything one server under test measured."""

    name: str
    frame_bytes: int
    first_seq: int  # the head when readers connected; round n's frame has seq first_seq + n
    connect: list[ConnectReport] = field(default_factory=list)
    triggers: dict[int, float] = field(default_factory=dict)  # seq: when its round started
    post_s: list[float] = field(default_factory=list)
    results: list[ReaderResult] = field(default_factory=list)
    rounds_done: int = 0
    timeouts: int = 0
    rss_before_kib: int = 0
    rss_connected_kib: int = 0
    overflows_connecting: int = 0  # listen-queue overflows while the readers connected
    idle_cpu_share: float = 0.0
    cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    log_tails: list[str] = field(default_factory=list)
    burst: Burst | None = None
    burst_drained_at: float | None = None  # every reader had every entry of the burst
    stalled: Stalled | None = None
    stalled_closed: int = 0  # stalled connections the server had closed by the end of the rounds
    stalled_logged: int | None = None  # Liveblog's own count of readers it disconnected
    stalled_queues: tuple[list[int], list[int]] = ([], [])
    restart: Restart | None = None
    profile: list[str] = field(default_factory=list)


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# Running a phase ---------------------------------------------------------------------------


def run_phase(phase: Phase, pids: list[int], ws_urls: list[str], hooks: Hooks, args) -> None:
    """Connect the readers, let them idle, run the rounds (and the burst, the restart), collect
    what every reader saw."""
    if args.stalled:
        # Before the memory baseline: the per-reader figure is the readers' own.
        count = round(args.stalled * args.readers)
        progress(f"{phase.name}: opening {count} stalled connections")
        phase.stalled = open_stalled(ws_urls, count)
    phase.rss_before_kib = rss_kib(pids)
    resume = hooks.restart is not None
    plans = Fleet.plans(
        ws_urls,
        args.readers,
        args.client_procs,
        args.connect_concurrency,
        args.open_timeout,
        resume,
        args.resume_timeout,
    )
    fleet = Fleet(plans)
    try:
        progress(f"{phase.name}: connecting {args.readers} readers")
        overflows = listen_overflows()
        reports = fleet.wait_connected(args.connect_timeout)
        phase.overflows_connecting = listen_overflows() - overflows
        if reports is None:
            phase.notes.append(f"connecting did not finish within {args.connect_timeout:g} s")
            return
        phase.connect = reports
        if not connected(phase):
            phase.notes.append("no reader connected; no rounds run")
            return
        settle(phase, pids, args.settle)
        progress(f"{phase.name}: {connected(phase)} connected; {args.rounds} rounds")
        profiled_rounds(phase, fleet, pids, hooks, args)
        if args.burst:
            run_burst(phase, fleet, hooks, args)
        if phase.stalled:
            note_stalled(phase, args.stalled_wait)  # before a restart closes everything
        if hooks.restart:
            run_restart(phase, fleet, hooks.restart, args)
        phase.results = fleet.collect()
    finally:
        fleet.stop()
        if phase.stalled:
            close_all(phase.stalled)


def profiled_rounds(phase: Phase, fleet: Fleet, pids: list[int], hooks: Hooks, args) -> None:
    if not (args.profile and hooks.profile_pid):
        run_rounds(phase, fleet, pids, hooks.trigger, args)
        return
    profiler = Profiler(hooks.profile_pid, args.profile)
    try:
        time.sleep(0.5)  # py-spy attaches before the first round
        run_rounds(phase, fleet, pids, hooks.trigger, args)
    finally:
        profiler.stop()
    phase.profile = summarize(args.profile) if args.profile.exists() else [f"no profile: see {profiler.log}"]


def run_burst(phase: Phase, fleet: Fleet, hooks: Hooks, args) -> None:
    """After the rounds: --burst entries within one second, then wait until every reader has all."""
    time.sleep(args.pause)
    progress(f"{phase.name}: burst of {args.burst} entries in one second")
    phase.burst = hooks.burst(args.burst, phase.first_seq + phase.rounds_done + 1)
    if not phase.burst.starts:
        phase.notes.append("the burst posted nothing")
        return
    if fleet.wait_round(max(phase.burst.starts), args.round_timeout + 1):
        phase.burst_drained_at = now()
    else:
        phase.notes.append(f"the burst did not reach every reader within {args.round_timeout + 1:g} s")


def note_stalled(phase: Phase, seconds: float) -> None:
    """What became of the stalled connections by the end of the rounds and the burst (a second
    for the server's last aborts to land); then how long the server takes to close the rest."""
    time.sleep(1)
    phase.stalled_closed = note_closed(phase.stalled)
    phase.stalled_queues = queued_bytes(phase.stalled)
    if seconds:
        progress(f"{phase.name}: waiting up to {seconds:g} s for the server to close the stalled connections")
        wait_closed(phase.stalled, seconds)


def run_restart(phase: Phase, fleet: Fleet, restart: Callable[[], Restart], args) -> None:
    time.sleep(args.pause)
    progress(f"{phase.name}: restarting the server process(es)")
    phase.restart = restart()
    if not phase.restart.starts:
        phase.notes.append("nothing was posted after the restart")
        return
    # From the kill: the readers have that long to come back and get everything.
    left = phase.restart.killed_at + args.resume_timeout - now()
    if fleet.wait_round(max(phase.restart.starts), max(1.0, left)):
        phase.restart.caught_up_at = now()
    else:
        late = f"within {args.resume_timeout:g} s of the kill"
        phase.notes.append(f"not every reader had the entries posted after the restart {late}")
    phase.restart.overflows = listen_overflows() - phase.restart.overflows


def settle(phase: Phase, pids: list[int], seconds: float) -> None:
    """Let the connected readers idle, then read the server's memory; the CPU it spends
    meanwhile is what holding the connections costs."""
    before = cpu_seconds(pids)
    time.sleep(seconds)
    phase.idle_cpu_share = (cpu_seconds(pids) - before) / seconds
    phase.rss_connected_kib = rss_kib(pids)


def run_rounds(phase: Phase, fleet: Fleet, pids: list[int], trigger: Trigger, args) -> None:
    cpu_before, client_before = cpu_seconds(pids), cpu_seconds(fleet.pids)
    late_in_a_row = 0
    for number in range(1, args.rounds + 1):
        if number > 1:
            time.sleep(args.pause)  # one entry at a time, as an editor posts them
        seq = phase.first_seq + number
        phase.triggers[seq] = now()
        spent = trigger(number, seq)
        if spent is not None:
            phase.post_s.append(spent)
        phase.rounds_done = number
        late_in_a_row = 0 if fleet.wait_round(seq, args.round_timeout) else late_in_a_row + 1
        phase.timeouts += late_in_a_row > 0
        if late_in_a_row == 3:
            phase.notes.append(f"stopped after round {number}: 3 rounds in a row did not reach everyone")
            break
    phase.cpu_s = cpu_seconds(pids) - cpu_before
    phase.client_cpu_s = cpu_seconds(fleet.pids) - client_before


def connected(phase: Phase) -> int:
    return sum(report.ok for report in phase.connect)
