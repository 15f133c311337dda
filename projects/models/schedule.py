"""The schedule of a project: a work breakdown (WBS) of tasks and milestones with planned and actual dates,
% complete and finish-to-start dependencies; saved baselines to measure variance against; and the
responsibility matrix (RACI) saying which organisation is responsible, accountable, consulted or informed."""

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.core.models import TimeStampedModel, VoidableModel
from projects.schedule.rules import wbs_sort_key

from .registry import Project

WBS_RE = r"^\d{1,3}(\.\d{1,3}){0,5}$"

__all__ = ["BaselineTask", "ResponsibilityKind", "ScheduleBaseline", "ScheduleTask", "TaskDependency",
           "TaskResponsibility", "wbs_sort_key"]


class ScheduleTask(VoidableModel):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="tasks")
    wbs = models.CharField(_("WBS code"), max_length=30,
                           validators=[RegexValidator(WBS_RE, _("Use a WBS code such as 1, 1.2 or 1.2.3."))])
    sort_key = models.CharField(max_length=30, editable=False, db_index=True)
    name = models.CharField(_("task name"), max_length=200)
    is_milestone = models.BooleanField(_("milestone"), default=False)
    planned_start = models.DateField(_("planned start"))
    planned_finish = models.DateField(_("planned finish"))
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_finish = models.DateField(_("actual finish"), null=True, blank=True)
    # xgettext:no-python-format
    percent_complete = models.PositiveSmallIntegerField(_("% complete"), default=0,
                                                        validators=[MaxValueValidator(100)])
    note = models.TextField(_("note"), blank=True)
    # Optimistic lock: each save increments it; a save based on an older version is refused, so one of two
    # people editing the same task is told instead of silently overwritten.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["project", "sort_key", "id"]
        verbose_name = _("schedule task")
        verbose_name_plural = _("schedule tasks")
        constraints = [
            models.UniqueConstraint(fields=["project", "wbs"], condition=models.Q(voided_at__isnull=True),
                                    name="task_wbs_unique_active"),
            models.CheckConstraint(condition=models.Q(planned_finish__gte=models.F("planned_start")),
                                   name="task_planned_finish_not_before_start"),
            models.CheckConstraint(condition=models.Q(percent_complete__lte=100), name="task_percent_0_100"),
            models.CheckConstraint(
                condition=models.Q(actual_finish__isnull=True)
                | (models.Q(actual_start__isnull=False) & models.Q(actual_finish__gte=models.F("actual_start"))),
                name="task_actual_finish_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.wbs} {self.name}"

    def save(self, *args, **kwargs):
        self.sort_key = wbs_sort_key(self.wbs)
        if kwargs.get("update_fields") is not None and "wbs" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "sort_key"}
        super().save(*args, **kwargs)

    @property
    def level(self) -> int:
        return self.wbs.count(".")

    @property
    def is_complete(self) -> bool:
        return self.percent_complete >= 100


class TaskDependency(models.Model):
    """Finish-to-start: the successor may not start before the predecessor finishes (plus `lag_days`)."""

    predecessor = models.ForeignKey(ScheduleTask, on_delete=models.CASCADE, related_name="successor_links")
    successor = models.ForeignKey(ScheduleTask, on_delete=models.CASCADE, related_name="predecessor_links")
    lag_days = models.IntegerField(_("lag (days)"), default=0)

    class Meta:
        verbose_name = _("task dependency")
        verbose_name_plural = _("task dependencies")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="dependency_unique"),
            models.CheckConstraint(condition=~models.Q(predecessor=models.F("successor")), name="dependency_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor.wbs} → {self.successor.wbs}"


class ScheduleBaseline(TimeStampedModel):
    """A frozen copy of every task's planned dates; variance is measured against the latest one."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="baselines")
    name = models.CharField(_("name"), max_length=100)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = ["created_at", "id"]
        verbose_name = _("schedule baseline")
        verbose_name_plural = _("schedule baselines")

    def __str__(self) -> str:
        return self.name


class BaselineTask(models.Model):
    baseline = models.ForeignKey(ScheduleBaseline, on_delete=models.CASCADE, related_name="tasks")
    task = models.ForeignKey(ScheduleTask, on_delete=models.CASCADE, related_name="baseline_entries")
    planned_start = models.DateField(_("baseline start"))
    planned_finish = models.DateField(_("baseline finish"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["baseline", "task"], name="baseline_task_unique")]

    def __str__(self) -> str:
        return f"{self.baseline_id}: {self.task_id} {self.planned_start}～{self.planned_finish}"


class ResponsibilityKind(models.TextChoices):
    RESPONSIBLE = "R", _("Responsible")
    ACCOUNTABLE = "A", _("Accountable")
    CONSULTED = "C", _("Consulted")
    INFORMED = "I", _("Informed")


class TaskResponsibility(TimeStampedModel):
    """One cell of the responsibility matrix: `organization` is R, A, C or I for `task`. One accountable
    organisation per task at most."""

    task = models.ForeignKey(ScheduleTask, on_delete=models.CASCADE, related_name="responsibilities")
    organization = models.ForeignKey("accounts.Organization", verbose_name=_("organisation"),
                                     on_delete=models.PROTECT, related_name="task_responsibilities")
    kind = models.CharField(_("responsibility"), max_length=1, choices=ResponsibilityKind.choices)

    class Meta:
        ordering = ["task", "kind", "id"]
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        constraints = [
            models.UniqueConstraint(fields=["task", "organization", "kind"], name="responsibility_unique"),
            models.UniqueConstraint(fields=["task"], condition=models.Q(kind="A"), name="one_accountable_per_task"),
        ]

    def __str__(self) -> str:
        return f"{self.task.wbs} {self.kind} {self.organization}"
