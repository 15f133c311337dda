"""Accountability records: the rules propose once per cause (an overdue major hazard, a repeat test failure, an
incident — the measure by the rule), bureau staff confirm or dismiss with a reason and record completion; bad
input refused naming the field with nothing changed; the unit's record and its bar from awards read through the
selectors; who may see a record."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.accounts.models import Organization, User
from portal.audit.models import AuditEvent
from portal.core import policy
from portal.core.errors import ApplicationError
from portal.core.services import today
from portal.notifications.models import Notification
from projects.models import Project
from supervision.accountability import rules, selectors, services
from supervision.models import (
    AccountabilityRecord,
    Incident,
    InspectionPlan,
    MeasureKind,
    Sample,
    Trigger,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    return Project.objects.get(name="杭温高速铁路义乌至温州段")


@pytest.fixture
def unit(contractor):
    return contractor.organization


def incident(project, unit, staff, grade="general", **kw):
    return Incident.objects.create(project=project, responsible=unit, occurred_at=timezone.now(),
                                   location="3号墩", grade=grade, description="高处坠落", reported_by=staff,
                                   deaths=kw.get("deaths", 1))


def failed_retest(project, unit, staff):
    plan = InspectionPlan.objects.create(project=project, contractor=unit, process="concrete", title="墩身混凝土",
                                         required_samples=3, created_by=staff)
    first = Sample.objects.create(number="T-1", plan=plan, location="3号墩", taken_on=today(), taken_by=staff,
                                  state="failed")
    return Sample.objects.create(number="T-2", plan=plan, location="3号墩", taken_on=today(), taken_by=staff,
                                 state="failed", retest_of=first)


def test_an_incident_proposes_by_grade_once_and_tells_the_bureau(project, unit, staff):
    general = incident(project, unit, staff)
    record = rules.propose_for_incident(general)
    assert (record.kind, record.trigger, record.state, record.organization) == (
        MeasureKind.NOTICE, Trigger.INCIDENT, "proposed", unit)
    assert record.number.startswith("ZZ") and record.proposed_by is None
    assert rules.propose_for_incident(general) == record
    assert AccountabilityRecord.objects.filter(incident=general).count() == 1
    assert Notification.objects.filter(recipient=staff, event_key=f"accountability:{record.pk}:proposed").exists()
    larger = incident(project, unit, staff, grade="larger", deaths=3)
    assert rules.propose_for_incident(larger).kind == MeasureKind.WORK_STOP


def test_a_repeat_failure_proposes_a_notice_once(project, unit, staff):
    retest = failed_retest(project, unit, staff)
    record = rules.propose_for_repeat_failure(retest)
    assert (record.kind, record.trigger, record.sample) == (MeasureKind.NOTICE, Trigger.REPEAT_FAILURE, retest)
    assert rules.propose_for_repeat_failure(retest) == record
    assert rules.propose_for_repeat_failure(retest.retest_of) is None  # a first failure is not a repeat


def test_bureau_staff_confirm_with_a_reason_and_the_unit_sees_it_on_its_record(project, unit, staff, contractor):
    record = rules.propose_for_incident(incident(project, unit, staff))
    assert not policy.can(contractor, "view", record)  # still the bureau's deliberation
    until = today() + datetime.timedelta(days=180)
    record = services.record_confirm(actor=staff, record=record, reason="事故调查报告认定施工单位负主要责任",
                                     kind=MeasureKind.FINE, fine_amount=Decimal("300000"), bars_bidding_until=until)
    assert (record.state, record.kind, record.decided_by) == ("confirmed", MeasureKind.FINE, staff)
    assert policy.can(contractor, "view", record)
    assert not policy.can(User.objects.get(username="owner2"), "view", record)
    assert list(selectors.unit_record(organization_id=unit.pk))[0] == record  # newest decided first
    assert selectors.barred_until(organization_id=unit.pk, on=today()) == until
    assert Notification.objects.filter(recipient=contractor, event_key=f"accountability:{record.pk}:confirmed")
    record = services.record_complete(actor=staff, record=record, note="罚款已缴纳")
    assert record.state == "completed" and record.completed_at is not None
    assert selectors.unit_record(organization_id=unit.pk).filter(pk=record.pk).exists()


def test_dismissed_with_a_reason_stays_off_the_record(project, unit, staff):
    record = rules.propose_for_incident(incident(project, unit, staff))
    with pytest.raises(ApplicationError) as exc:
        services.record_dismiss(actor=staff, record=record, reason="")
    assert "reason" in exc.value.extra
    assert AccountabilityRecord.objects.get(pk=record.pk).state == "proposed"
    services.record_dismiss(actor=staff, record=record, reason="经核实系不可抗力")
    assert not selectors.unit_record(organization_id=unit.pk).filter(pk=record.pk).exists()


@pytest.mark.parametrize(("kw", "field"), [
    ({"reason": " "}, "reason"), ({"kind": MeasureKind.FINE}, "fine_amount"),
    ({"fine_amount": Decimal("100")}, "fine_amount"), ({"due_on": datetime.date(2000, 1, 1)}, "due_on"),
    ({"kind": "flogging"}, "kind")])
def test_a_bad_confirmation_is_refused_naming_the_field(project, unit, staff, kw, field):
    record = rules.propose_for_incident(incident(project, unit, staff))
    events = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as exc:
        services.record_confirm(actor=staff, record=record, **{"reason": "属实", **kw})
    assert field in exc.value.extra
    assert AccountabilityRecord.objects.get(pk=record.pk).state == "proposed"
    assert AuditEvent.objects.count() == events


def test_only_bureau_staff_decide(project, unit, staff, contractor, leader):
    record = rules.propose_for_incident(incident(project, unit, staff))
    for user in (contractor, leader):
        with pytest.raises(ApplicationError) as exc:
            services.record_confirm(actor=user, record=record, reason="属实")
        assert exc.value.code == "forbidden"
    services.record_confirm(actor=staff, record=record, reason="属实")
    with pytest.raises(ApplicationError) as exc:  # a second decision: someone decided first
        services.record_dismiss(actor=staff, record=record, reason="x")
    assert exc.value.http_status == 409


def test_bureau_staff_create_a_record_by_hand(staff, contractor, unit, project):
    record = services.record_create(actor=staff, organization=unit, project=project, kind=MeasureKind.INTERVIEW,
                                    facts="安全例会连续缺席")
    assert (record.trigger, record.proposed_by, record.state) == (Trigger.MANUAL, staff, "proposed")
    with pytest.raises(ApplicationError) as exc:
        services.record_create(actor=contractor, organization=unit, kind=MeasureKind.INTERVIEW, facts="x")
    assert exc.value.code == "forbidden"
    with pytest.raises(ApplicationError) as exc:
        services.record_create(actor=staff, organization=unit, kind=MeasureKind.INTERVIEW, facts=" ")
    assert "facts" in exc.value.extra
    with pytest.raises(ApplicationError) as exc:
        services.record_create(actor=staff, organization=None, kind=MeasureKind.INTERVIEW, facts="x")
    assert "organization" in exc.value.extra


def test_the_other_organisation_sees_none_of_the_units_records(project, unit, staff):
    record = rules.propose_for_incident(incident(project, unit, staff))
    services.record_confirm(actor=staff, record=record, reason="属实")
    owner2 = User.objects.get(username="owner2")
    assert not policy.visible(owner2, AccountabilityRecord.objects.all()).filter(pk=record.pk).exists()
    assert Organization.objects.filter(pk=unit.pk).exists()
