"""Hazards through their services: reporting (a major hazard names its criterion of the 2022 standard, the unit is
one of the project's, the deadline by grade), the workflow reported → rectifying → submitted → closed with a failed
check back to rectifying, closing refused without evidence or by the unit that rectified it (nothing changed), and
the deadline scan proposing accountability for an overdue major hazard once."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from portal.accounts.models import Organization
from portal.audit.models import AuditEvent
from portal.core import deadlines, policy, workdays
from portal.core.errors import ApplicationError
from portal.core.models import EscalationRung
from portal.core.services import today
from projects.models import Project
from supervision.accountability.rules import propose_for_overdue_major_hazard
from supervision.hazards import criteria, services
from supervision.hazards.deadlines import overdue_major_hazards_step
from supervision.models import AccountabilityRecord, Document, Hazard, MeasureKind, Trigger

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The messages are checked in English, whichever language an earlier test in this process left active."""
    with translation.override("en"):
        yield

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def photo(name="site.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def project():
    return Project.objects.get(name="杭温高速铁路义乌至温州段")


@pytest.fixture
def unit(contractor):
    return contractor.organization


def report(actor, project, unit, **kw):
    fields = {"title": "塔吊限位器失效", "description": "2号塔吊起升高度限位器被拆除", "location": "2号塔吊",
              "grade": "major", "criterion": "7.5", "responsible": unit, **kw}
    return services.hazard_report(actor=actor, project=project, **fields)


def state_of(hazard):
    h = Hazard.objects.get(pk=hazard.pk)
    return h.state, h.version, AuditEvent.objects.filter(content_type__model="hazard", object_id=str(h.pk)).count()


def test_a_major_hazard_is_reported_with_its_criterion_photos_and_deadline(staff, project, unit):
    hazard = report(staff, project, unit, photos=[photo()])
    assert hazard.state == "reported" and hazard.criterion == "7.5" and hazard.number.startswith("YH")
    assert hazard.due_on == workdays.add_workdays(hazard.found_on, 15)
    assert Document.objects.filter(target_id=hazard.pk, purpose="photo").count() == 1
    general = report(staff, project, unit, grade="general", criterion="")
    assert general.due_on == workdays.add_workdays(general.found_on, 5)


@pytest.mark.parametrize(("grade", "criterion", "field"), [
    ("major", "", "criterion"), ("major", "99.9", "criterion"), ("general", "7.5", "criterion"),
    ("severe", "", "grade")])
def test_the_grade_is_a_judgement_against_the_standard(staff, project, unit, grade, criterion, field):
    before = Hazard.objects.count()
    with pytest.raises(ApplicationError) as exc:
        report(staff, project, unit, grade=grade, criterion=criterion)
    assert field in exc.value.extra
    assert Hazard.objects.count() == before


def test_bad_input_is_refused_naming_the_field(staff, project, unit):
    other_unit = Organization.objects.get(name="浙水水利水电开发有限公司")
    cases = [({"title": " "}, "title"), ({"responsible": other_unit}, "responsible"),
             ({"due_on": datetime.date(2000, 1, 1)}, "due_on"),
             ({"found_on": today() + datetime.timedelta(days=5)}, "found_on")]
    before = Hazard.objects.count()
    for kw, field in cases:
        with pytest.raises(ApplicationError) as exc:
            report(staff, project, unit, **kw)
        assert field in exc.value.extra, (kw, exc.value.extra)
    assert Hazard.objects.count() == before


def test_only_bureau_staff_and_inspectors_report_on_projects_they_see(contractor, owner, project, unit):
    for user in (contractor, owner):
        with pytest.raises(ApplicationError) as exc:
            report(user, project, unit)
        assert exc.value.code == "forbidden"


def test_the_whole_path_with_a_failed_check(staff, contractor, project, unit):
    hazard = report(staff, project, unit)
    services.hazard_acknowledge(actor=contractor, hazard=hazard)
    services.hazard_submit(actor=contractor, hazard=hazard, measures="已恢复限位器", evidence=[photo("fix.png")])
    hazard = services.hazard_reject(actor=staff, hazard=hazard, reason="限位器未调试")
    assert (hazard.state, hazard.check_failures) == ("rectifying", 1)
    services.hazard_submit(actor=contractor, hazard=hazard, measures="已调试", evidence=[])
    hazard = services.hazard_close(actor=staff, hazard=hazard, note="复查合格")
    assert hazard.state == "closed" and hazard.closed_by == staff and not hazard.is_open


def test_only_the_responsible_unit_rectifies(staff, owner, project, unit):
    hazard = report(staff, project, unit)
    for user in (staff, owner):
        with pytest.raises(ApplicationError) as exc:
            services.hazard_acknowledge(actor=user, hazard=hazard)
        assert exc.value.code == "forbidden"
    assert state_of(hazard)[0] == "reported"


def test_closing_without_evidence_is_refused_and_changes_nothing(staff, contractor, project, unit):
    hazard = report(staff, project, unit)
    services.hazard_acknowledge(actor=contractor, hazard=hazard)
    services.hazard_submit(actor=contractor, hazard=hazard, measures="已整改", evidence=[])
    before = state_of(hazard)
    with pytest.raises(ApplicationError) as exc:
        services.hazard_close(actor=staff, hazard=hazard)
    assert "evidence" in exc.value.extra
    assert "evidence" in exc.value.message
    assert state_of(hazard) == before


def test_the_unit_that_rectified_may_not_close(staff, contractor, project, unit):
    contractor.groups.add(*staff.groups.all())  # even holding verify_hazard
    contractor = type(contractor).objects.get(pk=contractor.pk)
    hazard = report(staff, project, unit)
    services.hazard_acknowledge(actor=contractor, hazard=hazard)
    services.hazard_submit(actor=contractor, hazard=hazard, measures="已整改", evidence=[photo()])
    before = state_of(hazard)
    for call in (lambda: services.hazard_close(actor=contractor, hazard=hazard),
                 lambda: services.hazard_reject(actor=contractor, hazard=hazard, reason="x")):
        with pytest.raises(ApplicationError) as exc:
            call()
        assert exc.value.message == "The unit that rectified a hazard may not check its own rectification."
    assert state_of(hazard) == before
    assert not policy.can(contractor, "verify", Hazard.objects.get(pk=hazard.pk))


def test_a_stale_version_and_a_second_close_are_409(staff, contractor, project, unit):
    hazard = report(staff, project, unit)
    with pytest.raises(ApplicationError) as exc:
        services.hazard_acknowledge(actor=contractor, hazard=hazard, version=hazard.version + 5)
    assert exc.value.http_status == 409
    services.hazard_acknowledge(actor=contractor, hazard=hazard)
    services.hazard_submit(actor=contractor, hazard=hazard, measures="已整改", evidence=[photo()])
    services.hazard_close(actor=staff, hazard=hazard)
    with pytest.raises(ApplicationError) as exc:
        services.hazard_close(actor=staff, hazard=hazard)
    assert exc.value.http_status == 409


def test_a_reject_needs_its_reason(staff, contractor, project, unit):
    hazard = report(staff, project, unit)
    services.hazard_acknowledge(actor=contractor, hazard=hazard)
    services.hazard_submit(actor=contractor, hazard=hazard, measures="已整改", evidence=[])
    with pytest.raises(ApplicationError) as exc:
        services.hazard_reject(actor=staff, hazard=hazard, reason="  ")
    assert "reason" in exc.value.extra and state_of(hazard)[0] == "submitted_for_check"


def test_other_organisations_do_not_see_the_hazard(staff, project, unit):
    from portal.accounts.models import User

    hazard = report(staff, project, unit)
    assert not policy.can(User.objects.get(username="owner2"), "view", hazard)
    assert policy.can(User.objects.get(username="contractor"), "view", hazard)


def test_an_overdue_major_hazard_proposes_accountability_once(staff, project, unit):
    hazard = report(staff, project, unit, found_on=datetime.date(2026, 3, 2), due_on=datetime.date(2026, 3, 10))
    general = report(staff, project, unit, grade="general", criterion="", found_on=datetime.date(2026, 3, 2),
                     due_on=datetime.date(2026, 3, 10))
    assert propose_for_overdue_major_hazard(hazard, on=datetime.date(2026, 3, 10)) is None  # not yet overdue
    assert propose_for_overdue_major_hazard(general, on=datetime.date(2026, 3, 20)) is None
    overdue_major_hazards_step(datetime.date(2026, 3, 12))
    overdue_major_hazards_step(datetime.date(2026, 3, 13))
    records = AccountabilityRecord.objects.filter(hazard=hazard)
    assert records.count() == 1
    record = records.get()
    assert (record.trigger, record.kind, record.state, record.organization) == (
        Trigger.MAJOR_HAZARD_OVERDUE, MeasureKind.INTERVIEW, "proposed", unit)
    # ten working days late and still undecided: raised to a work stop, still one record
    overdue_major_hazards_step(datetime.date(2026, 3, 30))
    assert records.count() == 1 and records.get().kind == MeasureKind.WORK_STOP


def test_the_ladder_is_declared():
    assert "supervision.hazard" in deadlines.LADDERS


def test_criteria_have_unique_codes_within_the_field():
    assert len(criteria.BY_CODE) == len(criteria.CRITERIA)
    assert all(len(c.code) <= Hazard._meta.get_field("criterion").max_length for c in criteria.CRITERIA)
    assert {c.category for c in criteria.CRITERIA} == set(criteria.CATEGORIES)


def test_the_deadline_scan_escalates_overdue_hazards_and_proposes(staff, project, unit):
    hazard = report(staff, project, unit, found_on=datetime.date(2026, 3, 2), due_on=datetime.date(2026, 3, 10))
    day = datetime.date(2026, 3, 31)
    counts = deadlines.scan(on=day)
    assert counts.get("errors", 0) == 0, counts
    assert AccountabilityRecord.objects.filter(hazard=hazard, trigger=Trigger.MAJOR_HAZARD_OVERDUE).count() == 1
    assert [e.rung for e in deadlines.escalations_of(hazard)] == [EscalationRung.LEADER]  # 15 working days late
    deadlines.scan(on=day)  # a rerun proposes nothing twice
    assert AccountabilityRecord.objects.filter(hazard=hazard).count() == 1
