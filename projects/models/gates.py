"""Stage gates: the configurable checklist a project must satisfy to leave a stage, the documents and
confirmations that satisfy it, and the record of every move from one stage to the next."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.core.models import TimeStampedModel, VoidableModel

from .registry import Project, ProjectType, Stage


class RequirementKind(models.TextChoices):
    DOCUMENT = "document", _("Document")
    CONDITION = "condition", _("Condition checked by the portal")
    CONFIRMATION = "confirmation", _("Confirmation by bureau staff")


class GateCondition(models.TextChoices):
    """Conditions the portal checks from its own records (`projects.gates.conditions`)."""

    FEASIBILITY_OPINIONS = "feasibility_opinions", _("Every department gave its feasibility opinion, none against")
    NO_EXTREME_RISKS = "no_extreme_risks", _("No open risk in the extreme band (score 20 or more)")
    SOCIAL_STABILITY_ASSESSED = "social_stability_assessed", _("A social-stability risk assessment is registered")
    SCHEDULE_BASELINE = "schedule_baseline", _("A schedule baseline is saved")
    LOCATION = "location", _("The project location is on the map")
    APPROVAL_LAND_USE = "approval_land_use_planning", _("Approval stage 1 completed (land-use planning permit)")
    APPROVAL_ENGINEERING = "approval_engineering_planning", _("Approval stage 2 completed (engineering planning permit)")
    APPROVAL_CONSTRUCTION = "approval_construction_permit", _("Approval stage 3 completed (construction permit)")
    APPROVAL_COMPLETION = "approval_completion_acceptance", _("Approval stage 4 completed (completion acceptance)")
    # xgettext:no-python-format
    TASKS_COMPLETE = "tasks_complete", _("Every schedule task is 100% complete")
    PHYSICAL_PROGRESS_COMPLETE = "physical_progress_complete", _("Reported physical progress is 100%")
    REGION_WORK_DONE = "region_work_done", _("Land acquisition and utility relocation items are done")


class GateRequirement(TimeStampedModel):
    """One line of the checklist for leaving `stage` for the next stage. Bureau staff keep the list; an
    inactive line no longer applies (history keeps it)."""

    stage = models.CharField(_("stage left"), max_length=30, choices=Stage.choices, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=RequirementKind.choices)
    title = models.CharField(_("title"), max_length=200)
    condition = models.CharField(_("condition"), max_length=40, choices=GateCondition.choices, blank=True,
                                 help_text=_("For a condition checked by the portal: which one."))
    # Empty: applies to every project type.
    project_types = models.JSONField(_("project types"), default=list, blank=True,
                                     help_text=_("Leave empty to apply to every type."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    guidance = models.TextField(_("guidance"), blank=True)
    # The line of the default checklist this row was seeded from (`projects.gates.catalogue`); empty for a line
    # bureau staff added. Seeding creates only the keys that are missing, so an edited or deactivated default
    # line is never brought back.
    key = models.CharField(max_length=60, blank=True, editable=False)
    # Optimistic lock: an edit based on an older version is refused (two staff editing one line).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["stage", "order", "id"]
        verbose_name = _("gate requirement")
        verbose_name_plural = _("gate requirements")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind=RequirementKind.CONDITION) | ~models.Q(condition=""),
                name="gate_condition_named",
            ),
            models.CheckConstraint(
                condition=models.Q(kind=RequirementKind.CONDITION) | models.Q(condition=""),
                name="gate_condition_only_for_conditions",
            ),
            models.CheckConstraint(condition=~models.Q(stage=Stage.POST_EVALUATION), name="gate_not_after_last_stage"),
            models.UniqueConstraint(fields=["key"], condition=~models.Q(key=""), name="gate_requirement_key_unique"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors = {}
        if self.stage == Stage.POST_EVALUATION:
            errors["stage"] = _("Post-evaluation is the last stage: there is no gate after it.")
        if self.kind == RequirementKind.CONDITION and not self.condition:
            errors["condition"] = _("Choose the condition the portal checks.")
        if self.kind != RequirementKind.CONDITION and self.condition:
            errors["condition"] = _("Only a requirement of kind “condition” names a condition.")
        if not isinstance(self.project_types, list) or any(t not in ProjectType.values for t in self.project_types):
            errors["project_types"] = _("Choose project types from the list.")
        if errors:
            raise ValidationError(errors)

    def applies_to(self, project: Project) -> bool:
        return self.active and (not self.project_types or project.project_type in self.project_types)

    def project_type_labels(self) -> list[str]:
        return [str(ProjectType(t).label) for t in self.project_types if t in ProjectType.values]




class ProjectDocument(VoidableModel):
    """A document of a project (feasibility report, design approval, acceptance certificate …), possibly the one
    that satisfies a gate requirement. Stored under MEDIA_ROOT with a generated name; served through a
    permission-checked view."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="documents")
    requirement = models.ForeignKey(GateRequirement, verbose_name=_("gate requirement"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="projects/documents/%Y/%m/", max_length=255)
    original_name = models.CharField(_("file name"), max_length=150)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("project document")
        verbose_name_plural = _("project documents")

    def __str__(self) -> str:
        return self.title


class GateConfirmation(VoidableModel):
    """Bureau staff confirm a requirement of kind confirmation for one project, with a note."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="gate_confirmations")
    requirement = models.ForeignKey(GateRequirement, on_delete=models.PROTECT, related_name="confirmations")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("gate confirmation")
        verbose_name_plural = _("gate confirmations")
        constraints = [
            models.UniqueConstraint(fields=["project", "requirement"], condition=models.Q(voided_at__isnull=True),
                                    name="gate_confirmation_unique_active"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.requirement}"


class StageTransition(TimeStampedModel):
    """A project moved from one stage to the next: who, when, why, and the checklist as it stood."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="stage_transitions")
    from_stage = models.CharField(_("from stage"), max_length=30, choices=Stage.choices)
    to_stage = models.CharField(_("to stage"), max_length=30, choices=Stage.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), blank=True)
    # [{"requirement": id, "title": …, "kind": …, "met": true, "detail": …}, …]
    checklist = models.JSONField(_("checklist"), default=list)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("stage transition")
        verbose_name_plural = _("stage transitions")

    def __str__(self) -> str:
        return f"{self.project}: {self.get_from_stage_display()} → {self.get_to_stage_display()}"
