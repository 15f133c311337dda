"""危大工程: the sub-works of a project dangerous enough to need a special construction plan (建办质〔2018〕31号), and
the larger class (超过一定规模) whose plan must pass an expert review. Work on one starts only when its plan — and,
for the larger class, the expert review — and its monitoring plan are in.

`registered → plan_ready → in_progress → completed`; `classify` in `supervision.dangerous.rules` decides from
the parameters whether the work is dangerous at all and whether it is of the larger class."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from portal.core.fsm import Refusal, Transition, Workflow
from portal.core.models import VoidableModel

from .documents import Purpose


class DangerousWorkKind(models.TextChoices):
    EXCAVATION = "excavation", _("Deep excavation (support, dewatering, digging)")  # 基坑工程
    FORMWORK = "formwork", _("Formwork and support systems")  # 模板工程及支撑体系
    LIFTING = "lifting", _("Lifting, installation and removal of hoisting machinery")  # 起重吊装及安装拆卸
    SCAFFOLD = "scaffold", _("Scaffolding")  # 脚手架工程
    DEMOLITION = "demolition", _("Demolition and blasting")  # 拆除工程
    UNDERGROUND = "underground", _("Underground excavation (tunnelling)")  # 暗挖工程
    OTHER = "other", pgettext_lazy("dangerous work kind", "Other")


class DangerousWorkState(models.TextChoices):
    REGISTERED = "registered", pgettext_lazy("dangerous work state", "Plan pending")
    PLAN_READY = "plan_ready", pgettext_lazy("dangerous work state", "Plan approved")
    IN_PROGRESS = "in_progress", pgettext_lazy("dangerous work state", "Under way")
    COMPLETED = "completed", pgettext_lazy("dangerous work state", "Completed")


class ExpertReviewResult(models.TextChoices):
    PASSED = "passed", _("Passed")  # 通过
    PASSED_WITH_CHANGES = "changes", _("Passed after changes")  # 修改后通过
    FAILED = "failed", _("Failed")  # 不通过


PASSED_REVIEW = (ExpertReviewResult.PASSED, ExpertReviewResult.PASSED_WITH_CHANGES)


def _has(work: "DangerousWork", purpose: str) -> bool:
    from supervision.documents import has_document  # the store imports the models

    return has_document(work, purpose)


def plan_filed(work: "DangerousWork") -> Refusal | None:
    """The special construction plan is attached."""
    if _has(work, Purpose.SPECIAL_PLAN):
        return None
    message = gettext("Attach the special construction plan first.")
    return Refusal(message, fields={"special_plan": [message]})


def expert_review_passed(work: "DangerousWork") -> Refusal | None:
    """A work beyond a certain scale needs its plan passed by an expert review (with its opinion attached)."""
    if not work.large_scale:
        return None
    if work.expert_review_result not in PASSED_REVIEW or work.expert_review_on is None:
        message = gettext("A work beyond a certain scale needs a passed expert review of its plan first.")
        return Refusal(message, fields={"expert_review_result": [message]})
    if not _has(work, Purpose.EXPERT_REVIEW):
        message = gettext("Attach the expert review opinion first.")
        return Refusal(message, fields={"expert_review": [message]})
    return None


def monitoring_plan_filed(work: "DangerousWork") -> Refusal | None:
    if _has(work, Purpose.MONITORING_PLAN):
        return None
    message = gettext("Attach the monitoring plan before the work starts.")
    return Refusal(message, fields={"monitoring_plan": [message]})


class DangerousWork(VoidableModel):
    workflow = Workflow("state", [
        Transition("approve_plan", [DangerousWorkState.REGISTERED], DangerousWorkState.PLAN_READY,
                   _("Approve the plan"), permission="approve", style="primary",
                   conditions=[plan_filed, expert_review_passed]),
        Transition("start", [DangerousWorkState.PLAN_READY], DangerousWorkState.IN_PROGRESS, _("Start work"),
                   permission="change", style="primary", conditions=[monitoring_plan_filed]),
        Transition("complete", [DangerousWorkState.IN_PROGRESS], DangerousWorkState.COMPLETED, _("Completed"),
                   permission="change", style="primary"),
    ])

    project = models.ForeignKey("projects.Project", verbose_name=_("project"), on_delete=models.PROTECT,
                                related_name="dangerous_works")
    contractor = models.ForeignKey("accounts.Organization", verbose_name=_("responsible contractor"),
                                   on_delete=models.PROTECT, related_name="dangerous_works")
    kind = models.CharField(_("kind"), max_length=20, choices=DangerousWorkKind.choices)
    name = models.CharField(_("name"), max_length=200)
    location = models.CharField(_("location on site"), max_length=200, blank=True)
    # The parameters the thresholds of 建办质〔2018〕31号 are written in (blank where they do not apply).
    depth_m = models.DecimalField(_("excavation depth (m)"), max_digits=6, decimal_places=2, null=True, blank=True,
                                  validators=[MinValueValidator(0)])
    height_m = models.DecimalField(_("support height (m)"), max_digits=6, decimal_places=2, null=True, blank=True,
                                   validators=[MinValueValidator(0)])
    span_m = models.DecimalField(_("span (m)"), max_digits=6, decimal_places=2, null=True, blank=True,
                                 validators=[MinValueValidator(0)])
    area_load_kn_m2 = models.DecimalField(_("total construction load (kN/m²)"), max_digits=7, decimal_places=2,
                                          null=True, blank=True, validators=[MinValueValidator(0)])
    line_load_kn_m = models.DecimalField(_("concentrated line load (kN/m)"), max_digits=7, decimal_places=2,
                                         null=True, blank=True, validators=[MinValueValidator(0)])
    lifting_kn = models.DecimalField(_("single lift weight (kN)"), max_digits=8, decimal_places=2, null=True,
                                     blank=True, validators=[MinValueValidator(0)])
    unconventional_lifting = models.BooleanField(
        _("non-conventional lifting equipment or method"), default=False,
        help_text=_("采用非常规起重设备、方法: with a single lift of 10 kN or more the work is dangerous, of 100 kN or "
                    "more it is beyond a certain scale."))
    large_scale = models.BooleanField(_("beyond a certain scale (超过一定规模)"), default=False,
                                      help_text=_("Decided from the parameters: the special plan needs an expert "
                                                  "review."))
    criteria = models.CharField(_("threshold met"), max_length=200, blank=True,
                                help_text=_("The clause of 建办质〔2018〕31号 the parameters meet."))
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_finish = models.DateField(_("planned finish"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=DangerousWorkState.choices,
                             default=DangerousWorkState.REGISTERED)
    plan_approved_at = models.DateTimeField(_("plan approved"), null=True, blank=True)
    plan_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("plan approved by"), null=True,
                                         blank=True, on_delete=models.PROTECT, related_name="+")
    expert_review_on = models.DateField(_("expert review on"), null=True, blank=True)
    expert_review_result = models.CharField(_("expert review result"), max_length=10,
                                            choices=ExpertReviewResult.choices, blank=True)
    experts = models.TextField(_("experts"), blank=True, help_text=_("Names and employers, one per line."))
    started_on = models.DateField(_("started on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["project", "state", "id"]
        verbose_name = _("dangerous work")
        verbose_name_plural = _("dangerous works")
        indexes = [models.Index(fields=["project", "state"], name="dangerous_project_idx")]
        permissions = [("approve_dangerouswork", "Can approve special plans of dangerous works on any project")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("supervision:dangerous-detail", args=[self.pk])

    @property
    def review_passed(self) -> bool:
        return self.expert_review_result in PASSED_REVIEW
