"""Safety hazards (安全隐患) and their rectification: `reported → rectifying → submitted_for_check → closed`, a failed
check returns the hazard to `rectifying` (DOMAIN.md). A hazard is major (重大事故隐患) when it meets a criterion of
房屋市政工程生产安全重大事故隐患判定标准（2022版） — the criterion picked from `supervision.hazards.criteria` is
recorded with the hazard. An open major hazard blocks the project's progress payments; a major hazard overdue
proposes an accountability record. Overdue hazards climb the deadline engine's ladder `supervision.hazard`."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.fsm import Refusal, Transition, Workflow
from portal.core.models import VoidableModel

GENERAL_HAZARD_WORKDAYS = 5  # default time to rectify a general hazard
MAJOR_HAZARD_WORKDAYS = 15  # …and a major one (with work stopped where it is dangerous)


class HazardGrade(models.TextChoices):
    GENERAL = "general", pgettext_lazy("hazard grade", "General")
    MAJOR = "major", pgettext_lazy("hazard grade", "Major")


class HazardState(models.TextChoices):
    REPORTED = "reported", pgettext_lazy("hazard state", "Reported")
    RECTIFYING = "rectifying", pgettext_lazy("hazard state", "Rectifying")
    SUBMITTED = "submitted_for_check", pgettext_lazy("hazard state", "Submitted for check")
    CLOSED = "closed", pgettext_lazy("hazard state", "Closed")


OPEN_HAZARD_STATES = (HazardState.REPORTED, HazardState.RECTIFYING, HazardState.SUBMITTED)


def has_rectification_evidence(hazard: "Hazard") -> Refusal | None:
    """A hazard is closed only on evidence of its rectification (photos, records) the responsible unit filed."""
    from supervision.documents import has_document

    from .documents import Purpose

    if has_document(hazard, Purpose.EVIDENCE):
        return None
    message = _("No rectification evidence has been filed: a hazard is closed only on evidence.")
    return Refusal(message, fields={"evidence": [message]})


class Hazard(VoidableModel):
    workflow = Workflow("state", [
        Transition("acknowledge", [HazardState.REPORTED], HazardState.RECTIFYING, _("Acknowledge and rectify"),
                   permission="rectify", style="primary"),
        Transition("submit", [HazardState.RECTIFYING], HazardState.SUBMITTED, _("Submit for check"),
                   permission="rectify", style="primary"),
        Transition("reject", [HazardState.SUBMITTED], HazardState.RECTIFYING, _("Check failed: rectify again"),
                   permission="verify", style="danger"),
        Transition("close", [HazardState.SUBMITTED], HazardState.CLOSED, _("Check passed: close"),
                   permission="verify", conditions=[has_rectification_evidence], style="primary"),
    ])

    number = models.CharField(_("hazard number"), max_length=30, unique=True)
    project = models.ForeignKey("projects.Project", verbose_name=_("project"), on_delete=models.PROTECT,
                                related_name="hazards")
    dangerous_work = models.ForeignKey("supervision.DangerousWork", verbose_name=_("dangerous work"), null=True,
                                       blank=True, on_delete=models.PROTECT, related_name="hazards")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    location = models.CharField(_("location on site"), max_length=200)
    grade = models.CharField(_("grade"), max_length=10, choices=HazardGrade.choices, default=HazardGrade.GENERAL)
    criterion = models.CharField(_("major-hazard criterion"), max_length=20, blank=True,
                                 help_text=_("The clause of the 2022 major-hazard standard the hazard meets."))
    responsible = models.ForeignKey("accounts.Organization", verbose_name=_("responsible unit"),
                                    on_delete=models.PROTECT, related_name="hazards")
    found_on = models.DateField(_("found on"))
    found_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("found by"), on_delete=models.PROTECT,
                                 related_name="+")
    due_on = models.DateField(_("rectify by"))
    work_stopped = models.BooleanField(_("work stopped where dangerous"), default=False)
    state = models.CharField(_("state"), max_length=30, choices=HazardState.choices, default=HazardState.REPORTED)
    measures = models.TextField(_("rectification done"), blank=True)
    rectified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("rectified by"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted for check"), null=True, blank=True)
    check_failures = models.PositiveSmallIntegerField(_("failed checks"), default=0)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("verified by"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=20, blank=True,
                              help_text=_("inspection, smart-site alert, report …"))
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["-found_on", "-id"]
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        permissions = [("verify_hazard", "Can check and close hazards on any project")]
        indexes = [models.Index(fields=["project", "state"], name="hazard_project_idx"),
                   models.Index(fields=["state", "due_on"], name="hazard_due_idx"),
                   models.Index(fields=["responsible", "state"], name="hazard_unit_idx"),
                   models.Index(fields=["grade", "state"], name="hazard_grade_idx"),
                   models.Index(fields=["created_at", "id"], name="hazard_created_idx"),
                   # the lists' order, newest first: the board reads its first page off the index
                   models.Index(fields=["-found_on", "-id"], name="hazard_found_idx")]
        constraints = [models.CheckConstraint(condition=~models.Q(grade="major") | ~models.Q(criterion=""),
                                              name="major_hazard_names_criterion")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:hazard-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_HAZARD_STATES and self.voided_at is None

    def is_overdue(self, on=None) -> bool:
        from django.utils import timezone

        return self.is_open and self.due_on < (on or timezone.localdate())

    @property
    def is_major(self) -> bool:
        return self.grade == HazardGrade.MAJOR
