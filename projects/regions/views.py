"""Pages of cross-region work: the project's tab (joint command and members by region, the region × kind
summary with blockers, the items), and the forms of the command, members and items."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core import policy
from portal.core.forms import ReasonForm
from portal.core.views import form_submit, paginate
from projects.selectors import project_for

from ..models import JointCommandMember, Project, RegionWorkItem, RegionWorkKind, WorkUnit
from . import selectors, services
from .forms import JointCommandForm, MemberForm, WorkFilterForm, WorkItemForm, WorkReportForm


def _tab(project: Project):
    return reverse("projects:regions", args=[project.pk])


def _item(project: Project, item_pk: int) -> RegionWorkItem:
    return get_object_or_404(RegionWorkItem.objects.select_related("project", "region"), pk=item_pk,
                             project=project)


@login_required
def regions_tab(request, pk: int):
    project = project_for(request.user, pk)
    regions = selectors.project_regions(project=project)
    command = selectors.joint_command(project=project)
    form = WorkFilterForm(request.GET or None, regions=selectors.region_choices(project=project))
    filters = form.cleaned_data if form.is_valid() else {}
    may_manage = policy.can(request.user, "manage", project)
    return render(request, "projects/regions/regions_tab.html", {
        "project": project, "tab": "regions", "command": command, "regions": regions,
        "members": selectors.command_members(command=command),
        "matrix": selectors.region_work_matrix(project=project, regions=regions),
        "form": form, "page": paginate(request, selectors.region_work_list(project=project, filters=filters)),
        "may_manage": may_manage,
        # One answer for every item of the page: reporting depends on the project, not on the item.
        "may_report": policy.can(request.user, "report", RegionWorkItem(project=project)),
        "today": timezone.localdate(), "kinds": RegionWorkKind.choices, "unit_labels": dict(WorkUnit.choices),
    })


@login_required
def command_edit(request, pk: int):
    project = project_for(request.user, pk, "manage")
    command = selectors.joint_command(project=project)
    initial = {"version": command.version} if command else {
        "name": _("%(project)s construction joint command") % {"project": project.name}}
    if command:
        initial.update({f: getattr(command, f) for f in services.COMMAND_FIELDS})
    form = JointCommandForm(request.POST or None, initial=initial, regions=selectors.project_regions(project=project))

    def save(data):
        fields = {f: data[f] for f in services.COMMAND_FIELDS}
        return services.joint_command_save(actor=request.user, project=project, version=data.get("version"), **fields)

    return form_submit(request, form, save, success=_("The joint command was saved."), redirect_to=_tab(project),
                       template="projects/regions/command_form.html", context={"project": project, "command": command})


@login_required
def member_add(request, pk: int):
    project = project_for(request.user, pk, "manage")
    form = MemberForm(request.POST or None, regions=selectors.region_choices(project=project))
    return form_submit(
        request, form, lambda data: services.member_add(actor=request.user, project=project, **data),
        success=_("Member added."), redirect_to=_tab(project),
        template="projects/regions/member_form.html", context={"project": project},
    )


@login_required
def member_void(request, pk: int, member_pk: int):
    project = project_for(request.user, pk, "manage")
    member = get_object_or_404(JointCommandMember.objects.select_related("command", "region"), pk=member_pk,
                               command__project=project)
    return form_submit(
        request, ReasonForm(request.POST or None),
        lambda data: services.member_void(actor=request.user, member=member, reason=data["reason"]),
        success=_("Member removed."), redirect_to=_tab(project),
        template="includes/void_form.html", context={"obj": member, "cancel_url": _tab(project)},
    )


@login_required
def work_create(request, pk: int):
    project = project_for(request.user, pk, "manage")
    form = WorkItemForm(request.POST or None, regions=selectors.region_choices(project=project),
                        initial={"completed_quantity": 0, "status": "not_started"})
    return form_submit(
        request, form,
        lambda data: services.region_work_create(actor=request.user, project=project, **form.service_kwargs()),
        success=_("Item added."), redirect_to=_tab(project),
        template="projects/regions/item_form.html", context={"project": project, "item": None},
    )


@login_required
def work_edit(request, pk: int, item_pk: int):
    project = project_for(request.user, pk, "manage")
    item = _item(project, item_pk)
    policy.require(request.user, "change", item)
    initial = {f: getattr(item, f) for f in services.ITEM_FIELDS} | {"version": item.version}
    form = WorkItemForm(request.POST or None, initial=initial, regions=selectors.region_choices(project=project))
    return form_submit(
        request, form,
        lambda data: services.region_work_update(actor=request.user, item=item, version=data.get("version"),
                                                 **form.service_kwargs()),
        success=_("Item saved."), redirect_to=_tab(project),
        template="projects/regions/item_form.html", context={"project": project, "item": item},
    )


@login_required
def work_report(request, pk: int, item_pk: int):
    project = project_for(request.user, pk)
    item = _item(project, item_pk)
    policy.require(request.user, "report", item)
    form = WorkReportForm(request.POST or None, initial={f: getattr(item, f) for f in services.REPORT_FIELDS}
                          | {"version": item.version})
    return form_submit(
        request, form,
        lambda data: services.region_work_report(actor=request.user, item=item, **data),
        success=_("Progress reported."), redirect_to=_tab(project),
        template="projects/regions/report_form.html", context={"project": project, "item": item},
    )


@login_required
def work_void(request, pk: int, item_pk: int):
    project = project_for(request.user, pk, "manage")
    item = _item(project, item_pk)
    policy.require(request.user, "change", item)
    return form_submit(
        request, ReasonForm(request.POST or None),
        lambda data: services.region_work_void(actor=request.user, item=item, reason=data["reason"]),
        success=_("Item voided."), redirect_to=_tab(project),
        template="includes/void_form.html", context={"obj": item, "cancel_url": _tab(project)},
    )


@login_required
def work_history(request, pk: int, item_pk: int):
    project = project_for(request.user, pk)
    item = _item(project, item_pk)
    return render(request, "projects/regions/item_history.html", {"project": project, "item": item, "tab": "regions"})
