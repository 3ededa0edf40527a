import sys
from pathlib import Path

from django.conf import settings


def manage_py(*args: str) -> str:
    """A manage.py command line as typed in the project directory, with the Python that runs
    this one (`.venv/bin/python` after `make install`), for hints a command prints."""
    python = Path(sys.executable)
    if python.is_relative_to(settings.BASE_DIR):
        python = python.relative_to(settings.BASE_DIR)
    return " ".join([str(python), "manage.py", *args])
