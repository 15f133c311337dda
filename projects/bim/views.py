"""Pages of a project's BIM model, included in the `projects` URL namespace by projects/urls.py: the project's BIM
tab (the current model, every version with its reading progress, the upload form, the links to the schedule), one
version's page (what the reading found), the 3D viewer, and the files and JSON they load (the IFC, the GLB, the
reading's status). Reads go through `portal.core.policy` (another organisation's model is a 404); each write is one
service call of projects.bim.services, the same the API calls."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import quote_etag
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from portal.core import policy, uploads
from portal.core.errors import ApplicationError
from portal.core.forms import form_add_application_error
from portal.core.services import today
from projects.selectors import project_for

from ..models import BimLink, BimModel, BimModelState, Project, ScheduleTask
from . import ifcfile, selectors, services
from .forms import LinkForm, ModelUploadForm

GLB_CONTENT_TYPE = "model/gltf-binary"
IFC_CONTENT_TYPE = "application/x-step"
COLOURS = {"done": "#2e7d32", "in_progress": "#1976d2", "late": "#c62828", "not_started": "#9e9e9e",
           "failed": "#c62828", "pending": "#f9a825", "passed": "#2e7d32"}
GID_PLACEHOLDER = "__gid__"


def _model(request, pk: int) -> BimModel:
    """Version `pk` with its project, for a user who sees it (else 404, as for a missing one)."""
    return policy.get_or_404(request.user, BimModel.objects.select_related("project__owner", "uploaded_by"), pk=pk)


def _tab_url(project: Project | int, anchor: str = "") -> str:
    pk = project if isinstance(project, int) else project.pk
    return reverse("projects:bim", args=[pk]) + (f"#{anchor}" if anchor else "")


def _tasks(project: Project):
    return ScheduleTask.objects.active().filter(project=project).order_by("sort_key", "id")


def _link_form(project: Project, current: BimModel | None, storeys: list[dict], data=None) -> LinkForm:
    classes = sorted((current.class_counts or {}).items()) if current else []
    return LinkForm(data, tasks=_tasks(project), storeys=storeys, classes=classes)


def _page(request, project: Project, *, upload_form: ModelUploadForm | None = None,
          link_form: LinkForm | None = None, status: int = 200):
    """The BIM tab. `upload_form` / `link_form`: a refused upload or link, shown with its errors. A fixed number
    of queries whatever the number of versions, links and elements."""
    may_manage = policy.can(request.user, "manage", project)
    versions = list(selectors.models_for(project))
    current = next((m for m in versions if m.is_current), None)
    storeys = selectors.storeys(current) if current else []
    if current:
        links = selectors.links_resolved(current)
    else:
        links = [{"id": link.pk, "name": link.name, "kind": link.kind, "kind_label": link.get_kind_display(),
                  "storey": link.storey, "storey_name": link.storey_name, "ifc_class": link.ifc_class,
                  "global_ids": link.global_ids, "task": link.task, "elements": None, "missing": 0}
                 for link in selectors.project_links(project)]
    storey_names = {s["global_id"]: s["name"] for s in storeys}
    for link in links:
        link["storey_label"] = storey_names.get(link["storey"]) or link["storey_name"] or link["storey"]
        link["count"] = None if link["elements"] is None else len(link["elements"])
        link["chosen"] = len(link["global_ids"]) if "global_ids" in link else (link["count"] or 0) + link["missing"]
    if may_manage:
        link_form = link_form or _link_form(project, current, storeys)
    return render(request, "projects/bim/bim.html", {
        "project": project, "tab": "bim", "may_manage": may_manage, "versions": versions, "current": current,
        "reading": [m for m in versions if m.state in (BimModelState.QUEUED, BimModelState.READING)],
        "links": links, "link_form": link_form, "has_tasks": _tasks(project).exists(),
        "upload_form": (upload_form or ModelUploadForm()) if may_manage else None,
        "max_bytes": ifcfile.max_model_bytes(),
    }, status=status)


@login_required
def bim(request, pk: int):
    return _page(request, project_for(request.user, pk))


@login_required
@require_POST
def model_upload(request, pk: int):
    project = project_for(request.user, pk, "manage")
    form = ModelUploadForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            model = services.model_upload(actor=request.user, project=project, upload=data["file"],
                                          title=data["title"], note=data["note"])
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("“%(title)s” uploaded as version %(number)s: it is being read; the current "
                                        "version stays current until it is.") % {"title": model.title,
                                                                                  "number": model.number})
            return redirect(_tab_url(project, "versions"))
    return _page(request, project, upload_form=form, status=400)


@login_required
@require_POST
def link_add(request, pk: int):
    project = project_for(request.user, pk, "manage")
    current = selectors.current_model(project)
    form = _link_form(project, current, selectors.storeys(current) if current else [], data=request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            link = services.link_create(actor=request.user, project=project, task=data["task"], kind=data["kind"],
                                        name=data["name"], storey=data["storey"], ifc_class=data["ifc_class"],
                                        global_ids=data["global_ids"])
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("“%(name)s” linked to task %(task)s.") % {"name": link.name,
                                                                                  "task": data["task"]})
            return redirect(_tab_url(project, "links"))
    return _page(request, project, link_form=form, status=400)


@login_required
@require_POST
def link_delete(request, pk: int):
    link = policy.get_or_404(request.user, BimLink.objects.select_related("project"), pk=pk)
    policy.require(request.user, "change", link)
    services.link_delete(actor=request.user, link=link)
    messages.success(request, _("The link “%(name)s” was removed.") % {"name": link.name})
    return redirect(_tab_url(link.project_id, "links"))


# ------------------------------------------------------------------------------------------------ one version
def _tree(nodes: Any, counts: dict[str, int]) -> list[dict[str, Any]]:
    """The spatial tree with, on each node, the elements it contains directly and with its children."""
    out = []
    for node in nodes if isinstance(nodes, list) else []:
        if not isinstance(node, dict):
            continue
        gid = str(node.get("global_id") or "")
        children = _tree(node.get("children") or [], counts)
        own = counts.get(gid, 0)
        out.append({"global_id": gid, "ifc_class": node.get("ifc_class") or "", "name": node.get("name") or "",
                    "elevation": node.get("elevation"), "own": own,
                    "total": own + sum(c["total"] for c in children), "children": children})
    return out


# The reader sums each quantity in SI units under its name ({IFC class: {name: total}}) without its kind; the
# unit shown follows the buildingSMART Qto names (NetVolume, GrossArea, Length, Weight …).
UNIT_BY_NAME = (("volume", "m³"), ("area", "m²"), ("weight", "kg"), ("mass", "kg"), ("time", "s"),
                ("duration", "s"), ("count", ""), ("length", "m"), ("width", "m"), ("height", "m"), ("depth", "m"),
                ("perimeter", "m"), ("thickness", "m"), ("span", "m"), ("elevation", "m"))


def _unit_of(name: str) -> str:
    low = name.lower()
    return next((unit for word, unit in UNIT_BY_NAME if word in low), "")


def _quantity_rows(quantities: Any) -> list[dict[str, Any]]:
    """The summed quantities as rows {group, name, value, unit}: the reader's {IFC class: {name: total}}; a total
    given as {value, unit} keeps its own unit."""
    rows: list[dict[str, Any]] = []
    for group, values in (quantities or {}).items() if isinstance(quantities, dict) else ():
        items = values.items() if isinstance(values, dict) else [("", values)]
        for name, value in items:
            if isinstance(value, dict):
                rows.append({"group": group, "name": name, "value": value.get("value"),
                             "unit": value.get("unit", _unit_of(name))})
            else:
                rows.append({"group": group, "name": name, "value": value, "unit": _unit_of(name)})
    return rows


@login_required
def model_detail(request, pk: int):
    model = _model(request, pk)
    counts = selectors.container_counts(model)
    return render(request, "projects/bim/model.html", {
        "project": model.project, "tab": "bim", "model": model,
        "may_manage": policy.can(request.user, "manage", model.project),
        "tree": _tree(model.tree, counts), "outside": counts.get("", 0),
        "classes": sorted((model.class_counts or {}).items(), key=lambda kv: (-kv[1], kv[0])),
        "quantities": _quantity_rows(model.quantities),
    })


@login_required
@require_POST
def model_retry(request, pk: int):
    model = _model(request, pk)
    project_for(request.user, model.project_id, "manage")
    try:
        services.model_retry(actor=request.user, model=model)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Version %(number)s is queued to be read again.") % {"number": model.number})
    return redirect(request.POST.get("next") == "tab" and _tab_url(model.project_id, "versions")
                    or reverse("projects:bim-model", args=[model.pk]))


@login_required
def model_file(request, pk: int):
    model = _model(request, pk)
    return uploads.file_response(model.file, model.original_name, IFC_CONTENT_TYPE
                                 if not model.original_name.lower().endswith(".ifczip") else "application/zip")


@login_required
@require_GET
def model_status(request, pk: int):
    """The reading's state and progress, polled by static/js/bim-status.js while a version is queued or read."""
    response = JsonResponse(selectors.model_status(_model(request, pk)))
    patch_cache_control(response, no_store=True, private=True)
    return response


