"""Tendering and qualifications (招投标与资质): what an organisation is certified to build, the certificates its key
people hold, a project's tender lots (标段) with the qualification each requires, the bids and the award.

An award is refused when the winning unit's qualification of the lot's kind is missing, expired or of a lower
grade, when the unit is blacklisted or dishonest, or when it is inside a sanction period (a confirmed accountability
record that bars it from bidding until a date) — see `supervision.tendering.services.award_refusals`."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.fsm import Transition, Workflow
from portal.core.models import TimeStampedModel, VoidableModel

EXPIRY_NOTICE_DAYS = 60  # qualifications and certificates expiring within 60 days are listed and their holders told


class QualificationKind(models.TextChoices):
    """Enterprise qualifications (建设工程企业资质), the kinds a key project's lots ask for."""

    BUILDING = "building", _("Building construction general contracting")  # 建筑工程施工总承包
    MUNICIPAL = "municipal", _("Municipal works general contracting")  # 市政公用工程施工总承包
    HIGHWAY = "highway", _("Highway works general contracting")  # 公路工程施工总承包
    RAILWAY = "railway", _("Railway works general contracting")  # 铁路工程施工总承包
    WATER = "water", _("Water resources and hydropower general contracting")  # 水利水电工程施工总承包
    BRIDGE_TUNNEL = "bridge_tunnel", _("Bridge and tunnel specialist contracting")  # 桥梁/隧道专业承包
    SUPERVISION = "supervision", _("Works supervision")  # 工程监理
    DESIGN = "design", _("Engineering design")  # 工程设计
    TESTING = "testing", _("Construction works quality testing")  # 建设工程质量检测


class QualificationGrade(models.TextChoices):
    SPECIAL = "special", _("Special grade")  # 特级
    FIRST = "first", _("Grade 1 / A")  # 一级 / 甲级
    SECOND = "second", _("Grade 2 / B")  # 二级 / 乙级
    THIRD = "third", _("Grade 3")  # 三级


# Higher ranks may do what lower ones may (a 特级 unit may take a lot asking for 一级).
GRADE_RANK = {QualificationGrade.SPECIAL: 4, QualificationGrade.FIRST: 3, QualificationGrade.SECOND: 2,
              QualificationGrade.THIRD: 1}


