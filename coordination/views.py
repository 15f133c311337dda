"""The issue-list pages (问题清单): the bureau's board, a department's queue, a company's issues, a project's tab,
raising an issue, and one issue with its timeline, attachments and moves. Access goes through
`portal.core.policy`; reads through `selectors`; every write is one service call whose ApplicationError is shown
on the form or as a message, with nothing changed."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts.models import Role
from portal.core import fsm, policy, workdays
from portal.core.errors import ApplicationError, ErrorCode
from portal.core.forms import form_add_application_error
from portal.core.uploads import file_response
from portal.core.views import move_buttons
from projects.selectors import project_for, project_list

from . import exports, selectors, services
from .forms import (
    AssignForm,
    AttachmentForm,
    ConfirmForm,
    DeclineForm,
    IssueFilterForm,
    IssueRaiseForm,
    ReopenForm,
    RescheduleForm,
    ResolveForm,
)
from .models import IssueAttachment, IssueItem, IssueSource

LIST_PAGE_SIZE = 50


def _calendar_note() -> dict:
    first, last = workdays.calendar_years()
    return {"calendar_first": first, "calendar_last": last}


def _list_page(request, issues, template: str, context: dict):
    page = selectors.IssuePaginator(issues, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.issue_rows(page.object_list)
    return render(request, template, {"page": page, "rows": rows, "rows_key": selectors.rows_key(rows),
                                      **_calendar_note(), **context})


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# ----------------------------------------------------------------------------------------------------- lists
def _board_filtered(request):
    form = IssueFilterForm(request.GET or None)
    filters = form.filters()
    if filters["project"]:  # ?project=<id> (the project tab's link): the box shows the project's name
        name = project_list(user=request.user).filter(pk=filters["project"]).values_list("name", flat=True).first()
        if name:
            form.data = form.data.copy()
            form.data["project"] = name
    return form, selectors.issue_list(user=request.user, **filters)


@login_required
def board(request):
    """Anyone may open the board; it lists only the issues the user may see."""
    form, issues = _board_filtered(request)
    return _list_page(request, issues, "coordination/board.html", {
        "form": form, "query": _query_without_page(request), "may_raise": selectors.may_raise(request.user),
        "export_max": exports.EXPORT_MAX_ROWS})


@login_required
def board_export(request):
    form, issues = _board_filtered(request)
    return exports.xlsx_response(exports.issues_xlsx(issues, title=_("Issue list")), "issues")


def _queue_tab(request) -> str:
    tab = request.GET.get("tab", "open")
    return tab if tab in selectors.QUEUE_TABS else "open"


def _require_reviewer(request) -> None:
    """The queue is a department reviewer's: anyone else is refused (403); the bureau has the board."""
    if not (request.user.has_role(Role.DEPARTMENT_REVIEWER) and request.user.organization_id):
        raise PermissionDenied


@login_required
def queue(request):
    _require_reviewer(request)
    tab = _queue_tab(request)
    return _list_page(request, selectors.issue_queue(user=request.user, tab=tab), "coordination/queue.html",
                      {"tab": tab})


@login_required
def queue_export(request):
    _require_reviewer(request)
    issues = selectors.issue_queue(user=request.user, tab=_queue_tab(request))
    return exports.xlsx_response(exports.issues_xlsx(issues, title=_("Department queue")), "issue-queue")


MINE_TABS = ("open", "solved", "")


def _mine_tab(request) -> str:
    tab = request.GET.get("state", "open")
    return tab if tab in MINE_TABS else "open"


@login_required
def my_issues(request):
    tab = _mine_tab(request)
    return _list_page(request, selectors.my_issues(user=request.user, state=tab), "coordination/my_issues.html",
                      {"tab": tab, "may_raise": selectors.may_raise(request.user)})


@login_required
def my_issues_export(request):
    issues = selectors.my_issues(user=request.user, state=_mine_tab(request))
    return exports.xlsx_response(exports.issues_xlsx(issues, title=_("My issues")), "my-issues")


@login_required
def project_issues(request, pk: int):
    project = project_for(request.user, pk, related=("owner", "liaison_officer"))
    may_raise = (selectors.may_raise(request.user) and project.voided_at is None
                 and selectors.raisable_projects(user=request.user).filter(pk=project.pk).exists())
    return _list_page(request, selectors.project_issues(user=request.user, project=project),
                      "coordination/project_issues.html", {
                          "project": project, "tab": "issues", "may_raise": may_raise,
                          "counts": selectors.project_issue_counts(user=request.user, project=project)})


