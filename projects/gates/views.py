"""Pages of the stage gates, included in the `projects` URL namespace by projects/urls.py: a project's lifecycle,
its checklist for leaving the current stage with the move itself, its documents; and the checklist
configuration of bureau staff. Access goes through `portal.core.policy`; each write is one service call."""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.core import policy, uploads
from portal.core.errors import ApplicationError
from portal.core.forms import ReasonForm, form_add_application_error
from portal.core.views import form_submit, paginate
from projects.selectors import project_for

from ..models import GateConfirmation, GateRequirement, Project, ProjectDocument, RequirementKind, Stage
from . import selectors, services
from .forms import AdvanceForm, ConfirmationForm, DocumentUploadForm, GateRequirementForm


def _gates_url(project: Project, anchor: str = "") -> str:
    return reverse("projects:gates", args=[project.pk]) + (f"#{anchor}" if anchor else "")


def _page(request, project: Project, *, upload: tuple[int | None, DocumentUploadForm] | None = None,
          advance_form: AdvanceForm | None = None, status: int = 200):
    """The gates tab. `upload` is a refused upload (its line, its bound form) and `advance_form` a refused move,
    shown with their errors."""
    user = request.user
    may_manage, may_advance = policy.can(user, "manage", project), policy.can(user, "advance", project)
    gate = selectors.gate_for(project)
    failed_line, failed_form = upload or (0, None)
    if upload and failed_line not in {i.requirement.pk for i in gate.items if i.requirement.kind == RequirementKind.DOCUMENT}:
        failed_line = None  # not a line with an upload form: show the refusal on the other upload form
    rows = []
    for item in gate.items:
        form = None
        if may_manage and item.requirement.kind == RequirementKind.DOCUMENT:
            form = failed_form if failed_line == item.requirement.pk else DocumentUploadForm(
                initial={"requirement": item.requirement.pk}, auto_id=f"id_req{item.requirement.pk}_%s")
        rows.append((item, form))
    return render(request, "projects/gates/gates.html", {
        "project": project, "tab": "gates", "strip": selectors.lifecycle_strip(project), "gate": gate, "rows": rows,
        "may_manage": may_manage, "may_advance": may_advance,
        "advance_form": advance_form or AdvanceForm(initial={"expected_stage": project.stage}),
        "other_upload_form": failed_form if upload and failed_line is None else DocumentUploadForm(auto_id="id_other_%s"),
        "documents": paginate(request, selectors.project_documents(user=user, project=project)),
        "transitions": selectors.stage_transitions(user=user, project=project),
    }, status=status)


@login_required
def gates(request, pk: int):
    return _page(request, project_for(request.user, pk, related=("owner", "liaison_officer")))


@login_required
@require_POST
def document_upload(request, pk: int):
    """An upload for a checklist line (the form of its row) or any other document (the form under the list)."""
    project = project_for(request.user, pk, "manage", related=("owner", "liaison_officer"))
    form = DocumentUploadForm(request.POST, request.FILES)
    if form.is_valid():
        line = form.cleaned_data["requirement"]
        try:
            document = services.document_upload(
                actor=request.user, project=project, upload=form.cleaned_data["file"], title=form.cleaned_data["title"],
                requirement=GateRequirement.objects.filter(pk=line).first() or _no_line() if line else None)
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("“%(title)s” uploaded.") % {"title": document.title})
            return redirect(_gates_url(project, "checklist" if line else "documents"))
    line = request.POST.get("requirement", "")
    return _page(request, project, upload=(int(line) if line.isdigit() else None, form), status=400)


def _no_line():
    message = _("This checklist line does not apply here.")
    raise ApplicationError(message, {"requirement": [message]})


@login_required
def document_download(request, pk: int):
    document = policy.get_or_404(request.user, ProjectDocument, pk=pk)  # seen with its project (permissions.py)
    return uploads.file_response(document.file, document.original_name, document.content_type)


@login_required
def document_void(request, pk: int):
    document = policy.get_or_404(request.user, ProjectDocument, pk=pk)
    project = project_for(request.user, document.project_id, "manage", related=("owner", "liaison_officer"))
    return form_submit(
        request, ReasonForm(request.POST or None),
        lambda data: services.document_void(actor=request.user, document=document, reason=data["reason"]),
        success=_("The document was voided."), redirect_to=_gates_url(project, "documents"),
        template="includes/void_form.html", context={"obj": document, "cancel_url": _gates_url(project, "documents")},
    )


