"""projects.gis.geojson: what a location may be, what is refused and with which message, how collections are
combined, and the facts the maps use (bounding box, representative point, summary, fingerprint). Pure
functions: no database. Messages are asserted in English (the msgids)."""

import json
import math

import pytest
from django.utils import translation

from projects.gis import gcj02, geojson
from projects.gis.geojson import GeoJSONError, normalize


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def refused(value, **kwargs) -> GeoJSONError:
    with pytest.raises(GeoJSONError) as info:
        normalize(value, **kwargs)
    return info.value


HANGZHOU = [120.155, 30.274]
SQUARE = [[120.0, 30.0], [120.1, 30.0], [120.1, 30.1], [120.0, 30.1], [120.0, 30.0]]  # counter-clockwise


# ------------------------------------------------------------------------------------------- accepted
def test_a_point_is_stored_as_it_is():
    assert normalize({"type": "Point", "coordinates": HANGZHOU}) == {"type": "Point", "coordinates": HANGZHOU}


def test_only_type_and_coordinates_are_kept_positions_rounded_to_7_places_and_altitude_dropped():
    value = {"type": "LineString", "coordinates": [[120.123456789, 30.1, 12.5], [120, 30]], "bbox": [1, 2, 3, 4],
             "properties": {"x": 1}}
    assert normalize(value) == {"type": "LineString", "coordinates": [[120.1234568, 30.1], [120.0, 30.0]]}


def test_text_and_bytes_are_parsed_including_a_utf8_byte_order_mark():
    text = json.dumps({"type": "Point", "coordinates": HANGZHOU})
    assert normalize(text) == normalize(("\ufeff" + text).encode()) == {"type": "Point", "coordinates": HANGZHOU}


@pytest.mark.parametrize(("kind", "coordinates"), [
    ("MultiPoint", [HANGZHOU, [121.55, 29.87]]),
    ("MultiLineString", [[[120, 30], [120.2, 30.1]], [[121, 29], [121.1, 29.2]]]),
    ("MultiPolygon", [[SQUARE], [[[p[0] + 1, p[1]] for p in SQUARE]]]),
])
def test_the_multi_forms_are_accepted(kind, coordinates):
    assert normalize({"type": kind, "coordinates": coordinates}) == {"type": kind, "coordinates": coordinates}


def test_polygon_rings_are_oriented_outline_counter_clockwise_and_holes_clockwise():
    clockwise = list(reversed(SQUARE))
    hole_ccw = [[120.02, 30.02], [120.05, 30.02], [120.05, 30.05], [120.02, 30.05], [120.02, 30.02]]
    stored = normalize({"type": "Polygon", "coordinates": [clockwise, hole_ccw]})
    assert stored["coordinates"][0] == SQUARE
    assert stored["coordinates"][1] == list(reversed(hole_ccw))


def test_a_feature_becomes_its_geometry():
    feature = {"type": "Feature", "properties": {"name": "医院"}, "geometry": {"type": "Point", "coordinates": HANGZHOU}}
    assert normalize(feature) == {"type": "Point", "coordinates": HANGZHOU}


def _fc(*geometries):
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {}, "geometry": g} for g in geometries]}


def test_a_collection_of_one_is_that_geometry():
    assert normalize(_fc({"type": "LineString", "coordinates": [[120, 30], [120.1, 30.1]]}))["type"] == "LineString"


def test_a_collection_of_one_kind_becomes_its_multi_form():
    stored = normalize(_fc({"type": "Point", "coordinates": [120, 30]},
                           {"type": "MultiPoint", "coordinates": [[121, 29], [121.5, 29.5]]}))
    assert stored == {"type": "MultiPoint", "coordinates": [[120.0, 30.0], [121.0, 29.0], [121.5, 29.5]]}
    stored = normalize(_fc({"type": "Polygon", "coordinates": [SQUARE]}, {"type": "Polygon", "coordinates": [SQUARE]}))
    assert stored == {"type": "MultiPolygon", "coordinates": [[SQUARE], [SQUARE]]}


def test_mixed_kinds_become_a_geometry_collection_with_one_member_per_kind_in_order_of_appearance():
    line = {"type": "LineString", "coordinates": [[120.0, 30.0], [120.1, 30.1]]}
    stored = normalize(_fc({"type": "Point", "coordinates": [120, 30]}, line, {"type": "Point", "coordinates": [121, 29]}))
    assert stored == {"type": "GeometryCollection", "geometries": [
        {"type": "MultiPoint", "coordinates": [[120.0, 30.0], [121.0, 29.0]]}, line]}
    # What is stored is accepted again unchanged (the API's GET → PUT round trip).
    assert normalize(stored) == stored


