"""The production settings with BASE_DIR moved to the benchmark's temporary directory, used only
for ``manage.py load_demo``: that command writes the admin password to BASE_DIR/.demo-admin-password,
and a benchmark must not overwrite the login of the project's own development database."""

import os
from pathlib import Path

from config.settings import *  # noqa: F403

BASE_DIR = Path(os.environ["LIVEBLOG_BENCH_BASE_DIR"])  # holds a link to the project's samples/
