"""Fan-out benchmark: how fast an entry posted through the API reaches many connected readers.

Starts Liveblog as production runs it (Daphne, DEBUG off), connects readers from separate client
processes, posts entries one at a time and times each frame from the POST to every reader; then
does the same against a bare ``websockets`` broadcast server (the floor). Prints figures only.
See bench/README.md."""

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

from fanout_clients import ConnectReport, Fleet, ReaderResult
from fanout_floor import FloorServer
from fanout_liveblog import (
    SLUG,
    Daphne,
    bench_env,
    calibrate,
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
from fanout_proc import cpu_seconds, now, raise_nofile_limit, rss_kib

REDIS_URL = "redis://127.0.0.1:6379/13"

# A round's trigger: given the round's number and expected seq, start the frame on its way;
# returns the POST's duration in seconds, or None when there is no POST (the floor).
Trigger = Callable[[int, int], float | None]


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
    idle_cpu_share: float = 0.0
    cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    log_tails: list[str] = field(default_factory=list)


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# Running a phase ---------------------------------------------------------------------------


def run_phase(phase: Phase, pids: list[int], ws_urls: list[str], trigger: Trigger, args) -> None:
    """Connect the readers, let them idle, run the rounds, collect what every reader saw."""
    phase.rss_before_kib = rss_kib(pids)
    plans = Fleet.plans(ws_urls, args.readers, args.client_procs, args.connect_concurrency, args.open_timeout)
    fleet = Fleet(plans)
    try:
        progress(f"{phase.name}: connecting {args.readers} readers")
        reports = fleet.wait_connected(args.connect_timeout)
        if reports is None:
            phase.notes.append(f"connecting did not finish within {args.connect_timeout:g} s")
            return
        phase.connect = reports
        if not connected(phase):
            phase.notes.append("no reader connected; no rounds run")
            return
        settle(phase, pids, args.settle)
        progress(f"{phase.name}: {connected(phase)} connected; {args.rounds} rounds")
        run_rounds(phase, fleet, pids, trigger, args)
        phase.results = fleet.collect()
    finally:
        fleet.stop()


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
    servers = []
    for n in range(args.processes):
        server = start_daphne(env, tmp / f"daphne-{n}.log", args.application)
        stack.callback(stop_daphne, server)
        servers.append(server)
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
            return measure_liveblog(args, servers, token)
        except Exception:
            for server in servers:
                print(f"--- {server.log.name} ---\n{tail(server.log)}", file=sys.stderr)
            raise


def measure_liveblog(args, servers: list[Daphne], token: str) -> Phase:
    body_length, size = calibrate(servers[0].url, token, args.frame_bytes)
    phase = Phase("liveblog", size, head_seq(servers[0].url))

    def post(number: int, seq: int) -> float:
        # Rounds alternate between the processes: an editor reaches any of them.
        return post_entry(servers[(number - 1) % len(servers)].url, token, entry_body(number, body_length))

    ws_urls = [f"{server.ws_url}?after={phase.first_seq}" for server in servers]
    try:
        run_phase(phase, [server.proc.pid for server in servers], ws_urls, post, args)
    finally:
        keep_logs(phase, servers)
    return phase


def keep_logs(phase: Phase, servers: list[Daphne]) -> None:
    """Read Daphne's output before the temporary directory goes."""
    for server in servers:
        phase.problems += log_problems(server.log)
        phase.log_tails.append(f"--- {server.log.name} (last lines) ---\n{tail(server.log)}")


def floor_phase(args, frame_bytes: int) -> Phase:
    floor = FloorServer(free_port(), frame_bytes)
    try:
        phase = Phase("floor", frame_bytes, 0)
        run_phase(phase, [floor.proc.pid], [floor.url], lambda number, seq: floor.trigger(seq), args)
    finally:
        floor.stop()
    return phase


# Figures -----------------------------------------------------------------------------------


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of a sorted list."""
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def round_latencies(phase: Phase) -> dict[int, list[float]]:
    """Per seq, sorted: from the round's start to each reader's receiving the frame, in ms."""
    by_seq: dict[int, list[float]] = {seq: [] for seq in phase.triggers}
    for result in phase.results:
        for seq, received in result.got:
            if seq in by_seq:
                by_seq[seq].append((received - phase.triggers[seq]) * 1000)
    return {seq: sorted(values) for seq, values in by_seq.items() if values}


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
    """Every connected reader must have every round's frame, once, in seq order."""
    expected = set(range(phase.first_seq + 1, phase.first_seq + phase.rounds_done + 1))
    check = dict.fromkeys(("missing", "disorder", "unexpected", "bad_hello", "dropped"), 0)
    for result in phase.results:
        if result.hello_seq is None:
            continue  # never connected: counted among the connection failures
        seqs = [seq for seq, _ in result.got]
        check["missing"] += len(expected - set(seqs))
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


def print_table(args, phases: list[Phase]) -> None:
    database = "PostgreSQL" if args.database_url else "SQLite"
    layer = f"Redis ({REDIS_URL})" if args.redis else "in-memory channel layer"
    clients = f"{args.client_procs} client processes"
    print(f"\nFan-out: {args.readers} readers from {clients}, {args.rounds} rounds;")
    print(f"Liveblog: {args.processes} Daphne process(es) serving {args.application}, DEBUG=0,")
    print(f"{database}, {layer}\n")
    columns = [phase_rows(phase, args.readers) for phase in phases]
    print(f"{'':40}" + "".join(f"{phase.name:>14}" for phase in phases))
    for label in columns[0]:
        print(f"{label:40}" + "".join(f"{rows[label]:>14}" for rows in columns))
    if len(phases) == 2:
        ours, floor = (latency_summary(phase).get("last") for phase in phases)
        ratio = f"{ours / floor:.1f}x" if ours and floor else "-"
        print(f"\nlast-reader latency, Liveblog / floor (medians of rounds): {ratio}")
    print(f"\ncommand: {shlex.join(sys.orig_argv)}")


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
    add("--processes", type=int, default=1, help="Daphne processes; more than 1 needs --redis")
    add("--redis", action="store_true", help=f"REDIS_URL={REDIS_URL}")
    add("--database-url", help="e.g. postgres://postgres@127.0.0.1:5432/liveblog_bench (default: SQLite)")
    add("--application", default="config.asgi:application", help="the ASGI application Daphne serves")
    add("--client-procs", type=int, default=2, help="client processes holding the readers (default 2)")
    add("--connect-concurrency", type=int, default=50, help="handshakes in flight per client process")
    add("--open-timeout", type=float, default=60, help="seconds for one reader's handshake and hello")
    add("--connect-timeout", type=float, default=180, help="seconds for all readers to connect")
    add("--round-timeout", type=float, default=15, help="seconds for one frame to reach everyone")
    add("--pause", type=float, default=0.2, help="seconds between rounds (default 0.2)")
    add("--settle", type=float, default=3.0, help="seconds readers idle before the rounds")
    add("--floor", action=argparse.BooleanOptionalAction, default=True, help="also measure the floor")
    args = parser.parse_args()
    if args.processes > 1 and not args.redis:
        parser.error("--processes above 1 needs --redis: processes share changes through Redis")
    return args


def main() -> int:
    args = parse_args()
    raise_nofile_limit()  # inherited by the Daphne processes; each child raises it again
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind, so children are stopped
    phases = []
    with tempfile.TemporaryDirectory(prefix="liveblog-fanout-") as tmp:
        phases.append(liveblog_phase(args, Path(tmp)))
    if args.floor:
        phases.append(floor_phase(args, phases[0].frame_bytes))
    print_problems(phases)
    print_rounds(phases)
    print_table(args, phases)  # last: the table and the command line end the output
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted; child processes stopped", file=sys.stderr)
        sys.exit(130)
