"""Where a Daphne process spends its time, sampled with py-spy (pinned in requirements-bench.txt).
py-spy reads the process's memory from outside (ptrace: root, or CAP_SYS_PTRACE). It pauses the
process for each sample: with ``--nonblocking`` it does not, but then it lost most of the worker
threads' samples in trials here (a fifth as many, the rest seen as idle), so the profile is
taken blocking, and a profiled run's latency figures are not the ones to quote."""

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

RATE = 100  # samples per second


def py_spy() -> str | None:
    here = Path(sys.executable).with_name("py-spy")  # the venv's, next to its python
    return str(here) if here.exists() else shutil.which("py-spy")


class Profiler:
    """``py-spy record`` on one process until stopped; the collapsed stacks go to ``path``."""

    def __init__(self, pid: int, path: Path, rate: int = RATE):
        command = py_spy()
        if command is None:
            raise RuntimeError("py-spy not found: pip install -r requirements-bench.txt")
        self.path, self.log, self.rate = path, path.with_suffix(".log"), rate
        args = [command, "record", "--pid", str(pid), "--rate", str(rate), "--format", "raw"]
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen([*args, "-o", str(path)], stdout=out, stderr=out)

    def stop(self) -> None:
        """SIGINT is py-spy's cue to write what it sampled and exit."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


LINE = re.compile(r":\d+\)$")  # "function (path/file.py:123)": the line number splits a function
FILE = re.compile(r"\(([^():]+)[:)]")
# Frames on nearly every stack that say nothing about where the time goes: the interpreter's
# start, Daphne's command line, the event loop and Twisted's logging and context wrappers.
PLUMBING = (
    "<frozen runpy>",
    "liveblog/server.py",
    "daphne/cli.py",
    "daphne/server.py",
    "asyncio/base_events.py",
    "asyncio/events.py",
    "twisted/internet/asyncioreactor.py",
    "twisted/python/log.py",
    "twisted/python/context.py",
    "threading.py",
    "concurrent/futures/thread.py",
)


# Leaf frames of threads parked in a wait. py-spy counts some of them as busy (a worker thread
# blocked on its queue, a lock's Condition): they are counted apart, and the shares are of the rest.
WAITS = {
    "Condition.wait (threading.py)",
    "Event.wait (threading.py)",
    "Thread._wait_for_tstate_lock (threading.py)",
    "_worker (concurrent/futures/thread.py)",  # its own line is the queue's blocking get
    "EpollSelector.select (selectors.py)",
}


def function_name(frame: str) -> str:
    return LINE.sub(")", frame)


def package(frame: str) -> str:
    """The top-level package (or stdlib module) a frame's file belongs to."""
    match = FILE.search(frame)
    return match[1].split("/")[0].removesuffix(".py") if match else frame


def summarize(path: Path, top: int = 15, rate: int = RATE) -> list[str]:
    """Where the samples were: by package and by function running (self), and the functions
    most often on the stack (total), plumbing left out."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    samples = waiting = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [function_name(frame) for frame in stack.split(";")]
        if frames[-1] in WAITS:
            waiting += int(count)
            continue
        samples += int(count)
        own[frames[-1]] += int(count)
        packages[package(frames[-1])] += int(count)
        for frame in set(frames):
            total[frame] += int(count)
    if not samples:
        return [f"no samples in {path}"]

    def share(count: int) -> str:
        return f"{100 * count / samples:6.1f}"

    lines = [
        f"{samples} samples at {rate}/s of working threads ({waiting} of threads parked in a wait left out)",
        "",
        "self %  package",
    ]
    lines += [f"{share(count)}  {name}" for name, count in packages.most_common(top)]
    lines += ["", "self %  total %  function"]
    lines += [f"{share(count)}  {share(total[name])}   {name}" for name, count in own.most_common(top)]
    lines += ["", "total %  function (most often on the stack; the loop and wrappers left out)"]
    telling = Counter({name: n for name, n in total.items() if not name.endswith(PLUMBING, 0, -1)})
    lines += [f"{share(count)}  {name}" for name, count in telling.most_common(top)]
    return lines