@login_required
@require_GET
def model_geometry(request, pk: int):
    """The version's GLB for the viewer. It never changes once written (a new reading writes a new file), so its
    ETag is the IFC's digest and the GLB's stored name, and a browser revalidating gets 304 without the body."""
    model = _model(request, pk)
    if model.state != BimModelState.READY or not model.geometry:
        raise Http404("No geometry.")
    etag = quote_etag(f"{model.sha256[:16]}-{PurePosixPath(model.geometry.name).stem}")
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response: HttpResponse = HttpResponseNotModified()
    else:
        try:
            handle = model.geometry.open("rb")
        except FileNotFoundError:
            raise Http404("The stored geometry is missing.") from None
        response = FileResponse(handle, content_type=GLB_CONTENT_TYPE)
    response["ETag"] = etag
    patch_cache_control(response, private=True, no_cache=True)
    return response


@login_required
def viewer(request, pk: int):
    """The 3D viewer of a version read successfully; another one is shown on its own page, with why."""
    model = _model(request, pk)
    if model.state != BimModelState.READY:
        messages.info(request, _("The viewer opens once the model has been read (it is “%(state)s”).")
                      % {"state": model.get_state_display()})
        return redirect("projects:bim-model", pk=model.pk)
    project = model.project
    may_manage = policy.can(request.user, "manage", project)
    return render(request, "projects/bim/viewer.html", {
        "project": project, "model": model, "tab": "bim", "may_manage": may_manage,
        "tasks": list(_tasks(project)) if may_manage else [],
        "viewer_config": viewer_config(model, may_manage=may_manage),
    })


