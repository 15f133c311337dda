"""Small real IFC buildings made with IfcOpenShell's own API, for the tests, the demo and the benchmark.

`build_ifc(path, schema=…, storeys=…, bays=…)` writes a building on a grid of `bays` × `bays` cells of 6 m: a
site, a building, `storeys` storeys of 3.5 m, each with the walls on the grid lines (2·b·(b+1)), one floor slab and
one column per cell (b²), and one window in an opening of the storey's first wall; base quantities
(Qto_…BaseQuantities) and a common property set on every element; a grey concrete style on walls, slabs and columns
and a translucent glass style on the windows. GlobalIds come from a fixed seed, so a file built twice with the same
arguments holds the same elements. `bays` scales it: bays=1 is a 2-storey box of 13 elements (about 60 KB),
bays=40 with 8 storeys about 50 MB."""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

STOREY_HEIGHT = 3.5
BAY = 6.0
WALL_THICKNESS = 0.2
SLAB_DEPTH = 0.2
COLUMN_SIZE = 0.4
APPLICATION = ("KeyProjects Portal", "15.0")  # (IfcApplication.ApplicationFullName, Version)


@dataclass(frozen=True)
class SampleCounts:
    """What `build_ifc` put in the file (the tests compare the reading with it)."""

    storeys: int
    walls: int
    slabs: int
    columns: int
    windows: int
    openings: int

    @property
    def elements(self) -> int:
        """Products that are read as elements: walls, slabs, columns, windows and the openings."""
        return self.walls + self.slabs + self.columns + self.windows + self.openings


def counts_for(*, storeys: int = 2, bays: int = 1) -> SampleCounts:
    per_storey_walls = 2 * bays * (bays + 1)
    return SampleCounts(storeys=storeys, walls=storeys * per_storey_walls, slabs=storeys * bays * bays,
                        columns=storeys * bays * bays, windows=storeys, openings=storeys)


class _Builder:
    def __init__(self, schema: str, seed: int) -> None:
        import ifcopenshell
        import ifcopenshell.api

        self.api = ifcopenshell.api
        self.random = random.Random(seed)
        self.file = ifcopenshell.file(schema=schema)
        self.schema = schema

    def guid(self) -> str:
        import ifcopenshell.guid

        return ifcopenshell.guid.compress(uuid.UUID(int=self.random.getrandbits(128)).hex)

    def entity(self, ifc_class: str, name: str, predefined_type: str | None = None):
        product = self.api.run("root.create_entity", self.file, ifc_class=ifc_class, name=name,
                               predefined_type=predefined_type)
        product.GlobalId = self.guid()
        return product

    def place(self, product, x: float, y: float, z: float, angle: float = 0.0) -> None:
        matrix = np.eye(4)
        c, s = math.cos(angle), math.sin(angle)
        matrix[:3, :3] = [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]
        matrix[:3, 3] = (x, y, z)
        self.api.run("geometry.edit_object_placement", self.file, product=product, matrix=matrix)

    def box(self, context, length: float, width: float, height: float, *, centred: bool = False):
        """An extruded rectangle from the placement's origin along +x (or centred on it), `width` along y."""
        f = self.file
        x0 = -length / 2 if centred else 0.0
        y0 = -width / 2
        points = [f.createIfcCartesianPoint((x0 + a, y0 + b)) for a, b in
                  ((0.0, 0.0), (length, 0.0), (length, width), (0.0, width), (0.0, 0.0))]
        profile = f.createIfcArbitraryClosedProfileDef("AREA", None, f.createIfcPolyline(points))
        position = f.createIfcAxis2Placement3D(f.createIfcCartesianPoint((0.0, 0.0, 0.0)), None, None)
        solid = f.createIfcExtrudedAreaSolid(profile, position, f.createIfcDirection((0.0, 0.0, 1.0)), height)
        return f.createIfcShapeRepresentation(context, "Body", "SweptSolid", [solid])

    def show(self, product, representation, style) -> None:
        self.api.run("geometry.assign_representation", self.file, product=product, representation=representation)
        if style is not None:
            self.api.run("style.assign_representation_styles", self.file, shape_representation=representation,
                         styles=[style])

    def qto(self, product, name: str, values: dict[str, float]) -> None:
        qto = self.api.run("pset.add_qto", self.file, product=product, name=name)
        self.api.run("pset.edit_qto", self.file, qto=qto, properties=values)

    def pset(self, product, name: str, values: dict) -> None:
        pset = self.api.run("pset.add_pset", self.file, product=product, name=name)
        self.api.run("pset.edit_pset", self.file, pset=pset, properties=values)

    def style(self, name: str, rgb: tuple[float, float, float], transparency: float = 0.0):
        style = self.api.run("style.add_style", self.file, name=name)
        self.api.run("style.add_surface_style", self.file, style=style, ifc_class="IfcSurfaceStyleRendering",
                     attributes={"SurfaceColour": {"Name": None, "Red": rgb[0], "Green": rgb[1], "Blue": rgb[2]},
                                 "Transparency": transparency, "ReflectanceMethod": "NOTDEFINED"})
        return style


