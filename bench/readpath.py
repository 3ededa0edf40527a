"""Read-path benchmark: how many reader-page requests one Daphne process answers, and how fast.

Sets up an event with --entries entries, starts Liveblog as production runs it (bin/serve, DEBUG
off) and loads three URLs in turn with wrk: the reader page (served from the per-seq page cache),
the changes endpoint (ten frames) and a static file of the page's size (served by WhiteNoise in
the same process): the page's figures against what the same server does with no Django view at
all. Optionally the page again while an entry is posted every second, each one invalidating the
cached page. Prints figures only. See bench/README.md."""

import argparse
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from .proc import Witness, cpu_seconds, now, raise_nofile_limit
from .profiling import Profiler, summarize
from .target import (
    SLUG,
    Server,
    bench_env,
    create_entry,
    entry_body,
    head_seq,
    local_open,
    log_problems,
    manage,
    prepare_database,
    start_daphne,
    wait_ready,
)
from .target import (
    stop as stop_server,
)

STATIC_NAME = "bench-page.html"  # a copy of the page, as WhiteNoise serves files
# py-spy pauses every thread for each sample; with wrk's 50 requests in flight the process has
# some 50 threads, and at py-spy's usual 100 samples a second it barely ran in trials here.
PROFILE_RATE = 20
WRK_INSTALL = "apt-get install -y wrk  (Debian/Ubuntu; the package is called wrk elsewhere too)"


@dataclass
class Load:
    """One wrk run and what the server spent on it."""

    name: str
    url: str
    body_bytes: int = 0
    requests: int = 0
    rps: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)  # "50%", "99%", "max", ...
    errors: str = ""
    non_2xx: int = 0
    cpu_s: float = 0.0
    posts_s: list[float] = field(default_factory=list)  # entries posted during the run
    profile: list[str] = field(default_factory=list)
    drain_s: float | None = None  # after wrk stopped, until the server was idle again
    output: str = ""


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# Setting up -------------------------------------------------------------------------------


def seed_entries(env: dict[str, str], count: int) -> str:
    """--entries more entries on the demo event, through the services, in one transaction."""
    return manage(env, "shell", "-c", f"from bench import seed; seed.run({count})").strip()


def fetch(url: str) -> bytes:
    with local_open(url, timeout=30) as response:
        return response.read()


def write_static_copy(env: dict[str, str], page: bytes) -> None:
    """The page's own bytes as a static file: the same size and type. WhiteNoise (DEBUG off) serves
    the files it found in STATIC_ROOT when the process started, so this comes before Daphne."""
    (Path(env["STATIC_ROOT"]) / STATIC_NAME).write_bytes(page)


def first_page(env: dict[str, str], log: Path, backlog: int | None) -> bytes:
    """The page as a first Daphne process renders it, for the static copy."""
    server = start_daphne(env, log, backlog=backlog)
    try:
        wait_ready(server)
        return fetch(f"{server.url}/events/{SLUG}/")
    finally:
        stop_server(server)


# Loading ----------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def duration_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def parse_wrk(output: str, load: Load) -> None:
    """wrk --latency's report: the distribution, the totals, errors and non-2xx answers."""
    for percent, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.M):
        load.latency_ms[f"{percent}%"] = duration_ms(value)
    stats = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", output)
    if stats:
        load.latency_ms["max"] = duration_ms(stats[3])
    requests = re.search(r"(\d+) requests in", output)
    load.requests = int(requests[1]) if requests else 0
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    load.rps = float(rps[1]) if rps else 0.0
    errors = re.search(r"Socket errors: (.*)", output)
    load.errors = errors[1] if errors else ""
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    load.non_2xx = int(non_2xx[1]) if non_2xx else 0


def run_wrk(load: Load, server: Server, args) -> None:
    """wrk at --connections for --duration; the server's CPU over the same time. A run ends by
    itself (wrk's -d), and the subprocess timeout bounds it again."""
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s"]
    command += ["--latency", "--timeout", "10s", load.url]
    before = cpu_seconds([server.proc.pid])
    done = subprocess.run(command, capture_output=True, text=True, timeout=args.duration + 60)
    load.cpu_s = cpu_seconds([server.proc.pid]) - before
    load.output = done.stdout + done.stderr
    parse_wrk(load.output, load)