def test_a_geometry_collection_given_as_input_is_combined_the_same_way():
    gc = {"type": "GeometryCollection", "geometries": [
        {"type": "LineString", "coordinates": [[120, 30], [120.1, 30.1]]},
        {"type": "LineString", "coordinates": [[121, 29], [121.1, 29.1]]}]}
    assert normalize(gc)["type"] == "MultiLineString"


def test_an_old_style_crs_naming_wgs84_or_cgcs2000_is_accepted():
    for name in ("urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326", "EPSG:4490"):
        value = {"type": "Point", "coordinates": HANGZHOU, "crs": {"type": "name", "properties": {"name": name}}}
        assert normalize(value) == {"type": "Point", "coordinates": HANGZHOU}


# ------------------------------------------------------------------------------------------- refused
@pytest.mark.parametrize(("value", "path", "message"), [
    ({"type": "Point", "coordinates": [120, 95]}, "coordinates", "latitude 95 is outside −90…90"),
    ({"type": "Point", "coordinates": [181, 30]}, "coordinates", "longitude 181 is outside −180…180"),
    ({"type": "LineString", "coordinates": [[120, 30], [120.1, 30], [120.2, 30], [120.3, 95]]}, "coordinates[3]",
     "latitude 95 is outside −90…90"),
    ({"type": "MultiLineString", "coordinates": [[[120, 30], [120.1, 30]], [[120, 30], [120.1, 30], [120, 95]]]},
     "coordinates[1][2]", "latitude 95 is outside −90…90"),
    ({"type": "LineString", "coordinates": [[120, 30]]}, "coordinates", "LineString needs at least 2 positions, got 1"),
    ({"type": "LineString", "coordinates": [[120, 30], [120, 30]]}, "coordinates",
     "LineString has no length: all its positions are the same"),
    ({"type": "Polygon", "coordinates": [SQUARE, [[120.02, 30.02], [120.05, 30.02], [120.05, 30.05], [120.02, 30.05]]]},
     "coordinates[1]", "Polygon ring 1 is not closed: its last position must repeat the first"),
    ({"type": "Polygon", "coordinates": [[[120, 30], [120.1, 30], [120, 30]]]}, "coordinates[0]",
     "Polygon ring 0 needs at least 4 positions (3 corners and the first again), got 3"),
    ({"type": "Polygon", "coordinates": [[[120, 30], [120.1, 30], [120.2, 30], [120, 30]]]}, "coordinates[0]",
     "Polygon ring 0 has no area: its corners lie on one line"),
    ({"type": "Polygon", "coordinates": []}, "coordinates", "a Polygon needs at least one ring (its outline)"),
    ({"type": "MultiPoint", "coordinates": []}, "coordinates", "a MultiPoint needs at least one part"),
    ({"type": "Point", "coordinates": [120]}, "coordinates", "a position needs a longitude and a latitude, got 1 number(s)"),
    ({"type": "Point", "coordinates": [120, 30, 1, 2]}, "coordinates",
     "a position has at most 3 numbers (longitude, latitude, altitude), got 4"),
    ({"type": "Point", "coordinates": ["120", 30]}, "coordinates", "longitude \"120\" is not a number"),
    ({"type": "Point", "coordinates": [120, True]}, "coordinates", "latitude true is not a number"),
    ({"type": "Point", "coordinates": [[120, 30]]}, "coordinates", "expected a position [longitude, latitude], got a list"),
    ({"type": "MultiPoint", "coordinates": [120, 30]}, "coordinates[0]",
     "expected a position [longitude, latitude], got a number"),
    ({"type": "Point"}, "coordinates", "missing: a Point needs coordinates"),
])
def test_a_bad_geometry_is_refused_saying_what_and_where(value, path, message):
    error = refused(value)
    assert (error.path, error.message) == (path, message)
    assert str(error) == f"{path}: {message}"


def test_swapped_latitude_and_longitude_get_a_hint():
    error = refused({"type": "Point", "coordinates": [30.274, 120.155]})
    assert error.message == ("latitude 120.155 is outside −90…90 "
                             "(longitude and latitude swapped? GeoJSON puts the longitude first)")


def test_projected_metres_get_a_hint():
    error = refused({"type": "Point", "coordinates": [13375000.5, 3537000.1]})
    assert error.message == ("longitude 13375000 is outside −180…180 "
                             "(projected coordinates in metres? Use longitude and latitude in degrees)")


def test_outside_china_is_refused_unless_asked_not_to():
    paris = {"type": "Point", "coordinates": [2.35, 48.85]}
    error = refused(paris)
    assert (error.path, error.message) == ("coordinates", "2.35, 48.85 is outside China (73–136 °E, 3–54 °N)")
    assert normalize(paris, china_only=False) == paris
    # Just inside the corners of the box.
    assert normalize({"type": "LineString", "coordinates": [[73, 3], [136, 54]]})["type"] == "LineString"


