"""The supervision rows of the scale data (supervision/scale.py) at a small size: consistent with the models'
rules and what the services would have written, real criterion codes, deterministic counts, idempotent."""

import pytest
from django.db.models import Count

from supervision import scale
from supervision.hazards.criteria import CRITERIA
from supervision.models import (
    AccountabilityRecord,
    Contract,
    DangerousWork,
    Hazard,
    HazardGrade,
    HazardState,
    InspectionPlan,
    Rectification,
    RectificationState,
    Sample,
    SampleState,
    TenderLot,
)

pytestmark = pytest.mark.django_db

PROJECTS = 8


@pytest.fixture
def seeded():
    before = scale.counts()
    after = scale.seed_existing(projects=PROJECTS, log=lambda _msg: None)
    return before, after


def test_every_kind_of_record_is_made(seeded):
    before, after = seeded
    for key in ("tender_lots", "contracts", "inspection_plans", "samples", "hazards"):
        assert after[key] > before[key], key
    scale_hazards = Hazard.objects.filter(number__startswith=scale.HAZARD_PREFIX)
    assert scale_hazards.values("project").distinct().count() <= PROJECTS
    assert scale_hazards.count() >= PROJECTS * 5


def test_hazards_follow_the_rules(seeded):
    codes = {c.code for c in CRITERIA}
    hazards = Hazard.objects.filter(number__startswith=scale.HAZARD_PREFIX)
    for h in hazards:
        if h.grade == HazardGrade.MAJOR:
            assert h.criterion in codes
        else:
            assert h.criterion == ""
        assert h.due_on >= h.found_on
        if h.state == HazardState.CLOSED:
            assert h.closed_at and h.closed_by_id and h.submitted_at
        if h.state == HazardState.SUBMITTED:
            assert h.submitted_at and not h.closed_at
        if h.dangerous_work_id:
            assert h.dangerous_work.project_id == h.project_id
    states = dict(hazards.values_list("state").annotate(n=Count("pk")))
    assert states.get(HazardState.CLOSED, 0) > 0


def test_samples_rectifications_and_records_hang_together(seeded):
    scale_samples = Sample.objects.filter(number__startswith="QS")
    for s in scale_samples.select_related("plan"):
        if s.state in (SampleState.PASSED, SampleState.FAILED):
            assert s.tested_on and s.report_number and s.agency_id
        if s.state == SampleState.TAKEN:
            assert s.agency_id is None
    for plan in InspectionPlan.objects.filter(samples__number__startswith="QS").distinct():
        taken = plan.samples.filter(retest_of__isnull=True)
        assert taken.filter(witnessed=True).count() * 100 >= taken.count() * 30  # 见证取样 ≥ 30 %
    for r in Rectification.objects.filter(number__startswith="ZS").select_related("sample__plan", "retest"):
        assert r.sample.state == SampleState.FAILED and r.project_id == r.sample.plan.project_id
        if r.state == RectificationState.CLOSED:
            assert r.retest.retest_of_id == r.sample_id and r.retest.state == SampleState.PASSED
    for record in AccountabilityRecord.objects.filter(number__startswith="ZZS").select_related("hazard"):
        if record.hazard_id:
            assert record.hazard.grade == HazardGrade.MAJOR and record.hazard.state != HazardState.CLOSED
    for c in Contract.objects.filter(number__startswith="HTS").select_related("lot"):
        assert c.finish_on >= c.start_on
        if c.lot_id:
            assert c.lot.awarded_to_id == c.contractor_id and c.lot.project_id == c.project_id
    assert DangerousWork.objects.count() >= 0 and TenderLot.objects.filter(code__startswith="SG-").exists()


def test_a_second_run_adds_nothing(seeded):
    _before, after = seeded
    assert scale.seed_existing(projects=PROJECTS, log=lambda _msg: None) == after