def poster(server: Server, token: str, load: Load, stop: threading.Event) -> None:
    """One entry a second, each a new seq, so the next page request misses the cache."""
    number = 0
    while not stop.wait(1.0) and number < 3600:
        number += 1
        load.posts_s.append(create_entry(server.url, token, entry_body(number, 300))[1])


def profiled(load: Load, server: Server, args) -> None:
    """The page run under py-spy; its figures are the profiled run's, slower than the others."""
    profiler = Profiler(server.proc.pid, args.profile, PROFILE_RATE)
    try:
        time.sleep(0.5)  # attached before the first request
        run_wrk(load, server, args)
    finally:
        profiler.stop()
    if args.profile.exists():
        load.profile = summarize(args.profile, rate=PROFILE_RATE)
    else:
        load.profile = [f"no profile: see {profiler.log}"]


def wait_idle(server: Server, seconds: float = 60) -> float:
    """Until the server uses less than a twentieth of a core: requests a run left behind (wrk
    stops waiting; the threads rendering for it do not) must not count against the next one.
    Returns how long that took."""
    started = now()
    while now() - started < seconds:
        before = cpu_seconds([server.proc.pid])
        time.sleep(0.5)
        if cpu_seconds([server.proc.pid]) - before < 0.025:
            break
    return now() - started


def run_with_posts(load: Load, server: Server, token: str, args) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=poster, args=(server, token, load, stop), daemon=True)
    thread.start()
    try:
        run_wrk(load, server, args)
    finally:
        stop.set()
        thread.join(timeout=35)


def miss_cost(server: Server, token: str, page_url: str, times: int = 5) -> list[float]:
    """A page request right after a post, with nothing else running: the render the cache saves."""
    spent = []
    for number in range(times):
        create_entry(server.url, token, entry_body(900 + number, 300))
        started = now()
        fetch(page_url)
        spent.append((now() - started) * 1000)
        fetch(page_url)  # the next one is a hit again
    return spent


# Figures ----------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def print_table(args, loads: list[Load], misses: list[float], seeded: str) -> None:
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\nRead path: one Daphne process (bin/serve, DEBUG=0), {database};")
    print(f"demo event plus {args.entries} entries ({seeded}); wrk -t{args.threads} -c{args.connections}")
    print(f"-d{args.duration}s --latency, on the same machine as the server\n")
    header = f"{'':44}{'body (B)':>10}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'CPU µs/req':>12}"
    print(header)
    for load in loads:
        cpu = load.cpu_s / load.requests * 1e6 if load.requests else None
        cells = [fmt(load.latency_ms.get(k)) for k in ("50%", "99%", "max")]
        print(
            f"{load.name:44}{load.body_bytes:>10,}{fmt(load.rps, 0):>10}"
            + "".join(f"{cell:>9}" for cell in cells)
            + f"{fmt(cpu, 0):>12}"
        )
    for load in loads:
        if len(load.latency_ms) < 5 or not load.requests:
            print(f"{load.name}: wrk's report, not fully understood:\n{load.output}")
        if load.errors or load.non_2xx:
            print(f"{load.name}: socket errors {load.errors or '-'}; non-2xx answers {load.non_2xx}")
        if load.posts_s:
            posts = sorted(spent * 1000 for spent in load.posts_s)
            print(
                f"{load.name}: {len(posts)} entries posted during the run; POST median"
                f" {fmt(statistics.median(posts))} ms, max {fmt(posts[-1])} ms; the server was"
                f" busy {fmt(load.drain_s)} s more after wrk stopped"
            )
    if misses:
        each = " ".join(f"{m:.0f}" for m in misses)
        print(f"\npage right after a post (cache miss; server otherwise idle), ms: {each};", end=" ")
        print(f"median {fmt(statistics.median(misses))}")


