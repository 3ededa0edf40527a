"""Where a Daphne process spends its time during the rounds, sampled with py-spy (pinned in
requirements-bench.txt). py-spy reads the process's memory from outside (ptrace: root, or
CAP_SYS_PTRACE); ``--nonblocking`` keeps it from pausing the server at each sample, so the
latency figures of a profiled run stay close to an unprofiled one's (compare them anyway)."""

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

    def __init__(self, pid: int, path: Path):
        command = py_spy()
        if command is None:
            raise RuntimeError("py-spy not found: pip install -r requirements-bench.txt")
        self.path, self.log = path, path.with_suffix(".log")
        args = [command, "record", "--pid", str(pid), "--rate", str(RATE), "--format", "raw"]
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen([*args, "--nonblocking", "-o", str(path)], stdout=out, stderr=out)

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


def function_name(frame: str) -> str:
    return LINE.sub(")", frame)


def summarize(path: Path, top: int = 15) -> list[str]:
    """Functions by the share of samples they were running (self) and on the stack (total)."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [function_name(frame) for frame in stack.split(";")]
        samples += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            total[frame] += int(count)
    if not samples:
        return [f"no samples in {path}"]
    lines = [f"{samples} samples at {RATE}/s of the busy (non-idle) threads", "self %  total %  function"]
    for name, count in own.most_common(top):
        lines.append(f"{100 * count / samples:6.1f}  {100 * total[name] / samples:7.1f}  {name}")
    lines += ["", "total %  function (most on the stack)"]
    for name, count in total.most_common(top):
        lines.append(f"{100 * count / samples:7.1f}  {name}")
    return lines
