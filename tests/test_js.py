"""The browser modules' own tests, run by Node's test runner (no npm packages)."""

import shutil
import subprocess
from pathlib import Path

from tests.helpers import unavailable

JS_TESTS = Path(__file__).resolve().parent / "js"


def test_the_javascript_unit_tests_pass():
    node = shutil.which("node")
    if node is None:
        unavailable("Node.js is not installed (apt-get install -y nodejs); the JavaScript unit tests need it")
    files = sorted(str(path) for path in JS_TESTS.glob("*.test.mjs"))
    assert files, f"no *.test.mjs in {JS_TESTS}"
    done = subprocess.run([node, "--test", *files], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"node --test failed:\n{done.stdout}\n{done.stderr}"
