"""Benchmarks that print figures; never part of the pass/fail suite (tests/test_bench.py only runs
each at a tiny size, so that one that breaks fails the suite). Run them from the project's root
as modules: ``.venv/bin/python -m bench.fanout`` and ``.venv/bin/python -m bench.readpath``.

- fanout.py: the fan-out benchmark (command line, phases, the table), with figures.py (what it
  prints), target.py (Liveblog under test: its site, the write API), clients.py and wire.py (the
  readers), floor.py (the websockets and Node.js ws floors; floor.js), burst.py, stalled.py,
  restart.py, profiling.py (py-spy) and proc.py (process plumbing, /proc readings).
- readpath.py: the read-path benchmark (wrk), with seed.py (its entries).
- settings.py: production settings with BASE_DIR moved, for load_demo in a temporary directory.
"""
