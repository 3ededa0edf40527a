"""Fan-out benchmark: how fast an entry posted through the API reaches many connected readers.

Starts Liveblog as production runs it (Daphne, DEBUG off), connects readers from separate client
processes, posts entries one at a time and times each frame from the POST to every reader; then
does the same against a bare ``websockets`` broadcast server (the floor). Optionally then a burst
of entries within one second (--burst), readers that never read among the others (--stalled), a
restart of every server process with all readers reconnecting (--restart) and a py-spy profile
of the rounds (--profile). Prints figures only. See bench/README.md."""

import argparse
import math
import shlex
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from fanout_burst import Burst, post_burst, trigger_burst
from fanout_clients import ConnectReport, Fleet, ReaderResult
from fanout_floor import FloorServer
from fanout_liveblog import (
    SLUG,
    Daphne,
    bench_env,
    calibrate,
    dropped_readers,
    entry_body,
    free_port,
    head_seq,
    log_problems,
    post_entry,
    prepare_database,
    start_daphne,
    stop_daphne,
    tail,
    wait_healthy,
)
from fanout_proc import Witness, cpu_seconds, listen_overflows, now, raise_nofile_limit, rss_kib
from fanout_profile import Profiler, summarize
from fanout_restart import Restart, post_after_restart, restart_servers
from fanout_stalled import Stalled, close_all, lifetimes, note_closed, open_stalled, queued_bytes, wait_closed

REDIS_URL = "redis://127.0.0.1:6379/13"

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


def start_servers(args, env: dict[str, str], tmp: Path, stack: ExitStack) -> list[Daphne]:
    servers: list[Daphne] = []
    # Whatever the list holds at the end: a restart replaces its items.
    stack.callback(lambda: [stop_daphne(server) for server in servers])
    for n in range(args.processes):
        servers.append(start_daphne(env, tmp / f"daphne-{n}.log", args.application, backlog=args.backlog))
    for server in servers:
        wait_healthy(server)
    return servers


def clear_reader_counts(redis_url: str) -> None:
    """A previous run's processes may still count as live readers for a few seconds."""
    import redis

    redis.Redis.from_url(redis_url, socket_timeout=2).delete(
        f"liveblog:readers:{SLUG}"
    )  # the default LIVEBLOG_REDIS_PREFIX


def liveblog_phase(args, tmp: Path) -> Phase:
    redis_url = REDIS_URL if args.redis else None
    if redis_url:
        clear_reader_counts(redis_url)
    env = bench_env(tmp, args.database_url, redis_url)
    progress("liveblog: migrate, collectstatic, load_demo, create_editor")
    token = prepare_database(env, tmp)
    with ExitStack() as stack:
        servers = start_servers(args, env, tmp, stack)
        try:
            return measure_liveblog(args, servers, token, env)
        except Exception:
            for server in servers:
                print(f"--- {server.log.name} ---\n{tail(server.log)}", file=sys.stderr)
            raise


def measure_liveblog(args, servers: list[Daphne], token: str, env: dict[str, str]) -> Phase:
    body_length, size = calibrate(servers[0].url, token, args.frame_bytes)
    phase = Phase("liveblog", size, head_seq(servers[0].url))
    logs = [server.log for server in servers]

    def post(number: int, seq: int) -> float:
        # Rounds alternate between the processes: an editor reaches any of them.
        return post_entry(servers[(number - 1) % len(servers)].url, token, entry_body(number, body_length))

    def burst(count: int, first_seq: int) -> Burst:
        return post_burst([server.url for server in servers], token, count, body_length, first_seq - 1)

    def restart() -> Restart:
        done = Restart()
        head = head_seq(servers[0].url)
        restart_servers(servers, env, args.application, args.backlog, done)
        logs.extend(done.logs)
        post_after_restart(servers, token, args.restart_posts, body_length, head, done)
        return done

    hooks = Hooks(post, burst, restart if args.restart else None, servers[0].proc.pid)
    ws_urls = [f"{server.ws_url}?after={phase.first_seq}" for server in servers]
    try:
        run_phase(phase, [server.proc.pid for server in servers], ws_urls, hooks, args)
    finally:
        keep_logs(phase, logs)
    return phase


def keep_logs(phase: Phase, logs: list[Path]) -> None:
    """Read Daphne's output before the temporary directory goes."""
    for log in logs:
        phase.problems += log_problems(log)
        phase.log_tails.append(f"--- {log.name} (last lines) ---\n{tail(log)}")
    if phase.stalled:
        phase.stalled_logged = sum(dropped_readers(log) for log in logs)


