from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core import policy
from portal.core.forms import ReasonForm
from portal.core.services import object_void
from portal.core.views import form_submit, paginate

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
    # Not the stored geometry nor the description: a page of 50 would read and decode every located project's
    # GeoJSON for nothing (bench/REPORT.md, "Where the time goes"); the regions' names in one query.
    page = paginate(request, projects.defer("location", "description"))
    names = selectors.project_region_names(projects=page.object_list)
    for project in page.object_list:
        project.region_names = names[project.pk]
    return render(request, "projects/project_list.html", {
        "form": form, "page": page,
        "may_add": request.user.has_perm("projects.add_project"), "today": timezone.localdate(),
    })


@login_required
def project_detail(request, pk: int):
    project = policy.get_or_404(request.user, Project.objects.select_related("owner", "liaison_officer"), pk=pk)
    return render(request, "projects/project_detail.html", {
        "project": project, "tab": "overview", "participants": selectors.project_participants(project=project),
        "regions": project.regions.all(), "overdue": selectors.project_is_overdue(project),
    })


@login_required
def project_history(request, pk: int):
    project = policy.get_or_404(request.user, Project.objects.select_related("owner"), pk=pk)
    return render(request, "projects/project_history.html", {"project": project, "tab": "history"})


def _project_form(request, project: Project | None):
    form = ProjectForm(request.POST or None, instance=project)

    def save(data):
        fields = {k: data[k] for k in ProjectForm.Meta.fields if k in data}
        if project is None:
            return services.project_create(actor=request.user, regions=data["region_codes"], **fields)
        return services.project_update(actor=request.user, project=project, regions=data["region_codes"], **fields)

    return form_submit(request, form, save, success=_("Saved."), redirect_to=lambda p: p,
                       template="projects/project_form.html", context={"project": project})


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
    return form_submit(
        request, ParticipantForm(request.POST or None),
        lambda data: services.participant_add(actor=request.user, project=project, **data),
        success=_("Organisation added to the project."), redirect_to=project,
        template="projects/participant_form.html", context={"project": project},
    )


@login_required
def participant_remove(request, pk: int):
    participant = ProjectParticipant.objects.select_related("project", "organization").filter(pk=pk).first()
    project = policy.get_or_404(request.user, Project, pk=participant.project_id if participant else 0)
    policy.require(request.user, "change", project)
    return form_submit(
        request, ReasonForm(request.POST or None),
        lambda data: services.participant_remove(actor=request.user, participant=participant, reason=data["reason"]),
        success=_("Organisation removed from the project."), redirect_to=project,
        template="includes/void_form.html", context={"obj": participant, "cancel_url": project.get_absolute_url()},
    )


@login_required
def liaison_assign(request, pk: int):
    project = policy.get_or_404(request.user, Project, pk=pk)
    policy.require(request.user, "change", project)
    return form_submit(
        request, LiaisonForm(request.POST or None, initial={"officer": project.liaison_officer}),
        lambda data: services.project_assign_liaison_officer(actor=request.user, project=project,
                                                             officer=data["officer"], reason=data["reason"]),
        success=_("Liaison officer updated."), redirect_to=project,
        template="projects/liaison_form.html",
        context={"project": project, "history": selectors.liaison_history(project=project)},
    )


@login_required
def project_void(request, pk: int):
    project = policy.get_or_404(request.user, Project, pk=pk)
    policy.require(request.user, "void", project)
    return form_submit(
        request, ReasonForm(request.POST or None),
        lambda data: object_void(actor=request.user, obj=project, reason=data["reason"]),
        success=_("The project was voided."), redirect_to="projects:list",
        template="includes/void_form.html", context={"obj": project, "cancel_url": project.get_absolute_url()},
    )