@pytest.mark.parametrize(("value", "path", "message"), [
    ({"type": "Circle", "coordinates": HANGZHOU}, "type",
     "\"Circle\" is not accepted here; use one of Point, LineString, Polygon, MultiPoint, MultiLineString, "
     "MultiPolygon, GeometryCollection, Feature, FeatureCollection"),
    ({"type": "point", "coordinates": HANGZHOU}, "type",
     "write \"Point\", not \"point\" (GeoJSON types are case-sensitive)"),
    ({"coordinates": HANGZHOU}, "type", "missing: say what this is (Point, LineString, Polygon, MultiPoint, "
     "MultiLineString, MultiPolygon, GeometryCollection, Feature, FeatureCollection)"),
    ([120, 30], "", "expected a GeoJSON object such as {\"type\": \"Point\", \"coordinates\": [120.15, 30.27]}, "
     "got a list"),
    ({"type": "Feature", "geometry": None, "properties": {}}, "geometry", "the Feature has no geometry"),
    ({"type": "FeatureCollection", "features": []}, "features", "the FeatureCollection has no features"),
    ({"type": "FeatureCollection", "features": {}}, "features", "expected a list of Features, got an object"),
    ({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": HANGZHOU}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [120, 30]}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [SQUARE[:-1]]}}]},
     "features[2].geometry.coordinates[0]", "Polygon ring 0 is not closed: its last position must repeat the first"),
    ({"type": "FeatureCollection", "features": [{"type": "Point", "coordinates": HANGZHOU}]}, "features[0].type",
     "\"Point\" is not accepted here; use one of Feature"),
    ({"type": "GeometryCollection", "geometries": [
        {"type": "GeometryCollection", "geometries": []}]}, "geometries[0].type",
     "\"GeometryCollection\" is not accepted here; use one of Point, LineString, Polygon, MultiPoint, "
     "MultiLineString, MultiPolygon"),
    ({"type": "GeometryCollection", "geometries": []}, "geometries", "the GeometryCollection is empty"),
    ({"type": "Point", "coordinates": HANGZHOU, "crs": {"type": "name", "properties": {"name": "EPSG:3857"}}}, "crs",
     "coordinates in EPSG:3857 are not accepted; export the file in WGS84 (EPSG:4326) or CGCS2000 (EPSG:4490) "
     "longitude and latitude"),
])
def test_a_bad_object_is_refused_saying_what_and_where(value, path, message):
    error = refused(value)
    assert (error.path, error.message) == (path, message)


@pytest.mark.parametrize(("text", "message"), [
    ('{"type": "Point",, }', "not valid JSON at line 1 column 18: Expecting property name enclosed in double quotes"),
    ('{"type": "Point",\n "coordinates": [120, 30}', "not valid JSON at line 2 column 25: Expecting ',' delimiter"),
    ('{"type": "Point", "coordinates": [NaN, 30]}', "not valid JSON: NaN is not a number JSON allows"),
    ("   ", "The GeoJSON is empty."),
    ("[" * 200_000, "not valid GeoJSON: the arrays are nested far too deeply"),
])
def test_text_that_is_not_json_is_refused_with_line_and_column(text, message):
    assert refused(text).message == message


def test_bytes_that_are_not_utf8_are_refused():
    assert refused(b'{"type": "Point", "name": "\xd6\xd0"}').message == "The file is not UTF-8 text (byte 27)."


def test_text_over_2_mb_is_refused_before_it_is_parsed():
    text = '{"type": "Point", "coordinates": [120, 30], "pad": "' + "x" * geojson.MAX_BYTES + '"}'
    assert refused(text).message == "The GeoJSON is 2.0 MB; at most 2.0 MB is accepted."


def test_more_than_50000_positions_are_refused():
    line = [[120 + i * 1e-5, 30.0] for i in range(geojson.MAX_POSITIONS + 1)]
    error = refused({"type": "LineString", "coordinates": line})
    assert error.message == "too many positions: more than 50,000; simplify the geometry"
    assert normalize({"type": "LineString", "coordinates": line[:-1]})["type"] == "LineString"


# ------------------------------------------------------------------------------------------- facts
def test_bbox_covers_every_position():
    gc = {"type": "GeometryCollection", "geometries": [
        {"type": "Point", "coordinates": [121.5, 29.8]}, {"type": "Polygon", "coordinates": [SQUARE]}]}
    assert geojson.bbox(gc) == [120.0, 29.8, 121.5, 30.1]
    assert geojson.bbox({"type": "Point", "coordinates": HANGZHOU}) == [120.155, 30.274, 120.155, 30.274]


def test_the_point_of_a_point_is_itself_and_of_a_multipoint_the_member_nearest_the_middle():
    assert geojson.representative_point({"type": "Point", "coordinates": HANGZHOU}) == HANGZHOU
    mp = {"type": "MultiPoint", "coordinates": [[120.0, 30.0], [120.11, 30.0], [120.2, 30.0]]}
    assert geojson.representative_point(mp) == [120.11, 30.0]


def test_the_point_of_a_line_is_halfway_along_it():
    line = {"type": "LineString", "coordinates": [[120.0, 30.0], [120.0, 30.1], [120.0, 30.4]]}
    assert geojson.representative_point(line) == [120.0, 30.2]
    lines = {"type": "MultiLineString", "coordinates": [[[121.0, 29.0], [121.0, 29.02]], line["coordinates"]]}
    assert geojson.representative_point(lines) == [120.0, 30.2]  # the longest line


def test_the_point_of_a_polygon_is_inside_it_even_when_its_centroid_is_not():
    assert geojson.representative_point({"type": "Polygon", "coordinates": [SQUARE]}) == [120.05, 30.05]
    # A C-shaped site opening to the east: its centroid falls in the gap.
    c_shape = [[120.0, 30.0], [120.3, 30.0], [120.3, 30.1], [120.1, 30.1], [120.1, 30.2], [120.3, 30.2],
               [120.3, 30.3], [120.0, 30.3], [120.0, 30.0]]
    point = geojson.representative_point({"type": "Polygon", "coordinates": [c_shape]})
    assert geojson._contains(point, [c_shape])
    # A ring around a hole: the point is in the ring, not in the hole.
    hole = [[120.01, 30.01], [120.01, 30.09], [120.09, 30.09], [120.09, 30.01], [120.01, 30.01]]
    point = geojson.representative_point(normalize({"type": "Polygon", "coordinates": [SQUARE, hole]}))
    assert geojson._contains(point, [SQUARE, hole])
    assert not geojson._contains(point, [hole])


def test_a_collection_is_represented_by_its_largest_polygon_first():
    small = [[121.0, 29.0], [121.01, 29.0], [121.01, 29.01], [121.0, 29.01], [121.0, 29.0]]
    gc = {"type": "GeometryCollection", "geometries": [
        {"type": "Point", "coordinates": [122, 30]}, {"type": "MultiPolygon", "coordinates": [[small], [SQUARE]]}]}
    assert geojson.representative_point(gc) == [120.05, 30.05]


def test_summary_names_the_type_and_counts_positions():
    assert geojson.summary(None) is None
    assert geojson.summary({"type": "Point", "coordinates": HANGZHOU}) == "Point 120.15500, 30.27400"
    line = {"type": "LineString", "coordinates": [[120 + i / 100, 30] for i in range(37)]}
    assert geojson.summary(line) == "LineString, 37 positions"
    gc = normalize(_fc({"type": "Point", "coordinates": HANGZHOU}, {"type": "Polygon", "coordinates": [SQUARE]}))
    assert geojson.summary(gc) == "GeometryCollection (Point, Polygon), 6 positions"


def test_fingerprint_changes_with_the_location_and_is_empty_for_none():
    a = {"type": "Point", "coordinates": HANGZHOU}
    assert geojson.fingerprint(None) == ""
    assert geojson.fingerprint(a) == geojson.fingerprint(dict(reversed(list(a.items()))))
    assert geojson.fingerprint(a) != geojson.fingerprint({"type": "Point", "coordinates": [120.155, 30.2741]})
    assert len(geojson.fingerprint(a)) == 16


# ------------------------------------------------------------------------------------------- GCJ-02
def test_gcj02_matches_the_published_reference_value():
    # wandergis/coordtransform's own example: wgs84togcj02(116.404, 39.915).
    assert gcj02.wgs84_to_gcj02(116.404, 39.915) == pytest.approx((116.41024449916938, 39.91640428150164), abs=1e-12)


def test_gcj02_shifts_zhejiang_by_a_few_hundred_metres_and_the_reverse_undoes_it():
    lon, lat = 120.155, 30.274
    glon, glat = gcj02.wgs84_to_gcj02(lon, lat)
    metres = math.hypot((glon - lon) * 111_320 * math.cos(math.radians(lat)), (glat - lat) * 110_540)
    assert 100 < metres < 700
    back = gcj02.gcj02_to_wgs84(glon, glat)
    assert back == pytest.approx((lon, lat), abs=1e-9)


def test_gcj02_leaves_points_outside_china_alone():
    assert gcj02.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert gcj02.gcj02_to_wgs84(2.35, 48.85) == (2.35, 48.85)
