"""Accountability (追责): interviews (约谈), public notices (通报), fines (罚款) and work stops (停工) against a unit.

Rules propose them — a major hazard overdue, a repeat test failure, an incident (`supervision.accountability.rules`);
bureau staff confirm a proposal with a reason (or dismiss it, with a reason) and follow it to completion. Confirmed
records are on the unit's record, where performance evaluation and credit read them through the selectors; one with
`bars_bidding_until` keeps the unit from being awarded a lot until that day.

`proposed → confirmed → completed`, `proposed → dismissed`."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.fsm import Transition, Workflow
from portal.core.models import VoidableModel


class MeasureKind(models.TextChoices):
    INTERVIEW = "interview", _("Interview (约谈)")
    NOTICE = "notice", _("Public notice (通报)")
    FINE = "fine", _("Fine (罚款)")
    WORK_STOP = "work_stop", _("Work stop (停工)")


class Trigger(models.TextChoices):
    MAJOR_HAZARD_OVERDUE = "major_hazard_overdue", _("Major hazard overdue")
    REPEAT_FAILURE = "repeat_failure", _("Repeated test failure")
    INCIDENT = "incident", _("Incident")
    MANUAL = "manual", _("Bureau decision")


class AccountabilityState(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("accountability state", "Proposed")
    CONFIRMED = "confirmed", pgettext_lazy("accountability state", "Confirmed")
    COMPLETED = "completed", pgettext_lazy("accountability state", "Carried out")
    DISMISSED = "dismissed", pgettext_lazy("accountability state", "Dismissed")


class AccountabilityRecord(VoidableModel):
    workflow = Workflow("state", [
        Transition("confirm", [AccountabilityState.PROPOSED], AccountabilityState.CONFIRMED, _("Confirm"),
                   permission="decide", style="primary"),
        Transition("dismiss", [AccountabilityState.PROPOSED], AccountabilityState.DISMISSED, _("Dismiss"),
                   permission="decide", style="danger"),
        Transition("complete", [AccountabilityState.CONFIRMED], AccountabilityState.COMPLETED,
                   _("Carried out"), permission="decide", style="primary"),
    ])

    number = models.CharField(_("record number"), max_length=30, unique=True)
    organization = models.ForeignKey("accounts.Organization", verbose_name=_("unit held to account"),
                                     on_delete=models.PROTECT, related_name="accountability_records")
    project = models.ForeignKey("projects.Project", verbose_name=_("project"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="accountability_records")
    kind = models.CharField(_("measure"), max_length=20, choices=MeasureKind.choices)
    trigger = models.CharField(_("reason for the proposal"), max_length=30, choices=Trigger.choices)
    # What triggered it (at most one of them); with the trigger, a rule proposes once per cause.
    hazard = models.ForeignKey("supervision.Hazard", verbose_name=_("hazard"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="accountability_records")
    sample = models.ForeignKey("supervision.Sample", verbose_name=_("failed sample"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="accountability_records")
    incident = models.ForeignKey("supervision.Incident", verbose_name=_("incident"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="accountability_records")
    facts = models.TextField(_("facts"))
    state = models.CharField(_("state"), max_length=20, choices=AccountabilityState.choices,
                             default=AccountabilityState.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+",
                                    help_text=_("Empty when a rule proposed it."))
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    fine_amount = models.DecimalField(_("fine (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True,
                                      validators=[MinValueValidator(0)])
    bars_bidding_until = models.DateField(_("barred from awards until"), null=True, blank=True)
    due_on = models.DateField(_("to be carried out by"), null=True, blank=True)
    completion_note = models.TextField(_("how it was carried out"), blank=True)
    completed_at = models.DateTimeField(_("carried out"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("accountability record")
        verbose_name_plural = _("accountability records")
        permissions = [("decide_accountabilityrecord", "Can confirm, dismiss and complete accountability records")]
        indexes = [models.Index(fields=["organization", "state"], name="accountability_org_idx"),
                   models.Index(fields=["state", "created_at"], name="accountability_state_idx")]
        constraints = [
            models.UniqueConstraint(fields=["trigger", "hazard"], condition=models.Q(hazard__isnull=False),
                                    name="accountability_once_per_hazard"),
            models.UniqueConstraint(fields=["trigger", "sample"], condition=models.Q(sample__isnull=False),
                                    name="accountability_once_per_sample"),
            models.UniqueConstraint(fields=["trigger", "incident"], condition=models.Q(incident__isnull=False),
                                    name="accountability_once_per_incident"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()} · {self.organization}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:accountability-detail", args=[self.pk])
