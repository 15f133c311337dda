"""Monthly progress (月度进展): the investment plan of each month and what the owner reports for it —
physical progress and investment completed. The investment completion rate (投资完成率) follows from them."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.core.models import TimeStampedModel

from .registry import Project


class MonthlyProgress(TimeStampedModel):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="monthly_progress")
    month = models.DateField(_("month"), help_text=_("The first day of the month"))
    planned_investment = models.DecimalField(_("planned investment (yuan)"), max_digits=16, decimal_places=2,
                                             default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))])
    # Reported by the owner; empty until the month is reported.
    completed_investment = models.DecimalField(_("investment completed (yuan)"), max_digits=16, decimal_places=2,
                                               null=True, blank=True, validators=[MinValueValidator(Decimal("0"))])
    physical_progress = models.DecimalField(
        _("physical progress (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Cumulative, at the end of the month"),
    )
    note = models.TextField(_("note"), blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    # Optimistic lock: incremented by every change of the row (plan or report); a form or API call carries the
    # version it was based on (0 for a month that has no row yet).
    version = models.PositiveIntegerField(default=1)

    # Amounts in 元 that the history shows in 万元, under a label without the unit (portal.core templatetags).
    audit_money_fields = {"planned_investment": _("planned investment"),
                          "completed_investment": _("investment completed")}

    class Meta:
        ordering = ["project", "month"]
        verbose_name = _("monthly progress")
        verbose_name_plural = _("monthly progress")
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="progress_one_per_month"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="progress_month_first_day"),
            models.CheckConstraint(condition=models.Q(planned_investment__gte=0), name="progress_plan_not_negative"),
            models.CheckConstraint(
                condition=models.Q(completed_investment__isnull=True) | models.Q(completed_investment__gte=0),
                name="progress_completed_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(physical_progress__isnull=True)
                | models.Q(physical_progress__gte=0, physical_progress__lte=100),
                name="progress_physical_0_100",
            ),
            # A month is reported with both figures at once, or not at all.
            models.CheckConstraint(
                condition=models.Q(completed_investment__isnull=True, physical_progress__isnull=True)
                | models.Q(completed_investment__isnull=False, physical_progress__isnull=False),
                name="progress_reported_together",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.month:%Y-%m}"

    @property
    def is_reported(self) -> bool:
        return self.completed_investment is not None
