"""Safety management records of a project (安全生产管理): the responsibility roster (全员安全生产责任制), training
and emergency drills with their attendees, and incident reports with their grade."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.models import VoidableModel


class SafetyRole(models.TextChoices):
    PRINCIPAL = "principal", _("Principal responsible person")  # 主要负责人
    PROJECT_MANAGER = "project_manager", _("Project manager")  # 项目负责人
    TECHNICAL_LEAD = "technical_lead", _("Technical lead")  # 技术负责人
    SAFETY_OFFICER = "safety_officer", _("Full-time safety officer")  # 专职安全员
    TEAM_LEADER = "team_leader", _("Team leader")  # 班组长
    SUPERVISING_ENGINEER = "supervising_engineer", _("Supervising engineer")  # 监理工程师
    OTHER = "other", pgettext_lazy("safety role", "Other")


class SafetyResponsibility(VoidableModel):
    """Who answers for what on the project's safety (one line of the roster)."""

    project = models.ForeignKey("projects.Project", verbose_name=_("project"), on_delete=models.PROTECT,
                                related_name="safety_roster")
    organization = models.ForeignKey("accounts.Organization", verbose_name=_("organisation"),
                                     on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("position"), max_length=30, choices=SafetyRole.choices)
    person_name = models.CharField(_("name"), max_length=50)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("portal account"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    certificate = models.ForeignKey("supervision.PersonCertificate", verbose_name=_("certificate"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    duties = models.TextField(_("responsibilities"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    since = models.DateField(_("since"))

    class Meta:
        ordering = ["project", "organization", "role", "id"]
        verbose_name = _("safety responsibility")
        verbose_name_plural = _("safety responsibility roster")

    def __str__(self) -> str:
        return f"{self.person_name} · {self.get_role_display()}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:safety-roster-edit", args=[self.pk])


class TrainingKind(models.TextChoices):
    INDUCTION = "induction", _("Three-level induction training")  # 三级安全教育
    TRAINING = "training", _("Safety training")
    BRIEFING = "briefing", _("Technical safety briefing")  # 安全技术交底
    DRILL = "drill", _("Emergency drill")  # 应急演练


class TrainingRecord(VoidableModel):
    project = models.ForeignKey("projects.Project", verbose_name=_("project"), on_delete=models.PROTECT,
                                related_name="safety_trainings")
    organization = models.ForeignKey("accounts.Organization", verbose_name=_("organised by"),
                                     on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=TrainingKind.choices)
    topic = models.CharField(_("topic"), max_length=200)
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    trainer = models.CharField(_("trainer / commander"), max_length=100, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, default=1,
                                validators=[MinValueValidator(0)])
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("attending users"), blank=True,
                                       related_name="+")
    other_attendees = models.TextField(_("other attendees"), blank=True,
                                       help_text=_("Workers without a portal account, one per line."))
    attendee_count = models.PositiveIntegerField(_("number of attendees"), default=0)
    summary = models.TextField(_("content / evaluation"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("training or drill")
        verbose_name_plural = _("trainings and drills")
        indexes = [models.Index(fields=["project", "held_on"], name="training_project_idx")]

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:safety-training-detail", args=[self.pk])


class IncidentGrade(models.TextChoices):
    """生产安全事故等级 (生产安全事故报告和调查处理条例, art. 3)."""

    GENERAL = "general", pgettext_lazy("incident grade", "General (一般)")  # < 3 deaths, < 10 seriously injured
    LARGER = "larger", pgettext_lazy("incident grade", "Larger (较大)")  # 3–9 deaths or 10–49 injured
    MAJOR = "major", pgettext_lazy("incident grade", "Major (重大)")  # 10–29 deaths or 50–99 injured
    EXTRAORDINARY = "extraordinary", pgettext_lazy("incident grade", "Extraordinary (特别重大)")


class Incident(VoidableModel):
    project = models.ForeignKey("projects.Project", verbose_name=_("project"), on_delete=models.PROTECT,
                                related_name="incidents")
    responsible = models.ForeignKey("accounts.Organization", verbose_name=_("responsible unit"),
                                    on_delete=models.PROTECT, related_name="incidents")
    occurred_at = models.DateTimeField(_("occurred at"))
    location = models.CharField(_("location"), max_length=200)
    grade = models.CharField(_("grade"), max_length=20, choices=IncidentGrade.choices)
    deaths = models.PositiveIntegerField(_("deaths"), default=0)
    serious_injuries = models.PositiveIntegerField(_("seriously injured"), default=0)
    direct_loss = models.DecimalField(_("direct economic loss (yuan)"), max_digits=16, decimal_places=2,
                                      default=0, validators=[MinValueValidator(0)])
    description = models.TextField(_("what happened"))
    measures = models.TextField(_("immediate measures"), blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reported by"),
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d} {self.get_grade_display()} · {self.location}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:safety-incident-detail", args=[self.pk])
