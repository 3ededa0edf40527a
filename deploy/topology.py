#!/usr/bin/env python3
"""Run the production topology on this machine from Debian's packages: nginx in front of
several Daphne workers, sharing PostgreSQL and Redis on 127.0.0.1.

    deploy/topology.py up --workers 2 --port 8080 --dir /tmp/liveblog-topology
    deploy/topology.py down --dir /tmp/liveblog-topology

`up` migrates the database, collects static files, starts the workers and nginx, and prints the
entrance and each worker's address. Every worker writes photos to one media root in the run
directory, which nginx serves (on several hosts: a shared volume or S3, see docs/deploy.md).
It needs nginx (`apt-get install nginx`), PostgreSQL and Redis running (as on the project's
machines).
"""

import argparse
import contextlib
import json
import os
import pwd
import shutil
import signal
import string
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

# A sibling module: this script runs by its path (`make topology`), so deploy/ is on sys.path.
from launch import NotReady, free_port, start, wait_ready

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx" / "liveblog.conf.template"


def environment(args: argparse.Namespace, run: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "local-topology-secret-key-not-for-the-internet-000"),
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TRUSTED_PROXIES": "127.0.0.1",
        "LIVEBLOG_GZIP": "0",  # nginx compresses
        "DATABASE_URL": args.database_url,
        "DATABASE_POOL_SIZE": os.environ.get("DATABASE_POOL_SIZE", "10"),  # per worker, as compose
        "REDIS_URL": args.redis_url,
        "STATIC_ROOT": str(run / "static"),
        "MEDIA_ROOT": str(run / "media"),  # one for all workers: a photo is on every worker's page
        "MEDIA_STORAGE": "filesystem",
        "PYTHON": sys.executable,
    }


def manage(env: dict[str, str], *command: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def nginx_conf(run: Path, listen: int, ports: list[int]) -> Path:
    upstreams = "\n".join(f"    server 127.0.0.1:{port};" for port in ports)
    site = string.Template(TEMPLATE.read_text()).safe_substitute(
        UPSTREAMS=upstreams,
        CACHE_DIR=run / "cache",
        LISTEN=f"127.0.0.1:{listen}",
        STATIC_ROOT=run / "static",
        MEDIA_ROOT=run / "media",
    )
    conf = run / "nginx.conf"
    # Started as root, nginx's workers would switch to `nobody`, who may not use the run
    # directory (its page cache answered 500); they stay the user who started the topology.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    conf.write_text(
        f"{user}worker_processes 1;\npid {run / 'nginx.pid'};\nerror_log {run / 'nginx-error.log'};\n"
        f"events {{ worker_connections 16384; }}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  access_log {run / 'nginx-access.log'};\n"
        f"  client_body_temp_path {run / 'tmp'};\n  proxy_temp_path {run / 'tmp'};\n{site}\n}}\n"
    )
    (run / "tmp").mkdir(exist_ok=True)
    return conf


def wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{url} did not answer within {seconds} s")


def up(args: argparse.Namespace) -> None:
    if not shutil.which("nginx"):
        sys.exit("nginx is not installed: apt-get install -y nginx")
    run = Path(args.dir)
    run.mkdir(parents=True, exist_ok=True)
    args.port = args.port or free_port()
    env = environment(args, run)
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    ports = [free_port() for _ in range(args.workers)]
    pids: list[int] = []
    state = {
        "entrance": f"http://127.0.0.1:{args.port}",
        "workers": [f"http://127.0.0.1:{p}" for p in ports],
        "pids": pids,
    }
    (run / "topology.json").write_text(json.dumps(state))  # written first: `down` can always clean up
    workers = []
    for port in ports:
        # Each leads a process group of its own, which `down` stops later.
        workers.append(start(env, run / f"worker-{port}.log", port=port, new_session=True))
        pids.append(workers[-1].proc.pid)
        (run / "topology.json").write_text(json.dumps(state))
    for worker in workers:
        try:
            wait_ready(worker)
        except NotReady as error:
            sys.exit(str(error))
    subprocess.run(
        ["nginx", "-c", str(nginx_conf(run, args.port, ports)), "-e", str(run / "nginx-error.log")],
        check=True,
    )
    wait_until_up(f"http://127.0.0.1:{args.port}/healthz")
    print(json.dumps(state, indent=2))


def down(args: argparse.Namespace) -> None:
    run = Path(args.dir)
    pidfile = run / "nginx.pid"
    if pidfile.exists():
        subprocess.run(["nginx", "-c", str(run / "nginx.conf"), "-s", "quit"], check=False)
    state = (
        json.loads((run / "topology.json").read_text()) if (run / "topology.json").exists() else {"pids": []}
    )
    for pid in state["pids"]:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
    print(f"stopped {len(state['pids'])} workers and nginx")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=["up", "down"])
    parser.add_argument("--dir", default="/tmp/liveblog-topology", help="where config, logs and pids go")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--port", type=int, default=8080, help="nginx's port on 127.0.0.1; 0 picks a free one"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/liveblog"),
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args()
    up(args) if args.action == "up" else down(args)


if __name__ == "__main__":
    main()
