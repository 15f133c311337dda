"""Service to key projects (协调服务): liaison officers' service log, coordination meetings and their decisions, and
the closed-loop issue list (问题清单闭环管理: 接诉即办、限时办结).

An issue item runs `reported → accepted → assigned → in_progress → resolved → verified → closed` (DOMAIN.md): the
bureau's service window signs for it (accept) and hands it to the responsible department (assign); the department
works on it and answers (resolve); the company that raised it confirms (verify) — or, unsatisfied with a reason,
sends it back to work; the bureau files it (close). Its clock is a deadline in working days from the day it was
reported, by category (adjustable by bureau staff with a reason), climbed by the portal's deadline engine.
The service promises are measured when they happen: the working minutes to sign, the working days to the first
answer and to the company's confirmation are stored on the item, so the statistics are plain aggregates.
"""

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core import deadlines, workdays
from portal.core.fsm import Transition, Workflow
from portal.core.models import TimeStampedModel, VoidableModel

AMBER_WORKDAYS = 2  # reminders this many working days before the deadline
LEADER_AFTER_WORKDAYS = 5  # overdue by this many more working days → a leader (in the daily digest)
SIGN_PROMISE_MINUTES = 120  # sign for a new issue within 2 working hours
SATISFACTION_LINE = 85  # a satisfaction rate under 85 % is a failing mark
CALLBACK_SHARE = 10  # call back at least 10 % of the issues closed in a month


class IssueCategory(models.TextChoices):
    APPROVAL = "approval", pgettext_lazy("issue category", "Approval")
    LAND = "land", pgettext_lazy("issue category", "Land")
    FINANCING = "financing", pgettext_lazy("issue category", "Financing")
    LABOUR = "labour", pgettext_lazy("issue category", "Labour")
    DEMOLITION = "demolition", pgettext_lazy("issue category", "Demolition")
    UTILITIES = "utilities", pgettext_lazy("issue category", "Utilities")
    OTHER = "other", pgettext_lazy("issue category", "Other")


# DOMAIN.md: default deadlines by category, in working days.
DEFAULT_WORKDAYS = {
    IssueCategory.APPROVAL: 5, IssueCategory.LAND: 10, IssueCategory.FINANCING: 10, IssueCategory.LABOUR: 5,
    IssueCategory.DEMOLITION: 15, IssueCategory.UTILITIES: 15, IssueCategory.OTHER: 10,
}


class IssueSource(models.TextChoices):
    MEETING = "meeting", pgettext_lazy("issue source", "Meeting")
    LIAISON = "liaison", pgettext_lazy("issue source", "Liaison officer")
    COMPANY = "company", pgettext_lazy("issue source", "Company submission")
    INSPECTION = "inspection", pgettext_lazy("issue source", "Inspection")


class IssueState(models.TextChoices):
    REPORTED = "reported", pgettext_lazy("issue state", "Reported")
    ACCEPTED = "accepted", pgettext_lazy("issue state", "Signed for")
    ASSIGNED = "assigned", pgettext_lazy("issue state", "Assigned")
    IN_PROGRESS = "in_progress", pgettext_lazy("issue state", "In progress")
    RESOLVED = "resolved", pgettext_lazy("issue state", "Answered")
    VERIFIED = "verified", pgettext_lazy("issue state", "Confirmed")
    CLOSED = "closed", pgettext_lazy("issue state", "Closed")


OPEN_ISSUE_STATES = (IssueState.REPORTED, IssueState.ACCEPTED, IssueState.ASSIGNED, IssueState.IN_PROGRESS,
                     IssueState.RESOLVED)
DEPARTMENT_STATES = (IssueState.ASSIGNED, IssueState.IN_PROGRESS)  # the department holds it: its clock runs
# The states in which an issue's clock runs (until the department answers): past its due date in one of them, an
# issue is overdue.
CLOCK_STATES = (IssueState.REPORTED, IssueState.ACCEPTED, *DEPARTMENT_STATES)
SOLVED_STATES = (IssueState.VERIFIED, IssueState.CLOSED)


class Holder(models.TextChoices):
    """Who holds an issue in each state (`IssueItem.holder`)."""

    BUREAU = "bureau", _("Bureau service window")
    DEPARTMENT = "department", _("Responsible department")
    COMPANY = "company", _("Raising company")
    NOBODY = "", _("Nobody (closed)")


