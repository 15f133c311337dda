"""The history of a project's liaison officers (项目联络员制度): one officer at a time, every assignment kept."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.core.models import TimeStampedModel

from .registry import Project


class LiaisonAssignment(TimeStampedModel):
    """One officer's span on one project: opened when assigned, closed (`ended_at`) when replaced or removed.
    At most one open row per project (the current officer, the same as `Project.liaison_officer`)."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT,
                                related_name="liaison_assignments")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("liaison officer"),
                                on_delete=models.PROTECT, related_name="liaison_assignments")
    started_at = models.DateTimeField(_("assigned on"))
    ended_at = models.DateTimeField(_("ended on"), null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("ended by"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("liaison officer assignment")
        verbose_name_plural = _("liaison officer assignments")
        indexes = [models.Index(fields=["officer", "ended_at"], name="liaison_officer_open_idx")]
        constraints = [
            models.UniqueConstraint(fields=["project"], condition=models.Q(ended_at__isnull=True),
                                    name="liaison_one_open_per_project"),
            models.CheckConstraint(condition=models.Q(ended_at__isnull=True) | models.Q(ended_at__gte=models.F(
                "started_at")), name="liaison_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} · {self.officer_id} · {self.started_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None
