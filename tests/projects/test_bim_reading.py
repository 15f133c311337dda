"""Reading an IFC model (projects.bim.reading, issue 15): buildings made with IfcOpenShell's own API in the test
(site, building, two storeys, walls, slabs, a column per storey, a window in an opening, base quantities) in IFC4
and IFC2X3, as .ifc and .ifczip, and a real model from a permissively licensed source (tests/data/ifc/README.md),
read for real in the child process: the figures, the tree, the elements with their properties, and the GLB parsed
back against the contract with the viewer."""

import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from django.core.files import File

from projects.bim import tasks
from projects.bim.glb import read_glb
from projects.bim.samples import APPLICATION, build_ifc
from projects.models import BimElement, BimModel, BimModelState, Project

pytestmark = pytest.mark.django_db

REAL_SAMPLE = Path(__file__).resolve().parent.parent / "data" / "ifc" / "ifcjs-test-revit2021.ifc"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def project() -> Project:
    return Project.objects.filter(owner__name="之江交通建设投资有限公司").order_by("pk").first()


def upload_model(project: Project, path: Path, *, number: int | None = None, user=None) -> BimModel:
    """A queued model of `project` holding the file at `path`, as the upload service stores it."""
    from portal.accounts.models import User

    if number is None:
        number = (BimModel.objects.filter(project=project).order_by("-number").values_list("number", flat=True)
                  .first() or 0) + 1
    model = BimModel(project=project, number=number, title=f"模型 v{number}", original_name=path.name,
                     size=path.stat().st_size, sha256="0" * 64,
                     uploaded_by=user or User.objects.get(username="owner"))
    with open(path, "rb") as handle:
        model.file.save(f"{project.pk}-{number}{path.suffix}", File(handle), save=False)
    model.save()
    return model


def accessor_array(gltf: dict, binary: bytes, number: int) -> np.ndarray:
    accessor = gltf["accessors"][number]
    view = gltf["bufferViews"][accessor["bufferView"]]
    dtype = {5126: np.float32, 5125: np.uint32, 5121: np.uint8}[accessor["componentType"]]
    width = {"SCALAR": 1, "VEC3": 3, "VEC4": 4}[accessor["type"]]
    data = np.frombuffer(binary, dtype=dtype, count=accessor["count"] * width,
                         offset=view["byteOffset"] + accessor.get("byteOffset", 0))
    return data.reshape(-1, width) if width > 1 else data


def read(model: BimModel) -> BimModel:
    assert tasks.read_model.delay(model.pk).get() == "ready"
    model.refresh_from_db()
    return model