# ------------------------------------------------------------------------------------------------- raising
@login_required
def issue_create(request):
    user = request.user
    if not selectors.may_raise(user):
        raise PermissionDenied
    projects = selectors.raisable_projects(user=user)
    company_raiser = user.has_role(Role.CONTRACTOR) and not user.has_perm("coordination.dispatch_issueitem")
    chosen = _chosen_project(request, projects)
    companies = services.companies_for(chosen) if chosen is not None else None
    initial: dict[str, Any] = {"project": chosen.pk} if chosen is not None else {}
    if user.has_role(Role.INSPECTOR) and not user.has_role(Role.LIAISON_OFFICER):
        initial["source"] = IssueSource.INSPECTION
    form = IssueRaiseForm(request.POST or None, request.FILES or None, projects=projects, companies=companies,
                          company_raiser=company_raiser, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            issue = services.issue_raise(
                actor=user, project=data["project"], title=data["title"], description=data["description"],
                category=data["category"], source=data.get("source") or None, company=data.get("company"),
                department=data.get("department"), attachments=data.get("attachments") or [])
        except ApplicationError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("Issue %(number)s was raised; the bureau service window signs for it "
                                        "within 2 working hours.") % {"number": issue.number})
            return redirect(issue)
    # A raiser for a company chooses the project first: its companies are the choices.
    choose_first = not company_raiser and chosen is None
    return render(request, "coordination/issue_form.html", {
        "form": form, "choose_first": choose_first, "chosen": chosen, "company_raiser": company_raiser,
    }, status=400 if form.errors else 200)


def _chosen_project(request, projects):
    raw = request.POST.get("project") or request.GET.get("project")
    if not raw or not str(raw).isdigit():
        return None
    return projects.filter(pk=int(raw)).first()


def _add_error(form: forms.Form, exc: ApplicationError) -> None:
    """The service's refusal on the form; an upload's refusal names the file field the form calls
    `attachments`."""
    if "file" in (exc.extra or {}) and "file" not in form.fields and "attachments" in form.fields:
        exc = ApplicationError(exc.message, {"attachments": exc.extra["file"]}, code=exc.code)
    form_add_application_error(form, exc)
    if exc.message and exc.extra and not form.non_field_errors():
        form.add_error(None, exc.message)


# ------------------------------------------------------------------------------------------------ one issue
def _get_issue(request, pk: int) -> IssueItem:
    return selectors.issue_detail(user=request.user, pk=pk)


@dataclass(frozen=True)
class IssueMove:
    """How the page takes a move of the issue's workflow: its input form (None: a plain button), the service
    call, and what to say when it succeeded. Who may take it, and when, is the workflow's
    (IssueItem.workflow): the page offers `services.issue_moves`, the service refuses the rest."""

    form: type[forms.Form] | None
    run: Callable[[Any, IssueItem, dict], Any]
    done: Any


def _version(data: dict) -> Any:
    return data.get("version")


ISSUE_MOVES: dict[str, IssueMove] = {
    "accept": IssueMove(None, lambda u, i, d: services.issue_accept(actor=u, issue=i),
                        gettext_lazy("Signed for.")),
    "assign": IssueMove(AssignForm, lambda u, i, d: services.issue_assign(
        actor=u, issue=i, department=d["department"], note=d.get("note", ""), version=_version(d)),
        gettext_lazy("Assigned: the department's reviewers were told.")),
    "decline": IssueMove(DeclineForm, lambda u, i, d: services.issue_decline(actor=u, issue=i, reason=d["reason"]),
                         gettext_lazy("Returned to the bureau service window.")),
    "start": IssueMove(None, lambda u, i, d: services.issue_start(actor=u, issue=i),
                       gettext_lazy("Work started: the company was told.")),
    "resolve": IssueMove(ResolveForm, lambda u, i, d: services.issue_resolve(
        actor=u, issue=i, answer=d["answer"], version=_version(d)),
        gettext_lazy("Answered: the company is asked to confirm.")),
    "confirm": IssueMove(ConfirmForm, lambda u, i, d: services.issue_verify(
        actor=u, issue=i, satisfied=True, comment=d.get("comment", "")),
        gettext_lazy("Confirmed as solved. Thank you.")),
    "reopen": IssueMove(ReopenForm, lambda u, i, d: services.issue_verify(
        actor=u, issue=i, satisfied=False, comment=d["comment"]),
        gettext_lazy("Sent back to the department with your reason.")),
    "close": IssueMove(None, lambda u, i, d: services.issue_close(actor=u, issue=i), gettext_lazy("Closed.")),
}


def _page_refusal(issue: IssueItem, move: str, user) -> str:
    """Why `user` may not take `move` now ("" when they may): the workflow's own answer."""
    refusal = fsm.workflow_of(issue).refusal(issue, move, user)
    return refusal.message if refusal else ""


