"""Feasibility review (可行性研究审查): the bureau asks named departments for their opinion on a project's
feasibility study, each by a due date."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from portal.core.models import TimeStampedModel, VoidableModel

from .registry import Project


class ReviewState(models.TextChoices):
    OPEN = "open", pgettext_lazy("feasibility review", "Open")
    CONCLUDED = "concluded", _("Concluded")


class FeasibilityReview(VoidableModel):
    """One round of review of a project's feasibility study by several departments."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="feasibility_reviews")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    state = models.CharField(_("state"), max_length=20, choices=ReviewState.choices, default=ReviewState.OPEN,
                             db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    conclusion = models.TextField(_("conclusion"), blank=True)
    concluded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("feasibility review")
        verbose_name_plural = _("feasibility reviews")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("projects:feasibility", args=[self.project_id]) + f"#review-{self.pk}"


class OpinionState(models.TextChoices):
    PENDING = "pending", _("Awaiting opinion")
    GIVEN = "given", _("Opinion given")


class OpinionConclusion(models.TextChoices):
    AGREE = "agree", _("Agree")
    AGREE_WITH_CONDITIONS = "agree_with_conditions", _("Agree with conditions")
    DISAGREE = "disagree", _("Disagree")


class FeasibilityOpinion(TimeStampedModel):
    """The opinion one department owes (and then gives) in a feasibility review, by its due date."""

    review = models.ForeignKey(FeasibilityReview, on_delete=models.PROTECT, related_name="opinions")
    department = models.ForeignKey("accounts.Organization", verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="feasibility_opinions")
    due_date = models.DateField(_("due date"))
    state = models.CharField(_("state"), max_length=20, choices=OpinionState.choices, default=OpinionState.PENDING,
                             db_index=True)
    conclusion = models.CharField(_("conclusion"), max_length=30, choices=OpinionConclusion.choices, blank=True)
    opinion = models.TextField(_("opinion"), blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    given_at = models.DateTimeField(_("given at"), null=True, blank=True)

    class Meta:
        ordering = ["review", "due_date", "id"]
        verbose_name = _("feasibility opinion")
        verbose_name_plural = _("feasibility opinions")
        constraints = [
            models.UniqueConstraint(fields=["review", "department"], name="opinion_one_per_department"),
            models.CheckConstraint(
                condition=models.Q(state=OpinionState.PENDING) | ~models.Q(conclusion=""),
                name="opinion_given_has_conclusion",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review} · {self.department}"
