"""The benchmarks at a tiny size: each must still run and print its figures, so that a benchmark
that breaks fails the suite. What the figures are is not judged here; that every reader got every
frame, and that each server measured has its figures, is."""

import re
import shutil
import subprocess
import sys

import pytest

from tests.server import ROOT, require_service

pytestmark = pytest.mark.server


def bench(module: str, *args: str) -> str:
    """``python -m bench.MODULE ARGS`` as the README runs it; what it printed."""
    command = [sys.executable, "-m", f"bench.{module}", *args]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"bench.{module} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def table(output: str, header: str) -> dict[str, list[str]]:
    """The table whose header line (indented past the labels) starts with ``header``: each row's
    cells by its label, the header's under ""."""
    lines = output.splitlines()
    start = next(n for n, line in enumerate(lines) if line[:1] == " " and line.lstrip().startswith(header))
    rows = {"": re.split(r"\s{2,}", lines[start].strip())}
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        label, *cells = re.split(r"\s{2,}", line.strip())
        rows[label] = cells
    return rows


def require_program(name: str, install: str) -> None:
    if shutil.which(name) is None:
        require_service(f"{name} ({install})", "127.0.0.1", 1)  # skips, or fails on CI


def test_the_fanout_benchmark_measures_liveblog_and_both_floors():
    require_service("Redis", "127.0.0.1", 6379)
    require_program("node", "apt-get install -y nodejs npm")
    output = bench("fanout", "--readers", "5", "--rounds", "2", "--settle", "0.5", "--pause", "0.05")
    rows = table(output, "liveblog")
    assert rows[""] == ["liveblog", "websockets", "node ws"]
    assert rows["readers connected"] == ["5/5"] * 3
    assert rows["rounds completed (timed out)"] == ["2 (0)"] * 3
    assert rows["missing / out-of-order frames"] == ["0 / 0"] * 3
    assert rows["unexpected frames / wrong hello seq"] == ["0 / 0"] * 3
    assert all(re.fullmatch(r"[\d,]+\.\d", cell) for cell in rows["server CPU per recipient (µs)"])
    assert "Liveblog / node ws: last-reader latency" in output


def test_the_read_path_benchmark_loads_the_page_the_feed_and_a_static_file():
    require_program("wrk", "apt-get install -y wrk")
    output = bench("readpath", "--entries", "20", "--duration", "1", "--connections", "2", "--threads", "1")
    rows = table(output, "body (B)")
    loads = ["reader page (per-seq cache)", "changes ?after=head-10", "static file, page's size (WhiteNoise)"]
    assert [label for label in rows if label] == loads
    for label in loads:
        body, requests_per_second, *_ = rows[label]
        assert int(body.replace(",", "")) > 1000 and float(requests_per_second.replace(",", "")) > 0
    assert "socket errors" not in output and "non-2xx" not in output
    assert re.search(r"page right after a post .*median [\d.]+", output)


def test_the_media_benchmark_prints_renditions_and_upload_times():
    output = bench("media", "--width", "2000", "--height", "1500", "--uploads", "1")
    assert re.search(r"1600 × 1200 webp\s+[\d.]+ KB", output)
    assert re.search(r"upload, POST to 201 \(1 runs\)\s+median \d+ ms", output)


def test_the_schedule_benchmark_publishes_each_entry_once():
    require_service("PostgreSQL", "127.0.0.1", 5432)
    output = bench("schedule", "--entries", "3", "--workers", "2")
    assert "published: 3 times for 3 entries (each once: True)" in output
    assert re.search(r"late by: min \d+ ms, median \d+ ms, max \d+ ms", output)
    assert re.search(r"due while every worker was down: published [\d.]+ s after a worker started", output)


def test_the_many_events_benchmark_delivers_every_post_and_checks_the_feeds():
    require_service("PostgreSQL", "127.0.0.1", 5432)
    database = "postgres://postgres@127.0.0.1:5432/liveblog_many_events_test"
    args = ("--events", "5", "--changes", "20", "--interval", "1", "--idle", "3", "--duration", "3")
    output = bench("many_events", "--database-url", database, *args, "--posts", "3")
    assert re.search(r"readers connected \(failed\)\s+15 \(0\)", output)
    assert re.search(r"entry frames received \(expected\)\s+9 \(9\); resets 0, closed 0", output)
    assert re.search(r"periodic checks, readers idle \(s each\)\s+[\d.]+ [\d.]+", output)


def test_the_renames_benchmark_reaches_every_reader_in_one_frame():
    require_service("PostgreSQL", "127.0.0.1", 5432)
    require_service("Redis", "127.0.0.1", 6379)
    database = "postgres://postgres@127.0.0.1:5432/liveblog_bench_renames_test"
    output = bench("renames", "--database-url", database, "--entries", "200", "--readers", "5")
    assert re.search(r"city renamed: every reader has it\s+10/10 within \d+ ms", output)
    assert re.search(r"speaker corrected: every reader has it\s+10/10 within \d+ ms", output)
    assert re.search(r"other editor's POSTs: .* \(\d+ POSTs, 0 failed\)", output)
    assert re.search(r"resets received by readers\s+0\n", output)


def test_the_surge_benchmark_answers_every_page_load_and_every_post():
    require_service("PostgreSQL", "127.0.0.1", 5432)
    require_service("Redis", "127.0.0.1", 6379)
    require_program("nginx", "apt-get install -y nginx")
    output = bench("surge", "--loads", "200", "--seconds", "2")
    assert "answers by status: {200: 200}" in output
    assert re.search(r"editor: \d+ POSTs, \{201: \d+\};", output)
    assert re.search(r"PostgreSQL: at most \d+ connections at once \(pools: 2 x 10\)", output)