@pytest.mark.parametrize("schema", ["IFC4", "IFC2X3"])
def test_a_building_made_with_ifcopenshell_is_read_into_figures_tree_elements_and_a_glb(project, tmp_path, schema):
    path = tmp_path / "building.ifc"
    counts = build_ifc(path, schema=schema)
    model = read(upload_model(project, path))

    wall = "IfcWall" if schema == "IFC4" else "IfcWallStandardCase"
    assert (model.state, model.progress, model.error, model.retryable) == (BimModelState.READY, 100, "", False)
    assert model.is_current and model.schema == schema and model.attempts == 1
    assert model.application == f"{APPLICATION[0]} {APPLICATION[1]}"
    assert model.class_counts == {"IfcColumn": 2, "IfcSlab": 2, wall: 8, "IfcWindow": 2}
    assert model.element_count == counts.walls + counts.slabs + counts.columns + counts.windows == 14
    # IfcElementQuantity summed per class, in SI units: 8 walls of 6 m × 0.2 m × 3.3 m
    assert model.quantities[wall]["Length"] == pytest.approx(48.0)
    assert model.quantities[wall]["NetVolume"] == pytest.approx(8 * 6 * 0.2 * 3.3)
    assert model.quantities["IfcSlab"]["NetArea"] == pytest.approx(72.0)
    assert model.quantities["IfcColumn"]["NetVolume"] == pytest.approx(2 * 0.4 * 0.4 * 3.5)
    assert model.quantities["IfcWindow"] == {"Area": 4.5, "Height": 3.0, "Width": 3.0}
    # the tree: site > building > two storeys, each holding its 7 elements
    [site] = model.tree
    assert (site["ifc_class"], site["name"], site["elements"]) == ("IfcSite", "场地", 0)
    [building] = site["children"]
    assert (building["ifc_class"], building["name"]) == ("IfcBuilding", "1号楼")
    storeys = building["children"]
    assert [(s["ifc_class"], s["name"], s["elements"], s["children"]) for s in storeys] == [
        ("IfcBuildingStorey", "1层", 7, []), ("IfcBuildingStorey", "2层", 7, [])]
    # the elements: indexed in order, in their storey, with properties and quantities, all with geometry
    elements = list(BimElement.objects.filter(model=model).order_by("index"))
    assert [e.index for e in elements] == list(range(14))
    assert {e.storey for e in elements} == {s["global_id"] for s in storeys}
    assert all(e.has_geometry for e in elements)
    first_wall = next(e for e in elements if e.ifc_class == wall)
    assert first_wall.properties["Pset_WallCommon"] == {"IsExternal": True, "LoadBearing": True,
                                                        "FireRating": "REI 120"}
    assert first_wall.properties["Qto_WallBaseQuantities"]["Length"] == 6.0
    assert first_wall.name == "墙 1-1"
    assert model.read_seconds > 0 and model.peak_memory_kb > 10_000  # a Python with IfcOpenShell loaded
    assert model.finished_at >= model.started_at

    # the GLB, parsed back: batched meshes, the attributes of the contract, the element table
    gltf, binary = read_glb(model.geometry.path)
    assert model.geometry_size == Path(model.geometry.path).stat().st_size
    extras = gltf["scenes"][0]["extras"]
    assert extras["elements"] == [e.global_id for e in elements]
    assert (extras["up"], extras["schema"]) == ("y", schema)
    assert len(gltf["meshes"]) == 2  # concrete (opaque) and glass (transparent), not one mesh per element
    opaque, glass = gltf["meshes"]
    assert "alphaMode" not in gltf["materials"][opaque["primitives"][0]["material"]]
    assert gltf["materials"][glass["primitives"][0]["material"]]["alphaMode"] == "BLEND"
    windows = {e.index for e in elements if e.ifc_class == "IfcWindow"}
    seen = set()
    for mesh, expected in ((opaque, set(range(14)) - windows), (glass, windows)):
        [primitive] = mesh["primitives"]
        attributes = primitive["attributes"]
        assert set(attributes) == {"POSITION", "NORMAL", "COLOR_0", "_ELEMENT"}
        element = gltf["accessors"][attributes["_ELEMENT"]]
        assert (element["componentType"], element["type"]) == (5126, "SCALAR")
        assert (element["min"], element["max"]) == ([min(expected)], [max(expected)])
        assert set(accessor_array(gltf, binary, attributes["_ELEMENT"]).astype(int)) == expected
        seen |= expected
        positions = accessor_array(gltf, binary, attributes["POSITION"])
        normals = accessor_array(gltf, binary, attributes["NORMAL"])
        assert positions.shape == normals.shape
        assert np.allclose(np.linalg.norm(normals, axis=1), 1.0, atol=1e-3)
        indices = accessor_array(gltf, binary, primitive["indices"])
        assert gltf["accessors"][primitive["indices"]]["componentType"] == 5125
        assert len(indices) % 3 == 0 and indices.max() < len(positions)
        colours = accessor_array(gltf, binary, attributes["COLOR_0"])
        alpha = 255 if mesh is opaque else round(0.4 * 255)
        assert set(colours[:, 3]) == {alpha}
    assert seen == set(range(14))
    # Y up and recentred: the two storeys' 7 m of height run along y, centred on 0
    [low_x, low_y, low_z, high_x, high_y, high_z] = model.bounds
    assert (low_y, high_y) == pytest.approx((-3.5, 3.5))
    assert (low_x, high_x) == pytest.approx((-3.1, 3.1)) and (low_z, high_z) == pytest.approx((-3.1, 3.1))
    assert extras["offset"] == pytest.approx([3.0, 3.5, -3.0])


def test_an_ifczip_is_read_like_the_ifc_it_holds(project, tmp_path):
    path = tmp_path / "building.ifc"
    build_ifc(path, storeys=3)
    zipped = tmp_path / "building.ifczip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(path, "building.ifc")

    model = read(upload_model(project, zipped))

    assert model.state == BimModelState.READY and model.schema == "IFC4"
    assert model.class_counts == {"IfcColumn": 3, "IfcSlab": 3, "IfcWall": 12, "IfcWindow": 3}
    assert [s["name"] for s in model.tree[0]["children"][0]["children"]] == ["1层", "2层", "3层"]


