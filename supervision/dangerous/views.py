"""Pages of the dangerous-works register: a project's register (under its quality & safety tab), one work with
its documents and moves, registering and correcting one, the expert review, and the bureau's list across every
project. Access goes through `portal.core.policy`; every write is one service call whose refusal is shown on
the form or as a message, with nothing changed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.accounts.models import Organization
from portal.core import fsm, policy
from portal.core.errors import ApplicationError
from portal.core.exports import table_xlsx, xlsx_response
from portal.core.forms import form_add_application_error
from portal.core.views import move_buttons, paginate
from projects.selectors import project_for

from .. import documents
from ..models import DangerousWork, Purpose
from . import selectors, services
from .forms import AttachForm, DangerousFilterForm, DangerousWorkForm, MoveForm, ReviewForm

DONE = {"approve_plan": gettext_lazy("The special plan is approved: the work may start once its monitoring plan "
                                     "is in."),
        "start": gettext_lazy("Work started."), "complete": gettext_lazy("The work is completed.")}


def _filtered(request, project=None):
    form = DangerousFilterForm(request.GET or None)
    works = selectors.dangerous_work_list(user=request.user, project=project, filters=form.filters(),
                                          search=form.search())
    return form, works


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _export(works, title: str, name: str):
    headers = [_("project"), _("name"), _("kind"), _("responsible contractor"), _("location on site"),
               _("threshold met"), _("beyond a certain scale"), _("state"), _("expert review result"),
               _("planned start"), _("planned finish"), _("plan approved"), _("started on"), _("completed on")]
    yes, no = _("Yes"), _("No")

    def row(w: DangerousWork):
        return [w.project.name, w.name, str(w.get_kind_display()), w.contractor.name, w.location, w.criteria,
                yes if w.large_scale else no, str(w.get_state_display()), str(w.get_expert_review_result_display()),
                w.planned_start, w.planned_finish,
                w.plan_approved_at.date() if w.plan_approved_at else None, w.started_on, w.completed_on]

    return xlsx_response(table_xlsx(works, title=title, headers=headers, row=row), name)


# ----------------------------------------------------------------------------------------------------- lists
@login_required
def project_dangerous(request, pk: int):
    project = project_for(request.user, pk)
    form, works = _filtered(request, project)
    return render(request, "supervision/dangerous/project_list.html", {
        "project": project, "tab": "quality", "part": "dangerous", "form": form, "page": paginate(request, works),
        "query": _query(request), "may_register": services.may_register(request.user, project)})


@login_required
def project_dangerous_export(request, pk: int):
    project = project_for(request.user, pk)
    _form, works = _filtered(request, project)
    return _export(works, _("Dangerous works"), "dangerous-works")


@login_required
def dangerous_list(request):
    """Every dangerous work the user may see, across projects (the bureau's view)."""
    form, works = _filtered(request)
    return render(request, "supervision/dangerous/list.html", {
        "form": form, "page": paginate(request, works), "query": _query(request)})


@login_required
def dangerous_export(request):
    _form, works = _filtered(request)
    return _export(works, _("Dangerous works"), "dangerous-works")


# -------------------------------------------------------------------------------------------------- one work
def _get(request, pk: int) -> DangerousWork:
    return policy.get_or_404(request.user, DangerousWork.objects.select_related(
        "project", "project__owner", "contractor", "plan_approved_by"), pk=pk)


def _contractors(project):
    return Organization.objects.filter(pk__in=[o.pk for o in selectors.project_contractors(project=project)])


@login_required
def dangerous_detail(request, pk: int):
    work = _get(request, pk)
    user = request.user
    may_change = policy.can(user, "change", work)
    offered = fsm.available(work, user)
    docs = documents.documents_of(work)
    return render(request, "supervision/dangerous/detail.html", {
        "work": work, "project": work.project, "tab": "quality", "part": "dangerous",
        "moves": move_buttons(offered, lambda name: reverse("supervision:dangerous-move", args=[work.pk, name])),
        "documents": {p: [d for d in docs if d.purpose == p] for p in
                      (Purpose.SPECIAL_PLAN, Purpose.EXPERT_REVIEW, Purpose.MONITORING_PLAN)},
        "other_documents": [d for d in docs if d.purpose in (Purpose.RECORD, Purpose.PHOTO)],
        "may_change": may_change, "editable": may_change and work.state == "registered",
        "attach_form": AttachForm(initial={"version": work.version}) if may_change and work.state != "completed"
        else None,
    })


@login_required
def dangerous_create(request, pk: int):
    project = project_for(request.user, pk)
    if not services.may_register(request.user, project):
        raise PermissionDenied
    form = DangerousWorkForm(request.POST or None, request.FILES or None, contractors=_contractors(project),
                             instance=DangerousWork(project=project))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        plan = data.pop("special_plan", [])
        try:
            work = services.dangerous_work_register(actor=request.user, project=project,
                                                    files={Purpose.SPECIAL_PLAN: plan}, **data)
        except ApplicationError as exc:
            _show(form, exc, {Purpose.SPECIAL_PLAN.value: "special_plan"})
        else:
            messages.success(request, _("Registered: %(criteria)s") % {"criteria": work.criteria})
            return redirect(work)
    return render(request, "supervision/dangerous/form.html", {
        "project": project, "tab": "quality", "part": "dangerous", "form": form, "work": None},
        status=400 if form.errors else 200)


def _show(form, exc: ApplicationError, renames: dict[str, str] | None = None) -> None:
    """The refusal on the form, a file check's field named as the form calls it."""
    extra = {(renames or {}).get(k, k): v for k, v in (exc.extra or {}).items()}
    form_add_application_error(form, ApplicationError(exc.message, extra, code=exc.code))
    if extra and not any(k in form.fields for k in extra):
        return
    if exc.message and not form.non_field_errors() and extra:
        form.add_error(None, exc.message)


@login_required
def dangerous_edit(request, pk: int):
    work = _get(request, pk)
    policy.require(request.user, "change", work)
    form = DangerousWorkForm(request.POST or None, contractors=_contractors(work.project), instance=work,
                             with_files=False)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.dangerous_work_update(actor=request.user, work=work, version=request.POST.get("version"),
                                           **form.cleaned_data)
        except ApplicationError as exc:
            _show(form, exc)
            status = exc.http_status
        else:
            messages.success(request, _("Saved."))
            return redirect(work)
    return render(request, "supervision/dangerous/form.html", {
        "project": work.project, "tab": "quality", "part": "dangerous", "form": form, "work": work},
        status=400 if form.errors and status == 200 else status)


@login_required
def dangerous_review(request, pk: int):
    work = _get(request, pk)
    policy.require(request.user, "change", work)
    if not work.large_scale:
        messages.error(request, _("Only a work beyond a certain scale has its plan reviewed by experts."))
        return redirect(work)
    form = ReviewForm(request.POST or None, request.FILES or None, initial={
        "version": work.version, "expert_review_on": work.expert_review_on,
        "expert_review_result": work.expert_review_result, "experts": work.experts})
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.dangerous_work_record_review(
                actor=request.user, work=work, reviewed_on=data["expert_review_on"],
                result=data["expert_review_result"], experts=data["experts"], files=data["files"],
                version=data.get("version"))
        except ApplicationError as exc:
            _show(form, exc)
            status = exc.http_status
        else:
            messages.success(request, _("The expert review is recorded."))
            return redirect(work)
    return render(request, "supervision/dangerous/review.html", {
        "project": work.project, "tab": "quality", "part": "dangerous", "form": form, "work": work},
        status=400 if form.errors and status == 200 else status)


@login_required
@require_POST
def dangerous_attach(request, pk: int):
    work = _get(request, pk)
    policy.require(request.user, "change", work)
    form = AttachForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            stored = services.dangerous_work_attach(actor=request.user, work=work, purpose=form.cleaned_data["purpose"],
                                                    files=form.cleaned_data["files"],
                                                    version=form.cleaned_data.get("version"))
        except ApplicationError as exc:
            messages.error(request, "；".join([exc.message, *[m for ms in exc.extra.values() for m in ms]]))
        else:
            messages.success(request, _("%(count)s file(s) filed.") % {"count": len(stored)})
    else:
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect(f"{work.get_absolute_url()}#documents")


@login_required
@require_POST
def dangerous_move(request, pk: int, move: str):
    if move not in DONE:
        raise Http404
    work = _get(request, pk)
    fsm.require_move_permission(work, move, request.user)
    form = MoveForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    try:
        services.dangerous_work_move(actor=request.user, work=work, name=move, version=data.get("version"),
                                     on=data.get("on"))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, str(DONE[move]))
    return redirect(work)