# Command line -----------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--entries", type=int, default=2000, help="entries added to the demo event (default 2000)")
    add("--connections", type=int, default=50, help="wrk's open connections (default 50)")
    add("--threads", type=int, default=2, help="wrk's threads (default 2: the machine's cores)")
    add("--duration", type=int, default=10, help="seconds per URL (default 10)")
    add("--posts", action="store_true", help="also load the page while posting an entry a second")
    add("--profile", type=Path, metavar="PATH", help="py-spy's collapsed stacks of the page run go to PATH")
    add("--backlog", type=int, help="the listen queue, LIVEBLOG_LISTEN_BACKLOG (default: bin/serve's 4096)")
    add("--database-url", help="an existing scratch database (default: SQLite in a temporary directory)")
    args = parser.parse_args()
    if not 1 <= args.duration <= 120:
        parser.error("--duration: 1 to 120 seconds")
    if args.profile:
        args.profile = args.profile.resolve()
    return args


def main() -> int:
    args = parse_args()
    witness = Witness()
    if shutil.which("wrk") is None:
        print(f"wrk is not installed. Install it with:\n  {WRK_INSTALL}", file=sys.stderr)
        return 2
    raise_nofile_limit()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind, so Daphne is stopped
    with tempfile.TemporaryDirectory(prefix="liveblog-readpath-") as tmp_name, ExitStack() as stack:
        tmp = Path(tmp_name)
        env = bench_env(tmp, args.database_url, None)
        progress("migrate, collectstatic, load_demo, create_editor")
        token = prepare_database(env, tmp)
        progress(f"adding {args.entries} entries")
        seeded = seed_entries(env, args.entries).splitlines()[-1]
        write_static_copy(env, first_page(env, tmp / "daphne-sizing.log", args.backlog))
        server = start_daphne(env, tmp / "daphne.log", backlog=args.backlog)
        stack.callback(stop_server, server)
        wait_ready(server)
        try:
            loads, misses = measure(server, token, args)
        except Exception:
            print(f"--- {server.log.name} ---\n{server.tail()}", file=sys.stderr)
            raise
        problems = log_problems(server.log)
    print_table(args, loads, misses, seeded)
    for load in loads:
        if load.profile:
            print(f"\nProfile of the server during '{load.name}' (py-spy: {args.profile})\n")
            print("\n".join(load.profile))
    for line in dict.fromkeys(problems[:10]):
        print(f"server log: {line}")
    print(f"\n{witness.line()}")
    print(f"command: {shlex.join(sys.orig_argv)}")
    return 0


def measure(server: Server, token: str, args) -> tuple[list[Load], list[float]]:
    head = head_seq(server.url)
    page = f"{server.url}/events/{SLUG}/"
    loads = [
        Load("reader page (per-seq cache)", page),
        Load("changes ?after=head-10", f"{server.url}/api/events/{SLUG}/changes/?after={head - 10}"),
        Load("static file, page's size (WhiteNoise)", f"{server.url}/static/{STATIC_NAME}"),
    ]
    for load in loads:
        load.body_bytes = len(fetch(load.url))  # also warms the page cache and the code paths
    for load in loads:
        wait_idle(server)
        progress(f"wrk: {load.name}")
        run_wrk(load, server, args)
    if args.profile:
        # Apart from the figures above: py-spy pauses the process for every sample.
        sampled = Load(f"reader page, under py-spy ({PROFILE_RATE}/s)", page, body_bytes=len(fetch(page)))
        wait_idle(server)
        progress(f"wrk: {sampled.name}")
        profiled(sampled, server, args)
        loads.append(sampled)
    if args.posts:
        live = Load("reader page, an entry posted every second", page, body_bytes=len(fetch(page)))
        wait_idle(server)
        progress(f"wrk: {live.name}")
        run_with_posts(live, server, token, args)
        loads.append(live)
        live.drain_s = wait_idle(server)
    progress("cache misses")
    return loads, miss_cost(server, token, page)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted; Daphne stopped", file=sys.stderr)
        sys.exit(130)
