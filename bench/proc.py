"""Process plumbing shared by the benchmark's processes: the clock, file-descriptor limits,
/proc readings and the command pipe between the bench process and its children."""

import asyncio
import os
import resource
import signal
import time
from multiprocessing.connection import Connection
from typing import Any

CLK_TCK = os.sysconf("SC_CLK_TCK")


def now() -> float:
    """CLOCK_MONOTONIC is one clock for the whole machine on Linux, so a time taken in the bench
    process and one taken in a client process can be subtracted."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def raise_nofile_limit() -> int:
    """Every connection is a file descriptor on both ends; lift the soft limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 1 << 20
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def child_setup() -> None:
    """For the bench's own children: Ctrl-C reaches the whole process group, but only the bench
    process should act on it (it stops the children in order)."""
    raise_nofile_limit()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the processes (all their threads), from /proc/<pid>/stat."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as stat:
            # The command name may contain spaces; the fields after it are space-separated.
            fields = stat.read().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)
    return total / CLK_TCK


def rss_kib(pids: list[int]) -> int:
    """Resident memory of the processes in KiB, from VmRSS in /proc/<pid>/status."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


async def next_command(conn: Connection) -> Any:
    """The next message from the bench process, awaited without blocking the event loop."""
    loop = asyncio.get_running_loop()
    readable = loop.create_future()
    loop.add_reader(conn.fileno(), lambda: readable.done() or readable.set_result(None))
    try:
        await readable
    finally:
        loop.remove_reader(conn.fileno())
    return conn.recv()


def listen_overflows() -> int:
    """The kernel's count of connections dropped because a listen queue was full
    (TcpExt ListenOverflows, machine-wide): a handshake storm against a short accept queue shows
    up here as SYNs the clients must retransmit, a second or more later."""
    with open("/proc/net/netstat") as netstat:
        lines = [line.split() for line in netstat if line.startswith("TcpExt:")]
    names, values = lines[0], lines[1]
    return int(values[names.index("ListenOverflows")])


def tcp_queues() -> dict[tuple[int, int], tuple[int, int]]:
    """Established IPv4 sockets by (local port, remote port): (bytes in the send queue, bytes in
    the receive queue), from /proc/net/tcp. The kernel holds a slow reader's bytes here before
    the server's own buffer sees any."""
    queues = {}
    with open("/proc/net/tcp") as table:
        next(table)
        for row in table:
            _, local, remote, state, tx_rx = row.split()[:5]
            if state == "01":
                tx, rx = tx_rx.split(":")
                ports = int(local.rpartition(":")[2], 16), int(remote.rpartition(":")[2], 16)
                queues[ports] = (int(tx, 16), int(rx, 16))
    return queues


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent busy so far (all cores), from /proc/stat."""
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, stat.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def own_cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (servers, clients, wrk)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Witness:
    """How much CPU the rest of the machine used while the benchmark ran: on a shared machine a
    test suite running meanwhile takes cores from the server and the clients, and such a run's
    figures are not the server's alone. Read it after every child process has ended."""

    def __init__(self) -> None:
        self.started, self.busy, self.own = now(), machine_busy_seconds(), own_cpu_seconds()

    def line(self) -> str:
        wall = now() - self.started
        others = max(0.0, machine_busy_seconds() - self.busy - (own_cpu_seconds() - self.own))
        cores = os.cpu_count() or 1
        share = 100 * others / (wall * cores) if wall > 0 else 0.0
        return (
            f"machine: {cores} cores; other processes used {others:.1f} CPU-seconds during the"
            f" {wall:.0f} s run ({share:.0f}% of the machine)"
        )
