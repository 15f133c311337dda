"""Reads of a project's BIM models, each in a fixed number of queries whatever the number of elements, links or
versions: the versions, the current model, an element with what is linked to it and recorded on it, the links
resolved to the element indices of one model, the 4D colours on a date, and the inspection colours.

The 4D rules (`task_status_on`, `combine`) are plain functions; static/js/bim-viewer.js mirrors `combine`."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet
from django.urls import reverse

from portal.accounts.models import User
from portal.core import plugins
from portal.core.services import today as china_today

from ..models import BimElement, BimLink, BimLinkKind, BimModel, BimModelState, Project, ScheduleTask

DONE, IN_PROGRESS, LATE, NOT_STARTED, UNLINKED = "done", "in_progress", "late", "not_started", "unlinked"
STATUSES = (DONE, IN_PROGRESS, LATE, NOT_STARTED)
FAILED, PENDING, PASSED = "failed", "pending", "passed"
RESULT_RANK = {FAILED: 3, PENDING: 2, PASSED: 1}
STOREY_CLASSES = ("IfcBuildingStorey",)


# ------------------------------------------------------------------------------------------------ the 4D rules
def task_status_on(task: ScheduleTask, on: datetime.date, *, today: datetime.date | None = None) -> str:
    """The status of `task` on date `on`: "done" once it finished (or, with no actual finish, when it is reported
    100 % complete and `on` is today or later); "late" when it should have finished, or should have started and
    had not; "in_progress" once started; else "not_started"."""
    today = today or china_today()
    if task.actual_finish is not None and task.actual_finish <= on:
        return DONE
    if task.actual_finish is None and task.percent_complete >= 100 and on >= today:
        return DONE
    started = task.actual_start is not None and task.actual_start <= on
    if task.planned_finish < on or (not started and task.planned_start < on):
        return LATE
    return IN_PROGRESS if started else NOT_STARTED


def combine(statuses: Iterable[str]) -> str:
    """The status of an element covered by links to tasks of these statuses: any late → late; any in progress →
    in progress; all done → done; some done and the rest not started → in progress; else not started. No status
    at all: "unlinked"."""
    found = set(statuses)
    if not found:
        return UNLINKED
    if LATE in found:
        return LATE
    if IN_PROGRESS in found:
        return IN_PROGRESS
    if found == {DONE}:
        return DONE
    if DONE in found:
        return IN_PROGRESS
    return NOT_STARTED


def worst_result(results: Iterable[str]) -> str | None:
    """failed > pending > passed; None for none."""
    return max(results, key=lambda r: RESULT_RANK.get(r, 0), default=None)


# ------------------------------------------------------------------------------------------------ models
def models_for(project: Project) -> QuerySet[BimModel]:
    """Every version of the project's model, newest first, with its uploader. One query."""
    return BimModel.objects.filter(project=project).select_related("uploaded_by").order_by("-number")


def current_model(project: Project) -> BimModel | None:
    """The newest model read successfully (the one the viewer shows), or None."""
    return BimModel.objects.filter(project=project, is_current=True).select_related("uploaded_by").first()


def model_status(model: BimModel) -> dict[str, Any]:
    """What the pages poll while a model is read: {state, state_label, progress, stage, error, retryable, …}."""
    return {"id": model.pk, "state": model.state, "state_label": str(model.get_state_display()),
            "progress": model.progress, "stage": model.stage, "error": model.error, "retryable": model.retryable,
            "attempts": model.attempts, "is_current": model.is_current, "element_count": model.element_count,
            "finished": model.state in (BimModelState.READY, BimModelState.FAILED)}


def schedule_range(project: Project) -> tuple[datetime.date, datetime.date]:
    """The first and last dates of the project's schedule (planned or actual), for the viewer's date slider;
    today for both when it has no tasks. One query."""
    got = ScheduleTask.objects.active().filter(project=project).aggregate(
        ps=Min("planned_start"), as_=Min("actual_start"), pf=Max("planned_finish"), af=Max("actual_finish"))
    today = china_today()
    starts = [d for d in (got["ps"], got["as_"]) if d is not None]
    finishes = [d for d in (got["pf"], got["af"]) if d is not None]
    return (min(starts) if starts else today, max(finishes) if finishes else today)


# ------------------------------------------------------------------------------------------------ structure
def _nodes(tree: Any) -> Iterator[dict]:
    """Every node of the spatial tree as the reader wrote it: a list of nodes {global_id, name, ifc_class,
    elements, children}, depth first."""
    stack = list(tree) if isinstance(tree, list) else [tree] if isinstance(tree, dict) else []
    while stack:
        node = stack.pop(0)
        if not isinstance(node, dict):
            continue
        yield node
        stack[0:0] = [c for c in node.get("children") or () if isinstance(c, dict)]


