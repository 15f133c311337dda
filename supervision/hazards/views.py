"""Pages of hazards: the bureau's board (every hazard the user may see), a project's hazards under its quality &
safety tab, reporting a hazard, and one hazard with its photos, evidence and moves. Reads through `selectors`,
access through `portal.core.policy`; every write is one service call whose refusal is shown, nothing changed."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core import fsm, policy
from portal.core.errors import ApplicationError, ErrorCode
from portal.core.exports import EXPORT_MAX_ROWS, table_xlsx, xlsx_response
from portal.core.forms import form_add_application_error
from portal.core.views import move_buttons
from projects.selectors import project_for

from .. import documents
from ..accountability.selectors import records_of_hazard
from ..models import Hazard, Purpose
from . import criteria, selectors, services
from .forms import (
    CloseForm,
    HazardFilterForm,
    HazardReportForm,
    PhotosForm,
    RejectForm,
    SubmitForm,
    VersionForm,
)
from .permissions import may_report

PAGE_SIZE = 50


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _filtered(request, project=None):
    form = HazardFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    if project is not None:
        filters["project_id"] = project.pk
    return form, selectors.hazard_list(user=request.user, **filters)


def _list_context(request, hazards) -> dict:
    page = Paginator(hazards, PAGE_SIZE).get_page(request.GET.get("page"))
    return {"page": page, "hazards": page.object_list, "counts": selectors.counts_by_grade(hazards),
            "query": _query_without_page(request), "export_max": EXPORT_MAX_ROWS}


def hazards_xlsx(hazards, title: str) -> bytes:
    headers = [_("hazard number"), _("project"), _("title"), _("location on site"), _("grade"),
               _("major-hazard criterion"), _("responsible unit"), _("found on"), _("rectify by"), _("state"),
               _("failed checks"), _("closed")]
    return table_xlsx(hazards, title=title, headers=headers, row=lambda h: [
        h.number, h.project.name, h.title, h.location, h.get_grade_display(), h.criterion, h.responsible.name,
        h.found_on, h.due_on, h.get_state_display(), h.check_failures,
        h.closed_at.date() if h.closed_at else None])


@login_required
def board(request):
    """The hazard board: anyone may open it; it lists only the hazards the user may see."""
    form, hazards = _filtered(request)
    return render(request, "supervision/hazards/board.html", {"form": form, **_list_context(request, hazards)})


@login_required
def board_export(request):
    _form, hazards = _filtered(request)
    return xlsx_response(hazards_xlsx(hazards, _("Hazards")), "hazards")


@login_required
def project_hazards(request, pk: int):
    project = project_for(request.user, pk)
    form, hazards = _filtered(request, project)
    return render(request, "supervision/hazards/project_hazards.html", {
        "project": project, "part": "hazards", "form": form, "may_report": may_report(request.user, project),
        **_list_context(request, hazards)})


@login_required
def project_hazards_export(request, pk: int):
    project = project_for(request.user, pk)
    _form, hazards = _filtered(request, project)
    return xlsx_response(hazards_xlsx(hazards, _("Hazards")), f"hazards-{project.code or project.pk}")


@login_required
def hazard_create(request, pk: int):
    project = project_for(request.user, pk)
    if not may_report(request.user, project):
        raise PermissionDenied
    units = services.units_of(project)
    form = HazardReportForm(request.POST or None, request.FILES or None, units=units)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            hazard = services.hazard_report(
                actor=request.user, project=project, title=data["title"], description=data["description"],
                location=data["location"], grade=data["grade"], criterion=data["criterion"],
                responsible=data["responsible"], found_on=data["found_on"], due_on=data["due_on"],
                work_stopped=data["work_stopped"], photos=data["photos"], source="report")
        except ApplicationError as exc:
            form_add_application_error(form, exc)
            status = exc.http_status
        else:
            messages.success(request, _("Hazard %(number)s was reported; the responsible unit was told.")
                             % {"number": hazard.number})
            return redirect(hazard)
    if form.errors and status == 200:
        status = 400
    return render(request, "supervision/hazards/hazard_form.html", {"project": project, "part": "hazards",
                                                                     "form": form}, status=status)


def _get(request, pk: int) -> Hazard:
    return policy.get_or_404(request.user, Hazard.objects.select_related(
        "project", "responsible", "found_by", "rectified_by", "closed_by"), pk=pk)


def _detail_context(request, hazard: Hazard, **extra) -> dict:
    offered = fsm.available(hazard, request.user)
    docs = documents.documents_of(hazard)
    return {
        "hazard": hazard, "criterion": criteria.criterion(hazard.criterion),
        "moves": move_buttons(offered, lambda name: reverse("supervision:hazard-move", args=[hazard.pk, name]),
                              with_form=("submit", "reject", "close")),
        "photos": [d for d in docs if d.purpose == Purpose.PHOTO],
        "evidence": [d for d in docs if d.purpose == Purpose.EVIDENCE],
        "photos_form": extra.pop("photos_form", None) or (PhotosForm() if policy.can(request.user, "attach", hazard)
                                                          else None),
        "overdue": hazard.is_overdue(),
        "accountability": list(records_of_hazard(user=request.user, hazard_id=hazard.pk)), **extra}


@login_required
def hazard_detail(request, pk: int):
    return render(request, "supervision/hazards/hazard_detail.html", _detail_context(request, _get(request, pk)))


def _run_submit(user, hazard, data):
    return services.hazard_submit(actor=user, hazard=hazard, measures=data["measures"], evidence=data["evidence"],
                                  version=data.get("version"))


MOVES: dict[str, tuple[type, Callable[[Any, Hazard, dict], Any], Any]] = {
    "acknowledge": (VersionForm, lambda u, h, d: services.hazard_acknowledge(actor=u, hazard=h,
                                                                             version=d.get("version")),
                    gettext_lazy("The hazard was acknowledged: rectify it by its deadline.")),
    "submit": (SubmitForm, _run_submit, gettext_lazy("The rectification was submitted for check.")),
    "reject": (RejectForm, lambda u, h, d: services.hazard_reject(actor=u, hazard=h, reason=d["reason"],
                                                                  version=d.get("version")),
               gettext_lazy("The hazard went back to the responsible unit.")),
    "close": (CloseForm, lambda u, h, d: services.hazard_close(actor=u, hazard=h, note=d["note"],
                                                               version=d.get("version")),
              gettext_lazy("The hazard was closed.")),
}


@login_required
def hazard_move(request, pk: int, move: str):
    """One move: the button of a move without input posts here; a move with input shows its form (GET)."""
    if move not in MOVES:
        raise Http404
    hazard = _get(request, pk)
    if move in ("reject", "close"):  # the rectifying unit is told why it may not check its own work
        try:
            services.refuse_own_check(hazard, request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return render(request, "supervision/hazards/hazard_detail.html", _detail_context(request, hazard),
                          status=exc.http_status)
    fsm.require_move_permission(hazard, move, request.user)
    form_class, run, done = MOVES[move]
    form = form_class(request.POST if request.method == "POST" else None, request.FILES or None,
                      initial={"version": hazard.version})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            run(request.user, hazard, form.cleaned_data)
        except ApplicationError as exc:
            if move == "acknowledge":
                messages.error(request, exc.message)
                return redirect(hazard)
            form_add_application_error(form, exc)
            if exc.code in (ErrorCode.STALE, ErrorCode.INVALID_TRANSITION) or not exc.extra:
                form.add_error(None, exc.message)
            status = exc.http_status
        else:
            messages.success(request, str(done))
            return redirect(hazard)
    if move == "acknowledge":
        return redirect(hazard)
    if form.errors and status == 200:
        status = 400
    return render(request, "supervision/hazards/hazard_move.html", {
        "hazard": hazard, "form": form, "transition": hazard.workflow.transitions[move], "move": move},
        status=status)


@login_required
def hazard_photos(request, pk: int):
    hazard = _get(request, pk)
    if not policy.can(request.user, "attach", hazard):
        raise PermissionDenied
    if request.method != "POST":
        return redirect(f"{hazard.get_absolute_url()}#photos")
    form = PhotosForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.hazard_add_photos(actor=request.user, hazard=hazard, photos=form.cleaned_data["photos"])
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The photos were added."))
            return redirect(f"{hazard.get_absolute_url()}#photos")
    return render(request, "supervision/hazards/hazard_detail.html",
                  _detail_context(request, hazard, photos_form=form), status=400)
