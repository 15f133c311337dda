"""Records of the supervision parts made directly, for the overview tests (the parts' own services are tested by
their parts; these tests read what is recorded). No tests here: test_overview_pages.py and test_overview_home.py
load it by path (the suite runs in importlib mode)."""

import datetime
import itertools

from django.utils import timezone

from supervision.models import (
    AccountabilityRecord,
    DangerousWork,
    Hazard,
    InspectionPlan,
    Rectification,
    Sample,
)

_serial = itertools.count(1)


def _n(prefix: str) -> str:
    return f"{prefix}-OV{next(_serial):06d}"


def hazard(project, *, by, responsible, grade="general", state="reported", due_in=5, **extra) -> Hazard:
    today = timezone.localdate()
    return Hazard.objects.create(
        number=_n("YH"), project=project, title="临边防护缺失", description="基坑临边未设防护栏杆。",
        location="K12+300 基坑北侧", grade=grade, criterion="1.1" if grade == "major" else "",
        responsible=responsible, found_on=today, found_by=by, due_on=today + datetime.timedelta(days=due_in),
        state=state, submitted_at=timezone.now() if state == "submitted_for_check" else None, **extra)


def plan(project, *, by, contractor) -> InspectionPlan:
    return InspectionPlan.objects.create(project=project, contractor=contractor, process="concrete_strength",
                                         title="桥墩混凝土强度检测", required_samples=10, created_by=by)


def sample(plan_, *, by, state="assigned", agency=None) -> Sample:
    return Sample.objects.create(
        number=_n("QY"), plan=plan_, location="3#墩身", taken_on=timezone.localdate(), taken_by=by, state=state,
        agency=agency, assigned_at=timezone.now() if agency else None)


def rectification(sample_, *, responsible, state="open", due_in=10) -> Rectification:
    return Rectification.objects.create(
        number=_n("ZG"), sample=sample_, project=sample_.plan.project, responsible=responsible,
        requirement="返工重做并重新取样检测。", due_on=timezone.localdate() + datetime.timedelta(days=due_in),
        state=state, submitted_at=timezone.now() if state == "submitted" else None)


def dangerous_work(project, *, contractor, large=False) -> DangerousWork:
    return DangerousWork.objects.create(project=project, contractor=contractor, kind="excavation",
                                        name="车站深基坑", depth_m=12 if large else 4, large_scale=large)


def accountability(project, *, organization, state="proposed") -> AccountabilityRecord:
    return AccountabilityRecord.objects.create(number=_n("ZZ"), organization=organization, project=project,
                                               kind="interview", trigger="manual", facts="重大隐患逾期未整改。",
                                               state=state)
