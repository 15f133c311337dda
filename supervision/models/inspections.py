"""Materials and third-party inspection (材料进场与第三方检测).

Deliveries of materials arrive with their certificates; an inspection plan per key process (混凝土强度, 钢筋, 桩基 …)
says how many samples are required and that at least 30 % of them are witnessed (见证取样); each sample is assigned
to a testing agency drawn at random among the eligible ones (the draw is recorded); the agency records the result
with its report. A failed sample opens a rectification with a deadline; the rectified work is inspected again (a
new sample, `retest_of` the failed one) and the rectification closes when that passes. Overdue rectifications climb
the deadline engine's ladder `supervision.rectification`.

Sample `taken → assigned → passed | failed`; rectification `open → submitted → closed` (a failed re-inspection or
a rejected submission sends it back to `open`)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.fsm import Transition, Workflow
from portal.core.models import VoidableModel

WITNESS_SHARE_MIN = 30  # 见证取样: at least 30 % of the required samples witnessed
RECTIFICATION_WORKDAYS = 10  # default time to rectify a failed test


class MaterialKind(models.TextChoices):
    CEMENT = "cement", _("Cement")
    REBAR = "rebar", _("Reinforcing steel")
    CONCRETE = "concrete", _("Ready-mixed concrete")
    AGGREGATE = "aggregate", _("Aggregate")
    ASPHALT = "asphalt", _("Asphalt")
    STEEL_STRUCTURE = "steel", _("Structural steel")
    WATERPROOFING = "waterproofing", _("Waterproofing")
    PIPE = "pipe", _("Pipes")
    OTHER = "other", pgettext_lazy("material kind", "Other")


class MaterialDelivery(VoidableModel):
    project = models.ForeignKey("projects.Project", verbose_name=_("project"), on_delete=models.PROTECT,
                                related_name="material_deliveries")
    contract = models.ForeignKey("supervision.Contract", verbose_name=_("contract"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="deliveries")
    contractor = models.ForeignKey("accounts.Organization", verbose_name=_("receiving contractor"),
                                   on_delete=models.PROTECT, related_name="material_deliveries")
    kind = models.CharField(_("material"), max_length=20, choices=MaterialKind.choices)
    specification = models.CharField(_("specification"), max_length=100, help_text=_("E.g. HRB400E Φ25, C40"))
    supplier = models.CharField(_("supplier"), max_length=200)
    batch_number = models.CharField(_("batch number"), max_length=50)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3,
                                   validators=[MinValueValidator(0)])
    unit = models.CharField(_("unit"), max_length=10, help_text=_("t, m³, m …"))
    certificate_number = models.CharField(_("certificate number"), max_length=50, blank=True)
    delivered_on = models.DateField(_("delivered on"))
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-delivered_on", "-id"]
        verbose_name = _("material delivery")
        verbose_name_plural = _("material deliveries")
        indexes = [models.Index(fields=["project", "delivered_on"], name="delivery_project_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.specification} {self.batch_number}"


class KeyProcess(models.TextChoices):
    CONCRETE_STRENGTH = "concrete_strength", _("Concrete strength")  # 混凝土强度
    REBAR = "rebar", _("Reinforcing steel and couplers")  # 钢筋及连接
    PILE = "pile", _("Pile integrity and bearing capacity")  # 桩基
    COMPACTION = "compaction", _("Subgrade compaction")  # 压实度
    WELDING = "welding", _("Steel structure welds")  # 焊缝
    WATERPROOFING = "waterproofing", _("Waterproofing")  # 防水
    ASPHALT = "asphalt", _("Asphalt pavement")  # 沥青路面
    OTHER = "other", pgettext_lazy("key process", "Other")


class InspectionPlan(VoidableModel):
    project = models.ForeignKey("projects.Project", verbose_name=_("project"), on_delete=models.PROTECT,
                                related_name="inspection_plans")
    contractor = models.ForeignKey("accounts.Organization", verbose_name=_("contractor inspected"),
                                   on_delete=models.PROTECT, related_name="inspection_plans")
    process = models.CharField(_("key process"), max_length=30, choices=KeyProcess.choices)
    title = models.CharField(_("title"), max_length=200)
    required_samples = models.PositiveIntegerField(_("required samples"), validators=[MinValueValidator(1)])
    witness_share = models.PositiveSmallIntegerField(
        _("witnessed share (%)"), default=WITNESS_SHARE_MIN,
        validators=[MinValueValidator(WITNESS_SHARE_MIN), MaxValueValidator(100)],
        # xgettext:no-python-format  (the % is a per cent sign)
        help_text=_("At least 30 % of the required samples are taken in a witness's presence."))
    standard = models.CharField(_("standard / acceptance criterion"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("planned by"),
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["project", "process", "id"]
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        constraints = [models.CheckConstraint(condition=models.Q(witness_share__gte=WITNESS_SHARE_MIN),
                                              name="plan_witness_share_min")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("supervision:plan-detail", args=[self.pk])


class SampleState(models.TextChoices):
    TAKEN = "taken", pgettext_lazy("sample state", "Taken")
    ASSIGNED = "assigned", pgettext_lazy("sample state", "At the testing agency")
    PASSED = "passed", pgettext_lazy("sample state", "Passed")
    FAILED = "failed", pgettext_lazy("sample state", "Failed")


class Sample(VoidableModel):
    workflow = Workflow("state", [
        Transition("assign", [SampleState.TAKEN], SampleState.ASSIGNED, _("Assign a testing agency"),
                   permission="change", style="primary"),
        Transition("pass", [SampleState.ASSIGNED], SampleState.PASSED, _("Record a pass"), permission="record",
                   style="primary"),
        Transition("fail", [SampleState.ASSIGNED], SampleState.FAILED, _("Record a failure"), permission="record",
                   style="danger"),
    ])

    number = models.CharField(_("sample number"), max_length=30, unique=True)
    plan = models.ForeignKey(InspectionPlan, verbose_name=_("inspection plan"), on_delete=models.PROTECT,
                             related_name="samples")
    delivery = models.ForeignKey(MaterialDelivery, verbose_name=_("delivery"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="samples")
    location = models.CharField(_("part / location sampled"), max_length=200)
    elements = models.CharField(_("model elements"), max_length=500, blank=True,
                                help_text=_("IFC GlobalIds of the elements sampled, comma-separated (for BIM)."))
    taken_on = models.DateField(_("taken on"))
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("taken by"), on_delete=models.PROTECT,
                                 related_name="+")
    witnessed = models.BooleanField(_("witnessed (见证取样)"), default=False)
    witness_name = models.CharField(_("witness"), max_length=50, blank=True)
    retest_of = models.ForeignKey("self", verbose_name=_("re-inspection of"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="retests")
    state = models.CharField(_("state"), max_length=20, choices=SampleState.choices, default=SampleState.TAKEN)
    agency = models.ForeignKey("accounts.Organization", verbose_name=_("testing agency"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="assigned_samples")
    agency_candidates = models.JSONField(_("agencies drawn from"), default=list, blank=True,
                                         help_text=_("The eligible agencies' ids at the draw."))
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    values = models.JSONField(_("measured values"), default=dict, blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    report_number = models.CharField(_("report number"), max_length=50, blank=True)
    tested_on = models.DateField(_("tested on"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("result recorded by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["-taken_on", "-id"]
        verbose_name = _("sample")
        verbose_name_plural = _("samples")
        indexes = [models.Index(fields=["plan", "state"], name="sample_plan_idx"),
                   models.Index(fields=["agency", "state"], name="sample_agency_idx"),
                   models.Index(fields=["state", "taken_on"], name="sample_state_idx"),
                   # the lists' order, newest first: the board reads its first page off the index
                   models.Index(fields=["-taken_on", "-id"], name="sample_taken_idx")]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("supervision:sample-detail", args=[self.pk])

    @property
    def is_tested(self) -> bool:
        return self.state in (SampleState.PASSED, SampleState.FAILED)


class RectificationState(models.TextChoices):
    OPEN = "open", pgettext_lazy("rectification state", "Rectifying")
    SUBMITTED = "submitted", pgettext_lazy("rectification state", "Awaiting re-inspection")
    CLOSED = "closed", pgettext_lazy("rectification state", "Closed")


def _rectification_retest_passed(rectification: "Rectification") -> str | None:
    """Verify: the rectification closes only on a passed re-inspection."""
    retest = rectification.retest
    if retest is None or retest.voided_at is not None:
        return _("No re-inspection sample has been taken yet.")
    if retest.state != SampleState.PASSED:
        return _("The re-inspection has not passed yet.")
    return None


def _rectification_retest_not_passed(rectification: "Rectification") -> str | None:
    """Reject: a rectification whose re-inspection passed is closed, not returned."""
    retest = rectification.retest
    if retest is not None and retest.voided_at is None and retest.state == SampleState.PASSED:
        return _("The re-inspection passed: close the rectification instead.")
    return None


class Rectification(VoidableModel):
    """The rectification a failed test opens (整改), closed by a passed re-inspection."""

    workflow = Workflow("state", [
        Transition("submit", [RectificationState.OPEN], RectificationState.SUBMITTED, _("Submit the rectification"),
                   permission="rectify", style="primary"),
        Transition("reject", [RectificationState.SUBMITTED], RectificationState.OPEN, _("Not rectified: return"),
                   permission="verify", style="danger", conditions=[_rectification_retest_not_passed]),
        Transition("verify", [RectificationState.SUBMITTED], RectificationState.CLOSED,
                   _("Re-inspection passed: close"), permission="verify", style="primary",
                   conditions=[_rectification_retest_passed]),
    ])

    number = models.CharField(_("rectification number"), max_length=30, unique=True)
    sample = models.OneToOneField(Sample, verbose_name=_("failed sample"), on_delete=models.PROTECT,
                                  related_name="rectification")
    project = models.ForeignKey("projects.Project", verbose_name=_("project"), on_delete=models.PROTECT,
                                related_name="rectifications")
    responsible = models.ForeignKey("accounts.Organization", verbose_name=_("responsible unit"),
                                    on_delete=models.PROTECT, related_name="rectifications")
    requirement = models.TextField(_("what must be done"))
    due_on = models.DateField(_("due on"))
    state = models.CharField(_("state"), max_length=20, choices=RectificationState.choices,
                             default=RectificationState.OPEN)
    measures = models.TextField(_("measures taken"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    retest = models.ForeignKey(Sample, verbose_name=_("re-inspection sample"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("verified by"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    rounds = models.PositiveSmallIntegerField(_("rounds"), default=1, help_text=_("1 + failed re-inspections."))
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        permissions = [("verify_rectification", "Can verify rectifications on any project")]
        indexes = [models.Index(fields=["state", "due_on"], name="rectification_due_idx"),
                   models.Index(fields=["project", "state"], name="rectification_project_idx"),
                   models.Index(fields=["responsible", "state"], name="rectification_unit_idx")]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("supervision:rectification-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state != RectificationState.CLOSED and self.voided_at is None

    def is_overdue(self, on) -> bool:
        return self.is_open and on > self.due_on

