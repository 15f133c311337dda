"""Pages of materials and third-party inspection: a project's deliveries, plans, samples and rectifications
(under the project's quality & safety tab), the bureau's inspection board, the rectification list and a testing
agency's samples. Access goes through `portal.core.policy`; reads through `selectors`; every write is one service
call whose ApplicationError is shown on the form, with nothing changed."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.accounts.models import OrganizationKind
from portal.core import fsm, policy
from portal.core.errors import ApplicationError
from portal.core.services import today
from portal.core.views import form_submit, move_buttons, paginate
from projects.selectors import project_for

from .. import documents
from ..models import InspectionPlan, Rectification, Sample
from . import exports, permissions, selectors, services
from .forms import (
    DeliveryFilterForm,
    DeliveryForm,
    PlanForm,
    RectificationFilterForm,
    RejectForm,
    ResultForm,
    SampleFilterForm,
    SampleForm,
    SubmitForm,
)

PART = "inspections"


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return query.urlencode()


# ------------------------------------------------------------------------------------------- a project's pages
@login_required
def project_inspections(request, pk: int):
    project = project_for(request.user, pk)
    plans = list(selectors.plan_list(user=request.user, project_id=project.pk))
    for plan in plans:
        plan.progress = services.rules.WitnessProgress(plan.required_samples, plan.witness_share, plan.taken,
                                                       plan.witnessed)
    passed, tested = selectors.pass_rate(project_id=project.pk)
    rects = policy.visible(request.user, selectors.open_rectifications(project_id=project.pk))
    return render(request, "supervision/inspections/project.html", {
        "project": project, "tab": "quality", "part": PART, "plans": plans, "rectifications": rects,
        "passed": passed, "tested": tested, "rate": selectors.rate(passed, tested), "today": today(),
        "may_plan": permissions.may_plan(request.user, project),
        "may_deliver": permissions.may_record_delivery(request.user, project)})


@login_required
def project_deliveries(request, pk: int):
    project = project_for(request.user, pk)
    form = DeliveryFilterForm(request.GET or None)
    deliveries = selectors.delivery_list(user=request.user, project_id=project.pk, **form.filters())
    if request.GET.get("export") == "xlsx":
        return exports.deliveries_xlsx(deliveries)
    page = paginate(request, deliveries)
    docs = documents.documents_by_target(list(page.object_list))
    rows = [(d, docs.get(d.pk, [])) for d in page.object_list]
    return render(request, "supervision/inspections/deliveries.html", {
        "project": project, "tab": "quality", "part": PART, "form": form, "page": page, "rows": rows,
        "query": _query(request), "may_deliver": permissions.may_record_delivery(request.user, project)})


@login_required
def delivery_create(request, pk: int):
    project = project_for(request.user, pk)
    if not permissions.may_record_delivery(request.user, project):
        raise PermissionDenied
    form = DeliveryForm(request.POST or None, request.FILES or None,
                        contractors=services.project_contractors(project))

    def apply(data):
        return services.delivery_record(actor=request.user, project=project, certificates=data.pop("certificates"),
                                        **data)

    return form_submit(request, form, apply, success=_("The delivery was recorded."),
                       redirect_to=reverse("supervision:inspection-deliveries", args=[project.pk]),
                       template="supervision/inspections/form.html",
                       context={"project": project, "tab": "quality", "part": PART,
                                "heading": _("Record a material delivery"), "multipart": True})


@login_required
def plan_create(request, pk: int):
    project = project_for(request.user, pk)
    if not permissions.may_plan(request.user, project):
        raise PermissionDenied
    form = PlanForm(request.POST or None, contractors=services.project_contractors(project))
    return form_submit(request, form, lambda data: services.plan_create(actor=request.user, project=project, **data),
                       success=_("The inspection plan was created."), redirect_to=lambda plan: plan.get_absolute_url(),
                       template="supervision/inspections/form.html",
                       context={"project": project, "tab": "quality", "part": PART,
                                "heading": _("New inspection plan")})


@login_required
def plan_detail(request, pk: int):
    plan = policy.get_or_404(request.user, InspectionPlan.objects.select_related("project", "contractor"), pk=pk)
    samples = paginate(request, selectors.sample_list(user=request.user, plan_id=plan.pk))
    return render(request, "supervision/inspections/plan_detail.html", {
        "project": plan.project, "tab": "quality", "part": PART, "plan": plan, "page": samples,
        "progress": services.plan_progress(plan), "may_take": policy.can(request.user, "change", plan)})


@login_required
def sample_create(request, pk: int):
    plan = policy.get_or_404(request.user, InspectionPlan.objects.select_related("project"), pk=pk)
    policy.require(request.user, "change", plan)
    raw = (request.GET.get("retest_of") or request.POST.get("retest_of") or "").strip()
    retest_of = None
    if raw:  # ?retest_of=<failed sample>: the re-inspection of its rectification
        retest_of = Sample.objects.filter(plan=plan, pk=int(raw) if re.fullmatch(r"[0-9]{1,18}", raw) else 0).first()
        if retest_of is None:
            raise Http404
    deliveries = selectors.delivery_list(user=request.user, project_id=plan.project_id)
    form = SampleForm(request.POST or None, deliveries=deliveries)
    return form_submit(
        request, form, lambda data: services.sample_take(actor=request.user, plan=plan, retest_of=retest_of, **data),
        success=_("The sample was recorded."), redirect_to=lambda sample: sample.get_absolute_url(),
        template="supervision/inspections/form.html",
        context={"project": plan.project, "tab": "quality", "part": PART, "retest_of": retest_of,
                 "heading": (_("Take the re-inspection sample of %(number)s") % {"number": retest_of.number}
                             if retest_of else _("Take a sample: %(plan)s") % {"plan": plan.title})})


def _sample(request, pk: int) -> Sample:
    return policy.get_or_404(request.user, Sample.objects.select_related(
        "plan", "plan__project", "plan__contractor", "agency", "retest_of", "taken_by", "assigned_by",
        "recorded_by"), pk=pk)


@login_required
def sample_detail(request, pk: int):
    sample = _sample(request, pk)
    rect = Rectification.objects.filter(sample=sample).first() or (
        Rectification.objects.filter(retest=sample).first())
    return render(request, "supervision/inspections/sample_detail.html", {
        "sample": sample, "plan": sample.plan, "rectification": rect if rect and policy.can(
            request.user, "view", rect) else None,
        "project_visible": policy.can(request.user, "view", sample.plan.project),
        "may_assign": fsm.workflow_of(sample).can_move(sample, "assign", request.user),
        "may_record": any(fsm.workflow_of(sample).can_move(sample, m, request.user) for m in ("pass", "fail")),
        "reports": documents.documents_of(sample), "agencies": selectors.testing_agencies().filter(
            pk__in=sample.agency_candidates or [])})


@login_required
@require_POST
def sample_assign(request, pk: int):
    sample = _sample(request, pk)
    fsm.require_move_permission(sample, "assign", request.user)
    try:
        services.sample_assign(actor=request.user, sample=sample, version=request.POST.get("version") or None)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The testing agency was drawn."))
    return redirect(sample.get_absolute_url())


@login_required
def sample_result(request, pk: int):
    sample = _sample(request, pk)
    fsm.require_move_permission(sample, "pass", request.user)
    form = ResultForm(request.POST or None, request.FILES or None, initial={"version": sample.version})
    return form_submit(
        request, form, lambda data: services.sample_record_result(actor=request.user, sample=sample, **data),
        success=_("The result was recorded."), redirect_to=sample.get_absolute_url(),
        template="supervision/inspections/form.html",
        context={"project": None, "sample": sample, "multipart": True,
                 "heading": _("Record the result of %(number)s") % {"number": sample.number}})


# --------------------------------------------------------------------------------------------- rectifications
def _rect(request, pk: int) -> Rectification:
    return policy.get_or_404(request.user, Rectification.objects.select_related(
        "project", "responsible", "sample", "sample__plan", "retest", "submitted_by", "closed_by"), pk=pk)


def _move_url(rect: Rectification):
    return lambda name: reverse("supervision:inspection-rectification-move", args=[rect.pk, name])


@login_required
def rectification_detail(request, pk: int):
    rect = _rect(request, pk)
    buttons = move_buttons(fsm.available(rect, request.user), _move_url(rect), with_form=("submit", "reject"))
    may_retest = (policy.can(request.user, "verify", rect) and rect.state == "submitted"
                  and (rect.retest is None or rect.retest.voided_at is not None or rect.retest.is_tested)
                  and not (rect.retest and rect.retest.state == "passed"))
    return render(request, "supervision/inspections/rectification_detail.html", {
        "rect": rect, "buttons": buttons, "today": today(), "may_retest": may_retest,
        "project_visible": policy.can(request.user, "view", rect.project),
        "evidence": documents.documents_of(rect)})


MOVE_FORMS = {"submit": SubmitForm, "reject": RejectForm}


@login_required
def rectification_move(request, pk: int, move: str):
    rect = _rect(request, pk)
    if move not in ("submit", "reject", "verify"):
        raise Http404
    fsm.require_move_permission(rect, move, request.user)
    if move == "verify":
        if request.method != "POST":
            return redirect(rect.get_absolute_url())
        try:
            services.rectification_verify(actor=request.user, rectification=rect,
                                          version=request.POST.get("version") or None)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The rectification was closed."))
        return redirect(rect.get_absolute_url())
    form = MOVE_FORMS[move](request.POST or None, request.FILES or None, initial={"version": rect.version})
    if move == "submit":
        def apply(data):
            return services.rectification_submit(actor=request.user, rectification=rect, **data)
    else:
        def apply(data):
            return services.rectification_reject(actor=request.user, rectification=rect, **data)
    return form_submit(request, form, apply, success=_("Done."), redirect_to=rect.get_absolute_url(),
                       template="supervision/inspections/form.html",
                       context={"rect": rect, "multipart": move == "submit",
                                "heading": fsm.workflow_of(rect).transition(move).label})


# ---------------------------------------------------------------------------------------------------- lists
@login_required
def board(request):
    """The bureau's inspection board: every sample and result, filtered, with the pass rate."""
    if not policy.policy_for(Sample).has_global(request.user, "view"):
        raise PermissionDenied
    form = SampleFilterForm(request.GET or None)
    samples = selectors.sample_list(user=request.user, **form.filters())
    if request.GET.get("export") == "xlsx":
        return exports.samples_xlsx(samples)
    return render(request, "supervision/inspections/board.html", {
        "form": form, "page": paginate(request, samples), "figures": selectors.sample_figures(samples),
        "query": _query(request)})


@login_required
def rectification_list(request):
    form = RectificationFilterForm(request.GET or None)
    on = today()
    rects = selectors.rectification_list(user=request.user, on=on, **form.filters())
    if request.GET.get("export") == "xlsx":
        return exports.rectifications_xlsx(rects)
    return render(request, "supervision/inspections/rectifications.html", {
        "form": form, "page": paginate(request, rects), "today": on, "query": _query(request)})


@login_required
def agency_samples(request):
    """A testing agency's samples: those assigned to the user's organisation."""
    org = request.user.organization
    if org is None or org.kind != OrganizationKind.TESTING_AGENCY:
        raise PermissionDenied
    form = SampleFilterForm(request.GET or None)
    samples = selectors.sample_list(user=request.user, agency_only=True, **form.filters())
    if request.GET.get("export") == "xlsx":
        return exports.samples_xlsx(samples, "agency-samples")
    return render(request, "supervision/inspections/agency_samples.html", {
        "form": form, "page": paginate(request, samples), "figures": selectors.sample_figures(samples),
        "query": _query(request), "organization": org})