def build_ifc(path: str | Path, *, schema: str = "IFC4", storeys: int = 2, bays: int = 1, seed: int = 15,
              name: str = "样例办公楼") -> SampleCounts:
    """Write the building described in the module's doc to `path` (an .ifc file); return what it holds."""
    b = _Builder(schema, seed)
    f = b.file
    f.header.file_name.name = Path(path).name
    f.header.file_name.time_stamp = "2026-01-01T00:00:00"
    f.header.file_name.originating_system = f"{APPLICATION[0]} {APPLICATION[1]}"
    f.header.file_name.preprocessor_version = "IfcOpenShell"

    organisation = f.createIfcOrganization(None, "KeyProjects", None, None, None)
    application = f.createIfcApplication(organisation, APPLICATION[1], APPLICATION[0], "keyprojects")
    history = None
    if schema == "IFC2X3":
        person = f.createIfcPerson(None, "Sample", None, None, None, None, None, None)
        user = f.createIfcPersonAndOrganization(person, organisation, None)
        # IFC2X3 requires an owner history on every rooted entity; one shared, with a fixed date.
        history = f.createIfcOwnerHistory(user, application, None, "ADDED", None, None, None, 1767225600)
        owner = b.api.owner.settings
        saved = owner.get_user, owner.get_application
        owner.get_user, owner.get_application = (lambda _file: user), (lambda _file: application)
    try:
        return _build(b, path, storeys=storeys, bays=bays, name=name, history=history)
    finally:
        if schema == "IFC2X3":
            owner.get_user, owner.get_application = saved


