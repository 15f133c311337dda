"""Reads of inspections: the lists of this part's pages and API (already narrowed to what the user may see, with
what they render joined), and the figures other parts and apps read (the project's quality & safety page,
funding's payment gate)."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from portal.accounts.models import Organization, OrganizationKind, User
from portal.core import policy, workdays
from portal.core.deadlines import AMBER_WORKDAYS
from portal.core.plugins import ElementFinding

from ..models import InspectionPlan, MaterialDelivery, Rectification, RectificationState, Sample, SampleState

TESTED = (SampleState.PASSED, SampleState.FAILED)


# -------------------------------------------------------------------------------------- for other parts and apps
def pass_rate(*, project_id: int) -> tuple[int, int]:
    """(samples passed, samples tested) of the project; re-inspections count like first tests."""
    counts = Sample.objects.filter(plan__project_id=project_id, voided_at__isnull=True).aggregate(
        passed=Count("pk", filter=Q(state=SampleState.PASSED)),
        tested=Count("pk", filter=Q(state__in=TESTED)))
    return counts["passed"], counts["tested"]


def open_rectifications(*, project_id: int) -> QuerySet[Rectification]:
    """The project's rectifications not yet closed, the soonest due first."""
    return (Rectification.objects
            .filter(project_id=project_id, voided_at__isnull=True)
            .exclude(state=RectificationState.CLOSED)
            .select_related("responsible", "sample").order_by("due_on", "id"))


def rectifications_due(*, project_id: int, on: datetime.date) -> QuerySet[Rectification]:
    """Open rectifications of the project due on or before `on`."""
    return open_rectifications(project_id=project_id).filter(due_on__lte=on)


def key_processes_clear(*, project_id: int) -> bool:
    """No failed key-process test of the project awaits its rectification (funding's payment gate)."""
    return not open_rectifications(project_id=project_id).exists()


FINDING_RESULTS = {SampleState.FAILED: "failed", SampleState.PASSED: "passed"}  # taken, assigned: "pending"


def element_findings(*, project, user: User) -> list[ElementFinding]:
    """The samples of the project's inspection plans that `user` may see and that name the model elements they
    were taken from (IFC GlobalIds): each a finding of the project's BIM model — failed, passed, or pending while
    it waits for its result (declared in this part's plugin; `portal.core.plugins.element_findings`). A failed
    sample whose re-inspection passed counts as passed: the elements were put right. One query."""
    retest_passed = Sample.objects.filter(retest_of=OuterRef("pk"), state=SampleState.PASSED, voided_at__isnull=True)
    samples = (policy.visible(user, Sample.objects.filter(voided_at__isnull=True))
               .filter(plan__project=project, plan__voided_at__isnull=True).exclude(elements="")
               .only("pk", "number", "location", "elements", "state", "taken_on", "tested_on")
               .annotate(retest_passed=Exists(retest_passed))
               .order_by("-taken_on", "-id"))
    found = []
    for sample in samples:
        global_ids = tuple(dict.fromkeys(g.strip() for g in sample.elements.replace(";", ",").split(",") if g.strip()))
        if not global_ids:
            continue
        label = _("Sample %(number)s · %(location)s · %(state)s") % {
            "number": sample.number, "location": sample.location, "state": sample.get_state_display()}
        result = FINDING_RESULTS.get(sample.state, "pending")
        if result == "failed" and sample.retest_passed:
            result, label = "passed", _("%(label)s; re-inspection passed") % {"label": label}
        found.append(ElementFinding(global_ids=global_ids, result=result,
                                    label=label, url=sample.get_absolute_url(),
                                    date=sample.tested_on or sample.taken_on))
    return found


def rate(passed: int, tested: int) -> int | None:
    """Pass rate in whole per cent, None when nothing was tested."""
    return round(100 * passed / tested) if tested else None


# ------------------------------------------------------------------------------------------------------- lists
def delivery_list(*, user: User, project_id: int | None = None, kind: str = "", search: str = ""
                  ) -> QuerySet[MaterialDelivery]:
    qs = policy.visible(user, MaterialDelivery.objects.filter(voided_at__isnull=True))
    if project_id:
        qs = qs.filter(project_id=project_id)
    if kind:
        qs = qs.filter(kind=kind)
    if search:
        qs = qs.filter(Q(batch_number__icontains=search) | Q(specification__icontains=search)
                       | Q(supplier__icontains=search) | Q(certificate_number__icontains=search))
    return qs.select_related("project", "contractor", "received_by").order_by("-delivered_on", "-id")


