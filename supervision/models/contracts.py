"""Contracts (合同): who builds what for how much, by when, under which penalties, with which advance and retention.

The funding part pays against contracts: it reads them through `supervision.contracts.selectors` and never
reaches into these models."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.fsm import Transition, Workflow
from portal.core.models import TimeStampedModel, VoidableModel

ADVANCE_MIN, ADVANCE_MAX = Decimal("10"), Decimal("30")  # 预付款 10–30 % of the contract value (or none)
RETENTION_MAX = Decimal("3")  # 质保金 ≤ 3 % (建质〔2017〕138号)


class ContractKind(models.TextChoices):
    CONSTRUCTION = "construction", _("Construction")
    SUPERVISION = "supervision", pgettext_lazy("contract kind", "Supervision")
    DESIGN = "design", pgettext_lazy("contract kind", "Design")
    TESTING = "testing", pgettext_lazy("contract kind", "Testing")
    SUPPLY = "supply", _("Supply")


class QualityStandard(models.TextChoices):
    PASS = "pass", _("Pass (合格)")
    GOOD = "good", _("Good (优良)")
    AWARD = "award", _("Provincial quality award")


class ContractState(models.TextChoices):
    SIGNED = "signed", pgettext_lazy("contract state", "Signed")
    COMPLETED = "completed", pgettext_lazy("contract state", "Completed")
    TERMINATED = "terminated", pgettext_lazy("contract state", "Terminated")


class Contract(VoidableModel):
    """A signed contract; completed when its works are accepted, or terminated (with the reason) before."""

    workflow = Workflow("state", [
        Transition("complete", [ContractState.SIGNED], ContractState.COMPLETED, pgettext_lazy("contract", "Complete"),
                   permission="change", style="primary"),
        Transition("terminate", [ContractState.SIGNED], ContractState.TERMINATED, _("Terminate"),
                   permission="change", style="danger"),
    ])

    project = models.ForeignKey("projects.Project", verbose_name=_("project"), on_delete=models.PROTECT,
                                related_name="contracts")
    lot = models.ForeignKey("supervision.TenderLot", verbose_name=_("lot"), null=True, blank=True,
                            on_delete=models.PROTECT, related_name="contracts")
    number = models.CharField(_("contract number"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=ContractKind.choices,
                            default=ContractKind.CONSTRUCTION)
    employer = models.ForeignKey("accounts.Organization", verbose_name=_("employer (party A)"),
                                 on_delete=models.PROTECT, related_name="contracts_as_employer")
    contractor = models.ForeignKey("accounts.Organization", verbose_name=_("contractor (party B)"),
                                   on_delete=models.PROTECT, related_name="contracts_as_contractor")
    amount = models.DecimalField(_("contract amount (yuan)"), max_digits=16, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    start_on = models.DateField(_("start"))
    finish_on = models.DateField(_("finish"))
    quality_standard = models.CharField(_("quality standard"), max_length=20, choices=QualityStandard.choices,
                                        default=QualityStandard.PASS)
    delay_penalty_per_day = models.DecimalField(_("delay penalty per day (yuan)"), max_digits=12, decimal_places=2,
                                                default=Decimal("0"), validators=[MinValueValidator(0)])
    # xgettext:no-python-format  (the % is a per cent sign)
    delay_penalty_cap = models.DecimalField(_("delay penalty cap (% of amount)"), max_digits=5, decimal_places=2,
                                            default=Decimal("10"), validators=[MinValueValidator(0),
                                                                               MaxValueValidator(100)])
    quality_penalty_clause = models.TextField(_("quality penalty clauses"), blank=True)
    advance_share = models.DecimalField(_("advance (%)"), max_digits=5, decimal_places=2, default=Decimal("0"),
                                        validators=[MinValueValidator(0), MaxValueValidator(ADVANCE_MAX)],
                                        # xgettext:no-python-format  (the % is a per cent sign)
                                        help_text=_("0 (no advance) or 10–30 % of the contract amount."))
    retention_share = models.DecimalField(_("retention (%)"), max_digits=5, decimal_places=2, default=Decimal("3"),
                                          validators=[MinValueValidator(0), MaxValueValidator(RETENTION_MAX)],
                                          # xgettext:no-python-format  (the % is a per cent sign)
                                          help_text=_("At most 3 % of the contract amount."))
    payment_share = models.DecimalField(_("progress payment share (%)"), max_digits=5, decimal_places=2,
                                        default=Decimal("80"),
                                        validators=[MinValueValidator(60), MaxValueValidator(100)],
                                        # xgettext:no-python-format  (the % is a per cent sign)
                                        help_text=_("Share of certified work paid at each progress payment "
                                                    "(≥ 80 % for government-invested contracts from 2022-08-01)."))
    defects_months = models.PositiveSmallIntegerField(_("defects period (months)"), default=12,
                                                      validators=[MinValueValidator(1), MaxValueValidator(24)])
    signed_on = models.DateField(_("signed on"))
    state = models.CharField(_("state"), max_length=20, choices=ContractState.choices, default=ContractState.SIGNED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                   on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(_("version"), default=1)
    audit_money_fields = {"amount": _("Contract amount")}

    class Meta:
        ordering = ["project", "number", "id"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        indexes = [models.Index(fields=["project", "state"], name="contract_project_idx"),
                   models.Index(fields=["contractor", "state"], name="contract_contractor_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="contract_amount_positive"),
            models.CheckConstraint(condition=models.Q(retention_share__gte=0, retention_share__lte=3),
                                   name="contract_retention_max_3"),
            models.CheckConstraint(condition=models.Q(advance_share=0)
                                   | models.Q(advance_share__gte=10, advance_share__lte=30),
                                   name="contract_advance_10_30"),
            models.CheckConstraint(condition=models.Q(finish_on__gte=models.F("start_on")),
                                   name="contract_finish_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:contract-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.voided_at is None and self.state == ContractState.SIGNED


class ContractDocument(TimeStampedModel):
    """A version of the contract's signed text or one of its annexes; a new upload of the same title is the next
    version, the earlier ones stay."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("document"), max_length=200)
    version = models.PositiveSmallIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to="supervision/contracts/%Y/%m/", max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("type"), max_length=100)
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["contract", "title", "-version", "id"]
        verbose_name = _("contract document")
        verbose_name_plural = _("contract documents")
        constraints = [models.UniqueConstraint(fields=["contract", "title", "version"],
                                               name="contract_document_version_unique")]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"
