"""Lighter copies of a stored location for the map of all projects, one per detail level (Douglas–Peucker, then
coordinates rounded to what the level can show). Pure functions: no database, no settings.

The stored geometry (`Project.location`, 7 decimals) stays the truth: the Location tab and
/api/v1/projects/{id}/location/ give it whole, and the map asks for it at street zoom. The map of the province
does not need a railway's thousands of positions 1 cm apart: at zoom 9 a screen pixel is about 250 m.

What a simplified geometry keeps, whatever the tolerance:
- its type and its parts (every point of a MultiPoint, every line, every polygon of a Multi-, every member of a
  GeometryCollection; only polygon holes smaller than the tolerance are dropped);
- a line's first and last positions and at least 2 distinct positions;
- a polygon ring closed, with at least 4 positions (3 corners and the first again), a non-zero area and the
  RFC 7946 orientation (outline counter-clockwise, holes clockwise);
- only positions of the original, rounded but kept inside the original's bounding box (so the simplified
  shape's bounding box lies within the original's): where the box is thinner than one rounding step — a single
  point, a road running due north — that coordinate keeps its stored digits.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import geojson

Position = list[float]


@dataclass(frozen=True)
class Level:
    """One detail level: the map zooms it serves, the Douglas–Peucker tolerance (degrees, 0: none) and the decimals
    kept (None: the stored 7)."""

    key: str
    max_zoom: int
    tolerance: float
    decimals: int | None


# At zoom z a pixel is 360 / (256 · 2^z) degrees of longitude: ≈ 0.0027° at 9, ≈ 0.00017° at 13. Each tolerance
# is under a pixel of the level's highest zoom, so the simplification cannot be seen.
LEVELS = (
    Level("province", 9, 0.002, 4),  # the province and its cities (zoom 0–9): ≈ 200 m, 4 decimals (≈ 11 m)
    Level("city", 13, 0.0001, 5),  # a city, a county (zoom 10–13): ≈ 10 m, 5 decimals (≈ 1 m)
    Level("full", 22, 0.0, None),  # streets (zoom 14–22): the stored geometry
)
MAX_ZOOM = 22
FULL = LEVELS[-1]


def level_for(zoom: int | None) -> Level:
    """The level for a map zoom (0–22); no zoom is the stored geometry."""
    if zoom is None:
        return FULL
    return next(level for level in LEVELS if zoom <= level.max_zoom)


def simplify(geometry: geojson.Geometry, level: Level) -> geojson.Geometry:
    """A copy of a stored (normalised) geometry for `level`; the stored geometry itself for the full level."""
    if level.decimals is None and not level.tolerance:
        return geometry
    bounds = geojson.bbox(geometry)
    return _Simplifier(level, bounds).geometry(geometry)


def outward_bbox(bounds: list[float], level: Level) -> list[float]:
    """[west, south, east, north] rounded outwards to the level's decimals: it still holds what `bounds` held."""
    if level.decimals is None:
        return bounds
    scale = 10 ** level.decimals
    west, south, east, north = bounds
    return [math.floor(west * scale) / scale, math.floor(south * scale) / scale,
            math.ceil(east * scale) / scale, math.ceil(north * scale) / scale]


def rounded_point(point: Position, level: Level) -> Position:
    """A representative point to the level's decimals."""
    if level.decimals is None:
        return point
    return [round(point[0], level.decimals), round(point[1], level.decimals)]


