"""Pages of the schedule: the task list with its flags, the Gantt chart, task forms, baselines, Excel export and
import, the responsibility matrix, and "my organisation's responsibilities"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from portal.accounts.models import Organization
from portal.core import policy
from portal.core.errors import ApplicationError
from portal.core.forms import ReasonForm
from portal.core.views import form_submit, paginate
from projects.selectors import project_for

from ..models import Project, ScheduleTask
from . import exports, imports, selectors, services
from .forms import BaselineForm, ImportForm, OwedFilterForm, ProgressForm, RaciToggleForm, TaskForm

TASK_EDIT_FIELDS = ("wbs", "name", "is_milestone", "planned_start", "planned_finish", "actual_start",
                    "actual_finish", "percent_complete", "note")


def _task(request, project: Project, task_pk: int) -> ScheduleTask:
    return policy.get_or_404(request.user, ScheduleTask.objects.filter(project=project), pk=task_pk)


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def schedule(request, pk: int):
    project = project_for(request.user, pk)
    view = selectors.schedule_view(project=project)
    return render(request, "projects/schedule/schedule.html", {
        "project": project, "tab": "schedule", "view": view, "may_manage": policy.can(request.user, "manage", project),
        "reportable": selectors.reportable_task_ids(user=request.user, project=project),
    })


@login_required
def gantt(request, pk: int):
    project = project_for(request.user, pk)
    return render(request, "projects/schedule/gantt.html", {
        "project": project, "tab": "schedule", "may_manage": policy.can(request.user, "manage", project),
        "data_url": reverse("project-gantt-list", kwargs={"project_pk": project.pk}),
        "gantt_labels": {
            "planned": pgettext("schedule", "Planned"), "actual": pgettext("schedule", "Actual"),
            "complete": pgettext("schedule", "Complete"), "late": pgettext("schedule", "Late"),
            "on_track": pgettext("schedule", "On track"), "baseline": _("Baseline"), "forecast": _("Forecast finish"),
            "variance": _("Variance"), "float": _("Float"), "days": _("days"), "responsible": _("Responsible"),
            "accountable": _("Accountable"), "critical_late": _("Critical and late"), "critical": _("Critical path"),
            "milestone": _("Milestone"), "open": _("Open the task"), "empty": _("No tasks in this schedule yet."),
            "failed": _("The schedule could not be loaded; reload the page."), "drawn": _("%(n)s tasks drawn."),
            "not_in_baseline": _("not in the baseline"),
            "late_count": _("Late tasks: %(n)s"), "show_bar": _("Show this task on the chart"),
        },
    })


@login_required
def task_create(request, pk: int):
    project = project_for(request.user, pk)
    policy.require(request.user, "manage", project)
    form = TaskForm(request.POST or None, initial={"wbs": request.GET.get("wbs", "")})

    def save(data):
        fields = {k: data[k] for k in TASK_EDIT_FIELDS}
        return services.task_create(actor=request.user, project=project, predecessors=data["predecessors"], **fields)

    return form_submit(request, form, save, success=_("Task added."), redirect_to=lambda t: services.task_url(t),
                       template="projects/schedule/task_form.html", context={"project": project, "tab": "schedule"})


@login_required
def task_detail(request, pk: int, task_pk: int):
    project = project_for(request.user, pk)
    task = _task(request, project, task_pk)
    view = selectors.schedule_view(project=project, with_responsibilities=True)
    row = next((r for r in view.rows if r.task.pk == task.pk), None)
    preds, succs = selectors.task_neighbours(task=task)
    return render(request, "projects/schedule/task_detail.html", {
        "project": project, "tab": "schedule", "task": task, "row": row, "view": view, "preds": preds,
        "succs": succs, "may_change": policy.can(request.user, "change", task),
        "may_report": policy.can(request.user, "report", task),
    })


@login_required
def task_edit(request, pk: int, task_pk: int):
    project = project_for(request.user, pk)
    task = _task(request, project, task_pk)
    policy.require(request.user, "change", task)
    initial = {k: getattr(task, k) for k in TASK_EDIT_FIELDS}
    initial.update(version=task.version, predecessors=", ".join(str(p) for p in services.predecessors_of(task)))
    form = TaskForm(request.POST or None, initial=initial)

    def save(data):
        fields = {k: data[k] for k in TASK_EDIT_FIELDS}
        return services.task_update(actor=request.user, task=task, version=data["version"],
                                    predecessors=data["predecessors"], **fields)

    return form_submit(request, form, save, success=_("Task saved."), redirect_to=lambda t: services.task_url(t),
                       template="projects/schedule/task_form.html",
                       context={"project": project, "tab": "schedule", "task": task})


@login_required
def task_progress(request, pk: int, task_pk: int):
    project = project_for(request.user, pk)
    task = _task(request, project, task_pk)
    policy.require(request.user, "report", task)
    form = ProgressForm(request.POST or None, initial={
        "percent_complete": task.percent_complete, "actual_start": task.actual_start,
        "actual_finish": task.actual_finish, "note": task.note, "version": task.version})

    def save(data):
        return services.task_report_progress(
            actor=request.user, task=task, version=data["version"], percent_complete=data["percent_complete"],
            actual_start=data["actual_start"], actual_finish=data["actual_finish"], note=data["note"])

    return form_submit(request, form, save, success=_("Progress reported."),
                       redirect_to=lambda t: services.task_url(t), template="projects/schedule/progress_form.html",
                       context={"project": project, "tab": "schedule", "task": task})


@login_required
def task_void(request, pk: int, task_pk: int):
    project = project_for(request.user, pk)
    task = _task(request, project, task_pk)
    policy.require(request.user, "change", task)
    return form_submit(
        request, ReasonForm(request.POST or None),
        lambda data: services.task_void(actor=request.user, task=task, reason=data["reason"]),
        success=_("The task was voided."), redirect_to=reverse("projects:schedule", args=[project.pk]),
        template="includes/void_form.html", context={"obj": task, "cancel_url": services.task_url(task)},
    )


@login_required
def baselines(request, pk: int):
    project = project_for(request.user, pk)
    may_manage = policy.can(request.user, "manage", project)
    if request.method == "POST":
        policy.require(request.user, "manage", project)
    form = BaselineForm(request.POST or None) if may_manage else None
    return form_submit(
        request, form or BaselineForm(),
        lambda data: services.baseline_create(actor=request.user, project=project, **data),
        success=_("Baseline saved: variance is now measured against it."),
        redirect_to=reverse("projects:schedule-baselines", args=[project.pk]),
        template="projects/schedule/baselines.html",
        context={"project": project, "tab": "schedule", "may_manage": may_manage,
                 "baselines": selectors.baseline_list(project=project)},
    )


@login_required
def schedule_export(request, pk: int):
    project = project_for(request.user, pk)
    content = exports.schedule_xlsx(selectors.schedule_view(project=project, with_responsibilities=True))
    return _xlsx(content, f"schedule-{project.code}-{timezone.localtime():%Y%m%d-%H%M}.xlsx")


@login_required
def schedule_template(request, pk: int):
    project_for(request.user, pk)
    return _xlsx(exports.template_xlsx(), "schedule-template.xlsx")


@login_required
def schedule_import(request, pk: int):
    project = project_for(request.user, pk)
    policy.require(request.user, "manage", project)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = imports.schedule_import(actor=request.user, project=project,
                                             data=upload.read(imports.MAX_BYTES + 1), filename=upload.name)
        except ApplicationError as exc:
            problems = list(imports.problems_of(exc))
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Imported: %(created)s tasks added, %(updated)s changed, %(unchanged)s "
                                        "unchanged.") % vars(result))
            return redirect("projects:schedule", pk=project.pk)
    return render(request, "projects/schedule/import.html", {
        "project": project, "tab": "schedule", "form": form, "problems": problems}, status=400 if problems else 200)


@login_required
def raci(request, pk: int):
    project = project_for(request.user, pk)
    may_manage = policy.can(request.user, "manage", project)
    if request.method == "POST":
        policy.require(request.user, "manage", project)
        form = RaciToggleForm(request.POST)
        anchor = ""
        if not form.is_valid():
            messages.error(request, _("Choose a task, an organisation and R, A, C or I."))
        else:
            task = ScheduleTask.objects.active().filter(project=project, pk=form.cleaned_data["task"]).first()
            org = Organization.objects.filter(pk=form.cleaned_data["organization"]).first()
            if task is None or org is None:
                raise Http404
            anchor = f"#task-{task.pk}"
            try:
                holds = services.responsibility_toggle(actor=request.user, task=task, organization=org,
                                                       kind=form.cleaned_data["kind"])
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                template = _("%(org)s is now %(kind)s for %(task)s.") if holds else _(
                    "%(org)s is no longer %(kind)s for %(task)s.")
                messages.success(request, template % {"org": org.name, "kind": form.cleaned_data["kind"],
                                                      "task": task})
        return redirect(reverse("projects:raci", args=[project.pk]) + anchor)
    return render(request, "projects/schedule/raci.html", {
        "project": project, "tab": "raci", "matrix": selectors.raci_matrix(project=project), "may_manage": may_manage,
    })


@login_required
def my_responsibilities(request):
    form = OwedFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    organization = request.user.organization
    chosen = data.get("organization")
    if chosen and chosen != request.user.organization_id:
        # Bureau staff and leaders, who see every project, may look at any organisation's list.
        if not policy.policy_for(Project).has_global(request.user, "view"):
            raise Http404
        organization = Organization.objects.filter(pk=chosen).first()
        if organization is None:
            raise Http404
    tasks = selectors.owed_tasks(user=request.user, organization_id=organization.pk if organization else None,
                                 open_only=data.get("show") != "all")
    page = paginate(request, tasks)
    return render(request, "projects/schedule/my_responsibilities.html", {
        "form": form, "page": page, "rows": selectors.owed_rows(page.object_list), "organization": organization,
    })
