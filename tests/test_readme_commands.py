"""The README's commands, run as a newcomer types them after `make install`: the text of each
`.venv/bin/python manage.py …` line of its code blocks, through the shell, from the project
directory, with the development settings `make install` writes, on a copy of the demo."""

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PREFIX = ".venv/bin/python manage.py "

pytestmark = pytest.mark.readme_commands

# What each command prints when it worked; a command added to the README needs a line here.
EXPECTED = {
    "import_report": r"1988-massacre-conference: 0 would create, 0 would be updated, 30 unchanged",
    "export_report": r"Mrs\. Maryam Rajavi",
    "import_speakers": r"1988-massacre-conference: 22 speakers \(\d+ new, \d+ known\)",
    "create_editor": r"newsdesk \((created|existing user)\) is an editor of 1988-massacre-conference\.\n"
    r"(Set a password for the console with: \.venv/bin/python manage\.py changepassword newsdesk\n)?"
    r"A new API token for newsdesk, valid until \d{4}-\d\d-\d\d \d\d:\d\d UTC \(90 days\)\. It is shown only "
    r"this once; revoke it with: \.venv/bin/python manage\.py revoke_tokens newsdesk\n"
    r"[0-9a-f]{64}\n$",
    "revoke_tokens": r"^Revoked \d+ API tokens? of newsdesk\.$",
    "prune": r"^Would delete \(dry run\):\n  changes of ended events: \d+\n  idempotency keys: \d+\n",
    "load_demo": r"Admin login: http://127\.0\.0\.1:8000/admin/  user: admin  password: \S+",
}
# Set by the suite's own settings; the commands must get them from the .env file alone.
NOT_INHERITED = {"DJANGO_SETTINGS_MODULE", "LIVEBLOG_ENV_FILE", "SECRET_KEY", "DEBUG", "SECURE_SSL_REDIRECT"}


def readme_commands() -> list[str]:
    """Each line of a fenced code block that runs manage.py with the venv's Python."""
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", (ROOT / "README.md").read_text(), re.M | re.S)
    return [line for block in blocks for line in block.splitlines() if line.startswith(PREFIX)]


def subcommand(line: str) -> str:
    return line.removeprefix(PREFIX).split()[0]


def shell(line: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", line], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def write_dev_env(path: Path) -> str:
    """The file as `make install` writes it, by the Makefile's own rule."""
    done = subprocess.run(
        ["make", "--no-print-directory", f"LIVEBLOG_ENV_FILE={path}", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return path.read_text()


@pytest.fixture(scope="module")
def demo_env(tmp_path_factory) -> dict[str, str]:
    """A fresh .env and a SQLite copy of the demo, made as `make run` makes them."""
    if not (ROOT / ".venv/bin/python").exists():
        pytest.skip("the README's commands use .venv/bin/python: run `make install` first")
    tmp = tmp_path_factory.mktemp("readme")
    write_dev_env(tmp / ".env")
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED | {"DATABASE_URL", "REDIS_URL"}}
    env.update(LIVEBLOG_ENV_FILE=str(tmp / ".env"), DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}")
    for setup in ("migrate --noinput", "load_demo"):
        done = shell(PREFIX + setup, env)
        assert done.returncode == 0, done.stderr
    return env


def test_the_readme_shows_the_commands_it_documents():
    shown = {subcommand(line) for line in readme_commands()}
    assert {"create_editor", "import_report", "export_report", "import_speakers"} <= shown
    unexplained = shown - set(EXPECTED)
    assert not unexplained, f"say in EXPECTED what these print: {sorted(unexplained)}"


@pytest.mark.parametrize("line", readme_commands())
def test_each_readme_command_runs_as_written(line, demo_env):
    done = shell(line, demo_env)
    assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
    assert re.search(EXPECTED[subcommand(line)], done.stdout), done.stdout


def test_make_install_writes_development_settings_once(tmp_path):
    first = write_dev_env(tmp_path / ".env")
    assert "\nDEBUG=1\n" in first and "\nSECURE_SSL_REDIRECT=0\n" in first
    key = re.search(r"^SECRET_KEY=(\S+)$", first, re.M)
    assert key and len(key.group(1)) >= 50
    assert write_dev_env(tmp_path / ".env") == first  # kept, never overwritten
    assert write_dev_env(tmp_path / "other.env") != first  # each checkout gets its own key


def test_the_environment_wins_over_the_file(demo_env):
    show_debug = PREFIX + 'shell -c "from django.conf import settings; print(settings.DEBUG)"'
    assert shell(show_debug, demo_env).stdout.splitlines()[-1] == "True"
    done = shell(show_debug, {**demo_env, "DEBUG": "0"})
    assert done.stdout.splitlines()[-1] == "False", done.stderr


@pytest.mark.parametrize(
    "secret",
    [None, "change-me-to-50-random-characters"],
    ids=["without a key", "with the example's placeholder"],
)
def test_production_refuses_to_start_without_a_real_secret_key(demo_env, secret):
    env = {**demo_env, "LIVEBLOG_ENV_FILE": "", "DEBUG": "0"}  # no .env, as in production
    if secret:
        env["SECRET_KEY"] = secret
    done = shell(PREFIX + "check", env)
    assert done.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in done.stderr
