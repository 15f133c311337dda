"""Cross-region work: the joint command (联合指挥部) of a project spanning several cities or counties, and the
per-region land acquisition & demolition (征地拆迁) and utility relocation (管线迁改) items."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.models import TimeStampedModel, VoidableModel

from .registry import Project


class JointCommand(TimeStampedModel):
    project = models.OneToOneField(Project, on_delete=models.PROTECT, related_name="joint_command")
    name = models.CharField(_("name"), max_length=200)
    established_on = models.DateField(_("established on"), null=True, blank=True)
    lead_region = models.ForeignKey("core.Region", verbose_name=_("lead region"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    office = models.CharField(_("office address"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("joint command")
        verbose_name_plural = _("joint commands")

    def __str__(self) -> str:
        return self.name


class CommandRole(models.TextChoices):
    COMMANDER = "commander", _("Commander")
    DEPUTY = "deputy", _("Deputy commander")
    MEMBER = "member", _("Member")
    LIAISON = "liaison", pgettext_lazy("joint command", "Liaison")


class JointCommandMember(VoidableModel):
    command = models.ForeignKey(JointCommand, on_delete=models.PROTECT, related_name="members")
    region = models.ForeignKey("core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=20, choices=CommandRole.choices, default=CommandRole.MEMBER)
    name = models.CharField(_("name"), max_length=100)
    position = models.CharField(_("position"), max_length=100, blank=True)
    organization = models.ForeignKey("accounts.Organization", verbose_name=_("organisation"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("portal user"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        ordering = ["command", "region", "role", "id"]
        verbose_name = _("joint command member")
        verbose_name_plural = _("joint command members")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class RegionWorkKind(models.TextChoices):
    LAND_ACQUISITION = "land_acquisition", _("Land acquisition and demolition")
    UTILITY_RELOCATION = "utility_relocation", _("Utility relocation")


class WorkUnit(models.TextChoices):
    MU = "mu", _("mu (亩)")
    HOUSEHOLD = "household", _("households")
    SQUARE_METRE = "m2", _("square metres")
    BUILDING = "building", _("buildings")
    KILOMETRE = "km", _("kilometres")
    METRE = "m", _("metres")
    ITEM = "item", _("items")


class RegionWorkStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    BLOCKED = "blocked", _("Blocked")
    DONE = "done", _("Done")


class RegionWorkItem(VoidableModel):
    """A land acquisition or utility relocation item in one region of the project, with its quantities."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="region_work_items")
    region = models.ForeignKey("core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=30, choices=RegionWorkKind.choices, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20, choices=WorkUnit.choices)
    planned_quantity = models.DecimalField(_("planned quantity"), max_digits=14, decimal_places=2,
                                           validators=[MinValueValidator(Decimal("0.01"))])
    completed_quantity = models.DecimalField(_("completed quantity"), max_digits=14, decimal_places=2,
                                             default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))])
    status = models.CharField(_("status"), max_length=20, choices=RegionWorkStatus.choices,
                              default=RegionWorkStatus.NOT_STARTED, db_index=True)
    blockers = models.TextField(_("blockers"), blank=True)
    responsible_organization = models.ForeignKey("accounts.Organization", verbose_name=_("responsible organisation"),
                                                 null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(_("due date"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["project", "region", "kind", "id"]
        verbose_name = _("region work item")
        verbose_name_plural = _("region work items")
        constraints = [
            models.CheckConstraint(condition=models.Q(planned_quantity__gt=0), name="region_work_planned_positive"),
            models.CheckConstraint(
                condition=models.Q(completed_quantity__gte=0)
                & models.Q(completed_quantity__lte=models.F("planned_quantity")),
                name="region_work_completed_within_plan",
            ),
            models.CheckConstraint(condition=~models.Q(status="blocked") | ~models.Q(blockers=""),
                                   name="region_work_blocked_says_why"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def progress(self) -> Decimal:
        """Completed ÷ planned, in per cent, two places."""
        return (self.completed_quantity * 100 / self.planned_quantity).quantize(Decimal("0.01"))