def _build(b: _Builder, path: str | Path, *, storeys: int, bays: int, name: str, history) -> SampleCounts:
    f = b.file
    schema = b.schema
    history_created = set()

    project = b.entity("IfcProject", name)
    b.api.run("unit.assign_unit", f, length={"is_metric": True, "raw": "METERS"})
    model = b.api.run("context.add_context", f, context_type="Model")
    body = b.api.run("context.add_context", f, context_type="Model", context_identifier="Body",
                     target_view="MODEL_VIEW", parent=model)
    site = b.entity("IfcSite", "场地")
    building = b.entity("IfcBuilding", "1号楼")
    b.api.run("aggregate.assign_object", f, products=[site], relating_object=project)
    b.api.run("aggregate.assign_object", f, products=[building], relating_object=site)
    for spatial in (site, building):
        b.place(spatial, 0.0, 0.0, 0.0)

    concrete = b.style("混凝土", (0.75, 0.75, 0.72))
    glass = b.style("玻璃", (0.55, 0.75, 0.9), transparency=0.6)
    counts = counts_for(storeys=storeys, bays=bays)
    for level in range(storeys):
        z = level * STOREY_HEIGHT
        storey = b.entity("IfcBuildingStorey", f"{level + 1}层")
        storey.Elevation = z
        b.api.run("aggregate.assign_object", f, products=[storey], relating_object=building)
        b.place(storey, 0.0, 0.0, z)
        contained = []

        walls = []
        for line in range(bays + 1):
            for cell in range(bays):
                for along_x in (True, False):
                    wall = b.entity("IfcWall" if schema != "IFC2X3" else "IfcWallStandardCase",
                                    f"墙 {level + 1}-{len(walls) + 1}")
                    if along_x:
                        b.place(wall, cell * BAY, line * BAY, z)
                    else:
                        b.place(wall, line * BAY, cell * BAY, z, angle=math.pi / 2)
                    b.show(wall, b.box(body, BAY, WALL_THICKNESS, STOREY_HEIGHT - SLAB_DEPTH), concrete)
                    volume = BAY * WALL_THICKNESS * (STOREY_HEIGHT - SLAB_DEPTH)
                    b.qto(wall, "Qto_WallBaseQuantities", {
                        "Length": BAY, "Height": STOREY_HEIGHT - SLAB_DEPTH, "Width": WALL_THICKNESS,
                        "NetSideArea": BAY * (STOREY_HEIGHT - SLAB_DEPTH), "NetVolume": volume})
                    b.pset(wall, "Pset_WallCommon", {"IsExternal": line in (0, bays), "LoadBearing": True,
                                                     "FireRating": "REI 120"})
                    walls.append(wall)
        contained += walls

        for i in range(bays):
            for j in range(bays):
                slab = b.entity("IfcSlab", f"楼板 {level + 1}-{i * bays + j + 1}", predefined_type="FLOOR")
                b.place(slab, i * BAY, j * BAY + BAY / 2, z)
                b.show(slab, b.box(body, BAY, BAY, SLAB_DEPTH), concrete)
                b.qto(slab, "Qto_SlabBaseQuantities", {"Width": SLAB_DEPTH, "NetArea": BAY * BAY,
                                                       "NetVolume": BAY * BAY * SLAB_DEPTH})
                b.pset(slab, "Pset_SlabCommon", {"IsExternal": False, "LoadBearing": True})
                column = b.entity("IfcColumn", f"柱 {level + 1}-{i * bays + j + 1}", predefined_type="COLUMN")
                b.place(column, i * BAY + BAY / 2, j * BAY + BAY / 2, z)
                b.show(column, b.box(body, COLUMN_SIZE, COLUMN_SIZE, STOREY_HEIGHT, centred=True), concrete)
                b.qto(column, "Qto_ColumnBaseQuantities", {
                    "Length": STOREY_HEIGHT, "NetVolume": COLUMN_SIZE * COLUMN_SIZE * STOREY_HEIGHT})
                b.pset(column, "Pset_ColumnCommon", {"LoadBearing": True})
                contained += [slab, column]

        # A window in an opening cut into the storey's first wall (along x, at y = 0).
        opening = b.entity("IfcOpeningElement", f"洞口 {level + 1}")
        b.place(opening, 2.0, 0.0, z + 1.0)
        b.show(opening, b.box(body, 1.5, WALL_THICKNESS * 2, 1.5), None)
        b.api.run("feature.add_feature", f, feature=opening, element=walls[0])
        window = b.entity("IfcWindow", f"窗 {level + 1}")
        window.OverallHeight, window.OverallWidth = 1.5, 1.5
        b.place(window, 2.0, 0.0, z + 1.0)
        b.show(window, b.box(body, 1.5, 0.05, 1.5), glass)
        b.qto(window, "Qto_WindowBaseQuantities", {"Width": 1.5, "Height": 1.5, "Area": 2.25})
        b.api.run("feature.add_filling", f, opening=opening, element=window)
        contained.append(window)
        b.api.run("spatial.assign_container", f, products=contained, relating_structure=storey)

    if history is not None:
        for root in f.by_type("IfcRoot"):
            if root.OwnerHistory != history:
                history_created.add(root.OwnerHistory)
                root.OwnerHistory = history
        for made in history_created - {None}:
            f.remove(made)
    f.write(str(path))
    return counts