def _issue_context(request, issue: IssueItem, **bound) -> dict:
    user, today = request.user, timezone.localdate()
    offered = services.issue_moves(user, issue)
    may_attach = services.may_attach(user, issue)
    decision = _decision_of(issue)
    row = selectors.issue_rows([issue], today)[0]
    return {
        "issue": issue, "row": row, "light": row.light, "left": row.left, "holder": row.holder,
        "moves": move_buttons(offered, lambda name: reverse("coordination:issue-move", args=[issue.pk, name])
                              if name in ISSUE_MOVES else None,
                              with_form=[m.name for m in offered if ISSUE_MOVES.get(m.name)
                                         and ISSUE_MOVES[m.name].form]),
        "timeline": selectors.issue_timeline(issue),
        "ratings": issue.ratings.select_related("rated_by", "department"),
        "attachments": issue.attachments.select_related("uploaded_by"),
        "attachment_form": bound.get("attachment_form") or (AttachmentForm() if may_attach else None),
        "may_reschedule": services.may_reschedule(user, issue),
        "decision": decision, "meeting_visible": decision is not None and policy.can(user, "view", decision.meeting),
        **_calendar_note(),
    }


def _decision_of(issue: IssueItem):
    """The meeting decision the issue came from, with its meeting, or None."""
    from .models import MeetingDecision

    return MeetingDecision.objects.filter(issue_id=issue.pk).select_related("meeting").first()


@login_required
def issue_detail(request, pk: int):
    issue = _get_issue(request, pk)
    return render(request, "coordination/issue_detail.html", _issue_context(request, issue))


@login_required
def issue_move(request, pk: int, move: str):
    """One move of the issue: a plain button posts here directly; a move that needs input shows its form (GET)
    and takes it (POST). A refusal is shown and changes nothing; a lost race says someone else acted first."""
    if move not in ISSUE_MOVES:
        raise Http404
    issue = _get_issue(request, pk)
    spec = ISSUE_MOVES[move]
    fsm.require_move_permission(issue, move, request.user)
    transition = issue.workflow.transitions[move]
    if request.method != "POST" and (reason := _page_refusal(issue, move, request.user)):
        messages.error(request, reason)
        return redirect(issue)
    form = None
    if spec.form is not None:
        initial = {"version": issue.version, "department": issue.department_id}
        form = spec.form(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            spec.run(request.user, issue, form.cleaned_data if form is not None else {})
        except ApplicationError as exc:
            message = _stale_words(exc)
            if form is None:
                messages.error(request, message)
                return redirect(issue)
            form_add_application_error(form, exc)
            if exc.code in (ErrorCode.STALE, ErrorCode.INVALID_TRANSITION):
                form.add_error(None, message)
            status = exc.http_status
        else:
            messages.success(request, str(spec.done))
            return redirect(issue)
    if form is None:
        return redirect(issue)
    if form.errors and status == 200:
        status = 400
    return render(request, "coordination/issue_move.html", {
        "issue": issue, "form": form, "transition": transition, "move": move}, status=status)


def _stale_words(exc: ApplicationError) -> str:
    """A lost race in words: someone else acted first (the state moved, or the version changed)."""
    if exc.code == ErrorCode.INVALID_TRANSITION:
        return _("Someone else acted on this issue first: %(why)s") % {"why": exc.message}
    return exc.message


@login_required
def issue_reschedule(request, pk: int):
    issue = _get_issue(request, pk)
    policy.require(request.user, "dispatch", issue)
    form = RescheduleForm(request.POST or None, initial={"version": issue.version, "due_on": issue.due_on})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.issue_reschedule(actor=request.user, issue=issue, due_on=form.cleaned_data["due_on"],
                                      reason=form.cleaned_data["reason"], version=form.cleaned_data.get("version"))
        except ApplicationError as exc:
            form_add_application_error(form, exc)
            status = exc.http_status
        else:
            messages.success(request, _("The deadline was changed; the department and the company were told."))
            return redirect(issue)
    if form.errors and status == 200:
        status = 400
    return render(request, "coordination/issue_reschedule.html", {"issue": issue, "form": form, **_calendar_note()},
                  status=status)


# ----------------------------------------------------------------------------------------------- attachments
@login_required
def attachment_download(request, pk: int):
    att = IssueAttachment.objects.filter(pk=pk).first()
    policy.get_or_404(request.user, IssueItem, pk=att.issue_id if att else 0)
    assert att is not None  # get_or_404 answered 404 otherwise
    return file_response(att.file, att.original_name, att.content_type)


@login_required
def attachment_add(request, pk: int):
    issue = _get_issue(request, pk)
    if not services.may_attach(request.user, issue):
        raise PermissionDenied
    if request.method != "POST":
        return redirect(f"{issue.get_absolute_url()}#attachments")
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            att = services.attachment_add(actor=request.user, issue=issue, upload=form.cleaned_data["file"])
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("“%(name)s” was attached.") % {"name": att.original_name})
            return redirect(f"{issue.get_absolute_url()}#attachments")
    return render(request, "coordination/issue_detail.html", _issue_context(request, issue, attachment_form=form),
                  status=400)
