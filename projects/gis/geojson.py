"""A project location as GeoJSON (RFC 7946): validated and normalised before it is stored, and the few facts the
maps need from it (bounding box, representative point, a one-line summary). Pure functions: no database, no
settings.

What `normalize` accepts: a geometry (Point, LineString, Polygon, MultiPoint, MultiLineString, MultiPolygon, or a
GeometryCollection of those), a Feature, or a FeatureCollection — as a parsed object or as JSON text (≤ 2 MB).
Positions are [longitude, latitude] in WGS84/CGCS2000 degrees, inside China's bounding box (73–136 °E, 3–54 °N);
at most 50,000 of them.

What it stores: a geometry object with only "type" and "coordinates" (or "geometries"); positions rounded to
7 decimal places (about 1 cm), any altitude dropped; polygon rings oriented as RFC 7946 asks (outline
counter-clockwise, holes clockwise). A Feature becomes its geometry. A FeatureCollection or GeometryCollection is
combined into the smallest form that holds all its geometries:
- one geometry → that geometry, as it is;
- only points (Point/MultiPoint) → one MultiPoint; only lines → one MultiLineString; only polygons → one
  MultiPolygon;
- a mix of kinds → a GeometryCollection with one member per kind, in the order each kind first appears
  (e.g. two Points and a LineString → GeometryCollection[MultiPoint, LineString]).

Everything else is refused with a `GeoJSONError` saying what is wrong and where, as a path into the input:
"coordinates[0][3]: latitude 95 is outside −90…90", "features[2].geometry.coordinates[1]: Polygon ring 1 is not
closed …". Not checked: self-intersections and holes outside their outline (drawing tools do not make them, and
the check would cost more than the whole save).
"""

import hashlib
import json
import math
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

MAX_BYTES = 2 * 1024 * 1024
MAX_POSITIONS = 50_000
CHINA_BBOX = (73.0, 3.0, 136.0, 54.0)  # west, south, east, north
DECIMALS = 7

GEOMETRY_TYPES = ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon")
COLLECTION = "GeometryCollection"
INPUT_TYPES = (*GEOMETRY_TYPES, COLLECTION, "Feature", "FeatureCollection")
# The old (2008) "crs" member: only longitude/latitude on WGS84 or CGCS2000 is accepted.
LONLAT_CRS = frozenset({
    "urn:ogc:def:crs:ogc:1.3:crs84", "urn:ogc:def:crs:ogc::crs84", "crs84", "epsg:4326", "urn:ogc:def:crs:epsg::4326",
    "epsg:4490", "urn:ogc:def:crs:epsg::4490",
})

_KIND = {"Point": "point", "MultiPoint": "point", "LineString": "line", "MultiLineString": "line",
         "Polygon": "polygon", "MultiPolygon": "polygon"}
_MULTI = {"point": "MultiPoint", "line": "MultiLineString", "polygon": "MultiPolygon"}

Position = list[float]
Geometry = dict[str, Any]


class GeoJSONError(ValueError):
    """A refused location. `path` says where in the input (e.g. "features[0].geometry.coordinates[2]")."""

    def __init__(self, message: str, path: str = "") -> None:
        self.message = message
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


# ----------------------------------------------------------------------------------------------- parsing
def parse(text: str | bytes) -> Any:
    """JSON text (a file's bytes or a form field) → the parsed value; too big, not UTF-8 or not JSON is refused."""
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise GeoJSONError(_("The GeoJSON is %(size)s; at most %(limit)s is accepted.")
                           % {"size": _megabytes(size), "limit": _megabytes(MAX_BYTES)})
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise GeoJSONError(_("The file is not UTF-8 text (byte %(position)d).") % {"position": exc.start}) from exc
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise GeoJSONError(_("The GeoJSON is empty."))
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise GeoJSONError(_("not valid JSON at line %(line)d column %(column)d: %(reason)s")
                           % {"line": exc.lineno, "column": exc.colno, "reason": exc.msg}) from exc
    except _ConstantError as exc:
        raise GeoJSONError(_("not valid JSON: %(constant)s is not a number JSON allows") % {"constant": exc.args[0]}
                           ) from exc
    except RecursionError as exc:
        raise GeoJSONError(_("not valid GeoJSON: the arrays are nested far too deeply")) from exc


class _ConstantError(ValueError):
    pass


def _refuse_constant(name: str):
    raise _ConstantError(name)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


# ----------------------------------------------------------------------------------------------- validation
class _Walk:
    """State of one validation: the positions counted so far, and whether they must lie in China."""

    def __init__(self, china_only: bool) -> None:
        self.china_only = china_only
        self.positions = 0


