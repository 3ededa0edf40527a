"""The restart: every Daphne process stopped with SIGTERM, as a deploy does, and started again on
the same port. The readers reconnect on their own, as the page does (see clients.py), and
must all resume with nothing missing; entries posted right after the restart must reach them,
whether they are back already (live) or not yet (replayed from ``?after=``)."""

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .proc import listen_overflows, now
from .target import Server, create_entry, entry_body, entry_seqs, start_daphne, wait_ready

EXIT_TIMEOUT = 30  # seconds a SIGTERMed Daphne may take to exit before it is killed


@dataclass
class Restart:
    killed_at: float = 0.0
    exited_at: float = 0.0
    healthy_at: float = 0.0
    killed_hard: int = 0  # processes that needed SIGKILL
    starts: dict[int, float] = field(default_factory=dict)  # seq posted after the restart: when
    post_s: list[float] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    caught_up_at: float | None = None  # every reader had every entry posted after the restart
    overflows: int = 0  # listen-queue overflows from the kill to the end of the wait
    logs: list[Path] = field(default_factory=list)


def stop_all(servers: list[Server], restart: Restart) -> None:
    """SIGTERM all at once, then wait for each: the port is free only once the process is gone."""
    restart.killed_at = now()
    for server in servers:
        server.proc.terminate()
    for server in servers:
        try:
            server.proc.wait(timeout=max(0.1, restart.killed_at + EXIT_TIMEOUT - now()))
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()
            restart.killed_hard += 1
    restart.exited_at = now()


def restart_servers(
    servers: list[Server], env: dict[str, str], application: str, backlog: int | None, restart: Restart
) -> None:
    """Stop every process and start each again on its port, replacing ``servers``' items."""
    restart.overflows = listen_overflows()
    stop_all(servers, restart)
    for n, old in enumerate(servers):
        log = old.log.with_name(f"{old.log.stem}-restarted.log")
        port = old.port
        servers[n] = start_daphne(env, log, application=application, port=port, backlog=backlog)
        restart.logs.append(log)
    for server in servers:
        wait_ready(server, timeout=60)
    restart.healthy_at = now()


def post_after_restart(
    servers: list[Server], token: str, count: int, body_length: int, head: int, restart: Restart
) -> None:
    """Post right away, while most readers are still reconnecting."""
    started_by_id = {}
    for n in range(count):
        started = now()
        try:
            entry_id, spent = create_entry(
                servers[n % len(servers)].url, token, entry_body(2000 + n, body_length)
            )
        except Exception as exc:
            restart.failed.append(f"{type(exc).__name__}: {exc}"[:120])
            continue
        started_by_id[entry_id] = started
        restart.post_s.append(spent)
    for entry_id, seq in entry_seqs(servers[0].url, head).items():
        if entry_id in started_by_id:
            restart.starts[seq] = started_by_id[entry_id]
