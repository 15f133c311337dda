"""Pages of monthly progress: the project's tab (figures, chart, table, missing months, Excel), the year plan
form, the owner's report and its correction, and the province-wide overview."""

import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.views import form_submit, paginate
from projects.selectors import project_for

from ..models import MonthlyProgress
from . import exports, selectors, services
from .figures import month_start
from .forms import CorrectForm, OverviewFilterForm, PlanYearForm, ReportForm, default_plan_year

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def progress_tab(request, pk: int):
    project = project_for(request.user, pk)
    table = selectors.progress_table(project=project)
    if request.GET.get("export") == "xlsx":
        response = HttpResponse(exports.monthly_xlsx(project, table), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="monthly-progress-{project.code}.xlsx"'
        return response
    rows = [line.row for line in table.lines if line.row is not None]
    return render(request, "projects/progress/progress_tab.html", {
        "project": project, "tab": "progress", "table": table, "summary": table.summary,
        "history": selectors.progress_history(rows=rows), "state_labels": selectors.REPORT_STATE_LABELS,
        "plan_year": default_plan_year(timezone.localdate()),
    })


@login_required
def progress_plan(request, pk: int):
    project = project_for(request.user, pk, "manage")
    try:
        year = int(request.GET.get("year") or default_plan_year(timezone.localdate()))
    except ValueError:
        raise Http404 from None
    if not 2000 <= year <= 2100:
        raise Http404
    rows, stamp = selectors.plan_year(project=project, year=year)
    initial = {"stamp": stamp, **{f"{m:%Y-%m}": r.planned_investment for m, r in rows.items()}}
    form = PlanYearForm(request.POST or None, year=year, initial=initial)
    return form_submit(
        request, form,
        lambda data: services.progress_plan_set(actor=request.user, project=project, plans=form.plans(),
                                                versions=form.versions()),
        success=_("The investment plan of %(year)s was saved.") % {"year": year},
        redirect_to=reverse("projects:progress", args=[pk]), template="projects/progress/plan_form.html",
        context={"project": project, "year": year, "rows": rows},
    )


@login_required
def progress_report(request, pk: int):
    project = project_for(request.user, pk, "manage")
    rows = selectors.progress_rows(project=project)
    month = services.next_month_to_report(project, rows) or month_start(timezone.localdate())
    row = next((r for r in rows if r.month == month), None)
    form = ReportForm(request.POST or None, initial={"month": month, "version": row.version if row else 0})
    return form_submit(
        request, form,
        lambda data: services.progress_report(actor=request.user, project=project, **form.service_kwargs()),
        success=_("The monthly report was saved."), redirect_to=reverse("projects:progress", args=[pk]),
        template="projects/progress/report_form.html",
        context={"project": project, "month": month, "planned": row.planned_investment if row else None},
    )


@login_required
def progress_correct(request, pk: int, year: int, month: int):
    project = project_for(request.user, pk, "manage")
    try:
        first = datetime.date(year, month, 1)
    except ValueError:
        raise Http404 from None
    row = MonthlyProgress.objects.filter(project=project, month=first, completed_investment__isnull=False).first()
    if row is None:
        raise Http404
    form = CorrectForm(request.POST or None, initial={
        "completed_investment": row.completed_investment, "physical_progress": row.physical_progress,
        "note": row.note, "version": row.version})
    return form_submit(
        request, form,
        lambda data: services.progress_correct(actor=request.user, project=project, month=first,
                                               **form.service_kwargs()),
        success=_("The correction was saved."), redirect_to=reverse("projects:progress", args=[pk]),
        template="projects/progress/correct_form.html", context={"project": project, "row": row},
    )


@login_required
def progress_overview(request):
    form = OverviewFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    projects = selectors.progress_overview(user=request.user, search=data.get("q", ""), filters=data)
    page = paginate(request, projects)
    selectors.overview_decorate(page.object_list)
    return render(request, "projects/progress/overview.html", {"form": form, "page": page})