def plan_list(*, user: User, project_id: int | None) -> QuerySet[InspectionPlan]:
    """The plans (of one project, when given) with their first-test samples taken, witnessed, passed and failed
    counted."""
    first = Q(samples__voided_at__isnull=True, samples__retest_of__isnull=True)
    plans = InspectionPlan.objects.filter(voided_at__isnull=True)
    if project_id:
        plans = plans.filter(project_id=project_id)
    return (policy.visible(user, plans)
            .select_related("contractor")
            .annotate(taken=Count("samples", filter=first),
                      witnessed=Count("samples", filter=first & Q(samples__witnessed=True)),
                      passed=Count("samples", filter=Q(samples__voided_at__isnull=True,
                                                       samples__state=SampleState.PASSED)),
                      failed=Count("samples", filter=Q(samples__voided_at__isnull=True,
                                                       samples__state=SampleState.FAILED)))
            .order_by("process", "id"))


def sample_list(*, user: User, project_id: int | None = None, plan_id: int | None = None, process: str = "",
                state: str = "", agency_id: int | None = None, agency: str = "", date_from: datetime.date | None = None,
                date_to: datetime.date | None = None, search: str = "", agency_only: bool = False
                ) -> QuerySet[Sample]:
    """Samples the user may see, filtered; `agency_only`: only those assigned to the user's organisation."""
    qs: QuerySet[Sample] = Sample.objects.filter(voided_at__isnull=True)
    if agency_only:
        qs = qs.filter(agency_id=user.organization_id) if user.organization_id else qs.none()
    qs = policy.visible(user, qs)
    if project_id:
        qs = qs.filter(plan__project_id=project_id)
    if plan_id:
        qs = qs.filter(plan_id=plan_id)
    if process:
        qs = qs.filter(plan__process=process)
    if state:
        qs = qs.filter(state=state)
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    if agency:
        qs = qs.filter(agency__name__icontains=agency)
    if date_from:
        qs = qs.filter(taken_on__gte=date_from)
    if date_to:
        qs = qs.filter(taken_on__lte=date_to)
    if search:
        qs = qs.filter(Q(number__icontains=search) | Q(location__icontains=search)
                       | Q(report_number__icontains=search) | Q(plan__project__name__icontains=search))
    return qs.select_related("plan", "plan__project", "plan__contractor", "agency", "retest_of").order_by(
        "-taken_on", "-id")


def sample_figures(samples: QuerySet[Sample]) -> dict:
    """Counts of a filtered list (one query): tested, passed, failed, waiting, and the pass rate."""
    counts = samples.order_by().aggregate(
        total=Count("pk"), passed=Count("pk", filter=Q(state=SampleState.PASSED)),
        failed=Count("pk", filter=Q(state=SampleState.FAILED)),
        waiting=Count("pk", filter=Q(state__in=[SampleState.TAKEN, SampleState.ASSIGNED])))
    counts["tested"] = counts["passed"] + counts["failed"]
    counts["rate"] = rate(counts["passed"], counts["tested"])
    return counts


DUE_CHOICES = ("overdue", "soon")


def soon_limit(on: datetime.date) -> datetime.date:
    """The last due date that is "due soon" on `on` (AMBER_WORKDAYS working days ahead)."""
    return workdays.add_workdays(on, AMBER_WORKDAYS)


def rectification_list(*, user: User, on: datetime.date, project_id: int | None = None, state: str = "",
                       due: str = "", responsible_id: int | None = None, search: str = ""
                       ) -> QuerySet[Rectification]:
    qs = policy.visible(user, Rectification.objects.filter(voided_at__isnull=True))
    if project_id:
        qs = qs.filter(project_id=project_id)
    if state == "open":
        qs = qs.exclude(state=RectificationState.CLOSED)
    elif state:
        qs = qs.filter(state=state)
    if due == "overdue":
        qs = qs.exclude(state=RectificationState.CLOSED).filter(due_on__lt=on)
    elif due == "soon":
        qs = qs.exclude(state=RectificationState.CLOSED).filter(due_on__gte=on, due_on__lte=soon_limit(on))
    if responsible_id:
        qs = qs.filter(responsible_id=responsible_id)
    if search:
        qs = qs.filter(Q(number__icontains=search) | Q(sample__number__icontains=search)
                       | Q(project__name__icontains=search))
    return qs.select_related("project", "responsible", "sample", "sample__plan", "retest").order_by("due_on", "id")


def testing_agencies() -> QuerySet[Organization]:
    return Organization.objects.filter(kind=OrganizationKind.TESTING_AGENCY, voided_at__isnull=True).order_by("name")