def _node_id(node: dict) -> str:
    return str(node.get("global_id") or "")


def _node_class(node: dict) -> str:
    return str(node.get("ifc_class") or "")


def spatial_names(model: BimModel) -> dict[str, str]:
    """{GlobalId: name} of every spatial element of the model's tree (site, building, storey, space)."""
    return {_node_id(n): str(n.get("name") or "") for n in _nodes(model.tree) if _node_id(n)}


def storeys(model: BimModel) -> list[dict[str, str]]:
    """The storeys of the model ({global_id, name}, in the tree's order): the tree's IfcBuildingStorey nodes,
    and any other container of elements the reader named as an element's storey. One query."""
    found: dict[str, str] = {}
    for node in _nodes(model.tree):
        if _node_class(node) in STOREY_CLASSES and _node_id(node):
            found[_node_id(node)] = str(node.get("name") or "")
    names = spatial_names(model)
    for gid in (BimElement.objects.filter(model=model).exclude(storey="").order_by("storey")
                .values_list("storey", flat=True).distinct()):
        found.setdefault(gid, names.get(gid, ""))
    return [{"global_id": gid, "name": name} for gid, name in found.items()]


def ifc_classes(model: BimModel) -> list[str]:
    """The IFC classes of the model's elements, sorted."""
    if model.class_counts:
        return sorted(model.class_counts)
    return sorted(BimElement.objects.filter(model=model).order_by().values_list("ifc_class", flat=True).distinct())


# ------------------------------------------------------------------------------------------------ elements
ELEMENT_COLUMNS = ("index", "global_id", "ifc_class", "name", "storey")


def container_counts(model: BimModel) -> dict[str, int]:
    """{GlobalId of a spatial element (storey, space …): the elements it contains directly}; "" for those in none.
    One query."""
    return dict(BimElement.objects.filter(model=model).order_by().values_list("storey")
                .annotate(n=Count("id")).values_list("storey", "n"))


def elements(model: BimModel, *, ifc_class: str = "", storey: str = "", q: str = "") -> QuerySet[BimElement]:
    """The model's elements in index order, narrowed by class, storey (GlobalId) and a search (a GlobalId, or a
    part of the name or class). Only the list's columns are read."""
    qs = BimElement.objects.filter(model=model)
    if ifc_class:
        qs = qs.filter(ifc_class=ifc_class)
    if storey:
        qs = qs.filter(storey=storey)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(global_id=q) | Q(name__icontains=q) | Q(ifc_class__icontains=q))
    return qs.only(*ELEMENT_COLUMNS, "model_id").order_by("index")


def _covers(link: BimLink, global_id: str, ifc_class: str, storey: str) -> bool:
    if link.kind == BimLinkKind.STOREY:
        return storey == link.storey and (not link.ifc_class or ifc_class == link.ifc_class)
    if link.kind == BimLinkKind.IFC_CLASS:
        return ifc_class == link.ifc_class
    return global_id in (link.global_ids or ())


def project_links(project: Project | int) -> QuerySet[BimLink]:
    """The project's links to live tasks, by task (WBS order), with their task."""
    project_id = project if isinstance(project, int) else project.pk
    return (BimLink.objects.filter(project_id=project_id, task__voided_at__isnull=True)
            .select_related("task", "created_by").order_by("task__sort_key", "task_id", "id"))


def task_url(task: ScheduleTask) -> str:
    return reverse("projects:task", args=[task.project_id, task.pk])


def element_detail(model: BimModel, global_id: str, user: User) -> dict[str, Any] | None:
    """One element of `model` with its properties, its storey, the links covering it (each with its task's
    status today) and what was recorded on it (inspections) that `user` may see. None when the model has no such
    element. A fixed number of queries, plus what each app's findings need."""
    element = BimElement.objects.filter(model=model, global_id=global_id).first()
    if element is None:
        return None
    names = spatial_names(model)
    today = china_today()
    links = []
    for link in project_links(model.project_id):
        if _covers(link, element.global_id, element.ifc_class, element.storey):
            task = link.task
            links.append({"id": link.pk, "name": link.name, "kind": link.kind,
                          "task": {"id": task.pk, "wbs": task.wbs, "name": task.name,
                                   "status_today": task_status_on(task, today, today=today),
                                   "url": task_url(task)}})
    found = [f for f in plugins.element_findings(project=model.project, user=user) if element.global_id in f.global_ids]
    found.sort(key=lambda f: (-RESULT_RANK.get(f.result, 0), -(f.date or datetime.date.min).toordinal()))
    return {
        "index": element.index, "global_id": element.global_id, "ifc_class": element.ifc_class,
        "name": element.name, "has_geometry": element.has_geometry,
        "storey": {"global_id": element.storey, "name": names.get(element.storey, "")} if element.storey else None,
        "properties": element.properties,
        "links": links,
        "findings": [{"result": f.result, "label": f.label, "url": f.url, "date": f.date} for f in found],
    }