HOLDER_OF_STATE = {
    IssueState.REPORTED: Holder.BUREAU, IssueState.ACCEPTED: Holder.BUREAU,
    IssueState.ASSIGNED: Holder.DEPARTMENT, IssueState.IN_PROGRESS: Holder.DEPARTMENT,
    IssueState.RESOLVED: Holder.COMPANY, IssueState.VERIFIED: Holder.BUREAU, IssueState.CLOSED: Holder.NOBODY,
}


class IssueItem(VoidableModel):
    """One difficulty of a project, tracked until the company that raised it says it is solved."""

    workflow = Workflow("state", [
        Transition("accept", [IssueState.REPORTED], IssueState.ACCEPTED, _("Sign for it"), permission="dispatch",
                   style="primary"),
        # The department (assign) and the answer (resolve) are what those moves' forms ask for: the services
        # require them, so the moves are offered enabled and their forms name the missing field.
        Transition("assign", [IssueState.ACCEPTED], IssueState.ASSIGNED, _("Assign to the department"),
                   permission="dispatch", style="primary"),
        # The department says the issue is not theirs: back to the window, to be assigned again.
        Transition("decline", [IssueState.ASSIGNED], IssueState.ACCEPTED, _("Not ours: return to the bureau"),
                   permission="handle", style="danger"),
        Transition("start", [IssueState.ASSIGNED], IssueState.IN_PROGRESS, _("Start work"), permission="handle",
                   style="primary"),
        Transition("resolve", [IssueState.IN_PROGRESS], IssueState.RESOLVED, _("Answer the company"),
                   permission="handle", style="primary"),
        Transition("confirm", [IssueState.RESOLVED], IssueState.VERIFIED, _("Solved: confirm"), permission="verify",
                   style="primary"),
        Transition("reopen", [IssueState.RESOLVED], IssueState.IN_PROGRESS, _("Not solved: send back"),
                   permission="verify", style="danger"),
        Transition("close", [IssueState.VERIFIED], IssueState.CLOSED, _("Close"), permission="dispatch",
                   style="primary"),
    ])

    number = models.CharField(_("issue number"), max_length=20, unique=True)
    project = models.ForeignKey("projects.Project", verbose_name=_("project"), on_delete=models.PROTECT,
                                related_name="issue_items")
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"))
    category = models.CharField(_("category"), max_length=20, choices=IssueCategory.choices)
    source = models.CharField(_("source"), max_length=20, choices=IssueSource.choices)
    company = models.ForeignKey(
        "accounts.Organization", verbose_name=_("raising company"), on_delete=models.PROTECT,
        related_name="raised_issues", help_text=_("The company whose difficulty it is: it confirms the answer."))
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("raised by"), on_delete=models.PROTECT,
                                  related_name="+")
    department = models.ForeignKey(
        "accounts.Organization", verbose_name=_("responsible department"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="assigned_issues", limit_choices_to={"kind": "department"})
    state = models.CharField(_("state"), max_length=20, choices=IssueState.choices, default=IssueState.REPORTED)
    held_since = models.DateTimeField(_("held since"))
    limit_workdays = models.PositiveSmallIntegerField(_("time limit (working days)"))
    due_on = models.DateField(_("due on"))
    answer = models.TextField(_("answer"), blank=True)
    accepted_at = models.DateTimeField(_("signed for"), null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("signed for by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    sign_minutes = models.PositiveIntegerField(_("working minutes to sign"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    first_answer_at = models.DateTimeField(_("first answered"), null=True, blank=True)
    answer_workdays = models.PositiveSmallIntegerField(_("working days to the first answer"), null=True,
                                                       blank=True)
    resolved_at = models.DateTimeField(_("answered"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    close_workdays = models.PositiveSmallIntegerField(_("working days to close"), null=True, blank=True)
    on_time = models.BooleanField(_("on time"), null=True, blank=True,
                                  help_text=_("Confirmed solved on or before the due date."))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times sent back"), default=0)
    satisfied_count = models.PositiveSmallIntegerField(_("satisfied ratings"), default=0)
    rating_count = models.PositiveSmallIntegerField(_("ratings"), default=0)
    supervised_on = models.DateField(_("supervision notice (督办) on"), null=True, blank=True,
                                     help_text=_("The day the department was sent the supervision notice."))
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("issue item")
        verbose_name_plural = _("issue items")
        permissions = [("dispatch_issueitem", "Can sign for, assign, reschedule and close issue items")]
        indexes = [
            models.Index(fields=["department", "state", "due_on"], name="issue_queue_idx"),
            models.Index(fields=["state", "due_on"], name="issue_state_due_idx"),
            models.Index(fields=["company", "state"], name="issue_company_idx"),
            models.Index(fields=["project", "state"], name="issue_project_idx"),
            models.Index(fields=["created_at", "id"], name="issue_created_idx"),
            # The board's count of live issues read from an index alone (no scan of the 200,000-row table).
            models.Index(fields=["id"], condition=models.Q(voided_at__isnull=True), name="issue_live_idx"),
            # A department's queue in due order, read from the front of one index (LIMIT 50, no sort).
            models.Index(fields=["department", "due_on", "id"], name="issue_department_open_idx",
                         condition=models.Q(state__in=["assigned", "in_progress"], voided_at__isnull=True)),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(limit_workdays__gt=0), name="issue_limit_positive")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("coordination:issue-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_ISSUE_STATES and self.voided_at is None

    @property
    def holder(self) -> str:
        return HOLDER_OF_STATE[IssueState(self.state)]

    def holder_label(self) -> str:
        """Who holds the issue now, in words."""
        holder = self.holder
        if holder == Holder.DEPARTMENT and self.department is not None:
            return self.department.name
        if holder == Holder.COMPANY:
            return self.company.name
        return str(Holder(holder).label)

    @property
    def clock_runs(self) -> bool:
        """The deadline counts (reported, signed for, with the department): not once answered, closed or voided."""
        return self.state in CLOCK_STATES and self.voided_at is None

    def workdays_left(self, today: datetime.date) -> int | None:
        """Working days until the due date (negative when overdue); None once answered or closed."""
        if not self.clock_runs:
            return None
        return workdays.signed_workdays(today, self.due_on)

    def light(self, today: datetime.date) -> str:
        """green / amber / red while the clock runs; "" otherwise."""
        if self.workdays_left(today) is None:
            return ""
        return deadlines.light(today, self.due_on, AMBER_WORKDAYS)


class IssueAttachment(TimeStampedModel):
    """A file attached to an issue (photos, letters, drawings); the department may attach its own to the answer."""

    issue = models.ForeignKey(IssueItem, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("file"), upload_to="coordination/%Y/%m/", max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("type"), max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("issue attachment")
        verbose_name_plural = _("issue attachments")

    def __str__(self) -> str:
        return self.original_name


class RatingKind(models.TextChoices):
    VERIFICATION = "verification", _("Company's confirmation")
    CALLBACK = "callback", _("Call-back")


class IssueRating(TimeStampedModel):
    """One verdict on an issue's answer: the company's confirmation (satisfied, or not with the reason) or the
    answer to a call-back (回访). The satisfaction rate counts them all."""

    issue = models.ForeignKey(IssueItem, on_delete=models.PROTECT, related_name="ratings")
    kind = models.CharField(_("kind"), max_length=20, choices=RatingKind.choices)
    satisfied = models.BooleanField(_("satisfied"))
    comment = models.TextField(_("comment"), blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
                                 related_name="+")
    department = models.ForeignKey("accounts.Organization", verbose_name=_("department rated"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        indexes = [models.Index(fields=["department", "created_at"], name="rating_department_idx")]

    def __str__(self) -> str:
        return f"{self.issue.number} {'✓' if self.satisfied else '✗'}"


class CallBackState(models.TextChoices):
    DUE = "due", pgettext_lazy("call-back state", "To call")
    DONE = "done", pgettext_lazy("call-back state", "Done")
    UNREACHABLE = "unreachable", _("Unreachable")


class CallBack(TimeStampedModel):
    """回访: an issue closed in `month`, drawn at random for a call to the company; the answer is recorded."""

    issue = models.OneToOneField(IssueItem, on_delete=models.PROTECT, related_name="callback")
    month = models.DateField(_("month"), help_text=_("The first day of the month the issue was closed in."))
    state = models.CharField(_("state"), max_length=20, choices=CallBackState.choices, default=CallBackState.DUE)
    called_at = models.DateTimeField(_("called"), null=True, blank=True)
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("called by"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    contact = models.CharField(_("person spoken to"), max_length=100, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    satisfied = models.BooleanField(_("satisfied"), null=True, blank=True)

    class Meta:
        ordering = ["-month", "state", "id"]
        verbose_name = _("call-back")
        verbose_name_plural = _("call-backs")
        indexes = [models.Index(fields=["month", "state"], name="callback_month_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.issue.number}"


class MeetingKind(models.TextChoices):
    MATCHMAKING = "matchmaking", _("Government–enterprise matchmaking meeting")
    SITE = "site", _("Site coordination meeting")


class MeetingState(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("meeting state", "Planned")
    HELD = "held", pgettext_lazy("meeting state", "Held")


class Meeting(VoidableModel):
    """政企对接会 / 现场协调会: who met where about which projects, what was said and decided."""

    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=120)
    held_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=200)
    projects = models.ManyToManyField("projects.Project", verbose_name=_("projects"), related_name="meetings")
    organizations = models.ManyToManyField("accounts.Organization", verbose_name=_("attending organisations"),
                                           related_name="meetings", blank=True)
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("attending users"),
                                       related_name="meetings", blank=True)
    other_attendees = models.TextField(_("other attendees"), blank=True,
                                       help_text=_("People without a portal account, one per line."))
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    state = models.CharField(_("state"), max_length=20, choices=MeetingState.choices, default=MeetingState.PLANNED)
    organizer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("organiser"), on_delete=models.PROTECT,
                                  related_name="+")
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["-held_at", "-id"]
        verbose_name = _("coordination meeting")
        verbose_name_plural = _("coordination meetings")

    def __str__(self) -> str:
        return f"{self.held_at:%Y-%m-%d} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("coordination:meeting-detail", args=[self.pk])


class MeetingDecision(TimeStampedModel):
    """One decision of a meeting; it may become an issue item (one click), linked both ways."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.TextField(_("decision"))
    project = models.ForeignKey("projects.Project", verbose_name=_("project"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("accounts.Organization", verbose_name=_("responsible department"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+",
                                   limit_choices_to={"kind": "department"})
    category = models.CharField(_("category"), max_length=20, choices=IssueCategory.choices,
                                default=IssueCategory.OTHER)
    issue = models.OneToOneField(IssueItem, verbose_name=_("issue item"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="decision")

    class Meta:
        ordering = ["meeting", "order", "id"]
        verbose_name = _("meeting decision")
        verbose_name_plural = _("meeting decisions")

    def __str__(self) -> str:
        return self.text[:60]


class ServiceKind(models.TextChoices):
    VISIT = "visit", _("Site visit")
    CALL = "call", _("Phone call")
    MEETING = "meeting", pgettext_lazy("service kind", "Meeting")
    OTHER = "other", pgettext_lazy("service kind", "Other")


class ServiceLog(VoidableModel):
    """A liaison officer's visit or call to a project's companies (服务台账)."""

    officer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("liaison officer"),
                                on_delete=models.PROTECT, related_name="service_logs")
    project = models.ForeignKey("projects.Project", verbose_name=_("project"), on_delete=models.PROTECT,
                                related_name="service_logs")
    kind = models.CharField(_("kind"), max_length=20, choices=ServiceKind.choices)
    occurred_on = models.DateField(_("date"))
    contacts = models.CharField(_("people met"), max_length=200, blank=True)
    summary = models.TextField(_("what was discussed"))
    follow_up = models.TextField(_("follow-up"), blank=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("service log entry")
        verbose_name_plural = _("service log")
        indexes = [models.Index(fields=["officer", "occurred_on"], name="servicelog_officer_idx"),
                   models.Index(fields=["project", "occurred_on"], name="servicelog_project_idx")]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.get_kind_display()} {self.project_id}"

    def get_absolute_url(self) -> str:
        return reverse("coordination:servicelog-list")


def overdue_q(today: datetime.date) -> models.Q:
    """Issues whose clock runs and that are past their due date on `today` (`IssueItem.light(today) == "red"`)."""
    return models.Q(state__in=CLOCK_STATES, due_on__lt=today)
