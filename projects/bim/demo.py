"""Demo data of this part, created by `projects.demo.seed()` after the schedule's demo: the IFC model of the
terminal building of 衢州机场迁建工程 (the demo airport, whose schedule has the terminal's structure, roof and
curtain wall, and fit-out tasks), built with IfcOpenShell (projects.bim.samples), read right away in this process
(projects.bim.reading, as the worker would), and its storeys, classes and a selection of walls linked to those tasks, so the viewer's 4D
colours show the terminal done, late and — replayed on earlier dates — in progress and not started.

Idempotent: a project that already has a model is left alone (a rerun adds nothing). The inspections that name
elements are supervision's: its demo samples name no GlobalIds, so the inspection colours start empty."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from django.core.files import File

from portal.accounts.models import User

from ..models import BimElement, BimLink, BimModel, BimModelState, Project, ScheduleTask

AIRPORT = "衢州机场迁建工程"
TITLE = "航站楼建筑结构模型"
NOTE = "施工图设计阶段模型（IFC4），含三层楼板、柱、墙及门窗；用于进度与质量巡查的可视化。"
# (link name, kind, storey name or "", IFC class or "", the task's WBS in the airport's schedule)
LINKS = [
    ("1层主体结构", "storey", "1层", "", "4.1"),
    ("2层主体结构", "storey", "2层", "", "4.1"),
    ("3层及屋面", "storey", "3层", "", "4.3"),
    ("外窗及幕墙", "class", "", "IfcWindow", "4.3"),
    ("3层内墙装饰", "storey", "3层", "IfcWall", "4.4"),
]
# A selection picked on the model: the first storey's first walls (the departure hall), fitted out with 4.4.
SELECTION = ("1层出发大厅墙面", "1层", "IfcWall", 4, "4.4")


def seed() -> dict:
    staff = User.objects.filter(username="staff").first()
    project = Project.objects.filter(name=AIRPORT, voided_at__isnull=True).first()
    if staff is None or project is None or BimModel.objects.filter(project=project).exists():
        return {"bim_models": BimModel.objects.count(), "bim_links": BimLink.objects.count()}
    model = _read_model(project, staff)
    created = _link(project, staff, model) if model.state == BimModelState.READY else 0
    return {"bim_models": BimModel.objects.count(), "bim_links": BimLink.objects.count(),
            "bim_links_created": created}


def _read_model(project: Project, staff: User) -> BimModel:
    """Version 1 of the terminal's model, stored as an upload would be and read synchronously."""
    from . import reading
    from .samples import build_ifc

    with tempfile.TemporaryDirectory(prefix="bim-demo-") as folder:
        path = Path(folder) / "terminal.ifc"
        build_ifc(path, storeys=3, bays=2, name="衢州机场航站楼")
        content = path.read_bytes()
        model = BimModel(project=project, number=1, title=TITLE, note=NOTE, original_name="衢州机场航站楼.ifc",
                         size=len(content), sha256=hashlib.sha256(content).hexdigest(), uploaded_by=staff,
                         state=BimModelState.QUEUED, schema="IFC4")
        with path.open("rb") as handle:
            model.file.save(f"{project.pk}/demo-terminal.ifc", File(handle), save=False)
        model.save()
    reading.read_model(model.pk)
    model.refresh_from_db()
    return model


def _link(project: Project, staff: User, model: BimModel) -> int:
    """The terminal's storeys and windows linked to the airport's terminal tasks, through the service."""
    from . import selectors, services

    storeys = {s["name"]: s["global_id"] for s in selectors.storeys(model)}
    tasks = {t.wbs: t for t in ScheduleTask.objects.active().filter(project=project)}
    created = 0
    for name, kind, storey, ifc_class, wbs in LINKS:
        task = tasks.get(wbs)
        if task is None or (kind == "storey" and storey not in storeys):
            continue
        services.link_create(actor=staff, project=project, task=task, kind=kind, name=name,
                             storey=storeys.get(storey, ""), ifc_class=ifc_class)
        created += 1
    name, storey, ifc_class, count, wbs = SELECTION
    ids = list(BimElement.objects.filter(model=model, storey=storeys.get(storey, ""), ifc_class=ifc_class)
               .order_by("index").values_list("global_id", flat=True)[:count])
    if ids and wbs in tasks:
        services.link_create(actor=staff, project=project, task=tasks[wbs], kind="selection", name=name,
                             global_ids=ids)
        created += 1
    return created