def test_a_new_version_becomes_current_only_once_read_and_an_older_one_read_later_does_not_take_over(
        project, tmp_path):
    path = tmp_path / "building.ifc"
    build_ifc(path)
    first = read(upload_model(project, path))
    second = upload_model(project, path)
    third = upload_model(project, path)
    assert first.is_current and second.state == third.state == BimModelState.QUEUED

    read(third)
    read(second)

    first.refresh_from_db()
    assert [m.is_current for m in (first, second, third)] == [False, False, True]
    assert BimModel.objects.filter(project=project, is_current=True).get() == third
    # each version has its own elements
    assert BimElement.objects.filter(model=second).count() == BimElement.objects.filter(model=third).count() == 14


def test_reading_twice_is_a_no_op_once_the_model_is_ready(project, tmp_path):
    path = tmp_path / "building.ifc"
    build_ifc(path)
    model = read(upload_model(project, path))

    assert tasks.read_model.delay(model.pk).get() == "skipped"
    model.refresh_from_db()
    assert model.attempts == 1 and BimElement.objects.filter(model=model).count() == 14


def test_a_bigger_building_is_split_into_batches_that_never_split_an_element(project, tmp_path, settings):
    settings.BIM_GLB_BATCH_VERTICES = 500  # a million by default
    path = tmp_path / "big.ifc"
    counts = build_ifc(path, bays=4, storeys=2)

    model = read(upload_model(project, path))

    assert model.element_count == counts.walls + counts.slabs + counts.columns + counts.windows
    gltf, binary = read_glb(model.geometry.path)
    assert len(gltf["meshes"]) > 4
    owner: dict[int, int] = {}
    for number, mesh in enumerate(gltf["meshes"]):
        accessor = mesh["primitives"][0]["attributes"]["_ELEMENT"]
        assert gltf["accessors"][accessor]["count"] <= 500
        for index in set(accessor_array(gltf, binary, accessor).astype(int)):
            assert owner.setdefault(index, number) == number  # an element lives in one mesh only
    assert len(owner) == model.element_count


def test_a_real_model_exported_by_revit_is_read(project):
    """tests/data/ifc/README.md: IFC2X3 from Revit 2021, MIT-licensed (IFC.js)."""
    model = read(upload_model(project, REAL_SAMPLE))

    assert (model.state, model.schema) == (BimModelState.READY, "IFC2X3")
    assert model.application == "Autodesk Revit 2021 (ESP) 2021"
    [site] = model.tree
    [building] = site["children"]
    assert building["ifc_class"] == "IfcBuilding"
    assert [(s["ifc_class"], s["name"], s["elements"]) for s in building["children"]] == [
        ("IfcBuildingStorey", "Nivel 1", 93), ("IfcBuildingStorey", "Nivel 2", 1)]
    assert model.class_counts == {"IfcCurtainWall": 1, "IfcDoor": 1, "IfcFurnishingElement": 35, "IfcMember": 31,
                                  "IfcPlate": 12, "IfcSlab": 2, "IfcWallStandardCase": 3, "IfcWindow": 9}
    assert model.element_count == 94 and model.quantities == {}  # exported without base quantities
    elements = BimElement.objects.filter(model=model).order_by("index")
    # the curtain wall is drawn by its members and plates: the one element without a shape of its own
    assert list(elements.filter(has_geometry=False).values_list("ifc_class", flat=True)) == ["IfcCurtainWall"]
    door = elements.get(ifc_class="IfcDoor")
    assert door.properties["Pset_DoorCommon"]["IsExternal"] in (True, False)
    gltf, binary = read_glb(model.geometry.path)
    assert gltf["scenes"][0]["extras"]["elements"] == list(elements.values_list("global_id", flat=True))
    drawn = set()
    for mesh in gltf["meshes"]:
        drawn |= set(accessor_array(gltf, binary, mesh["primitives"][0]["attributes"]["_ELEMENT"]).astype(int))
    assert drawn == set(elements.filter(has_geometry=True).values_list("index", flat=True))
    assert struct.unpack("<4s", Path(model.geometry.path).read_bytes()[:4]) == (b"glTF",)