def floor_phase(args, frame_bytes: int) -> Phase:
    floor = FloorServer(free_port(), frame_bytes)
    try:
        phase = Phase("floor", frame_bytes, 0)
        hooks = Hooks(
            lambda number, seq: floor.trigger(seq),
            lambda count, seq: trigger_burst(floor.trigger, count, seq),
        )
        run_phase(phase, [floor.proc.pid], [floor.url], hooks, args)
    finally:
        floor.stop()
    return phase


# Figures -----------------------------------------------------------------------------------


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of a sorted list."""
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def round_latencies(phase: Phase, starts: dict[int, float] | None = None) -> dict[int, list[float]]:
    """Per seq, sorted: from the round's start (or ``starts``') to each reader's receiving the
    frame, in ms. A frame received twice counts once, the first time."""
    starts = phase.triggers if starts is None else starts
    by_seq: dict[int, list[float]] = {seq: [] for seq in starts}
    for result in phase.results:
        seen = set()
        for seq, received in result.got:
            if seq in by_seq and seq not in seen:
                seen.add(seq)
                by_seq[seq].append((received - starts[seq]) * 1000)
    return {seq: sorted(values) for seq, values in by_seq.items() if values}


def expected_seqs(phase: Phase) -> list[int]:
    """Every seq a reader must have got: the rounds', the burst's, those posted after a restart."""
    seqs = set(phase.triggers)
    if phase.burst:
        seqs |= set(phase.burst.starts)
    if phase.restart:
        seqs |= set(phase.restart.starts)
    return sorted(seqs)


def latency_summary(phase: Phase) -> dict[str, float]:
    rounds = list(round_latencies(phase).values())
    if not rounds:
        return {}
    return {
        "first": statistics.median(r[0] for r in rounds),
        "p50": statistics.median(percentile(r, 50) for r in rounds),
        "p99": statistics.median(percentile(r, 99) for r in rounds),
        "last": statistics.median(r[-1] for r in rounds),
        "worst": max(r[-1] for r in rounds),
    }


def frame_check(phase: Phase) -> dict[str, int]:
    """Every connected reader must have every frame, once, in seq order."""
    expected = set(expected_seqs(phase))
    check = dict.fromkeys(("missing", "disorder", "unexpected", "bad_hello", "dropped", "gapped"), 0)
    for result in phase.results:
        if result.hello_seq is None:
            continue  # never connected: counted among the connection failures
        seqs = [seq for seq, _ in result.got]
        missing = len(expected - set(seqs))
        check["missing"] += missing
        check["gapped"] += missing > 0  # readers with at least one missing seq
        check["disorder"] += sum(1 for a, b in zip(seqs, seqs[1:], strict=False) if b <= a)
        check["unexpected"] += sum(1 for seq in seqs if seq not in expected) + len(result.other)
        check["bad_hello"] += result.hello_seq != phase.first_seq
        check["dropped"] += result.error is not None
    return check


def connected(phase: Phase) -> int:
    return sum(report.ok for report in phase.connect)


def connect_rate(phase: Phase) -> float:
    if not phase.connect:
        return 0.0
    span = max(r.finished for r in phase.connect) - min(r.started for r in phase.connect)
    return connected(phase) / span if span > 0 else 0.0


def per_recipient_us(phase: Phase, seconds: float) -> float:
    recipients = phase.rounds_done * connected(phase)
    return seconds / recipients * 1e6 if recipients else 0.0


# The table ---------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def phase_rows(phase: Phase, readers: int) -> dict[str, str]:
    lat, check = latency_summary(phase), frame_check(phase)
    grown = phase.rss_connected_kib - phase.rss_before_kib
    per_reader = grown / connected(phase) if connected(phase) else None
    return {
        "readers connected": f"{connected(phase)}/{readers}",
        "connect rate (connections/s)": fmt(connect_rate(phase), 0),
        "listen-queue overflows while connecting": str(phase.overflows_connecting),
        "frame size (bytes)": str(phase.frame_bytes),
        "rounds completed (timed out)": f"{phase.rounds_done} ({phase.timeouts})",
        "first reader, median of rounds (ms)": fmt(lat.get("first")),
        "latency p50, median of rounds (ms)": fmt(lat.get("p50")),
        "latency p99, median of rounds (ms)": fmt(lat.get("p99")),
        "last reader, median of rounds (ms)": fmt(lat.get("last")),
        "last reader, worst round (ms)": fmt(lat.get("worst")),
        "POST response, median (ms)": fmt(statistics.median(phase.post_s) * 1000 if phase.post_s else None),
        "missing / out-of-order frames": f"{check['missing']} / {check['disorder']}",
        "unexpected frames / wrong hello seq": f"{check['unexpected']} / {check['bad_hello']}",
        "readers dropped": str(check["dropped"]),
        "server CPU per recipient (µs)": fmt(per_recipient_us(phase, phase.cpu_s)),
        "server CPU, readers idle (% of a core)": fmt(phase.idle_cpu_share * 100),
        "server RSS per reader (KiB)": fmt(per_reader),
        "client CPU per recipient (µs)": fmt(per_recipient_us(phase, phase.client_cpu_s)),
        "server log warnings/errors": str(len(phase.problems)),
    }


def ms_between(start: float | None, end: float | None) -> float | None:
    return (end - start) * 1000 if start is not None and end is not None else None


def joined(values: list[float | None], digits: int = 1) -> str:
    """Several figures in one cell: "12.0 / 15.3"."""
    return " / ".join(fmt(value, digits) for value in values)


def spread(ordered: list[float], digits: int = 1) -> str:
    """Median / p99 / last of a sorted list."""
    if not ordered:
        return "-"
    return joined([percentile(ordered, 50), percentile(ordered, 99), ordered[-1]], digits)


def burst_rows(phase: Phase) -> dict[str, str]:
    burst = phase.burst
    latencies = round_latencies(phase, burst.starts)
    seqs = sorted(latencies)
    first, last = (latencies[seqs[0]], latencies[seqs[-1]]) if seqs else ([], [])
    expected = sorted(burst.starts)
    readers = [result for result in phase.results if result.hello_seq is not None]
    in_order = sum([seq for seq, _ in r.got if seq in burst.starts] == expected for r in readers)
    posts = sorted(spent * 1000 for spent in burst.post_s)
    begun = min(burst.starts.values())
    slowest = max((values[-1] for values in latencies.values()), default=None)
    return {
        "entries sent (POSTs failed)": f"{len(burst.starts)} ({len(burst.failed)})",
        "sending took, first start to last (ms)": fmt(ms_between(begun, max(burst.starts.values()))),
        "POST response: median / p99 / max (ms)": spread(posts),
        "first entry: p50 / last reader (ms)": joined([percentile(first, 50), first[-1]]) if first else "-",
        "last entry: p50 / last reader (ms)": joined([percentile(last, 50), last[-1]]) if last else "-",
        "slowest entry, last reader (ms)": fmt(slowest),
        "all entries at all readers, from the first start (ms)": fmt(
            ms_between(begun, phase.burst_drained_at)
        ),
        "readers with every entry, in order": f"{in_order}/{len(readers)}",
    }


def stalled_rows(phase: Phase) -> dict[str, str]:
    stalled = phase.stalled
    server_side, client_side = phase.stalled_queues
    logged = phase.stalled_logged
    return {
        "stalled connections open (failed)": f"{len(stalled.sockets)} ({stalled.failed})",
        "closed by the server by the end of the rounds": str(phase.stalled_closed),
        "still open then: server kernel send queue, median (KiB)": fmt(
            statistics.median(server_side) / 1024 if server_side else None
        ),
        "still open then: their receive buffer, median (KiB)": fmt(
            statistics.median(client_side) / 1024 if client_side else None
        ),
        "closed by the server by the end of the wait": str(len(stalled.closed)),
        "connected until closed: median / p99 / last (s)": spread(lifetimes(stalled)),
        "server's log: dropped for their backlog": "-" if logged is None else str(logged),
    }


def restart_rows(phase: Phase) -> dict[str, str]:
    restart = phase.restart
    readers = [r for r in phase.results if r.hello_seq is not None]
    noticed = sorted(r.drops[0] - restart.killed_at for r in readers if r.drops)
    resumed = sorted(min(r.resumed) - restart.killed_at for r in readers if r.resumed)
    retries = [r.retries for r in readers]
    check = frame_check(phase)
    reasons: dict[str, int] = {}
    for result in readers:
        for reason, count in result.retry_errors.items():
            reasons[reason] = reasons.get(reason, 0) + count
    top = sorted(reasons.items(), key=lambda item: -item[1])[:2]
    caught_up = ms_between(restart.killed_at, restart.caught_up_at)
    return {
        "Daphne exited after SIGTERM (s)": fmt(restart.exited_at - restart.killed_at, 2)
        + (f" ({restart.killed_hard} killed)" if restart.killed_hard else ""),
        "serving /healthz again, after the kill (s)": fmt(restart.healthy_at - restart.killed_at, 2),
        "readers saw the drop: median / p99 / last (s)": spread(noticed, 2),
        "readers resumed": f"{len(resumed)}/{len(readers)}",
        "resumed, after the kill: median / p99 / last (s)": spread(resumed, 2),
        "every reader had the new entries, after the kill (s)": fmt(
            caught_up / 1000 if caught_up else None, 2
        ),
        "entries posted after the restart (failed)": f"{len(restart.starts)} ({len(restart.failed)})",
        "failed reconnection attempts: total / most by one": f"{sum(retries)} / {max(retries, default=0)}",
        "  of which": ", ".join(f"{reason} {count}" for reason, count in top) or "-",
        "listen-queue overflows from the kill on": str(restart.overflows),
        "gaps: missing seqs (readers with any)": f"{check['missing']} ({check['gapped']})",
        "errors: not resumed or reset / out of order": f"{check['dropped']} / {check['disorder']}",
    }


def print_section(title: str, phases: list[Phase], rows: Callable[[Phase], dict[str, str]]) -> None:
    columns = [(phase.name, rows(phase)) for phase in phases]
    if not columns:
        return
    print(f"\n{title}\n")
    print(f"{'':56}" + "".join(f"{name:>22}" for name, _ in columns))
    for label in columns[0][1]:
        print(f"{label:56}" + "".join(f"{values[label]:>22}" for _, values in columns))


def print_sections(args, phases: list[Phase]) -> None:
    if args.burst:
        title = f"Burst: {args.burst} entries within one second, after the rounds"
        print_section(title, [p for p in phases if p.burst], burst_rows)
        for phase in phases:
            if phase.burst:
                latencies = round_latencies(phase, phase.burst.starts)
                lasts = " ".join(f"{values[-1]:.0f}" for _, values in sorted(latencies.items()))
                print(f"{phase.name}: burst, last reader per entry in seq order (ms): {lasts}")
    if args.stalled:
        title = f"Stalled: {args.stalled:g} x readers more connections that never read (SO_RCVBUF 4096)"
        print_section(title, [p for p in phases if p.stalled], stalled_rows)
    if args.restart:
        title = (
            "Restart: SIGTERM to every Daphne process, started again on the same port(s);"
            f" {args.restart_posts} entries posted once it answers"
        )
        print_section(title, [p for p in phases if p.restart], restart_rows)
    for phase in phases:
        if phase.profile:
            print(f"\nProfile of {phase.name}'s first process during the rounds (py-spy: {args.profile})\n")
            print("\n".join(phase.profile))


def print_table(args, phases: list[Phase]) -> None:
    database = "PostgreSQL" if args.database_url else "SQLite"
    layer = f"Redis ({REDIS_URL})" if args.redis else "in-memory channel layer"
    clients = f"{args.client_procs} client processes"
    print(f"\nFan-out: {args.readers} readers from {clients}, {args.rounds} rounds;")
    backlog = f", listen backlog {args.backlog}" if args.backlog else ""
    print(f"Liveblog: {args.processes} Daphne process(es) serving {args.application}{backlog}, DEBUG=0,")
    print(f"{database}, {layer}\n")
    columns = [phase_rows(phase, args.readers) for phase in phases]
    print(f"{'':40}" + "".join(f"{phase.name:>14}" for phase in phases))
    for label in columns[0]:
        print(f"{label:40}" + "".join(f"{rows[label]:>14}" for rows in columns))
    if len(phases) == 2:
        ours, floor = (latency_summary(phase).get("last") for phase in phases)
        ratio = f"{ours / floor:.1f}x" if ours and floor else "-"
        print(f"\nlast-reader latency, Liveblog / floor (medians of rounds): {ratio}")


def print_rounds(phases: list[Phase]) -> None:
    for phase in phases:
        lasts = " ".join(f"{values[-1]:.0f}" for _, values in sorted(round_latencies(phase).items()))
        if lasts:
            print(f"{phase.name}: last reader per round (ms): {lasts}")


def print_problems(phases: list[Phase]) -> None:
    """Connection errors, notes and, when something went wrong, the end of Daphne's log."""
    for phase in phases:
        errors: dict[str, int] = {}
        for report in phase.connect:
            for error, count in report.errors.items():
                errors[error] = errors.get(error, 0) + count
        for error, count in sorted(errors.items(), key=lambda item: -item[1])[:5]:
            print(f"{phase.name}: {count} connections failed: {error}")
        for note in phase.notes:
            print(f"{phase.name}: {note}")
        check = frame_check(phase)
        if phase.problems or phase.notes or errors or any(check.values()) or phase.timeouts:
            for line in dict.fromkeys(phase.problems[:20]):
                print(f"{phase.name} log: {line}")
            for block in phase.log_tails:
                print(block)