@login_required
def confirmation_give(request, pk: int, requirement_pk: int):
    project = project_for(request.user, pk, "advance", related=("owner", "liaison_officer"))
    requirement = get_object_or_404(GateRequirement, pk=requirement_pk, kind=RequirementKind.CONFIRMATION)
    return form_submit(
        request, ConfirmationForm(request.POST or None),
        lambda data: services.confirmation_give(actor=request.user, project=project, requirement=requirement,
                                                note=data["note"]),
        success=_("Confirmed."), redirect_to=_gates_url(project, "checklist"),
        template="projects/gates/confirm_form.html", context={"project": project, "requirement": requirement},
    )


@login_required
def confirmation_void(request, pk: int):
    confirmation = GateConfirmation.objects.select_related("requirement").filter(pk=pk).first()
    project = project_for(request.user, confirmation.project_id if confirmation else 0, "advance", related=("owner", "liaison_officer"))
    return form_submit(
        request, ReasonForm(request.POST or None),
        lambda data: services.confirmation_void(actor=request.user, confirmation=confirmation, reason=data["reason"]),
        success=_("The confirmation was withdrawn."), redirect_to=_gates_url(project, "checklist"),
        template="includes/void_form.html", context={"obj": confirmation, "cancel_url": _gates_url(project)},
    )


@login_required
@require_POST
def stage_advance(request, pk: int):
    project = project_for(request.user, pk, "advance", related=("owner", "liaison_officer"))
    form = AdvanceForm(request.POST)
    if form.is_valid():
        try:
            transition = services.stage_advance(actor=request.user, project=project,
                                                expected_stage=form.cleaned_data["expected_stage"],
                                                reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The project moved to “%(stage)s”.") % {
                "stage": transition.get_to_stage_display()})
            return redirect(_gates_url(project))
    project.refresh_from_db()
    return _page(request, project, advance_form=form, status=400)


# ------------------------------------------------------------------------------------------ configuration
def _require_perm(request, codename: str) -> None:
    if not request.user.has_perm(f"projects.{codename}"):
        raise PermissionDenied


@login_required
def requirement_list(request):
    _require_perm(request, "view_gaterequirement")
    by_stage = defaultdict(list)
    for requirement in selectors.requirement_list():
        by_stage[requirement.stage].append(requirement)
    return render(request, "projects/gates/requirements.html", {
        "stages": [(stage, by_stage.get(stage.value, [])) for stage in Stage if stage != Stage.POST_EVALUATION],
        "may_add": request.user.has_perm("projects.add_gaterequirement"),
        "may_change": request.user.has_perm("projects.change_gaterequirement"),
    })


def _requirement_url(requirement: GateRequirement) -> str:
    return reverse("projects:gate-requirements") + f"#requirement-{requirement.pk}"


@login_required
def requirement_add(request):
    _require_perm(request, "add_gaterequirement")
    form = GateRequirementForm(request.POST or None, initial={"stage": request.GET.get("stage", "")})
    return form_submit(
        request, form,
        lambda data: services.requirement_create(
            actor=request.user, **{k: data[k] for k in GateRequirementForm.Meta.fields if k in data}),
        success=_("The line was added to the checklist."), redirect_to=_requirement_url,
        template="projects/gates/requirement_form.html", context={"title": _("Add a checklist line")},
    )


@login_required
def requirement_edit(request, pk: int):
    _require_perm(request, "change_gaterequirement")
    requirement = get_object_or_404(GateRequirement, pk=pk)
    form = GateRequirementForm(request.POST or None, instance=requirement)
    return form_submit(
        request, form,
        lambda data: services.requirement_update(
            actor=request.user, requirement=requirement, version=data.get("version") or 0,
            **{k: data[k] for k in GateRequirementForm.Meta.fields if k in data}),
        success=_("Saved."), redirect_to=_requirement_url,
        template="projects/gates/requirement_form.html",
        context={"title": _("Edit a checklist line"), "requirement": requirement},
    )


@login_required
@require_POST
def requirement_toggle(request, pk: int):
    """Deactivate a line (it no longer applies; its history stays) or bring it back."""
    _require_perm(request, "change_gaterequirement")
    requirement = get_object_or_404(GateRequirement, pk=pk)
    version = request.POST.get("version", "")
    try:
        requirement = services.requirement_update(actor=request.user, requirement=requirement,
                                                  version=int(version) if version.isdigit() else 0,
                                                  active=not requirement.active)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The line applies again.") if requirement.active else
                         _("The line was deactivated: it no longer applies."))
    return redirect(_requirement_url(requirement))
