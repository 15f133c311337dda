from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from portal.core.models import VoidableModel, VoidableQuerySet

PROJECT_CODE_RE = r"^\d{4}-\d{6}-\d{2}-\d{2}-\d{6}$"


class ProjectType(models.TextChoices):
    TRANSPORT = "transport", _("Transport")
    WATER = "water", _("Water works")
    ENERGY = "energy", _("Energy")
    MUNICIPAL = "municipal", _("Municipal")
    SOCIAL = "social", _("Social welfare")
    INDUSTRY = "industry", _("Industry")


class ProjectLevel(models.TextChoices):
    NATIONAL = "national", _("National key project")
    PROVINCIAL = "provincial", _("Provincial key project")
    MUNICIPAL = "municipal", _("Municipal key project")


class Phase(models.TextChoices):
    PLANNING = "planning", _("Planning")
    CONSTRUCTION = "construction", _("Construction")
    OPERATION = "operation", _("Operation")


class Stage(models.TextChoices):
    PROPOSAL = "proposal", _("Project proposal")
    FEASIBILITY = "feasibility", _("Feasibility study")
    PRELIMINARY_DESIGN = "preliminary_design", _("Preliminary design")
    PREPARATION = "preparation", _("Construction preparation")
    UNDER_CONSTRUCTION = "under_construction", _("Under construction")
    COMPLETION_ACCEPTANCE = "completion_acceptance", _("Completion acceptance")
    HANDOVER = "handover", _("Handover")
    OPERATING = "operating", _("In operation")
    POST_EVALUATION = "post_evaluation", _("Post-evaluation")


STAGE_PHASE = {
    Stage.PROPOSAL: Phase.PLANNING,
    Stage.FEASIBILITY: Phase.PLANNING,
    Stage.PRELIMINARY_DESIGN: Phase.PLANNING,
    Stage.PREPARATION: Phase.CONSTRUCTION,
    Stage.UNDER_CONSTRUCTION: Phase.CONSTRUCTION,
    Stage.COMPLETION_ACCEPTANCE: Phase.CONSTRUCTION,
    Stage.HANDOVER: Phase.OPERATION,
    Stage.OPERATING: Phase.OPERATION,
    Stage.POST_EVALUATION: Phase.OPERATION,
}


STAGE_ORDER: tuple[str, ...] = tuple(Stage.values)


def next_stage(stage: str) -> str | None:
    """The stage after `stage` in the lifecycle, or None after post-evaluation."""
    i = STAGE_ORDER.index(stage)
    return STAGE_ORDER[i + 1] if i + 1 < len(STAGE_ORDER) else None


class ParticipantRole(models.TextChoices):
    OWNER = "owner", _("Owner (construction unit)")
    CONTRACTOR = "contractor", _("Contractor")
    SUPERVISOR = "supervisor", _("Supervisor")
    DESIGNER = "designer", _("Designer")
    SURVEYOR = "surveyor", _("Surveyor")
    TESTING = "testing", _("Testing agency")


# A project in one of these stages after its planned finish is overdue; from handover on it is finished.
OVERDUE_STAGES = tuple(s for s, p in STAGE_PHASE.items() if p != Phase.OPERATION)


class ProjectQuerySet(VoidableQuerySet):
    def in_phase(self, phase: str):
        return self.filter(stage__in=[s for s, p in STAGE_PHASE.items() if p == phase])

    def overdue(self, today):
        """Planned to be finished before `today` but not yet handed over (still in planning or construction)."""
        return self.filter(planned_finish__lt=today, stage__in=OVERDUE_STAGES)


class Project(VoidableModel):
    """A key project. Its lifecycle phase follows from its stage."""

    code = models.CharField(
        _("project code"), max_length=24, unique=True,
        validators=[RegexValidator(PROJECT_CODE_RE, _("Use the unified project code form YYYY-RRRRRR-II-TT-NNNNNN."))],
        help_text=_("Unified project code, e.g. 2024-330000-48-01-000123"),
    )
    name = models.CharField(_("project name"), max_length=200, db_index=True)
    project_type = models.CharField(_("type"), max_length=20, choices=ProjectType.choices, db_index=True)
    level = models.CharField(_("level"), max_length=20, choices=ProjectLevel.choices, db_index=True)
    stage = models.CharField(_("stage"), max_length=30, choices=Stage.choices, default=Stage.PROPOSAL, db_index=True)
    total_investment = models.DecimalField(
        _("total investment (yuan)"), max_digits=16, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_finish = models.DateField(_("planned finish"), null=True, blank=True)
    owner = models.ForeignKey(
        "accounts.Organization", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_projects"
    )
    regions = models.ManyToManyField("core.Region", verbose_name=_("regions"), related_name="projects", blank=True)
    liaison_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("liaison officer"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="liaison_projects",
    )
    description = models.TextField(_("description"), blank=True)
    # A GeoJSON geometry (Point, LineString, Polygon, their Multi- forms, or a GeometryCollection of those) in
    # WGS84/CGCS2000 longitude, latitude; validated and normalised by `projects.gis.geojson` before it is stored
    # (`projects.gis.services.project_location_set`). NULL: no location yet.
    location = models.JSONField(_("location"), null=True, blank=True)

    objects = ProjectQuerySet.as_manager()
    # Amounts in 元 that the history shows in 万元, under a label without the unit (portal.core templatetags).
    audit_money_fields = {"total_investment": _("Total investment")}

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("key project")
        verbose_name_plural = _("key projects")
        permissions = [("void_project", "Can void project")]
        # Every list and "latest projects" card reads the first page in Meta.ordering: without it PostgreSQL sorts
        # every visible project per page (bench/: 13 ms → 0.7 ms at 3,000 projects).
        indexes = [models.Index(models.F("created_at").desc(), models.F("id").desc(), name="project_recent_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(total_investment__gte=0), name="project_investment_not_negative"),
            models.CheckConstraint(
                condition=models.Q(planned_finish__isnull=True) | models.Q(planned_start__isnull=True)
                | models.Q(planned_finish__gte=models.F("planned_start")),
                name="project_finish_not_before_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", args=[self.pk])

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.planned_start and self.planned_finish and self.planned_finish < self.planned_start:
            raise ValidationError({"planned_finish": _("The planned finish cannot be before the planned start.")})

    @property
    def phase(self) -> str:
        return STAGE_PHASE[Stage(self.stage)].value

    @property
    def next_stage(self) -> str | None:
        return next_stage(self.stage)

    def get_phase_display(self) -> str:
        return Phase(self.phase).label

    @property
    def total_investment_wan(self) -> Decimal:
        return (self.total_investment / Decimal(10000)).quantize(Decimal("0.01"))


class ProjectParticipant(VoidableModel):
    """An organisation taking part in a project in one role (建设/施工/监理/设计/勘察/检测)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="participants")
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("organisation"), on_delete=models.PROTECT,
        related_name="participations",
    )
    role = models.CharField(_("role on the project"), max_length=20, choices=ParticipantRole.choices)
    lot = models.CharField(_("lot"), max_length=50, blank=True, help_text=_("Tender lot, if any"))

    class Meta:
        ordering = ["project", "role", "id"]
        verbose_name = _("participating organisation")
        verbose_name_plural = _("participating organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "organization", "role", "lot"], condition=models.Q(voided_at__isnull=True),
                name="participant_unique_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.get_role_display()}"


class ProjectUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["user", "permission", "content_object"], name="proj_uperm_idx")]


class ProjectGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["group", "permission", "content_object"], name="proj_gperm_idx")]
