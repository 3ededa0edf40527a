"""What the fan-out benchmark prints: figures computed from each phase, and the tables."""

import math
import statistics
from collections.abc import Callable

from .phase import Phase, connected
from .stalled import lifetimes
from .target import REDIS_URL

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
    print_ratios(phases)


def ratio(ours: float | None, floor: float | None, digits: int = 1) -> str:
    return f"{ours / floor:.{digits}f}x" if ours and floor else "-"


def print_ratios(phases: list[Phase]) -> None:
    """Liveblog against each floor measured in the same run, on the same clients."""
    ours, floors = phases[0], phases[1:]
    if floors:
        print()
    for floor in floors:
        lasts = (latency_summary(phase).get("last") for phase in (ours, floor))
        cpus = (per_recipient_us(phase, phase.cpu_s) for phase in (ours, floor))
        print(
            f"Liveblog / {floor.name}: last-reader latency (medians of rounds) {ratio(*lasts)},"
            f" server CPU per recipient {ratio(*cpus, digits=2)}"
        )


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
