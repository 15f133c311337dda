from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core import policy
from portal.core.errors import ApplicationError
from portal.core.forms import ReasonForm, form_add_application_error
from portal.core.services import object_void
from portal.core.views import paginate

from . import exports, selectors, services
from .forms import LiaisonForm, ParticipantForm, ProjectFilterForm, ProjectForm
from .models import Project, ProjectParticipant


def _filtered(request):
    form = ProjectFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    projects = selectors.project_list(user=request.user, search=data.get("q", ""), filters=data)
    return form, projects


@login_required
def project_list(request):
    form, projects = _filtered(request)
    if request.GET.get("export") == "xlsx":
        response = HttpResponse(exports.projects_xlsx(projects.prefetch_related("regions")),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="projects-{stamp}.xlsx"'
        return response
    return render(request, "projects/project_list.html", {
        "form": form, "page": paginate(request, projects.prefetch_related("regions")),
        "may_add": request.user.has_perm("projects.add_project"),
    })


@login_required
def project_detail(request, pk: int):
    project = policy.get_or_404(request.user, Project.objects.select_related("owner", "liaison_officer"), pk=pk)
    return render(request, "projects/project_detail.html", {
        "project": project, "participants": selectors.project_participants(project=project),
        "regions": project.regions.all(), "participant_form": ParticipantForm(),
        "liaison_form": LiaisonForm(initial={"officer": project.liaison_officer}),
    })


def _project_form(request, project: Project | None):
    form = ProjectForm(request.POST or None, instance=project)
    if request.method == "POST" and form.is_valid():
        fields = {k: form.cleaned_data[k] for k in ProjectForm.Meta.fields}
        try:
            if project is None:
                project = services.project_create(actor=request.user, regions=form.cleaned_data["region_codes"],
                                                  **fields)
            else:
                project = services.project_update(actor=request.user, project=project,
                                                  regions=form.cleaned_data["region_codes"], **fields)
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(project)
    return render(request, "projects/project_form.html", {"form": form, "project": project})


@login_required
def project_create(request):
    if not request.user.has_perm("projects.add_project"):
        raise PermissionDenied
    return _project_form(request, None)


@login_required
def project_edit(request, pk: int):
    project = policy.get_or_404(request.user, Project, pk=pk)
    policy.require(request.user, "change", project)
    return _project_form(request, Project.objects.get(pk=pk))


@login_required
def participant_add(request, pk: int):
    project = policy.get_or_404(request.user, Project, pk=pk)
    policy.require(request.user, "change", project)
    form = ParticipantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_add(actor=request.user, project=project, **form.cleaned_data)
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("Organisation added to the project."))
            return redirect(project)
    return render(request, "projects/participant_form.html", {"form": form, "project": project})


@login_required
def participant_remove(request, pk: int):
    participant = ProjectParticipant.objects.select_related("project", "organization").filter(pk=pk).first()
    project = policy.get_or_404(request.user, Project, pk=participant.project_id if participant else 0)
    policy.require(request.user, "change", project)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_remove(actor=request.user, participant=participant, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("Organisation removed from the project."))
            return redirect(project)
    return render(request, "includes/void_form.html", {"form": form, "obj": participant,
                                                       "cancel_url": project.get_absolute_url()})


@login_required
def liaison_assign(request, pk: int):
    project = policy.get_or_404(request.user, Project, pk=pk)
    policy.require(request.user, "change", project)
    form = LiaisonForm(request.POST or None, initial={"officer": project.liaison_officer})
    if request.method == "POST" and form.is_valid():
        try:
            services.project_assign_liaison_officer(actor=request.user, project=project,
                                                    officer=form.cleaned_data["officer"],
                                                    reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("Liaison officer updated."))
            return redirect(project)
    return render(request, "projects/liaison_form.html", {"form": form, "project": project})


@login_required
def project_void(request, pk: int):
    project = policy.get_or_404(request.user, Project, pk=pk)
    policy.require(request.user, "void", project)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        object_void(actor=request.user, obj=project, reason=form.cleaned_data["reason"])
        messages.success(request, _("The project was voided."))
        return redirect("projects:list")
    return render(request, "includes/void_form.html", {"form": form, "obj": project,
                                                       "cancel_url": project.get_absolute_url()})
