"""Feasibility review (可行性研究审查): the bureau asks named departments for their opinion on a project's
feasibility study, each by a due date."""

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.errors import ErrorCode
from portal.core.fsm import Refusal, Transition, Workflow
from portal.core.models import TimeStampedModel, VoidableModel
from portal.core.workdays import signed_workdays

from .registry import Project

# An opinion due within this many working days (portal.core.workdays) is shown amber ("due soon"); past its due
# date, red.
DUE_SOON_DAYS = 3


class FeasibilityState(models.TextChoices):
    OPEN = "open", pgettext_lazy("feasibility review", "Open")
    CONCLUDED = "concluded", _("Concluded")


# ------------------------------------------------------------------------------- the rules of the moves
def _review_live(review: "FeasibilityReview") -> Refusal | None:
    if review.voided_at is not None:
        return Refusal(_("This review was voided."), ErrorCode.INVALID_TRANSITION)
    return None


def _every_opinion_in(review: "FeasibilityReview") -> Refusal | None:
    """Reads `review.opinions.all()`: prefetched on list pages, one query otherwise."""
    opinions = list(review.opinions.all())
    if not opinions:
        return Refusal(_("No department was asked in this review."), "no_opinions")
    waiting = [o for o in opinions if o.state == OpinionState.PENDING]
    if not waiting:
        return None
    message = _("Opinions are still awaited from %(orgs)s; conclude once every department has given its "
                "opinion.") % {"orgs": "、".join(o.department.short_name or o.department.name for o in waiting)}
    return Refusal(message, "opinions_pending", {"conclusion": [message]})


def _opinion_review_open(opinion: "FeasibilityOpinion") -> Refusal | None:
    review = opinion.review
    if review.voided_at is not None:
        return Refusal(_("This review was voided."), ErrorCode.INVALID_TRANSITION)
    if review.state != FeasibilityState.OPEN:
        return Refusal(_("This review is concluded."), ErrorCode.INVALID_TRANSITION)
    if review.project.voided_at is not None:
        return Refusal(_("This project is voided."), ErrorCode.INVALID_TRANSITION)
    return None


class FeasibilityReview(VoidableModel):
    """One round of review of a project's feasibility study by several departments."""

    workflow = Workflow("state", [
        Transition("conclude", [FeasibilityState.OPEN], FeasibilityState.CONCLUDED, _("Conclude the review"),
                   permission="change", conditions=[_review_live, _every_opinion_in], style="primary"),
    ])

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="feasibility_reviews")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(pgettext_lazy("feasibility review", "description"), blank=True)
    state = models.CharField(_("state"), max_length=20, choices=FeasibilityState.choices, default=FeasibilityState.OPEN,
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
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state=FeasibilityState.OPEN)
                | (~models.Q(conclusion="") & models.Q(concluded_at__isnull=False)),
                name="review_concluded_has_conclusion",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("projects:feasibility", args=[self.project_id]) + f"#review-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state == FeasibilityState.OPEN and self.voided_at is None


class OpinionState(models.TextChoices):
    PENDING = "pending", _("Awaiting opinion")
    GIVEN = "given", _("Opinion given")


class OpinionConclusion(models.TextChoices):
    AGREE = "agree", _("Agree")
    AGREE_WITH_CONDITIONS = "agree_with_conditions", _("Agree with conditions")
    DISAGREE = "disagree", _("Disagree")


class FeasibilityOpinion(TimeStampedModel):
    """The opinion one department owes (and then gives) in a feasibility review, by its due date. Given once:
    it cannot be changed afterwards."""

    workflow = Workflow("state", [
        Transition("give", [OpinionState.PENDING], OpinionState.GIVEN, _("Give the opinion"),
                   permission="give", conditions=[_opinion_review_open], style="primary"),
    ])

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
        indexes = [models.Index(fields=["department", "state", "due_date"], name="opinion_queue_idx")]
        constraints = [
            models.UniqueConstraint(fields=["review", "department"], name="opinion_one_per_department"),
            models.CheckConstraint(
                condition=models.Q(state=OpinionState.PENDING)
                | (~models.Q(conclusion="") & models.Q(given_at__isnull=False)),
                name="opinion_given_has_conclusion",
            ),
            models.CheckConstraint(
                condition=~models.Q(conclusion=OpinionConclusion.AGREE_WITH_CONDITIONS) | ~models.Q(conditions=""),
                name="opinion_conditions_stated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review} · {self.department}"

    def get_absolute_url(self) -> str:
        return reverse("projects:feasibility-opinion", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        return self.state == OpinionState.PENDING

    def days_left(self, today: datetime.date) -> int | None:
        """Working days until the due date (negative when overdue); None once the opinion is given."""
        return signed_workdays(today, self.due_date) if self.is_pending else None

    def is_overdue(self, today: datetime.date) -> bool:
        return self.is_pending and today > self.due_date

    def light(self, today: datetime.date) -> str:
        """red overdue, amber due within DUE_SOON_DAYS, green otherwise; "" once given."""
        left = self.days_left(today)
        if left is None:
            return ""
        if left < 0 or today > self.due_date:
            return "red"
        return "amber" if left <= DUE_SOON_DAYS else "green"