def normalize(value: Any, *, china_only: bool = True) -> Geometry:
    """The geometry to store for `value` (parsed GeoJSON or its text), or GeoJSONError. See the module docstring."""
    if isinstance(value, str | bytes):
        value = parse(value)
    walk = _Walk(china_only)
    return _top(value, walk)


def _key(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind_of(value: Any) -> str:
    if value is None:
        return _("null")
    if isinstance(value, bool):
        return _("true/false")
    if isinstance(value, int | float):
        return _("a number")
    if isinstance(value, str):
        return _("text")
    if isinstance(value, list):
        return _("a list")
    return _("an object")


def _type_of(obj: Any, path: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(obj, dict):
        raise GeoJSONError(_("expected a GeoJSON object such as {\"type\": \"Point\", \"coordinates\": [120.15, 30.27]}, "
                             "got %(kind)s") % {"kind": _kind_of(obj)}, path)
    kind = obj.get("type")
    where = _key(path, "type")
    if kind is None:
        raise GeoJSONError(_("missing: say what this is (%(types)s)") % {"types": ", ".join(allowed)}, where)
    if kind not in allowed:
        if isinstance(kind, str) and (match := next((t for t in allowed if t.lower() == kind.lower()), None)):
            raise GeoJSONError(_("write \"%(right)s\", not \"%(wrong)s\" (GeoJSON types are case-sensitive)")
                               % {"right": match, "wrong": kind}, where)
        raise GeoJSONError(_("\"%(kind)s\" is not accepted here; use one of %(types)s")
                           % {"kind": kind, "types": ", ".join(allowed)}, where)
    return kind


def _check_crs(obj: dict, path: str) -> None:
    crs = obj.get("crs")
    if crs is None:
        return
    name = crs.get("properties", {}).get("name") if isinstance(crs, dict) and isinstance(crs.get("properties"), dict) else None
    if not isinstance(name, str) or name.strip().lower() not in LONLAT_CRS:
        raise GeoJSONError(_("coordinates in %(crs)s are not accepted; export the file in WGS84 (EPSG:4326) or "
                             "CGCS2000 (EPSG:4490) longitude and latitude") % {"crs": name or _("an unknown system")},
                           _key(path, "crs"))


def _top(value: Any, walk: _Walk) -> Geometry:
    kind = _type_of(value, "", INPUT_TYPES)
    _check_crs(value, "")
    if kind == "Feature":
        return _feature_geometry(value, "", walk)
    if kind == "FeatureCollection":
        features = value.get("features")
        if not isinstance(features, list):
            raise GeoJSONError(_("expected a list of Features, got %(kind)s") % {"kind": _kind_of(features)},
                               "features")
        if not features:
            raise GeoJSONError(_("the FeatureCollection has no features"), "features")
        geometries = []
        for i, feature in enumerate(features):
            path = f"features[{i}]"
            _type_of(feature, path, ("Feature",))
            geometries.append(_feature_geometry(feature, path, walk))
        return combine(geometries)
    return _geometry(value, "", walk, collection_allowed=True)


def _feature_geometry(feature: dict, path: str, walk: _Walk) -> Geometry:
    where = _key(path, "geometry")
    if feature.get("geometry") is None:
        raise GeoJSONError(_("the Feature has no geometry"), where)
    return _geometry(feature["geometry"], where, walk, collection_allowed=True)


def _geometry(obj: Any, path: str, walk: _Walk, *, collection_allowed: bool) -> Geometry:
    kind = _type_of(obj, path, (*GEOMETRY_TYPES, COLLECTION) if collection_allowed else GEOMETRY_TYPES)
    if kind == COLLECTION:
        members = obj.get("geometries")
        where = _key(path, "geometries")
        if not isinstance(members, list):
            raise GeoJSONError(_("expected a list of geometries, got %(kind)s") % {"kind": _kind_of(members)}, where)
        if not members:
            raise GeoJSONError(_("the GeometryCollection is empty"), where)
        return combine([_geometry(m, f"{where}[{i}]", walk, collection_allowed=False) for i, m in enumerate(members)])
    where = _key(path, "coordinates")
    if "coordinates" not in obj:
        raise GeoJSONError(_("missing: a %(type)s needs coordinates") % {"type": kind}, where)
    coordinates = obj["coordinates"]
    if kind == "Point":
        return {"type": kind, "coordinates": _position(coordinates, where, walk)}
    if kind == "LineString":
        return {"type": kind, "coordinates": _line(coordinates, where, walk)}
    if kind == "Polygon":
        return {"type": kind, "coordinates": _polygon(coordinates, where, walk)}
    parts = _array(coordinates, where, _("a %(type)s needs at least one part") % {"type": kind})
    member = {"MultiPoint": _position, "MultiLineString": _line, "MultiPolygon": _polygon}[kind]
    return {"type": kind, "coordinates": [member(part, f"{where}[{i}]", walk) for i, part in enumerate(parts)]}


def _array(value: Any, path: str, empty: str) -> list:
    """`value` as a non-empty list; `empty` is the message for an empty one."""
    if not isinstance(value, list):
        raise GeoJSONError(_("expected a list, got %(kind)s") % {"kind": _kind_of(value)}, path)
    if not value:
        raise GeoJSONError(empty, path)
    return value


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _position(value: Any, path: str, walk: _Walk) -> Position:
    if not isinstance(value, list) or (value and isinstance(value[0], list)):
        raise GeoJSONError(_("expected a position [longitude, latitude], got %(kind)s") % {"kind": _kind_of(value)},
                           path)
    if len(value) < 2:
        raise GeoJSONError(_("a position needs a longitude and a latitude, got %(n)d number(s)") % {"n": len(value)},
                           path)
    if len(value) > 3:
        raise GeoJSONError(_("a position has at most 3 numbers (longitude, latitude, altitude), got %(n)d")
                           % {"n": len(value)}, path)
    for i, name in enumerate((_("longitude"), _("latitude"))):
        if not _number(value[i]):
            raise GeoJSONError(_("%(name)s %(value)s is not a number") % {"name": name, "value": json.dumps(value[i])},
                               path)
    lon, lat = float(value[0]), float(value[1])
    swapped = CHINA_BBOX[0] <= lat <= CHINA_BBOX[2] and CHINA_BBOX[1] <= lon <= CHINA_BBOX[3]
    swap_hint = _(" (longitude and latitude swapped? GeoJSON puts the longitude first)") if swapped else ""
    if not -180 <= lon <= 180:
        hint = _(" (projected coordinates in metres? Use longitude and latitude in degrees)") if abs(lon) > 1000 else ""
        raise GeoJSONError(_("longitude %(value)s is outside −180…180") % {"value": _num(lon)} + hint, path)
    if not -90 <= lat <= 90:
        hint = swap_hint or (_(" (projected coordinates in metres? Use longitude and latitude in degrees)")
                             if abs(lat) > 1000 else "")
        raise GeoJSONError(_("latitude %(value)s is outside −90…90") % {"value": _num(lat)} + hint, path)
    if walk.china_only and not in_china(lon, lat):
        raise GeoJSONError(_("%(lon)s, %(lat)s is outside China (73–136 °E, 3–54 °N)")
                           % {"lon": _num(lon), "lat": _num(lat)} + swap_hint, path)
    walk.positions += 1
    if walk.positions > MAX_POSITIONS:
        raise GeoJSONError(_("too many positions: more than %(limit)s; simplify the geometry")
                           % {"limit": f"{MAX_POSITIONS:,}"})
    return [round(lon, DECIMALS), round(lat, DECIMALS)]


def _num(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.0f}"


def in_china(lon: float, lat: float) -> bool:
    west, south, east, north = CHINA_BBOX
    return west <= lon <= east and south <= lat <= north


def _line(value: Any, path: str, walk: _Walk) -> list[Position]:
    if not isinstance(value, list):
        raise GeoJSONError(_("expected a list of positions, got %(kind)s") % {"kind": _kind_of(value)}, path)
    positions = [_position(p, f"{path}[{i}]", walk) for i, p in enumerate(value)]
    if len(positions) < 2:
        raise GeoJSONError(_("LineString needs at least 2 positions, got %(n)d") % {"n": len(positions)}, path)
    if all(p == positions[0] for p in positions):
        raise GeoJSONError(_("LineString has no length: all its positions are the same"), path)
    return positions


def _polygon(value: Any, path: str, walk: _Walk) -> list[list[Position]]:
    rings = _array(value, path, _("a Polygon needs at least one ring (its outline)"))
    out = []
    for i, ring in enumerate(rings):
        where = f"{path}[{i}]"
        if not isinstance(ring, list):
            raise GeoJSONError(_("Polygon ring %(i)d: expected a list of positions, got %(kind)s")
                               % {"i": i, "kind": _kind_of(ring)}, where)
        positions = [_position(p, f"{where}[{j}]", walk) for j, p in enumerate(ring)]
        if len(positions) < 4:
            raise GeoJSONError(_("Polygon ring %(i)d needs at least 4 positions (3 corners and the first again), "
                                 "got %(n)d") % {"i": i, "n": len(positions)}, where)
        if positions[0] != positions[-1]:
            raise GeoJSONError(_("Polygon ring %(i)d is not closed: its last position must repeat the first")
                               % {"i": i}, where)
        area = _signed_area(positions)
        if area == 0:
            raise GeoJSONError(_("Polygon ring %(i)d has no area: its corners lie on one line") % {"i": i}, where)
        # RFC 7946: the outline counter-clockwise (positive area), holes clockwise.
        if (area > 0) != (i == 0):
            positions.reverse()
        out.append(positions)
    return out


def combine(geometries: list[Geometry]) -> Geometry:
    """The smallest single geometry holding all of `geometries` (normalised ones): see the module docstring."""
    flat: list[Geometry] = []
    for g in geometries:
        flat.extend(g["geometries"] if g["type"] == COLLECTION else [g])
    if len(flat) == 1:
        return flat[0]
    groups: dict[str, list[Geometry]] = {}
    for g in flat:
        groups.setdefault(_KIND[g["type"]], []).append(g)
    members = []
    for kind, group in groups.items():
        if len(group) == 1:
            members.append(group[0])
            continue
        parts: list = []
        for g in group:
            parts.extend(g["coordinates"] if g["type"].startswith("Multi") else [g["coordinates"]])
        members.append({"type": _MULTI[kind], "coordinates": parts})
    return members[0] if len(members) == 1 else {"type": COLLECTION, "geometries": members}


# ----------------------------------------------------------------------------------------------- facts
def _parts(geometry: Geometry) -> Iterator[tuple[str, Any]]:
    """(simple type, coordinates) of every part: Multi- and collection members one by one."""
    if geometry["type"] == COLLECTION:
        for member in geometry["geometries"]:
            yield from _parts(member)
    elif geometry["type"].startswith("Multi"):
        simple = geometry["type"].removeprefix("Multi")
        for coordinates in geometry["coordinates"]:
            yield simple, coordinates
    else:
        yield geometry["type"], geometry["coordinates"]


def positions(geometry: Geometry) -> Iterator[Position]:
    for kind, coordinates in _parts(geometry):
        if kind == "Point":
            yield coordinates
        elif kind == "LineString":
            yield from coordinates
        else:
            for ring in coordinates:
                yield from ring


def position_count(geometry: Geometry) -> int:
    return sum(1 for _p in positions(geometry))


def bbox(geometry: Geometry) -> list[float]:
    """[west, south, east, north] of a stored geometry."""
    if geometry["type"] == "Point":
        lon, lat = geometry["coordinates"][:2]
        return [lon, lat, lon, lat]
    every = list(positions(geometry))
    lons = [p[0] for p in every]
    lats = [p[1] for p in every]
    return [min(lons), min(lats), max(lons), max(lats)]


def representative_point(geometry: Geometry) -> Position:
    """One position that stands for the geometry, for a marker or a cluster: the point itself; the member point
    nearest the middle of a MultiPoint; halfway along the (longest) line; a point inside the (largest) polygon.
    A GeometryCollection is represented by its polygons first, then its lines, then its points."""
    kind = geometry["type"]
    if kind == "Point":
        return list(geometry["coordinates"][:2])
    if kind == "LineString":
        return _halfway(geometry["coordinates"])
    if kind == "Polygon":
        return _inside_point(geometry["coordinates"])
    parts = list(_parts(geometry))
    polygons = [c for k, c in parts if k == "Polygon"]
    if polygons:
        return _inside_point(polygons[0] if len(polygons) == 1 else
                             max(polygons, key=lambda rings: abs(_signed_area(rings[0]))))
    lines = [c for k, c in parts if k == "LineString"]
    if lines:
        return _halfway(lines[0] if len(lines) == 1 else max(lines, key=_length))
    points = [c for k, c in parts if k == "Point"]
    if len(points) == 1:
        return list(points[0][:2])
    mid_lon = sum(p[0] for p in points) / len(points)
    mid_lat = sum(p[1] for p in points) / len(points)
    return list(min(points, key=lambda p: (p[0] - mid_lon) ** 2 + (p[1] - mid_lat) ** 2)[:2])


def _steps(line: list[Position]) -> list[float]:
    """The planar length of each segment, east-west degrees shrunk by the cosine of the latitude (one factor
    for the whole line: enough for comparing lengths inside one province)."""
    k = math.cos(math.radians(line[0][1]))
    return [math.hypot((b[0] - a[0]) * k, b[1] - a[1]) for a, b in zip(line, line[1:], strict=False)]


def _length(line: list[Position]) -> float:
    return sum(_steps(line))


def _halfway(line: list[Position]) -> Position:
    steps = _steps(line)
    target = sum(steps) / 2
    walked = 0.0
    for i, step in enumerate(steps):
        if step and walked + step >= target:
            a, b = line[i], line[i + 1]
            t = (target - walked) / step
            return [round(a[0] + (b[0] - a[0]) * t, DECIMALS), round(a[1] + (b[1] - a[1]) * t, DECIMALS)]
        walked += step
    return list(line[-1][:2])


def _signed_area(ring: list[Position]) -> float:
    """Twice the signed planar area (shoelace, in degrees²): positive for counter-clockwise. Measured from the
    first corner, so that a small site far from (0, 0) keeps its precision."""
    x0, y0 = ring[0][0], ring[0][1]
    return sum((a[0] - x0) * (b[1] - y0) - (b[0] - x0) * (a[1] - y0) for a, b in zip(ring, ring[1:], strict=False))


def _contains(point: Position, rings: list[list[Position]]) -> bool:
    """Even-odd rule over the outline and its holes."""
    x, y = point[0], point[1]
    inside = False
    for ring in rings:
        for a, b in zip(ring, ring[1:], strict=False):
            if (a[1] > y) != (b[1] > y) and x < (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]) + a[0]:
                inside = not inside
    return inside


def _inside_point(rings: list[list[Position]]) -> Position:
    """The outline's centroid when it lies inside the polygon; otherwise the middle of the widest stretch inside
    the polygon on the horizontal line through the centroid (a C-shaped site, a ring around a hole)."""
    outline = rings[0]
    x0, y0 = outline[0][0], outline[0][1]
    local = [(p[0] - x0, p[1] - y0) for p in outline]
    twice_area = cx = cy = 0.0
    for (ax, ay), (bx, by) in zip(local, local[1:], strict=False):
        cross = ax * by - bx * ay
        twice_area += cross
        cx += (ax + bx) * cross
        cy += (ay + by) * cross
    centroid = [x0 + cx / (3 * twice_area), y0 + cy / (3 * twice_area)]
    if _contains(centroid, rings):
        return [round(centroid[0], DECIMALS), round(centroid[1], DECIMALS)]
    y = centroid[1]
    if any(p[1] == y for ring in rings for p in ring):  # a scanline through a vertex counts it twice
        y += 1e-9
    xs = sorted(
        (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]) + a[0]
        for ring in rings for a, b in zip(ring, ring[1:], strict=False) if (a[1] > y) != (b[1] > y)
    )
    stretches = [(xs[i], xs[i + 1]) for i in range(0, len(xs) - 1, 2)]
    if not stretches:
        return list(outline[0][:2])
    left, right = max(stretches, key=lambda s: s[1] - s[0])
    return [round((left + right) / 2, DECIMALS), round(y, DECIMALS)]


