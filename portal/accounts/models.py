from django.contrib.auth.models import AbstractUser, Group
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.core.models import TimeStampedModel, VoidableModel

from .validators import validate_credit_code


class Role(models.TextChoices):
    """The six roles of DOMAIN.md; each is a Group of the same name carrying the role's model permissions."""

    BUREAU_STAFF = "bureau_staff", _("Bureau staff")
    DEPARTMENT_REVIEWER = "department_reviewer", _("Department reviewer")
    CONTRACTOR = "contractor", _("Participating company user")
    LIAISON_OFFICER = "liaison_officer", _("Liaison officer")
    INSPECTOR = "inspector", _("Inspector")
    LEADER = "leader", _("Bureau leader")


class OrganizationKind(models.TextChoices):
    BUREAU = "bureau", _("Bureau")
    DEPARTMENT = "department", _("Government department")
    OWNER = "owner", _("Owner (construction unit)")
    CONTRACTOR = "contractor", _("Contractor")
    SUPERVISOR = "supervisor", _("Supervisor")
    DESIGNER = "designer", _("Designer")
    SURVEYOR = "surveyor", _("Surveyor")
    TESTING_AGENCY = "testing_agency", _("Testing agency")


class DepartmentCode(models.TextChoices):
    DEVELOPMENT_REFORM = "fgw", _("Development and Reform")
    FINANCE = "czt", _("Finance")
    NATURAL_RESOURCES = "zrzy", _("Natural Resources")
    ECOLOGY_ENVIRONMENT = "sthj", _("Ecology and Environment")
    HOUSING_CONSTRUCTION = "zjt", _("Housing and Urban-Rural Development")
    TRANSPORT = "jtt", _("Transport")
    WATER_RESOURCES = "slt", _("Water Resources")


class CreditStanding(models.TextChoices):
    NORMAL = "normal", _("Normal")
    WARNED = "warned", _("Warned")
    DISHONEST = "dishonest", _("Dishonest")
    BLACKLISTED = "blacklisted", _("Blacklisted")


class OrganizationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(voided_at__isnull=True)


class Organization(VoidableModel):
    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices, db_index=True)
    department_code = models.CharField(
        _("department"), max_length=10, choices=DepartmentCode.choices, blank=True,
        help_text=_("Only for government departments."),
    )
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, null=True, blank=True,
        validators=[validate_credit_code],
    )
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact_phone = models.CharField(
        _("contact phone"), max_length=20, blank=True, validators=[RegexValidator(r"^[0-9+\-() ]{7,20}$")]
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    credit_standing = models.CharField(
        _("credit standing"), max_length=20, choices=CreditStanding.choices, default=CreditStanding.NORMAL,
        editable=False,
    )
    # Every user of the organisation is in this group; object permissions granted to the organisation go here.
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="organization", editable=False)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        permissions = [
            ("void_organization", "Can void organisation"),
            ("set_credit_standing", "Can set credit standing"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="department") | models.Q(department_code=""),
                name="org_department_code_only_for_departments",
            ),
            models.UniqueConstraint(
                fields=["department_code"], condition=~models.Q(department_code=""), name="org_one_per_department"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:organization-detail", args=[self.pk])

    @property
    def is_dishonest(self) -> bool:
        """失信 or blacklisted: may not use deficiency-tolerant acceptance, may be barred from tenders."""
        return self.credit_standing in (CreditStanding.DISHONEST, CreditStanding.BLACKLISTED)


class CreditStandingChange(TimeStampedModel):
    """History of an organisation's credit standing: who set it, from what, to what, and why."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Set by bureau staff")
        EVALUATION = "evaluation", _("Performance evaluation")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="credit_history")
    from_standing = models.CharField(_("from"), max_length=20, choices=CreditStanding.choices)
    to_standing = models.CharField(_("to"), max_length=20, choices=CreditStanding.choices)
    reason = models.TextField(_("reason"))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.MANUAL)
    actor = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("credit standing change")
        verbose_name_plural = _("credit standing changes")
        constraints = [models.CheckConstraint(condition=~models.Q(reason=""), name="credit_change_needs_reason")]

    def __str__(self) -> str:
        return f"{self.organization}: {self.from_standing} → {self.to_standing}"


class User(AbstractUser):
    """A person. Chinese names are not split into first/last: `full_name` holds the whole name."""

    full_name = models.CharField(_("full name"), max_length=50)
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="members",
    )
    title = models.CharField(_("job title"), max_length=50, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True, validators=[RegexValidator(r"^1\d{10}$")])
    is_org_head = models.BooleanField(
        _("head of organisation"), default=False, help_text=_("Receives escalations addressed to the organisation.")
    )
    email_notifications = models.BooleanField(_("e-mail notifications"), default=True)

    REQUIRED_FIELDS = ["email", "full_name"]

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        permissions = [("void_user", "Can deactivate user")]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.full_name or self.username

    @property
    def role_codes(self) -> list[str]:
        """The user's role codes, in `Role` order (cached for the request)."""
        if not hasattr(self, "_role_codes"):
            names = {g.name for g in self.groups.all()} if self.pk else set()
            self._role_codes = [r.value for r in Role if r.value in names]
        return self._role_codes

    @property
    def primary_role(self) -> str | None:
        """The role whose home page the user lands on: leader, then bureau staff, then the rest."""
        order = [Role.LEADER, Role.BUREAU_STAFF, Role.DEPARTMENT_REVIEWER, Role.LIAISON_OFFICER, Role.INSPECTOR,
                 Role.CONTRACTOR]
        codes = self.role_codes
        return next((r.value for r in order if r.value in codes), None)

    def has_role(self, role: str) -> bool:
        return role in self.role_codes

    @property
    def primary_role_label(self) -> str:
        return Role(self.primary_role).label if self.primary_role else ""
