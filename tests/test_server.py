"""The demo served as production serves it: Daphne with DEBUG off and WhiteNoise static files."""

import json
import os
import re
import signal
import socket
import urllib.request

import pytest

from tests.helpers import SLUG, Api
from tests.server import manage

pytestmark = pytest.mark.server


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read().decode()


def test_it_serves_the_demo_event_with_all_thirty_entries(demo_server):
    url = demo_server
    status, _, home = fetch(url + "/")
    assert status == 200 and "International Online Conference" in home

    _, _, page = fetch(url + "/events/1988-massacre-conference/?order=oldest")
    assert page.count('<article class="entry') == 30
    assert len(re.findall(r'<option value="[^"]+"></option>', page.split('id="filter-cities"')[1])) == 17
    assert len(re.findall(r'<li><a href="\?city=', page)) == 12  # the busiest listed beside the stream
    first_entry = page.index('<article class="entry')
    assert (
        '>17:03<span class="entry__date"> · 25 Aug 2018</span></time>'
        in page[first_entry : first_entry + 2000]
    )


def test_loading_the_demo_twice_adds_nothing_and_prints_a_login(demo_template, site):
    second = manage(site.env, "load_demo")
    assert "30 entries" in demo_template.load_demo_output and "already loaded" in second
    assert re.search(r"user: admin\s+password: \S+", second)
    with site.serve() as url:
        _, _, body = fetch(url + "/api/events/1988-massacre-conference/entries/")
    assert json.loads(body)["count"] == 30


def test_static_files_are_served_with_debug_off(demo_server):
    url = demo_server
    _, _, home = fetch(url + "/")
    css = re.search(r'href="(/static/liveblog/css/liveblog\.[0-9a-f]+\.css)"', home)
    assert css, "the page links the hashed stylesheet"
    status, headers, body = fetch(url + css[1])
    assert status == 200 and ".entry__time" in body
    assert "max-age=315360000" in headers.get("Cache-Control", "")


def test_the_pages_modules_import_each_other_by_their_hashed_names(demo_server):
    url = demo_server
    _, _, page = fetch(url + "/events/1988-massacre-conference/")
    script = re.search(r'src="(/static/liveblog/js/reader\.[0-9a-f]+\.js)"', page)
    assert script, "the page loads the hashed reader module"
    _, _, reader = fetch(url + script[1])
    imports = re.findall(r'from "\./([^"]+)"', reader)
    assert imports and all(re.fullmatch(r"[a-z0-9-]+\.[0-9a-f]{12}\.js", name) for name in imports), imports
    for name in imports:
        status, headers, _ = fetch(f"{url}/static/liveblog/js/{name}")
        assert status == 200 and "max-age=315360000" in headers.get("Cache-Control", "")


def test_healthz_answers_ok_from_the_server(demo_server):
    url = demo_server
    status, _, body = fetch(url + "/healthz")
    assert status == 200
    assert json.loads(body) == {"database": "ok", "redis": "not configured", "subscription": "not configured"}


def test_an_editor_posts_with_a_token_from_create_editor(site):
    token = manage(site.env, "create_editor", "nightdesk", "--event", SLUG, "--token").split()[-1]
    with site.serve() as url:
        entry = Api(url, token).post_entry(
            "Posted from a script.", city="paris", occurred_at="2018-08-25T20:30:00+02:00"
        )
        assert entry["local_time"] == "20:30"
        _, _, page = fetch(url + f"/events/{SLUG}/")
    assert "Posted from a script." in page


def test_connections_that_arrive_while_the_worker_is_busy_wait_for_it(demo_server):
    """After a restart thousands of readers reconnect at once: the listen queue must hold them
    (Twisted's own queue of 50 drops the rest, and each retries only a second or more later)."""
    url = demo_server
    port = int(url.rsplit(":", 1)[1])
    waiting = []
    os.kill(url.pid, signal.SIGSTOP)  # busy: accepts nothing, as while a fan-out runs
    try:
        for _ in range(300):
            try:
                waiting.append(socket.create_connection(("127.0.0.1", port), timeout=0.5))
            except TimeoutError:
                break  # the queue is full: the kernel dropped this handshake
    finally:
        os.kill(url.pid, signal.SIGCONT)
    assert len(waiting) == 300, f"only {len(waiting)} connections were queued"
    for sock in waiting:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    answers = []
    for sock in waiting:
        sock.settimeout(10)
        with sock:
            answers.append(sock.recv(64).split(b"\r\n")[0])
    assert answers == [b"HTTP/1.1 200 OK"] * 300