def type_label(kind: str) -> str:
    """A GeoJSON type as the reader's language names it (点, 线, 面…; the English page keeps the GeoJSON names)."""
    labels = {
        "Point": pgettext("geometry type", "Point"), "LineString": pgettext("geometry type", "LineString"),
        "Polygon": pgettext("geometry type", "Polygon"), "MultiPoint": pgettext("geometry type", "MultiPoint"),
        "MultiLineString": pgettext("geometry type", "MultiLineString"),
        "MultiPolygon": pgettext("geometry type", "MultiPolygon"),
        COLLECTION: pgettext("geometry type", "GeometryCollection"),
    }
    return labels.get(kind, kind)


def summary(geometry: Geometry | None) -> str | None:
    """One line for the history and the page, the type named in the reader's language: "Point 120.1523, 30.2741"
    or "LineString, 37 positions" (点 120.1523, 30.2741 / 线，37个坐标点)."""
    if geometry is None:
        return None
    if geometry["type"] == "Point":
        lon, lat = geometry["coordinates"][:2]
        return f"{type_label('Point')} {lon:.5f}, {lat:.5f}"
    kind = type_label(geometry["type"])
    if geometry["type"] == COLLECTION:
        kind = f"{kind} ({', '.join(type_label(m['type']) for m in geometry['geometries'])})"
    n = position_count(geometry)
    return ngettext("%(type)s, %(n)s position", "%(type)s, %(n)s positions", n) % {"type": kind, "n": f"{n:,}"}


def fingerprint(geometry: Geometry | None) -> str:
    """A short digest of a stored location: the version a form or API client based its change on ("" for none)."""
    if geometry is None:
        return ""
    text = json.dumps(geometry, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
