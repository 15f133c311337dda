"""The approvals pages: the bureau board, the applicant's cases, a case with its documents and moves, the
department queue and its decisions, statistics and the catalogue. Access goes through `portal.core.policy`;
every write is one service call whose ApplicationError is shown on the form or as a message."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.accounts.models import Role
from portal.core import policy, workdays
from portal.core.errors import ApplicationError
from portal.core.forms import ReasonForm, form_add_application_error
from portal.core.fsm import require_move_permission
from portal.core.uploads import file_response
from portal.core.views import form_submit, move_buttons, paginate
from projects.selectors import project_list

from . import catalogue as catalogue_services
from . import selectors, services
from .forms import (
    QUEUE_FILTERS,
    ApplicationForm,
    CaseCreateForm,
    CaseFilterForm,
    CatalogueItemForm,
    CommitmentForm,
    CorrectionForm,
    DocumentUploadForm,
    JointReviewForm,
    MinutesForm,
    RequiredDocumentForm,
    ReviewDecisionForm,
    SubmitForm,
)
from .models import (
    ACCEPTED_STATES,
    APPROVED_REVIEW_STATES,
    NATIONAL_TARGET_WORKDAYS,
    RUNNING_REVIEW_STATES,
    ApprovalCase,
    ApprovalStage,
    CaseDocument,
    CaseState,
    CatalogueItem,
    ItemReview,
    JointReview,
    ReviewState,
    stage_documents,
)
from .rows import case_rows, review_rows

CITY_TARGET_WORKDAYS = 90  # the aim of the cities (DOMAIN.md), below the national 120
DECIDED_REVIEW_STATES = (*APPROVED_REVIEW_STATES, ReviewState.REJECTED)


def _calendar_note() -> dict:
    first, last = workdays.calendar_years()
    return {"calendar_first": first, "calendar_last": last}


# ------------------------------------------------------------------------------------------------ case lists
@login_required
def case_board(request):
    if not request.user.has_perm("approvals.view_approvalcase"):
        raise PermissionDenied
    form = CaseFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    cases = selectors.case_list(user=request.user, search=data.get("q", ""), state=data.get("state", ""),
                                stage=data.get("stage", ""))
    page = paginate(request, cases)
    return render(request, "approvals/case_list.html", {
        "form": form, "page": page, "rows": case_rows(page, timezone.localdate()), **_calendar_note(),
    })


@login_required
def my_cases(request):
    if not request.user.has_role(Role.CONTRACTOR):
        raise PermissionDenied
    page = paginate(request, selectors.case_list(user=request.user, mine=True))
    return render(request, "approvals/my_cases.html", {
        "page": page, "rows": case_rows(page, timezone.localdate()),
        "may_apply": request.user.has_perm("approvals.add_approvalcase"), **_calendar_note(),
    })


@login_required
def case_create(request):
    if not (request.user.has_role(Role.CONTRACTOR) and request.user.has_perm("approvals.add_approvalcase")):
        raise PermissionDenied
    form = CaseCreateForm(request.POST or None, projects=project_list(user=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_create(actor=request.user, project=form.cleaned_data["project"],
                                        stage=form.cleaned_data["stage"], form_data=form.form_data())
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("Application %(number)s created. Upload the documents, then submit.") % {
                "number": case.number})
            return redirect(case)
    return render(request, "approvals/case_form.html", {"form": form}, status=400 if form.errors else 200)


# ------------------------------------------------------------------------------------------------ one case
def _get_case(request, pk: int) -> ApprovalCase:
    return policy.get_or_404(
        request.user, ApprovalCase.objects.select_related("project", "applicant", "created_by", "decided_by"), pk=pk)


@dataclass(frozen=True)
class CaseMove:
    """How the page takes a move of the case's workflow: its input form (None: a plain button), the service
    call, and what to say when it succeeded. Who may take it, and when, is the workflow's (ApprovalCase.
    workflow): the page offers `services.case_moves`, the service refuses the rest with the same reason."""

    form: Callable[..., forms.Form] | None
    run: Callable[[Any, ApprovalCase, forms.Form | None], Any]
    done: str
    # When the form page is needed (None: always, if there is a form); otherwise the button posts at once.
    form_needed: Callable[[ApprovalCase], bool] | None = None


def _commitment_form(case, data=None) -> CommitmentForm:
    return CommitmentForm(data, missing=services.missing_documents(case), today=timezone.localdate())


def _correction_form(case, data=None) -> CorrectionForm:
    """一次性告知: the notice starts from what the portal knows is missing, one document a line."""
    return CorrectionForm(data, initial={"items": "\n".join(d.name for d in services.missing_documents(case))})


def _submit_form(case, data=None) -> SubmitForm:
    return SubmitForm(data, gaps=services.submission_gaps(case))


def _reason_form(case, data=None) -> ReasonForm:
    return ReasonForm(data)


def _submit(user, case, form):
    return services.case_submit(actor=user, case=case, missing_confirmed=form.confirmed())


def _accept(user, case, form):
    return services.case_accept(actor=user, case=case)


def _accept_with_deficiency(user, case, form):
    return services.case_accept_with_deficiency(actor=user, case=case, commitments=form.commitments())


def _request_correction(user, case, form):
    return services.case_request_correction(actor=user, case=case, items=form.cleaned_data["items"],
                                            message=form.cleaned_data["message"])


def _reject(user, case, form):
    return services.case_reject(actor=user, case=case, reason=form.cleaned_data["reason"])


def _halt(user, case, form):
    return services.case_revoke_deficiency(actor=user, case=case, reason=form.cleaned_data["reason"])


CASE_MOVES: dict[str, CaseMove] = {
    "submit": CaseMove(_submit_form, _submit, gettext_lazy("Submitted to the bureau service window."),
                       form_needed=lambda case: services.submission_gaps(case).needs_confirmation),
    "accept": CaseMove(None, _accept, gettext_lazy("Accepted: every item went to its department.")),
    "accept_with_deficiency": CaseMove(_commitment_form, _accept_with_deficiency,
                                       gettext_lazy("Accepted with deficiency: the commitments are recorded.")),
    "request_correction": CaseMove(_correction_form, _request_correction,
                                   gettext_lazy("The correction notice was sent.")),
    "reject": CaseMove(_reason_form, _reject, gettext_lazy("The application was rejected.")),
    "halt": CaseMove(_reason_form, _halt,
                     gettext_lazy("The deficiency acceptance was revoked; the case is halted.")),
}


def _form_needed(move: str, case: ApprovalCase) -> bool:
    spec = CASE_MOVES.get(move)
    return bool(spec and spec.form and (spec.form_needed is None or spec.form_needed(case)))


def _document_rows(case: ApprovalCase, may_upload: bool, bound_upload) -> tuple[list, list]:
    """[(required document, its versions newest first, an upload form or None, why it is locked or "")], and
    the uploads that answer no required document. A locked document (services.upload_locks) has no form."""
    versions = defaultdict(list)
    for doc in case.documents.select_related("uploaded_by"):  # ordered by document, newest version first
        versions[doc.required_document_id].append(doc)
    upload_id, upload_form = bound_upload or (None, None)
    required_documents = list(stage_documents(case.stage))
    locks = services.upload_locks(case, required_documents) if may_upload else {}
    rows = []
    for required in required_documents:
        form, locked = None, locks.get(required.pk, "")
        if may_upload and not locked:
            form = upload_form if required.pk == upload_id else DocumentUploadForm(auto_id=f"id_doc{required.pk}_%s")
        rows.append((required, versions.get(required.pk, []), form, locked))
    return rows, versions.get(None, [])


def _case_context(request, case: ApprovalCase, **bound) -> dict:
    """Everything the case page shows. `bound` carries a submitted form that failed, to show its errors:
    application_form, upload=(required_document_id, form), joint_form, minutes=(sitting_id, form)."""
    user, today = request.user, timezone.localdate()
    may_edit = policy.can(user, "edit", case)
    may_schedule = policy.can(user, "schedule_joint_review", case)
    may_upload = may_edit and case.state in services.UPLOAD_STATES
    documents, other_documents = _document_rows(case, may_upload, bound.get("upload"))
    sittings = list(case.joint_reviews.select_related("organizer").prefetch_related("attendees__organization"))
    minutes_id, minutes_form = bound.get("minutes", (None, None))
    case_moves = services.case_moves(user, case)
    # The applicant about to submit sees what is missing (also while the form still blocks the button).
    gaps = services.submission_gaps(case) if any(m.name == "submit" for m in case_moves) else None
    moves = move_buttons(case_moves,
                         lambda name: reverse("approvals:case-move", args=[case.pk, name]) if name in CASE_MOVES
                         else None, with_form=[m.name for m in case_moves if _form_needed(m.name, case)])
    form_editable = may_edit and case.state in (CaseState.DRAFT, CaseState.CORRECTION_REQUESTED)
    return {
        "case": case, "moves": moves, "submission_gaps": gaps if gaps and gaps.missing else None,
        "upload_column": may_upload,
        "form_fields": [(ApplicationForm.base_fields[k].label, case.form_data.get(k)) for k in ApplicationForm.FIELDS],
        "application_form": bound.get("application_form") or (
            ApplicationForm(initial=ApplicationForm.initial_for(case)) if form_editable else None),
        "documents": documents, "other_documents": other_documents,
        "notices": case.correction_notices.select_related("sent_by"),
        "commitments": [(c, c.is_overdue(today)) for c in case.commitments.select_related("required_document")],
        "reviews": review_rows(case.reviews.select_related("item", "department", "reviewer").order_by(
            "item__order", "id"), today),
        "viewable_reviews": set(policy.visible(user, case.reviews.all()).values_list("pk", flat=True)),
        "sittings": [(s, (minutes_form if s.pk == minutes_id else MinutesForm(auto_id=f"id_minutes{s.pk}_%s"))
                      if may_schedule else None) for s in sittings],
        "joint_form": bound.get("joint_form") or (JointReviewForm(case=case) if may_schedule
                                                  and case.state in ACCEPTED_STATES else None),
        "correction_deadline": case.correction_deadline() if case.state == CaseState.SUBMITTED else None,
        "deadline_passed": case.correction_deadline_passed(), **_calendar_note(),
    }


@login_required
def case_detail(request, pk: int):
    case = _get_case(request, pk)
    return render(request, "approvals/case_detail.html", _case_context(request, case))


@login_required
@require_POST
def case_update_form(request, pk: int):
    case = _get_case(request, pk)
    policy.require(request.user, "edit", case)
    form = ApplicationForm(request.POST)
    if form.is_valid():
        try:
            services.case_update_form(actor=request.user, case=case, form_data=form.form_data())
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The application form was saved."))
            return redirect(case)
    return render(request, "approvals/case_detail.html", _case_context(request, case, application_form=form),
                  status=400)


@login_required
@require_POST
def document_upload(request, pk: int, document_pk: int):
    case = _get_case(request, pk)
    policy.require(request.user, "edit", case)
    required = get_object_or_404(stage_documents(case.stage), pk=document_pk)
    form = DocumentUploadForm(request.POST, request.FILES, auto_id=f"id_doc{required.pk}_%s")
    if form.is_valid():
        try:
            doc = services.document_upload(actor=request.user, case=case, required_document=required,
                                           upload=form.cleaned_data["file"])
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("“%(doc)s” uploaded as version %(version)s.") % {
                "doc": required.name, "version": doc.version})
            return redirect(f"{case.get_absolute_url()}#documents")
    return render(request, "approvals/case_detail.html",
                  _case_context(request, case, upload=(required.pk, form)), status=400)


@login_required
def document_download(request, pk: int):
    doc = CaseDocument.objects.filter(pk=pk).first()
    policy.get_or_404(request.user, ApprovalCase, pk=doc.case_id if doc else 0)
    return file_response(doc.file, doc.original_name, doc.content_type)


@login_required
def permit_download(request, pk: int):
    case = _get_case(request, pk)
    if not case.permit_pdf:
        raise Http404("No permit yet.")
    return file_response(case.permit_pdf, f"{case.permit_number}.pdf", "application/pdf")


@login_required
def case_move(request, pk: int, move: str):
    """One move of the case: a plain button posts here directly; a move that needs input shows its form."""
    if move not in CASE_MOVES:
        raise Http404
    case = _get_case(request, pk)
    spec = CASE_MOVES[move]
    require_move_permission(case, move, request.user)
    transition = case.workflow.transitions[move]
    if request.method != "POST" and (refusal := case.workflow.refusal(case, move, request.user)):
        messages.error(request, refusal.message)  # a disabled button's link: say why, as the button does
        return redirect(case)
    form = spec.form(case, request.POST if request.method == "POST" else None) if spec.form else None
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            spec.run(request.user, case, form)
        except ApplicationError as exc:
            if form is None:
                messages.error(request, exc.message)
                return redirect(case)
            form_add_application_error(form, exc)
        else:
            messages.success(request, str(spec.done))
            return redirect(case)
    if form is None:
        return redirect(case)
    return render(request, "approvals/case_move.html", {"case": case, "form": form, "transition": transition,
                                                         "move": move}, status=400 if form.errors else 200)


@login_required
@require_POST
def joint_review_schedule(request, pk: int):
    case = _get_case(request, pk)
    policy.require(request.user, "schedule_joint_review", case)
    form = JointReviewForm(request.POST, case=case)
    if form.is_valid():
        try:
            services.joint_review_schedule(actor=request.user, case=case, **form.cleaned_data)
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The joint review was scheduled and the attendees were notified."))
            return redirect(f"{case.get_absolute_url()}#joint-reviews")
    return render(request, "approvals/case_detail.html", _case_context(request, case, joint_form=form), status=400)


@login_required
@require_POST
def joint_review_minutes(request, pk: int):
    sitting = JointReview.objects.filter(pk=pk).first()
    case = _get_case(request, sitting.case_id if sitting else 0)
    policy.require(request.user, "schedule_joint_review", case)
    form = MinutesForm(request.POST, auto_id=f"id_minutes{sitting.pk}_%s")
    if form.is_valid():
        try:
            services.joint_review_record(actor=request.user, sitting=sitting, minutes=form.cleaned_data["minutes"])
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The minutes were recorded."))
            return redirect(f"{case.get_absolute_url()}#joint-reviews")
    return render(request, "approvals/case_detail.html", _case_context(request, case, minutes=(sitting.pk, form)),
                  status=400)


# --------------------------------------------------------------------------------------- department review
@login_required
def review_queue(request):
    if not request.user.has_role(Role.DEPARTMENT_REVIEWER):
        raise PermissionDenied
    shown = request.GET.get("show") if request.GET.get("show") in dict(QUEUE_FILTERS) else "open"
    reviews = selectors.review_queue(user=request.user, state="open" if shown == "open" else "")
    if shown == "decided":
        reviews = reviews.filter(state__in=DECIDED_REVIEW_STATES).order_by("-decided_at", "-id")
    elif shown == "all":  # the running clocks first, most urgent on top; then the rest
        reviews = reviews.order_by(Case(When(state__in=RUNNING_REVIEW_STATES, then=Value(0)), default=Value(1),
                                        output_field=IntegerField()), "due_on", "id")
    page = paginate(request, reviews)
    return render(request, "approvals/review_queue.html", {
        "page": page, "rows": review_rows(page, timezone.localdate()), "filters": QUEUE_FILTERS, "shown": shown,
        **_calendar_note(),
    })


def _get_review(request, pk: int) -> ItemReview:
    return policy.get_or_404(request.user, ItemReview.objects.select_related(
        "case__project", "case__applicant", "item", "department", "reviewer"), pk=pk)


REVIEW_MOVE_URLS = {"start": "approvals:review-start", "resume": "approvals:review-resume"}


def _decision_form(review: ItemReview, data=None, decisions=services.DECISIONS) -> ReviewDecisionForm:
    labels = {name: t.label for name, t in review.workflow.transitions.items()}
    return ReviewDecisionForm(data, labels=labels, decisions=decisions)


def _review_context(request, review: ItemReview, decision_form: ReviewDecisionForm | None = None) -> dict:
    today = timezone.localdate()
    moves = services.review_moves(request.user, review)
    decisions = [m for m in moves if m.name in services.DECISIONS]
    enabled = [m.name for m in decisions if m.enabled]
    current = {d.required_document_id: d for d in review.case.documents.filter(superseded=False).select_related(
        "required_document")}
    required = [d for d in review.item.documents.all() if d.is_active]
    return {
        "review": review, "case": review.case, "light": review.light(today), "left": review.workdays_left(today),
        "elapsed": review.elapsed_workdays(today),
        "decided_late": review.decided_on is not None and review.decided_on > review.due_on,
        "item_documents": [(d, current.pop(d.pk, None)) for d in required],
        "other_documents": list(current.values()),
        "siblings": review_rows(review.case.reviews.exclude(pk=review.pk).select_related(
            "item", "department").order_by("item__order", "id"), today),
        "moves": move_buttons(moves, lambda name: reverse(REVIEW_MOVE_URLS[name], args=[review.pk])
                              if name in REVIEW_MOVE_URLS else None),
        "decision_form": decision_form or (_decision_form(review, decisions=enabled) if enabled else None),
        # decisions the reviewer holds but may not take now (e.g. the case is halted): the reason instead
        "decision_refused": next((m.reason for m in decisions if not m.enabled), "") if not enabled else "",
        **_calendar_note(),
    }


@login_required
def review_detail(request, pk: int):
    review = _get_review(request, pk)
    return render(request, "approvals/review_detail.html", _review_context(request, review))


@login_required
@require_POST
def review_decide(request, pk: int):
    review = _get_review(request, pk)
    policy.require(request.user, "decide", review)
    form = _decision_form(review, request.POST)
    if form.is_valid():
        try:
            review = services.review_decide(actor=request.user, review=review, **form.cleaned_data)
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("Decision recorded: %(state)s.") % {"state": review.get_state_display()})
            return redirect(review)
    return render(request, "approvals/review_detail.html", _review_context(request, review, form), status=400)


@login_required
@require_POST
def review_start(request, pk: int):
    review = _get_review(request, pk)
    require_move_permission(review, "start", request.user)
    _run_review_move(request, lambda: services.review_start(actor=request.user, review=review),
                     _("You are now reviewing this item."))
    return redirect(review)


@login_required
@require_POST
def review_resume(request, pk: int):
    review = _get_review(request, pk)
    require_move_permission(review, "resume", request.user)
    _run_review_move(request, lambda: services.review_resume(actor=request.user, review=review),
                     _("The department was told the correction is done; its clock runs again."))
    return redirect(review)


def _run_review_move(request, run: Callable[[], Any], done: str) -> None:
    try:
        run()
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)


# ------------------------------------------------------------------------------------ statistics, catalogue
@login_required
def statistics(request):
    if not request.user.has_perm("approvals.view_approvalcase"):
        raise PermissionDenied
    return render(request, "approvals/statistics.html", {
        "stage_rows": selectors.stage_department_statistics(user=request.user),
        "projects": selectors.project_elapsed(user=request.user, today=timezone.localdate()),
        "national_target": NATIONAL_TARGET_WORKDAYS, "city_target": CITY_TARGET_WORKDAYS, **_calendar_note(),
    })


@login_required
def catalogue(request):
    items = selectors.catalogue().order_by("stage", "order", "code")  # the annotated query has no default order
    by_stage = defaultdict(list)
    for item in items:
        by_stage[item.stage].append(item)
    return render(request, "approvals/catalogue.html", {
        "stages": [(stage, by_stage.get(stage.value, [])) for stage in ApprovalStage],
        "may_change": request.user.has_perm("approvals.change_catalogueitem"),
        "may_add_document": request.user.has_perm("approvals.add_requireddocument"), **_calendar_note(),
    })


@login_required
def catalogue_item_edit(request, pk: int):
    if not request.user.has_perm("approvals.change_catalogueitem"):
        raise PermissionDenied
    item = get_object_or_404(CatalogueItem.objects.select_related("department"), pk=pk)
    return form_submit(
        request, CatalogueItemForm(request.POST or None, instance=CatalogueItem.objects.get(pk=pk)),
        lambda data: catalogue_services.catalogue_item_update(
            actor=request.user, item=item, **{k: data[k] for k in CatalogueItemForm.Meta.fields}),
        success=_("Saved."), redirect_to=f"{_catalogue_url()}#item-{item.pk}",
        template="approvals/catalogue_form.html", context={"item": item, "title": _("Edit approval item")},
    )


@login_required
def required_document_add(request, pk: int):
    if not request.user.has_perm("approvals.add_requireddocument"):
        raise PermissionDenied
    item = get_object_or_404(CatalogueItem.objects.select_related("department"), pk=pk)
    return form_submit(
        request, RequiredDocumentForm(request.POST or None),
        lambda data: catalogue_services.required_document_add(actor=request.user, item=item, **data),
        success=_("The document is now required."), redirect_to=f"{_catalogue_url()}#item-{item.pk}",
        template="approvals/catalogue_form.html", context={"item": item, "title": _("Add a required document")},
    )


def _catalogue_url() -> str:
    return reverse("approvals:catalogue")