def viewer_config(model: BimModel, *, may_manage: bool) -> dict[str, Any]:
    """What static/js/bim-viewer.js reads from #bim-config: where to load from, the date range, colours, labels."""
    first, last = selectors.schedule_range(model.project)
    element = reverse("bim-element-detail", kwargs={"model_pk": model.pk, "global_id": "_" * 22})
    return {
        "geometry": reverse("projects:bim-geometry", args=[model.pk]),
        "elements": reverse("bim-element-list", kwargs={"model_pk": model.pk}),
        "links": reverse("bim-model-links", args=[model.pk]),
        "status": reverse("bim-model-status", args=[model.pk]),
        "findings": reverse("bim-model-findings", args=[model.pk]),
        "element": element.replace("_" * 22, GID_PLACEHOLDER),
        "link_create": (reverse("project-bim-link-list", kwargs={"project_pk": model.project_id})
                        if may_manage else None),
        "date_min": first.isoformat(), "date_max": last.isoformat(), "today": today().isoformat(),
        "colours": COLOURS,
        "labels": {"done": pgettext("bim 4d", "Done"), "in_progress": pgettext("bim 4d", "In progress"),
                   "late": pgettext("bim 4d", "Late"), "not_started": pgettext("bim 4d", "Not started"),
                   "failed": pgettext("bim inspection", "Failed"), "pending": pgettext("bim inspection", "Pending"),
                   "passed": pgettext("bim inspection", "Passed")},
        "model": {"id": model.pk, "title": model.title, "number": model.number,
                  "element_count": model.element_count},
    }
