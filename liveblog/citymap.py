"""The reader page's map of an event's cities: where each city's dot goes on the world outline
(static/liveblog/map/world.svg, built by tools/world-map), how big it is, which dots are named
beside them, and which part of the world the map shows.

The outline is drawn in Miller's projection, in tenths of a degree of longitude; the map shows a
window of it (the cities' region) scaled to a frame WIDTH units wide, where dots and labels are
placed, so that they are the same size whatever the region."""

import math
from dataclasses import dataclass, field

from liveblog.models import Session

SCALE, NORTH, SOUTH = 10, 84, -60  # as tools/world-map/build.mjs draws the outline
WIDTH = 600  # the frame's width, in the units of dots and labels
MIN_SPAN = 240  # the smallest window, in outline units (24° of longitude): a city is seen in its region
MAP_CITIES = 100  # dots at most: the busiest cities (every one is in the Cities list and the filter)
RADIUS_MIN, RADIUS_PER_ENTRY, RADIUS_MAX = 5.0, 2.5, 18.0  # grown by the square root of its entries
LABEL_SIZE = 22  # font size of the names, in frame units
LABEL_ROOM = 0.62  # a name's width per character, in font sizes (wide enough for most names)
LABEL_GAP = 3  # between a dot and its name
NAMED_FIRST = 3  # the busiest cities are named even where their names cover other dots


def _miller(lat: float) -> float:
    return math.degrees(1.25 * math.log(math.tan(math.pi / 4 + 0.4 * math.radians(lat))))


TOP = _miller(NORTH)
OUTLINE_WIDTH, OUTLINE_HEIGHT = 360 * SCALE, round((TOP - _miller(SOUTH)) * SCALE)


def project(latitude: float, longitude: float) -> tuple[float, float]:
    """A place's position on the outline."""
    latitude = max(SOUTH, min(NORTH, latitude))
    return (longitude + 180) * SCALE, (TOP - _miller(latitude)) * SCALE


def radius(entries: int) -> float:
    """A dot's radius for a city's published entries (reader.js's city-map.js grows it the same way)."""
    return min(RADIUS_MAX, RADIUS_MIN + RADIUS_PER_ENTRY * math.sqrt(entries))


@dataclass
class Label:
    x: float
    y: float
    anchor: str  # SVG's text-anchor: "start" (right of the dot), "end" (left), "middle" (above, below)


@dataclass
class Dot:
    session: Session
    x: float
    y: float
    r: float
    label: Label | None = None  # None: too crowded there to name it on the map

    @property
    def count(self) -> int:
        return self.session.entry_count  # type: ignore[attr-defined]


@dataclass
class Window:
    """The part of the outline shown: its left, top, width and height, in outline units."""

    left: float
    top: float
    width: float
    height: float

    @property
    def scale(self) -> float:
        return WIDTH / self.width

    @property
    def frame_height(self) -> int:
        return round(self.height * self.scale)


@dataclass
class CityMap:
    window: Window
    dots: list[Dot]
    unplaced: list[Session] = field(default_factory=list)  # cities without coordinates
    width: int = WIDTH
    radius_rule: str = f"{RADIUS_MIN} {RADIUS_PER_ENTRY} {RADIUS_MAX}"  # for the page's script

    @property
    def transform(self) -> str:
        """Places the outline under the frame: the window scaled to WIDTH."""
        w = self.window
        return f"scale({w.scale:.5f}) translate({-w.left:.1f} {-w.top:.1f})"


def city_map(sessions: list[Session]) -> CityMap | None:
    """The map of ``sessions`` (each with ``entry_count``), or None when none has coordinates."""
    placed = [s for s in sessions if s.latitude is not None and s.longitude is not None]
    if not placed:
        return None
    placed = sorted(placed, key=lambda s: -s.entry_count)[:MAP_CITIES]  # type: ignore[attr-defined]
    points = [project(s.latitude, s.longitude) for s in placed]  # type: ignore[arg-type]
    window = _window(points)
    dots = [
        Dot(s, (x - window.left) * window.scale, (y - window.top) * window.scale, radius(s.entry_count))  # type: ignore[attr-defined]
        for s, (x, y) in zip(placed, points, strict=True)
    ]
    _name(dots, window)
    unplaced = [s for s in sessions if s.latitude is None or s.longitude is None]
    return CityMap(window, dots, unplaced)


def _window(points: list[tuple[float, float]]) -> Window:
    """The cities' region with a margin, at least MIN_SPAN wide, between 3:2 and 5:2 (wide, as a
    strip on a phone), kept on the outline."""
    xs, ys = [x for x, _ in points], [y for _, y in points]
    width = max(MIN_SPAN, (max(xs) - min(xs)) * 1.3)
    height = max((max(ys) - min(ys)) * 1.4, width / 2.5)
    width = max(width, height * 1.5)
    width, height = min(width, OUTLINE_WIDTH), min(height, OUTLINE_HEIGHT)
    left = (max(xs) + min(xs) - width) / 2
    top = (max(ys) + min(ys) - height) / 2
    left = max(0, min(left, OUTLINE_WIDTH - width))
    top = max(0, min(top, OUTLINE_HEIGHT - height))
    return Window(left, top, width, height)


def _name(dots: list[Dot], window: Window) -> None:
    """Name cities beside their dots, busiest first, where the name overlaps no other name, nor
    any dot unless the city is among the NAMED_FIRST busiest (its name is drawn over them)."""
    taken: list[Box] = []
    frame = (0.0, 0.0, float(WIDTH), float(window.frame_height))
    for rank, dot in enumerate(dots):  # busiest first
        others = [_box(other) for other in dots if other is not dot]
        places = _places(dot)
        for crowded_ok in (False, rank < NAMED_FIRST):
            for label, box in places:
                if not _inside(box, frame) or any(_overlap(box, other) for other in taken):
                    continue
                if not crowded_ok and any(_overlap(box, other) for other in others):
                    continue
                dot.label = label
                taken.append(box)
                break
            if dot.label:
                break


Box = tuple[float, float, float, float]  # left, top, right, bottom


def _places(dot: Dot) -> list[tuple[Label, Box]]:
    """Where a dot's name may go, in order of preference: right, left, above, below."""
    width, half = LABEL_ROOM * LABEL_SIZE * len(dot.session.city), LABEL_SIZE / 2
    right, left = dot.x + dot.r + LABEL_GAP, dot.x - dot.r - LABEL_GAP
    above, below = dot.y - dot.r - LABEL_GAP - half, dot.y + dot.r + LABEL_GAP + half
    return [
        (Label(right, dot.y, "start"), (right, dot.y - half, right + width, dot.y + half)),
        (Label(left, dot.y, "end"), (left - width, dot.y - half, left, dot.y + half)),
        (Label(dot.x, above, "middle"), (dot.x - width / 2, above - half, dot.x + width / 2, above + half)),
        (Label(dot.x, below, "middle"), (dot.x - width / 2, below - half, dot.x + width / 2, below + half)),
    ]


def _inside(box: Box, frame: Box) -> bool:
    return box[0] >= frame[0] and box[1] >= frame[1] and box[2] <= frame[2] and box[3] <= frame[3]


def _box(dot: Dot) -> Box:
    return (dot.x - dot.r, dot.y - dot.r, dot.x + dot.r, dot.y + dot.r)


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
