"""The risk register of a project, social-stability risk included: likelihood × impact on a 5×5 matrix."""

import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.fsm import Transition, Workflow
from portal.core.models import VoidableModel

from .registry import Project


class RiskCategory(models.TextChoices):
    SOCIAL_STABILITY = "social_stability", _("Social stability")
    LAND = "land", _("Land and demolition")
    ENVIRONMENT = "environment", _("Environment")
    SAFETY = "safety", _("Safety")
    TECHNICAL = "technical", _("Technical")
    FINANCIAL = "financial", _("Financial")
    SCHEDULE = "schedule", pgettext_lazy("risk category", "Schedule")
    LEGAL = "legal", _("Legal and compliance")
    OTHER = "other", _("Other")


class RiskStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("risk", "Open")
    MITIGATING = "mitigating", _("Mitigating")
    CLOSED = "closed", pgettext_lazy("risk", "Closed")


# Counted on the heat map and in the overview: the risks still alive.
LIVE_RISK_STATUSES = (RiskStatus.OPEN, RiskStatus.MITIGATING)
LIVE_RISK_STATUS_CHOICES = [(s.value, s.label) for s in LIVE_RISK_STATUSES]

# Bands of the 5×5 matrix by score (likelihood × impact): 1–4 low, 5–9 medium, 10–16 high, 20–25 extreme.
RISK_BANDS = (("low", 4), ("medium", 9), ("high", 16), ("extreme", 25))


def risk_band(score: int) -> str:
    for band, upper in RISK_BANDS:
        if score <= upper:
            return band
    raise ValueError(score)


class RiskBand(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    EXTREME = "extreme", _("Extreme")


def band_scores(band: str) -> tuple[int, int]:
    """The lowest and highest score of a band (inclusive)."""
    lower = 1
    for name, upper in RISK_BANDS:
        if name == band:
            return lower, upper
        lower = upper + 1
    raise ValueError(band)


class Risk(VoidableModel):
    """One risk of a project: likelihood × impact places it on the 5×5 matrix. Its owner organisation answers
    for the mitigation; closing it needs a note."""

    workflow = Workflow("status", [
        Transition("close", list(LIVE_RISK_STATUSES), RiskStatus.CLOSED, _("Close the risk"), permission="change"),
        Transition("reopen", [RiskStatus.CLOSED], RiskStatus.OPEN, _("Reopen"), permission="change"),
    ])

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="risks")
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=30, choices=RiskCategory.choices, db_index=True)
    description = models.TextField(pgettext_lazy("risk", "description"), blank=True)
    likelihood = models.PositiveSmallIntegerField(_("likelihood"), validators=[MinValueValidator(1),
                                                                              MaxValueValidator(5)])
    impact = models.PositiveSmallIntegerField(_("impact"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    owner_organization = models.ForeignKey("accounts.Organization", verbose_name=_("responsible organisation"),
                                           null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    owner_name = models.CharField(_("risk owner"), max_length=100, help_text=_("The person answerable for it"))
    mitigation = models.TextField(_("mitigation"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=RiskStatus.choices, default=RiskStatus.OPEN,
                              db_index=True)
    review_date = models.DateField(_("next review"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_note = models.TextField(_("closing note"), blank=True,
                                  help_text=_("Why the risk no longer needs watching."))
    # Optimistic lock: a save based on an older version is refused (two people editing one risk).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["project", "-likelihood", "-impact", "id"]
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        constraints = [
            models.CheckConstraint(condition=models.Q(likelihood__gte=1, likelihood__lte=5), name="risk_likelihood_1_5"),
            models.CheckConstraint(condition=models.Q(impact__gte=1, impact__lte=5), name="risk_impact_1_5"),
            models.CheckConstraint(
                condition=(models.Q(status=RiskStatus.CLOSED) & models.Q(closed_at__isnull=False) & ~models.Q(close_note=""))
                | (~models.Q(status=RiskStatus.CLOSED) & models.Q(closed_at__isnull=True)),
                name="risk_closed_has_note",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("projects:risk-detail", args=[self.pk])

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def band(self) -> str:
        return risk_band(self.score)

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_RISK_STATUSES and self.voided_at is None

    def review_overdue(self, today: datetime.date) -> bool:
        return self.is_live and self.review_date is not None and self.review_date < today