class _Simplifier:
    def __init__(self, level: Level, bounds: list[float]) -> None:
        self.tolerance = level.tolerance
        self.decimals = level.decimals if level.decimals is not None else geojson.DECIMALS
        scale = 10 ** self.decimals
        west, south, east, north = bounds
        # The original's box, shrunk to the rounding grid: a rounded position is clamped into it, so that it never
        # leaves the original's box (when the box is thinner than one grid step, the position keeps its digits).
        self.lon_box = (math.ceil(west * scale) / scale, math.floor(east * scale) / scale)
        self.lat_box = (math.ceil(south * scale) / scale, math.floor(north * scale) / scale)

    def geometry(self, geometry: geojson.Geometry) -> geojson.Geometry:
        kind = geometry["type"]
        if kind == geojson.COLLECTION:
            return {"type": kind, "geometries": [self.geometry(g) for g in geometry["geometries"]]}
        coordinates = geometry["coordinates"]
        simple: dict[str, Callable[[Any], list]] = {"Point": self.point, "LineString": self.line,
                                                    "Polygon": self.polygon}
        if kind in simple:
            return {"type": kind, "coordinates": simple[kind](coordinates)}
        member = simple[kind.removeprefix("Multi")]
        return {"type": kind, "coordinates": [member(part) for part in coordinates]}

    # ------------------------------------------------------------------------------------------- positions
    def _round(self, value: float, box: tuple[float, float]) -> float:
        low, high = box
        if low > high:  # the box is thinner than a grid step: keep the stored digits
            return value
        return min(max(round(value, self.decimals), low), high)

    def point(self, p: Position) -> Position:
        return [self._round(p[0], self.lon_box), self._round(p[1], self.lat_box)]

    def _rounded(self, positions: list[Position]) -> list[Position]:
        """Rounded, without a position repeating the one before it."""
        out: list[Position] = []
        for p in positions:
            q = self.point(p)
            if not out or q != out[-1]:
                out.append(q)
        return out

    # ------------------------------------------------------------------------------------------- lines
    def line(self, line: list[Position]) -> list[Position]:
        kept = _douglas_peucker(line, self.tolerance)
        rounded = self._rounded(kept)
        if len(rounded) >= 2:
            return rounded
        # Shorter than a grid step: its two ends (distinct: a stored line has a length), as stored.
        far = max(line, key=lambda p: _distance2(p, line[0]))
        return [list(line[0][:2]), list(far[:2])]

    # ------------------------------------------------------------------------------------------- polygons
    def polygon(self, rings: list[list[Position]]) -> list[list[Position]]:
        out = [self.ring(rings[0], outline=True)]
        for hole in rings[1:]:
            west, south, east, north = _box(hole)
            if max(east - west, north - south) >= self.tolerance:  # smaller holes cannot be seen at this level
                out.append(self.ring(hole, outline=False))
        return out

    def ring(self, ring: list[Position], *, outline: bool) -> list[Position]:
        body = ring[:-1]  # the corners, without the closing repeat
        # Split the closed ring at the corner farthest from its first one and simplify both halves: a corner of
        # each half is kept, so the ring keeps at least 3 corners.
        far = max(range(len(body)), key=lambda i: _distance2(body[i], body[0]))
        first = _douglas_peucker(body[: far + 1], self.tolerance)
        second = _douglas_peucker(body[far:] + [body[0]], self.tolerance)
        corners = first[:-1] + second[:-1]
        if len(corners) < 3:  # both halves were straight: add the corner farthest from the split line
            corners = _triangle(body)
        for candidate in (self._rounded(corners + [corners[0]]), [list(p[:2]) for p in corners + [corners[0]]]):
            if candidate[-1] != candidate[0]:
                candidate.append(candidate[0])
            area = geojson._signed_area(candidate)
            if len(candidate) >= 4 and area != 0:
                if (area > 0) != outline:  # keep RFC 7946's orientation
                    candidate.reverse()
                return candidate
        return [list(p[:2]) for p in ring]  # rounding and simplifying both flattened it: as stored


def _box(positions: list[Position]) -> tuple[float, float, float, float]:
    lons = [p[0] for p in positions]
    lats = [p[1] for p in positions]
    return min(lons), min(lats), max(lons), max(lats)


def _distance2(a: Position, b: Position) -> float:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2


def _segment_distance2(p: Position, a: Position, b: Position) -> float:
    """The squared distance from p to the segment a–b (planar degrees)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return _distance2(p, a)
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
    return (p[0] - a[0] - t * dx) ** 2 + (p[1] - a[1] - t * dy) ** 2


def _douglas_peucker(line: list[Position], tolerance: float) -> list[Position]:
    """The positions of `line` that Douglas–Peucker keeps at `tolerance` (degrees): always the first and the last.
    Iterative (a stack of spans), so that a line of 50,000 positions does not reach the recursion limit."""
    if tolerance <= 0 or len(line) <= 2:
        return [list(p[:2]) for p in line]
    limit = tolerance * tolerance
    keep = [False] * len(line)
    keep[0] = keep[-1] = True
    spans = [(0, len(line) - 1)]
    while spans:
        start, end = spans.pop()
        a, b = line[start], line[end]
        worst, index = -1.0, -1
        for i in range(start + 1, end):
            d = _segment_distance2(line[i], a, b)
            if d > worst:
                worst, index = d, i
        if index > 0 and worst > limit:
            keep[index] = True
            spans.append((start, index))
            spans.append((index, end))
    return [list(p[:2]) for p, k in zip(line, keep, strict=True) if k]


def _triangle(body: list[Position]) -> list[Position]:
    """Three corners of a ring that span it: the first, the farthest from it, and the farthest from the line
    through those two (in ring order)."""
    far = max(range(len(body)), key=lambda i: _distance2(body[i], body[0]))
    third = max(range(len(body)), key=lambda i: _segment_distance2(body[i], body[0], body[far]))
    return [list(body[i][:2]) for i in sorted({0, far, third})]

