"""Parallel approval (并联审批) of a project's permits, stage by stage, on a working-day clock."""

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core import deadlines, workdays
from portal.core.errors import ErrorCode
from portal.core.fsm import Refusal, Transition, Workflow
from portal.core.models import TimeStampedModel, VoidableModel

AMBER_WORKDAYS = 2  # amber when this many working days or fewer are left
LEADER_AFTER_WORKDAYS = 2  # overdue by this many more working days → a leader is notified
CORRECTION_NOTICE_WORKDAYS = 5  # 行政许可法 art. 32: the one correction notice within 5 working days
NATIONAL_TARGET_WORKDAYS = 120  # 国办发〔2018〕33号: first stage to last


class ApprovalStage(models.TextChoices):
    LAND_USE_PLANNING = "land_use_planning", _("Project approval and land-use planning permit")
    ENGINEERING_PLANNING = "engineering_planning", _("Construction engineering planning permit")
    CONSTRUCTION_PERMIT = "construction_permit", _("Construction permit")
    COMPLETION_ACCEPTANCE = "completion_acceptance", _("Completion acceptance")


class CatalogueItem(TimeStampedModel):
    """One approval matter (事项) of a stage, owned by one department, with its statutory time limit."""

    stage = models.CharField(_("stage"), max_length=30, choices=ApprovalStage.choices, db_index=True)
    code = models.CharField(_("item code"), max_length=20, unique=True)
    name = models.CharField(_("item"), max_length=100)
    department = models.ForeignKey(
        "accounts.Organization", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"kind": "department"},
    )
    time_limit_days = models.PositiveSmallIntegerField(_("time limit (working days)"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["stage", "order", "code"]
        verbose_name = _("approval item")
        verbose_name_plural = _("approval items")
        constraints = [models.CheckConstraint(condition=models.Q(time_limit_days__gt=0), name="item_limit_positive")]

    def __str__(self) -> str:
        return self.name


class RequiredDocument(TimeStampedModel):
    item = models.ForeignKey(CatalogueItem, on_delete=models.PROTECT, related_name="documents")
    name = models.CharField(_("document"), max_length=100)
    is_core = models.BooleanField(_("core document"), default=True,
                                  help_text=_("Deficiency-tolerant acceptance needs every core document."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["item", "order", "id"]
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")

    def __str__(self) -> str:
        return self.name


class CaseState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CORRECTION_REQUESTED = "correction_requested", _("Correction requested")
    ACCEPTED = "accepted", _("Accepted")
    ACCEPTED_WITH_DEFICIENCY = "accepted_with_deficiency", _("Accepted with deficiency")
    REJECTED = "rejected", pgettext_lazy("case state", "Rejected")
    COMPLETED = "completed", _("Completed")
    HALTED = "halted", _("Halted")


OPEN_CASE_STATES = (CaseState.SUBMITTED, CaseState.CORRECTION_REQUESTED, CaseState.ACCEPTED,
                    CaseState.ACCEPTED_WITH_DEFICIENCY)
ACCEPTED_STATES = (CaseState.ACCEPTED, CaseState.ACCEPTED_WITH_DEFICIENCY)


# ------------------------------------------------------------------------------- the rules of the moves
# Each condition takes the object and returns None when the move may go ahead, else the reason (portal.core.fsm).
def stage_items(stage: str):
    return CatalogueItem.objects.filter(stage=stage, is_active=True).select_related("department")


def stage_documents(stage: str):
    return RequiredDocument.objects.filter(item__stage=stage, item__is_active=True, is_active=True).select_related(
        "item")


def _form_filled(case: "ApprovalCase") -> Refusal | None:
    if case.form_data:
        return None
    return Refusal(_("Fill in the application form before submitting."), fields={
        "form_data": [_("This field is required.")]})


def _correction_in_time(case: "ApprovalCase") -> Refusal | None:
    """一次性告知 only within 5 working days of submission (行政许可法 art. 32)."""
    if not case.correction_deadline_passed():
        return None
    return Refusal(
        _("The correction notice was due by %(deadline)s (5 working days after submission). The case counts "
          "as accepted from the day it was submitted; accept it.") % {"deadline": case.correction_deadline()},
        ErrorCode.DEADLINE_PASSED, {"items": [_("Too late for a correction notice.")]})


def _documents_in_or_deemed(case: "ApprovalCase") -> Refusal | None:
    """Accepting needs every document, unless no correction notice came in time (then it is deemed accepted)."""
    if case.correction_deadline_passed():
        return None
    missing = case.missing_documents()
    if not missing:
        return None
    return Refusal(
        _("Documents are missing: %(docs)s. Request a correction or accept with deficiency.") % {
            "docs": "、".join(d.name for d in missing)}, fields={"documents": [d.name for d in missing]})


def _applicant_honest(case: "ApprovalCase") -> Refusal | None:
    if not case.applicant.is_dishonest:
        return None
    return Refusal(
        _("%(org)s has a dishonesty record (%(standing)s) and may not use deficiency-tolerant acceptance.") % {
            "org": case.applicant.name, "standing": case.applicant.get_credit_standing_display()},
        "dishonest_applicant")


def _core_documents_in_and_something_missing(case: "ApprovalCase") -> Refusal | None:
    missing = case.missing_documents()
    core = [d for d in missing if d.is_core]
    if core:
        return Refusal(
            _("Core documents are missing: %(docs)s. Deficiency-tolerant acceptance needs every core "
              "document.") % {"docs": "、".join(d.name for d in core)}, fields={"documents": [d.name for d in core]})
    if not missing:
        return Refusal(_("Nothing is missing: accept the case normally."))
    return None


def _every_item_approved(case: "ApprovalCase") -> Refusal | None:
    states = list(case.reviews.values_list("state", flat=True))
    if states and all(s in APPROVED_REVIEW_STATES for s in states):
        return None
    return Refusal(_("Not every item is approved yet."))


def _every_commitment_fulfilled(case: "ApprovalCase") -> Refusal | None:
    if not case.commitments.filter(state=CommitmentState.OPEN).exists():
        return None
    return Refusal(_("A promised document is still outstanding."))


class ApprovalCase(VoidableModel):
    """One application (一张表单) for one stage of one project."""

    workflow = Workflow("state", [
        Transition("submit", [CaseState.DRAFT, CaseState.CORRECTION_REQUESTED], CaseState.SUBMITTED,
                   _("Submit"), permission="edit", conditions=[_form_filled], style="primary"),
        Transition("request_correction", [CaseState.SUBMITTED], CaseState.CORRECTION_REQUESTED,
                   _("Request correction (one notice)"), permission="accept", conditions=[_correction_in_time]),
        Transition("accept", [CaseState.SUBMITTED], CaseState.ACCEPTED, _("Accept"), permission="accept",
                   conditions=[_documents_in_or_deemed], style="primary"),
        Transition("accept_with_deficiency", [CaseState.SUBMITTED], CaseState.ACCEPTED_WITH_DEFICIENCY,
                   _("Accept with deficiency"), permission="accept",
                   conditions=[_applicant_honest, _core_documents_in_and_something_missing]),
        Transition("reject", [CaseState.SUBMITTED], CaseState.REJECTED, pgettext_lazy("case move", "Reject"),
                   permission="accept", style="danger"),
        # Taken by the system when the last item is approved and the last commitment fulfilled; no button.
        Transition("complete", list(ACCEPTED_STATES), CaseState.COMPLETED, _("Complete"), system=True,
                   conditions=[_every_item_approved, _every_commitment_fulfilled]),
        Transition("halt", [CaseState.ACCEPTED_WITH_DEFICIENCY], CaseState.HALTED,
                   _("Revoke the deficiency acceptance"), permission="accept", style="danger"),
    ])

    number = models.CharField(_("case number"), max_length=20, unique=True)
    project = models.ForeignKey("projects.Project", verbose_name=_("project"), on_delete=models.PROTECT,
                                related_name="approval_cases")
    stage = models.CharField(_("stage"), max_length=30, choices=ApprovalStage.choices)
    applicant = models.ForeignKey("accounts.Organization", verbose_name=_("applicant"), on_delete=models.PROTECT,
                                  related_name="approval_cases")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=30, choices=CaseState.choices, default=CaseState.DRAFT,
                             db_index=True)
    form_data = models.JSONField(_("application form"), default=dict, blank=True)
    first_submitted_at = models.DateTimeField(_("first submitted"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    deemed_accepted = models.BooleanField(
        _("deemed accepted"), default=False,
        help_text=_("No correction notice within 5 working days: accepted from the day of submission."),
    )
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("accepted or rejected by"),
                                   null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    halt_reason = models.TextField(_("reason for halting"), blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    permit_number = models.CharField(_("permit number"), max_length=40, blank=True)
    permit_pdf = models.FileField(_("permit"), upload_to="permits/%Y/", blank=True)
    verification_code = models.CharField(
        _("verification code"), max_length=40, blank=True, editable=False,
        help_text=_("Random, unguessable code of the public page that confirms the permit (set when issued)."),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("approval case")
        verbose_name_plural = _("approval cases")
        permissions = [("accept_approvalcase", "Can accept, correct or reject approval cases at the window")]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "stage"],
                condition=models.Q(voided_at__isnull=True) & ~models.Q(state="rejected"),
                name="one_live_case_per_project_stage",
            ),
            models.UniqueConstraint(fields=["permit_number"], condition=~models.Q(permit_number=""),
                                    name="permit_number_unique"),
            models.UniqueConstraint(fields=["verification_code"], condition=~models.Q(verification_code=""),
                                    name="permit_verification_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_stage_display()}"

    def get_absolute_url(self) -> str:
        return reverse("approvals:case-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_CASE_STATES

    def missing_documents(self) -> list["RequiredDocument"]:
        """The stage's required documents with no current upload."""
        present = set(self.documents.filter(superseded=False).values_list("required_document_id", flat=True))
        return [d for d in stage_documents(self.stage) if d.pk not in present]

    def correction_deadline(self) -> datetime.date | None:
        """The last day to send the one correction notice: 5 working days after submission."""
        if self.submitted_at is None:
            return None
        return workdays.add_workdays(timezone.localtime(self.submitted_at).date(), CORRECTION_NOTICE_WORKDAYS)

    def correction_deadline_passed(self, today: datetime.date | None = None) -> bool:
        """The one rule of 行政许可法 art. 32: a submitted case that got no correction notice within 5 working
        days counts as accepted from the day it was submitted."""
        deadline = self.correction_deadline()
        return (self.state == CaseState.SUBMITTED and deadline is not None
                and (today or timezone.localdate()) > deadline)


class CaseDocument(TimeStampedModel):
    """One uploaded version of a document. A re-upload adds a version; the old one stays."""

    case = models.ForeignKey(ApprovalCase, on_delete=models.PROTECT, related_name="documents")
    required_document = models.ForeignKey(RequiredDocument, verbose_name=_("document"), null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="+")
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    file = models.FileField(_("file"), upload_to="approvals/%Y/%m/", max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("type"), max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    on_delete=models.PROTECT, related_name="+")
    superseded = models.BooleanField(_("superseded"), default=False)

    class Meta:
        ordering = ["required_document_id", "-version"]
        verbose_name = _("case document")
        verbose_name_plural = _("case documents")
        constraints = [models.UniqueConstraint(fields=["case", "required_document", "version"],
                                               name="document_version_unique")]

    def __str__(self) -> str:
        return f"{self.original_name} v{self.version}"


class CorrectionNotice(TimeStampedModel):
    """一次性告知: everything missing, listed in one notice; the applicant corrects and resubmits."""

    case = models.ForeignKey(ApprovalCase, on_delete=models.PROTECT, related_name="correction_notices")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    items = models.JSONField(_("what is missing"), default=list)
    message = models.TextField(_("message"), blank=True)
    resubmitted_at = models.DateTimeField(_("resubmitted"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("correction notice")
        verbose_name_plural = _("correction notices")

    def __str__(self) -> str:
        return f"{self.case.number} · {len(self.items)}"


class CommitmentState(models.TextChoices):
    OPEN = "open", pgettext_lazy("commitment state", "Open")
    FULFILLED = "fulfilled", _("Fulfilled")
    REVOKED = "revoked", _("Revoked")


class Commitment(TimeStampedModel):
    """承诺书: a missing non-core document promised by a due date under deficiency-tolerant acceptance.
    Fulfilled by the upload of the document, revoked when the bureau halts the case: both system moves."""

    workflow = Workflow("state", [
        Transition("fulfil", [CommitmentState.OPEN], CommitmentState.FULFILLED, _("Fulfilled"), system=True),
        Transition("revoke", [CommitmentState.OPEN], CommitmentState.REVOKED, _("Revoked"), system=True),
    ])

    case = models.ForeignKey(ApprovalCase, on_delete=models.PROTECT, related_name="commitments")
    required_document = models.ForeignKey(RequiredDocument, verbose_name=_("document"), on_delete=models.PROTECT,
                                          related_name="+")
    due_on = models.DateField(_("due on"))
    state = models.CharField(_("state"), max_length=20, choices=CommitmentState.choices,
                             default=CommitmentState.OPEN)
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        constraints = [models.UniqueConstraint(fields=["case", "required_document"], name="one_commitment_per_doc")]

    def __str__(self) -> str:
        return f"{self.required_document} ≤ {self.due_on}"

    def is_overdue(self, today: datetime.date) -> bool:
        return self.state == CommitmentState.OPEN and today > self.due_on


class ReviewState(models.TextChoices):
    PENDING = "pending", _("Pending")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", _("Approved with conditions")
    REJECTED = "rejected", pgettext_lazy("review decision", "Rejected")
    CORRECTION_REQUESTED = "correction_requested", _("Correction requested")


RUNNING_REVIEW_STATES = (ReviewState.PENDING, ReviewState.IN_REVIEW)
APPROVED_REVIEW_STATES = (ReviewState.APPROVED, ReviewState.APPROVED_WITH_CONDITIONS)


def _case_running(review: "ItemReview") -> Refusal | None:
    """A halted, rejected or finished case's items are not worked on."""
    if review.case.state in ACCEPTED_STATES:
        return None
    return Refusal(_("The case is “%(state)s”; its items cannot be decided.") % {
        "state": review.case.get_state_display()}, ErrorCode.INVALID_TRANSITION)


class ItemReview(TimeStampedModel):
    """One department's review of one item of an accepted case. All items of a case start at the same moment."""

    workflow = Workflow("state", [
        Transition("start", [ReviewState.PENDING], ReviewState.IN_REVIEW, _("Start review"), permission="decide",
                   conditions=[_case_running], style="primary"),
        Transition("approve", list(RUNNING_REVIEW_STATES), ReviewState.APPROVED, _("Approve"), permission="decide",
                   conditions=[_case_running], style="primary"),
        Transition("approve_with_conditions", list(RUNNING_REVIEW_STATES), ReviewState.APPROVED_WITH_CONDITIONS,
                   _("Approve with conditions"), permission="decide", conditions=[_case_running]),
        Transition("reject", list(RUNNING_REVIEW_STATES), ReviewState.REJECTED,
                   pgettext_lazy("review decision", "Reject"), permission="decide", conditions=[_case_running],
                   style="danger"),
        Transition("request_correction", list(RUNNING_REVIEW_STATES), ReviewState.CORRECTION_REQUESTED,
                   _("Request correction"), permission="decide", conditions=[_case_running]),
        # The applicant reports the correction done: the clock runs again. Not on a halted case (whose clock
        # must stay stopped) — the defect the review found.
        Transition("resume", [ReviewState.CORRECTION_REQUESTED], ReviewState.IN_REVIEW, _("Corrected: resume review"),
                   permission="resume", conditions=[_case_running]),
    ])

    case = models.ForeignKey(ApprovalCase, on_delete=models.PROTECT, related_name="reviews")
    item = models.ForeignKey(CatalogueItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("accounts.Organization", verbose_name=_("department"),
                                   on_delete=models.PROTECT, related_name="item_reviews")
    state = models.CharField(_("state"), max_length=30, choices=ReviewState.choices, default=ReviewState.PENDING,
                             db_index=True)
    started_on = models.DateField(_("clock started"))
    due_on = models.DateField(_("due on"), db_index=True)
    paused_since = models.DateField(_("clock stopped since"), null=True, blank=True)
    paused_workdays = models.PositiveIntegerField(_("working days stopped"), default=0)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    opinion = models.TextField(_("opinion"), blank=True)
    conditions = models.TextField(_("conditions"), blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("item review")
        verbose_name_plural = _("item reviews")
        constraints = [models.UniqueConstraint(fields=["case", "item"], name="one_review_per_case_item")]
        indexes = [models.Index(fields=["department", "state", "due_on"], name="review_queue_idx")]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.item}"

    def get_absolute_url(self) -> str:
        return reverse("approvals:review-detail", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.state in RUNNING_REVIEW_STATES

    def workdays_left(self, today: datetime.date) -> int | None:
        """Working days until the due date (negative when overdue); None when the clock is not running."""
        if not self.is_running:
            return None
        return workdays.signed_workdays(today, self.due_on)

    def elapsed_workdays(self, today: datetime.date) -> int:
        end = self.decided_on or self.paused_since or today
        return max(0, workdays.workdays_between(self.started_on, end) - self.paused_workdays)

    def light(self, today: datetime.date) -> str:
        """green / amber / red for a running clock; "" otherwise."""
        if self.workdays_left(today) is None:
            return ""
        return deadlines.light(today, self.due_on, AMBER_WORKDAYS)


class JointReview(TimeStampedModel):
    """联合审查: the departments review a case together in one sitting."""

    case = models.ForeignKey(ApprovalCase, on_delete=models.PROTECT, related_name="joint_reviews")
    scheduled_at = models.DateTimeField(_("scheduled for"))
    location = models.CharField(_("location"), max_length=200)
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("attendees"), related_name="+")
    organizer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    minutes = models.TextField(_("minutes"), blank=True)
    held_at = models.DateTimeField(_("held"), null=True, blank=True)

    class Meta:
        ordering = ["-scheduled_at"]
        verbose_name = _("joint review sitting")
        verbose_name_plural = _("joint review sittings")

    def __str__(self) -> str:
        return f"{self.case.number} @ {self.scheduled_at:%Y-%m-%d %H:%M}"