# ------------------------------------------------------------------------------------------------ 4D
def _task_dict(task: ScheduleTask) -> dict[str, Any]:
    return {"id": task.pk, "wbs": task.wbs, "name": task.name, "planned_start": task.planned_start,
            "planned_finish": task.planned_finish, "actual_start": task.actual_start,
            "actual_finish": task.actual_finish, "percent_complete": task.percent_complete}


def links_resolved(model: BimModel, *, links: Iterable[BimLink] | None = None) -> list[dict[str, Any]]:
    """Each of the project's links (to live tasks) with the indices of the elements of `model` it covers: a
    storey link the elements contained in that storey (narrowed to its IFC class when it names one), a class link
    the elements of that class, a selection the elements with its GlobalIds (`missing`: how many of them this
    version lacks). Two queries: the links with their tasks, and the elements' four columns."""
    return _resolve(model, links)[0]


def _resolve(model: BimModel, links: Iterable[BimLink] | None) -> tuple[list[dict[str, Any]], int]:
    """(the resolved links, the number of elements of the model)."""
    links = list(project_links(model.project_id) if links is None else links)
    by_storey: dict[str, list[tuple[int, str]]] = defaultdict(list)
    by_class: dict[str, list[int]] = defaultdict(list)
    by_gid: dict[str, int] = {}
    for index, gid, ifc_class, storey in (BimElement.objects.filter(model=model).order_by("index")
                                          .values_list("index", "global_id", "ifc_class", "storey")):
        by_storey[storey].append((index, ifc_class))
        by_class[ifc_class].append(index)
        by_gid[gid] = index
    out = []
    for link in links:
        missing = 0
        if link.kind == BimLinkKind.STOREY:
            indices = [i for i, c in by_storey.get(link.storey, ()) if not link.ifc_class or c == link.ifc_class]
        elif link.kind == BimLinkKind.IFC_CLASS:
            indices = list(by_class.get(link.ifc_class, ()))
        else:
            wanted = list(link.global_ids or ())
            indices = sorted(by_gid[g] for g in wanted if g in by_gid)
            missing = len(wanted) - len(indices)
        out.append({"id": link.pk, "name": link.name, "kind": link.kind,
                    "kind_label": str(link.get_kind_display()), "storey": link.storey,
                    "storey_name": link.storey_name, "ifc_class": link.ifc_class, "task": _task_dict(link.task),
                    "elements": indices, "missing": missing})
    return out, len(by_gid)


def status_on(model: BimModel, on: datetime.date, *, today: datetime.date | None = None) -> dict[str, Any]:
    """The 4D colours of `model` on date `on`: {"date", "links": {link id: status}, "counts": {status: number of
    elements, "unlinked" included}}. Two queries."""
    today = today or china_today()
    links = list(project_links(model.project_id))
    statuses = {link.pk: task_status_on(link.task, on, today=today) for link in links}
    resolved, total = _resolve(model, links)
    covering: dict[int, list[str]] = defaultdict(list)
    for one in resolved:
        for index in one["elements"]:
            covering[index].append(statuses[one["id"]])
    counts = dict.fromkeys((*STATUSES, UNLINKED), 0)
    for element_statuses in covering.values():
        counts[combine(element_statuses)] += 1
    counts[UNLINKED] = total - len(covering)
    return {"date": on.isoformat(), "links": statuses, "counts": counts}


# ------------------------------------------------------------------------------------------------ inspections
def findings(model: BimModel, user: User) -> dict[str, Any]:
    """What the apps recorded on the elements of `model` that `user` may see (inspections):
    {"elements": {index: "failed" | "pending" | "passed" — the worst of them}, "findings": [{result, label, url,
    date, global_ids, elements}] newest first}. One query here, plus what each app's findings need."""
    found = plugins.element_findings(project=model.project, user=user)
    wanted = {gid for f in found for gid in f.global_ids}
    index_of = dict(BimElement.objects.filter(model=model, global_id__in=wanted).values_list("global_id", "index")
                    ) if wanted else {}
    worst: dict[int, str] = {}
    rows = []
    for f in sorted(found, key=lambda f: (f.date or datetime.date.min, f.label), reverse=True):
        indices = sorted(index_of[g] for g in f.global_ids if g in index_of)
        for index in indices:
            worst[index] = worst_result([worst.get(index, f.result), f.result]) or f.result
        rows.append({"result": f.result, "label": f.label, "url": f.url, "date": f.date,
                     "global_ids": list(f.global_ids), "elements": indices})
    return {"elements": dict(sorted(worst.items())), "findings": rows}
