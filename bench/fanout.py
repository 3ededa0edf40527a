"""Fan-out benchmark: how fast an entry posted through the API reaches many connected readers.

Starts Liveblog as production runs it (Daphne, DEBUG off), connects readers from separate client
processes, posts entries one at a time and times each frame from the POST to every reader; then
does the same against a bare ``websockets`` broadcast server and a bare Node.js ``ws`` one (the
floors). Optionally then a burst
of entries within one second (--burst), readers that never read among the others (--stalled), a
restart of every server process with all readers reconnecting (--restart) and a py-spy profile
of the rounds (--profile). Prints figures only. See bench/README.md."""

import argparse
import shlex
import signal
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from .burst import Burst, post_burst, trigger_burst
from .figures import print_problems, print_rounds, print_sections, print_table
from .floor import FloorServer, FloorUnavailable, NodeFloorServer
from .phase import Hooks, Phase, progress, run_phase
from .proc import Witness, raise_nofile_limit
from .restart import Restart, post_after_restart, restart_servers
from .target import (
    REDIS_URL,
    SLUG,
    Server,
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
    stop,
    tail,
    wait_ready,
    ws_url,
)

# Starting the servers under test -----------------------------------------------------------


def start_servers(args, env: dict[str, str], tmp: Path, stack: ExitStack) -> list[Server]:
    servers: list[Server] = []
    # Whatever the list holds at the end: a restart replaces its items.
    stack.callback(lambda: [stop(server) for server in servers])
    for n in range(args.processes):
        log = tmp / f"daphne-{n}.log"
        servers.append(start_daphne(env, log, application=args.application, backlog=args.backlog))
    for server in servers:
        wait_ready(server)
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
                print(f"--- {server.log.name} ---\n{server.tail()}", file=sys.stderr)
            raise


def measure_liveblog(args, servers: list[Server], token: str, env: dict[str, str]) -> Phase:
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
    ws_urls = [f"{ws_url(server)}?after={phase.first_seq}" for server in servers]
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


def floor_phase(args, name: str, floor: FloorServer | NodeFloorServer, frame_bytes: int) -> Phase:
    """The same readers and rounds against a floor server, triggered by the bench process."""
    try:
        phase = Phase(name, frame_bytes, 0)
        hooks = Hooks(
            lambda number, seq: floor.trigger(seq),
            lambda count, seq: trigger_burst(floor.trigger, count, seq),
        )
        run_phase(phase, [floor.proc.pid], [floor.url], hooks, args)
    finally:
        floor.stop()
    return phase


def floor_phases(args, frame_bytes: int) -> tuple[list[Phase], list[str]]:
    """The floors asked for, and why any of them was not measured."""
    phases, skipped = [], []
    if args.floor:
        phases.append(floor_phase(args, "websockets", FloorServer(free_port(), frame_bytes), frame_bytes))
    if args.node_floor:
        try:
            node = NodeFloorServer(free_port(), frame_bytes)
        except FloorUnavailable as error:
            skipped.append(f"node ws: not measured: {error}")
        else:
            phases.append(floor_phase(args, "node ws", node, frame_bytes))
    return phases, skipped


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
    add(
        "--floor",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the websockets floor (a bare Python broadcast)",
    )
    add(
        "--node-floor",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the Node.js ws floor (bench/floor.js; npm ci installs ws when missing)",
    )
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
    floors, skipped = floor_phases(args, phases[0].frame_bytes)
    phases += floors
    for line in skipped:
        print(line)
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