class Qualification(VoidableModel):
    """A qualification certificate an organisation holds (资质证书)."""

    organization = models.ForeignKey("accounts.Organization", verbose_name=_("organisation"),
                                     on_delete=models.PROTECT, related_name="qualifications")
    kind = models.CharField(_("qualification"), max_length=20, choices=QualificationKind.choices)
    grade = models.CharField(_("grade"), max_length=10, choices=QualificationGrade.choices)
    certificate_number = models.CharField(_("certificate number"), max_length=50)
    issuer = models.CharField(_("issued by"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"))

    class Meta:
        ordering = ["organization", "kind", "-expires_on", "id"]
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        indexes = [models.Index(fields=["expires_on"], name="qualification_expiry_idx"),
                   models.Index(fields=["organization", "kind"], name="qualification_org_idx")]
        constraints = [models.UniqueConstraint(fields=["kind", "certificate_number"],
                                               condition=models.Q(voided_at__isnull=True),
                                               name="qualification_certificate_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_grade_display()} ({self.certificate_number})"

    @property
    def rank(self) -> int:
        return GRADE_RANK[QualificationGrade(self.grade)]


class CertificateKind(models.TextChoices):
    """Certificates of key people: the project manager's registered constructor certificate and the safety
    production certificates (安全生产考核合格证) of managers and full-time safety officers."""

    CONSTRUCTOR = "constructor", _("Registered constructor (建造师)")
    SAFETY_B = "safety_b", _("Safety certificate B (project manager)")
    SAFETY_C = "safety_c", _("Safety certificate C (full-time safety officer)")
    SUPERVISING_ENGINEER = "supervising_engineer", _("Registered supervising engineer")
    SPECIAL_OPERATION = "special_operation", _("Special operation certificate")


class PersonCertificate(VoidableModel):
    """A certificate held by one of an organisation's people (项目经理 建造师, 安全员 安全生产考核合格证 …)."""

    organization = models.ForeignKey("accounts.Organization", verbose_name=_("organisation"),
                                     on_delete=models.PROTECT, related_name="person_certificates")
    person_name = models.CharField(_("holder"), max_length=50)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("portal account"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="certificates")
    kind = models.CharField(_("certificate"), max_length=30, choices=CertificateKind.choices)
    grade = models.CharField(_("grade / specialty"), max_length=50, blank=True,
                             help_text=_("E.g. 一级 市政公用工程 for a constructor."))
    certificate_number = models.CharField(_("certificate number"), max_length=50)
    expires_on = models.DateField(_("expires on"))

    class Meta:
        ordering = ["organization", "person_name", "kind", "id"]
        verbose_name = _("personal certificate")
        verbose_name_plural = _("personal certificates")
        indexes = [models.Index(fields=["expires_on"], name="certificate_expiry_idx")]
        constraints = [models.UniqueConstraint(fields=["kind", "certificate_number"],
                                               condition=models.Q(voided_at__isnull=True),
                                               name="person_certificate_unique")]

    def __str__(self) -> str:
        return f"{self.person_name} · {self.get_kind_display()} ({self.certificate_number})"


class LotState(models.TextChoices):
    OPEN = "open", pgettext_lazy("lot state", "Open for bids")
    AWARDED = "awarded", pgettext_lazy("lot state", "Awarded")
    CANCELLED = "cancelled", pgettext_lazy("lot state", "Cancelled")


class TenderLot(VoidableModel):
    """标段: a part of a project let to one unit, with the qualification it requires.

    Awarded once (to a qualified bidder: the service asks `supervision.tendering.rules`), or cancelled — an open
    lot, or an award undone before a contract is signed on it."""

    workflow = Workflow("state", [
        Transition("award", [LotState.OPEN], LotState.AWARDED, _("Award"), permission="change", style="primary"),
        Transition("cancel", [LotState.OPEN, LotState.AWARDED], LotState.CANCELLED, _("Cancel"),
                   permission="change", style="danger", conditions=[lambda lot: lot.cancel_refusal()]),
    ])

    project = models.ForeignKey("projects.Project", verbose_name=_("project"), on_delete=models.PROTECT,
                                related_name="tender_lots")
    code = models.CharField(_("lot number"), max_length=30, help_text=_("E.g. SG-01"))
    name = models.CharField(_("lot name"), max_length=200)
    scope = models.TextField(_("scope of work"), blank=True)
    estimated_amount = models.DecimalField(_("estimated amount (yuan)"), max_digits=16, decimal_places=2,
                                           validators=[MinValueValidator(0)])
    required_kind = models.CharField(_("required qualification"), max_length=20, choices=QualificationKind.choices)
    required_grade = models.CharField(_("minimum grade"), max_length=10, choices=QualificationGrade.choices)
    bid_open_on = models.DateField(_("bid opening"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=LotState.choices, default=LotState.OPEN)
    awarded_to = models.ForeignKey("accounts.Organization", verbose_name=_("awarded to"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="awarded_lots")
    awarded_amount = models.DecimalField(_("award amount (yuan)"), max_digits=16, decimal_places=2, null=True,
                                         blank=True)
    awarded_on = models.DateField(_("awarded on"), null=True, blank=True)
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("awarded by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["project", "code", "id"]
        verbose_name = _("tender lot")
        verbose_name_plural = _("tender lots")
        permissions = [("award_tenderlot", "Can award tender lots on any project")]
        constraints = [models.UniqueConstraint(fields=["project", "code"], condition=models.Q(voided_at__isnull=True),
                                               name="lot_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:lot-detail", args=[self.pk])

    def cancel_refusal(self) -> str | None:
        """A lot with a live contract signed on it stays awarded: the contract is terminated first."""
        if self.pk and self.contracts.filter(voided_at__isnull=True, state="signed").exists():
            return _("A contract is signed on this lot: terminate the contract first.")
        return None


class Bid(TimeStampedModel):
    """One unit's bid for a lot, with the key people it names."""

    lot = models.ForeignKey(TenderLot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="bids")
    organization = models.ForeignKey("accounts.Organization", verbose_name=_("bidder"), on_delete=models.PROTECT,
                                     related_name="bids")
    amount = models.DecimalField(_("bid amount (yuan)"), max_digits=16, decimal_places=2,
                                 validators=[MinValueValidator(0)])
    project_manager = models.ForeignKey(PersonCertificate, verbose_name=_("project manager (constructor)"),
                                        null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    safety_officer = models.ForeignKey(PersonCertificate, verbose_name=_("safety officer"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["lot", "amount", "id"]
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        constraints = [models.UniqueConstraint(fields=["lot", "organization"], name="bid_one_per_bidder")]

    def __str__(self) -> str:
        return f"{self.lot.code} · {self.organization}"
