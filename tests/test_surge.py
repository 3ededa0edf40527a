"""A link goes out and thousands open the page in the same minute: tracking parameters make no
new page (the event's or an entry's), nginx sends each page to a worker at most once a second,
and a worker holds no more PostgreSQL connections than its pool, however many requests arrive
at once. The full surge (5,000 page loads in 10 s while an editor posts) is bench/surge.py's to
measure."""

import concurrent.futures
import re
import threading
import time
import urllib.request

import psycopg
import pytest
from prometheus_client import REGISTRY

from liveblog import services
from tests.helpers import SLUG, Api
from tests.test_topology import DATABASE, topology  # noqa: F401  (a fixture)

RENDERS = "liveblog_page_renders_total"


def renders() -> float:
    return REGISTRY.get_sample_value(RENDERS) or 0.0


@pytest.mark.django_db
def test_a_link_shared_with_tracking_parameters_is_one_page_rendered_once(client, event, alice):
    before = renders()

    pages = [
        client.get(f"/events/{event.slug}/?{query}")
        for query in ("utm_source=x&utm_medium=social", "fbclid=IwAR0abc", "gclid=1&fbclid=2", "")
    ]

    assert [page.status_code for page in pages] == [200] * 4
    assert renders() - before == 1
    assert len({page.content for page in pages}) == 1
    html = pages[0].content.decode()
    assert f'<link rel="canonical" href="http://testserver/events/{event.slug}/">' in html
    assert f'<meta property="og:url" content="http://testserver/events/{event.slug}/">' in html

    # A parameter the page reads is another page; a change makes every page new.
    oldest = client.get(f"/events/{event.slug}/?fbclid=3&order=oldest")
    assert renders() - before == 2
    assert f'href="http://testserver/events/{event.slug}/?order=oldest"' in oldest.content.decode()
    services.entry_create(event=event, by=alice, body="After the link went out.")
    assert "After the link went out." in client.get(f"/events/{event.slug}/?fbclid=4").content.decode()
    assert renders() - before == 3


@pytest.mark.django_db
def test_an_entrys_permalink_shared_with_tracking_parameters_is_rendered_once(client, event, alice):
    entry = services.entry_create(event=event, by=alice, body="The line everyone shares.")
    url = f"/events/{event.slug}/entries/{entry.pk}/"
    before = renders()

    pages = [client.get(f"{url}?{query}") for query in ("fbclid=a", "utm_source=x&fbclid=b", "")]

    assert [page.status_code for page in pages] == [200] * 3
    assert renders() - before == 1
    html = pages[0].content.decode()
    assert f'<link rel="canonical" href="http://testserver{url}">' in html
    assert "fbclid" not in html and "utm_source" not in html  # nor in the share links
    assert client.get(url, HTTP_IF_NONE_MATCH=pages[0]["ETag"]).status_code == 304
    services.entry_update(entry=entry, by=alice, body="The line, corrected.")
    assert "The line, corrected." in client.get(f"{url}?fbclid=c").content.decode()
    assert client.get(f"/events/{event.slug}/entries/999999/?fbclid=d").status_code == 404


def worker_renders(worker: str) -> float:
    with urllib.request.urlopen(f"{worker}/metrics", timeout=10) as response:
        found = re.search(rf"^{RENDERS} (\S+)$", response.read().decode(), re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        return response.status, response.headers.get("X-Cache", "")


class Backends:
    """The most connections the site's workers held to PostgreSQL at once, sampled every 20 ms."""

    def __init__(self) -> None:
        self.most = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample)

    def _sample(self) -> None:
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
        with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as conn:
            while not self._stop.is_set():
                self.most = max(self.most, conn.execute(query, (DATABASE,)).fetchone()[0])
                time.sleep(0.02)

    def __enter__(self) -> "Backends":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


@pytest.mark.server
def test_a_surge_through_nginx_reaches_each_worker_once_per_change_within_the_pool(topology):  # noqa: F811
    state, token = topology
    entrance, workers = state["entrance"], state["workers"]
    before = sum(worker_renders(w) for w in workers)

    with concurrent.futures.ThreadPoolExecutor(100) as pool, Backends() as backends:
        clicks = [f"{entrance}/events/{SLUG}/?fbclid=click{n}&utm_source=share" for n in range(400)]
        loads = list(pool.map(get, clicks[:200]))
        posted = Api(entrance, token).post_entry("While the link goes round.")
        loads += list(pool.map(get, clicks[200:]))
        through_nginx = sum(worker_renders(w) for w in workers) - before
        # The entry's own link, shared in turn.
        permalink = f"{entrance}/events/{SLUG}/entries/{posted['id']}/?fbclid="
        shared = list(pool.map(get, [f"{permalink}{n}" for n in range(200)]))
        # Straight to the workers, 100 at a time: different pages (each cursor is a page of its
        # own, rendered), and change-feed reads, which nothing caches. Without a pool each
        # request would hold a connection of its own.
        views = [f"{workers[n % 2]}/events/{SLUG}/?cursor={n}" for n in range(100)]
        feeds = [f"{workers[n % 2]}/api/events/{SLUG}/changes/?after={n}" for n in range(200)]
        direct = list(pool.map(get, views + feeds))

    assert [status for status, _ in loads] == [200] * 400
    assert sum(cache == "HIT" for _, cache in loads) > 300
    # Two versions of one canonical page (before and after the post), on at most both workers.
    assert through_nginx <= 4
    assert [status for status, _ in shared] == [200] * 200
    assert sum(cache == "HIT" for _, cache in shared) > 150
    assert [status for status, _ in direct] == [200] * 300
    assert 0 < backends.most <= 2 * 10  # DATABASE_POOL_SIZE, 10 in the topology, per worker
