"""Shared setup of the BIM link and API tests: models with elements written directly (the reading is tested in
test_bim_reading.py), and a model read for real from a building made with IfcOpenShell (projects.bim.samples)."""

from __future__ import annotations

import datetime
import itertools
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from projects.models import BimElement, BimModel, BimModelState, Project, ScheduleTask

_wbs = itertools.count(1)


def gid(tag: str, n: int = 0) -> str:
    """A 22-character GlobalId made of a readable tag and a number."""
    return f"{tag}{n:0>{22 - len(tag)}}"[:22]


STOREY_1, STOREY_2 = gid("STOREY1"), gid("STOREY2")
TREE = [{"global_id": gid("SITE"), "ifc_class": "IfcSite", "name": "场地", "children": [
    {"global_id": gid("BUILDING"), "ifc_class": "IfcBuilding", "name": "主楼", "children": [
        {"global_id": STOREY_1, "ifc_class": "IfcBuildingStorey", "name": "1层", "children": []},
        {"global_id": STOREY_2, "ifc_class": "IfcBuildingStorey", "name": "2层", "children": []},
    ]}]}]


def make_model(project: Project, user, elements, *, number: int | None = None, current: bool = True,
               state: str = BimModelState.READY, content: bytes = b"ISO-10303-21;\n", **fields) -> BimModel:
    """A model of `project` holding `elements` [(global_id, ifc_class, storey)], indexed in order."""
    if number is None:
        number = (BimModel.objects.filter(project=project).order_by("-number").values_list("number", flat=True)
                  .first() or 0) + 1
    if current:
        BimModel.objects.filter(project=project, is_current=True).update(is_current=False)
    model = BimModel(project=project, number=number, title=f"主体结构模型 v{number}", original_name="model.ifc",
                     size=100, sha256="0" * 64, uploaded_by=user, state=state, is_current=current and state == "ready",
                     schema="IFC4", tree=TREE, element_count=len(elements), **fields)
    model.file.save(f"test/{project.pk}-{number}.ifc", ContentFile(content), save=False)
    model.save()
    counts: dict[str, int] = {}
    rows = []
    for index, (global_id, ifc_class, storey) in enumerate(elements):
        counts[ifc_class] = counts.get(ifc_class, 0) + 1
        rows.append(BimElement(model=model, index=index, global_id=global_id, ifc_class=ifc_class,
                               name=f"{ifc_class} {index}", storey=storey,
                               properties={"Pset_Common": {"Reference": f"R{index}"}}))
    BimElement.objects.bulk_create(rows)
    model.class_counts = counts
    model.save(update_fields=["class_counts"])
    return model


def building(n_per_storey: int = 3) -> list[tuple[str, str, str]]:
    """Walls and slabs on two storeys and a column on the first: (global_id, class, storey)."""
    out = []
    for s, storey in enumerate((STOREY_1, STOREY_2), 1):
        out += [(gid(f"W{s}", i), "IfcWall", storey) for i in range(n_per_storey)]
        out += [(gid(f"S{s}", i), "IfcSlab", storey) for i in range(n_per_storey)]
    out.append((gid("C1"), "IfcColumn", STOREY_1))
    return out


def task(project: Project, *, start: datetime.date, finish: datetime.date, actual_start=None, actual_finish=None,
         percent: int = 0, name: str = "施工任务") -> ScheduleTask:
    return ScheduleTask.objects.create(project=project, wbs=f"9{next(_wbs)}", name=name, planned_start=start,
                                       planned_finish=finish, actual_start=actual_start,
                                       actual_finish=actual_finish, percent_complete=percent)


def ifc_upload(tmp_path: Path, name: str = "building.ifc", **kwargs) -> SimpleUploadedFile:
    """An IFC4 building built by IfcOpenShell (projects.bim.samples) as an upload."""
    from projects.bim.samples import build_ifc

    path = tmp_path / name
    build_ifc(path, **kwargs)
    return SimpleUploadedFile(name, path.read_bytes(), content_type="application/octet-stream")
