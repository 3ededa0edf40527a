"""The map of an event's cities as the reader page renders it: drawn once a city has coordinates,
naming the cities it cannot place, and valid HTML."""

import re

from liveblog import citymap
from tests.test_html_valid import errors, vnu  # noqa: F401  (vnu: the validator's fixture)


def place(event, **places: tuple[float, float]) -> None:
    for slug, (latitude, longitude) in places.items():
        event.sessions.filter(slug=slug).update(latitude=latitude, longitude=longitude)


def test_it_draws_no_map_until_a_city_has_coordinates(client, event):
    page = client.get(f"/events/{event.slug}/").content.decode()

    assert "city-map" not in page
    assert 'data-city="paris"' in page  # the cities are listed all the same


def test_it_draws_the_placed_cities_and_names_the_others(client, event):
    place(event, paris=(48.857, 2.352), berlin=(52.520, 13.405))

    page = client.get(f"/events/{event.slug}/").content.decode()

    assert re.findall(r'class="city-map__city" href="\?city=(\w+)', page) == ["paris", "berlin"]
    assert "<title>Paris, 0 entries</title>" in page
    assert "Map of the 2 cities, each dot sized by its entries. Not on it: London." in page
    assert "/static/liveblog/map/world.svg#land" in page


def test_west_is_left_and_north_is_up():
    toronto, paris, berlin = (citymap.project(*p) for p in ((43.65, -79.38), (48.86, 2.35), (52.52, 13.4)))
    rome = citymap.project(41.9, 12.5)

    assert toronto[0] < paris[0] < berlin[0]
    assert berlin[1] < rome[1]


def test_a_dot_grows_with_its_entries_to_a_bound():
    assert citymap.radius(0) < citymap.radius(1) < citymap.radius(10) <= citymap.radius(10_000)
    assert citymap.radius(10_000) == citymap.RADIUS_MAX


def test_the_page_with_its_map_is_valid_html(client, event, tmp_path, vnu):  # noqa: F811
    place(event, paris=(48.857, 2.352), berlin=(52.520, 13.405), london=(51.507, -0.128))

    page = client.get(f"/events/{event.slug}/?city=berlin").content.decode()

    assert 'aria-current="page"' in page
    assert errors(vnu, {"reader-with-map": page}, tmp_path) == []
