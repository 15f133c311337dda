"""Risk pages: a project's register with its heat map, filters and Excel export; one risk with its history and
moves; and the province-wide overview (every project the user sees)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core import policy
from portal.core.forms import ReasonForm
from portal.core.views import form_submit, paginate
from projects.models import Project, Risk

from . import exports, selectors, services
from .forms import CloseForm, ReopenForm, RiskFilterForm, RiskForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filters(request) -> tuple[RiskFilterForm, dict]:
    form = RiskFilterForm(request.GET or None)
    return form, (form.cleaned_data if form.is_valid() else {})


def _xlsx(risks, name: str) -> HttpResponse:
    response = HttpResponse(exports.risks_xlsx(risks), content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.xlsx"'
    return response


def _risk(request, pk: int, action: str = "view") -> Risk:
    risk = policy.get_or_404(request.user, Risk.objects.select_related("project__owner", "owner_organization",
                                                                       "voided_by"), pk=pk)
    if action != "view":
        policy.require(request.user, action, risk)
    return risk


@login_required
def project_risks(request, pk: int):
    project = policy.get_or_404(request.user, Project.objects.select_related("owner"), pk=pk)
    form, filters = _filters(request)
    risks = selectors.project_risks(user=request.user, project=project, filters=filters)
    if request.GET.get("export") == "xlsx":
        return _xlsx(risks, f"risks-{project.code}")
    return render(request, "projects/risks/list.html", {
        "project": project, "tab": "risks", "form": form, "filters": filters, "page": paginate(request, risks),
        "heat": selectors.heat_map_for(user=request.user, project=project, filters=filters),
        "may_manage": policy.can(request.user, "manage", project), "today": timezone.localdate(),
        "base_url": request.path,
    })


@login_required
def risk_overview(request):
    form, filters = _filters(request)
    risks = selectors.overview_risks(user=request.user, filters=filters)
    if request.GET.get("export") == "xlsx":
        return _xlsx(risks, "risks")
    return render(request, "projects/risks/overview.html", {
        "form": form, "filters": filters, "page": paginate(request, risks),
        "heat": selectors.heat_map_for(user=request.user, filters=filters), "today": timezone.localdate(),
        "top_only": not any(filters.get(k) for k in ("band", "cell", "status")), "base_url": request.path,
    })


@login_required
def risk_create(request, pk: int):
    project = policy.get_or_404(request.user, Project, pk=pk)
    policy.require(request.user, "manage", project)
    form = RiskForm(request.POST or None, project=project, instance=Risk(project=project))
    return form_submit(
        request, form, lambda data: services.risk_create(actor=request.user, project=project, **form.fields_data()),
        success=_("Risk registered."), redirect_to=lambda risk: risk.get_absolute_url(),
        template="projects/risks/form.html", context={"project": project, "tab": "risks"},
    )


@login_required
def risk_detail(request, pk: int):
    risk = _risk(request, pk)
    return render(request, "projects/risks/detail.html", {
        "risk": risk, "project": risk.project, "tab": "risks",
        "review_overdue": risk.review_overdue(timezone.localdate()),
        "may_change": policy.can(request.user, "change", risk) and risk.voided_at is None,
    })


@login_required
def risk_edit(request, pk: int):
    risk = _risk(request, pk, "change")
    form = RiskForm(request.POST or None, project=risk.project, instance=Risk.objects.get(pk=risk.pk))
    return form_submit(
        request, form,
        lambda data: services.risk_update(actor=request.user, risk=risk, version=data["version"],
                                          **form.fields_data()),
        success=_("Risk saved."), redirect_to=risk.get_absolute_url(),
        template="projects/risks/form.html", context={"project": risk.project, "tab": "risks", "risk": risk},
    )


@login_required
def risk_close(request, pk: int):
    risk = _risk(request, pk, "change")
    return form_submit(
        request, CloseForm(request.POST or None, initial={"version": risk.version}),
        lambda data: services.risk_close(actor=request.user, risk=risk, **data),
        success=_("Risk closed."), redirect_to=risk.get_absolute_url(),
        template="projects/risks/action_form.html",
        context={"project": risk.project, "tab": "risks", "risk": risk, "heading": _("Close the risk"),
                 "button": _("Close the risk")},
    )


@login_required
def risk_reopen(request, pk: int):
    risk = _risk(request, pk, "change")
    return form_submit(
        request, ReopenForm(request.POST or None, initial={"version": risk.version}),
        lambda data: services.risk_reopen(actor=request.user, risk=risk, **data),
        success=_("Risk reopened."), redirect_to=risk.get_absolute_url(),
        template="projects/risks/action_form.html",
        context={"project": risk.project, "tab": "risks", "risk": risk, "heading": _("Reopen the risk"),
                 "button": _("Reopen")},
    )


@login_required
def risk_void(request, pk: int):
    risk = _risk(request, pk, "change")
    return form_submit(
        request, ReasonForm(request.POST or None),
        lambda data: services.risk_void(actor=request.user, risk=risk, reason=data["reason"]),
        success=_("The risk was voided."), redirect_to=reverse("projects:risks", args=[risk.project_id]),
        template="includes/void_form.html", context={"obj": risk, "cancel_url": risk.get_absolute_url()},
    )