# Command line ------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--readers", type=int, default=1000, help="connected readers (default 1000)")
    add("--rounds", type=int, default=20, help="entries posted, one per round (default 20)")
    add("--frame-bytes", type=int, default=1024, help="size of each entry.created frame (default 1024)")
    add("--processes", type=int, default=1, help="Daphne processes")
    add(
        "--redis",
        action=argparse.BooleanOptionalAction,
        default=True,
        help=f"REDIS_URL={REDIS_URL}, as production runs (--no-redis: the in-memory layer, one process)",
    )
    add("--database-url", help="e.g. postgres://postgres@127.0.0.1:5432/liveblog_bench (default: SQLite)")
    add("--application", default="config.asgi:application", help="the ASGI application Daphne serves")
    add("--backlog", type=int, help="the listen queue, LIVEBLOG_LISTEN_BACKLOG (default: bin/serve's 4096)")
    add("--client-procs", type=int, default=2, help="client processes holding the readers (default 2)")
    add("--connect-concurrency", type=int, default=50, help="handshakes in flight per client process")
    add("--open-timeout", type=float, default=60, help="seconds for one reader's handshake and hello")
    add("--connect-timeout", type=float, default=180, help="seconds for all readers to connect")
    add("--round-timeout", type=float, default=15, help="seconds for one frame to reach everyone")
    add("--pause", type=float, default=0.2, help="seconds between rounds (default 0.2)")
    add("--settle", type=float, default=3.0, help="seconds readers idle before the rounds")
    add("--floor", action=argparse.BooleanOptionalAction, default=True, help="also measure the floor")
    add("--burst", type=int, default=0, metavar="N", help="after the rounds, N entries within one second")
    add(
        "--stalled",
        type=float,
        default=0.0,
        metavar="FRACTION",
        help="FRACTION x readers more that never read",
    )
    add("--stalled-wait", type=float, default=60, help="seconds to wait for the server to close them (60)")
    add("--restart", action="store_true", help="after the rounds, restart every Daphne; readers reconnect")
    add("--restart-posts", type=int, default=3, help="entries posted right after the restart (default 3)")
    add("--resume-timeout", type=float, default=60, help="seconds from the kill for every reader to be back")
    add("--profile", type=Path, metavar="PATH", help="py-spy's collapsed stacks of the rounds go to PATH")
    args = parser.parse_args()
    if args.processes > 1 and not args.redis:
        parser.error("--processes above 1 needs Redis (not --no-redis): processes share changes through it")
    if not 0 <= args.burst <= 500:
        parser.error("--burst takes 0 to 500 entries: one thread per entry")
    if not 0 <= args.stalled <= 1:
        parser.error("--stalled is a fraction of --readers, between 0 and 1")
    if args.profile:
        args.profile = args.profile.resolve()  # the Daphne processes run elsewhere
    return args


def main() -> int:
    args = parse_args()
    witness = Witness()
    raise_nofile_limit()  # inherited by the Daphne processes; each child raises it again
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind, so children are stopped
    phases = []
    with tempfile.TemporaryDirectory(prefix="liveblog-fanout-") as tmp:
        phases.append(liveblog_phase(args, Path(tmp)))
    if args.floor:
        phases.append(floor_phase(args, phases[0].frame_bytes))
    print_problems(phases)
    print_rounds(phases)
    print_table(args, phases)
    print_sections(args, phases)
    print(f"\n{witness.line()}")
    print(f"command: {shlex.join(sys.orig_argv)}")  # last: the command line ends the output
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted; child processes stopped", file=sys.stderr)
        sys.exit(130)
