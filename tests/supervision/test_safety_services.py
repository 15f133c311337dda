"""Safety records through their services: the roster, trainings and drills with their attendees, and incident
reports — graded no lower than their figures, and proposing accountability in the same transaction."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.accounts.models import Organization, User
from portal.core.errors import ApplicationError
from projects.models import Project
from supervision.models import AccountabilityRecord, Incident, SafetyResponsibility, TrainingRecord
from supervision.safety import rules, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(db):
    return Project.objects.get(name="杭温高速铁路义乌至温州段")


@pytest.fixture
def builder(db):
    return Organization.objects.get(name="华东路桥建设集团有限公司")


def report(actor, project, builder, **values):
    values = {"occurred_at": timezone.now() - datetime.timedelta(hours=3), "location": "K12+300 桥墩",
              "grade": "general", "description": "脚手架上高处坠落一人", "deaths": 0, "serious_injuries": 1,
              **values}
    return services.incident_report(actor=actor, project=project, responsible=builder, **values)


def test_reporting_an_incident_proposes_accountability_in_the_same_transaction(contractor, project, builder):
    incident = report(contractor, project, builder)
    proposal = AccountabilityRecord.objects.get(incident=incident)
    assert (proposal.organization, proposal.project, proposal.state) == (builder, project, "proposed")


def test_the_grade_may_not_be_lower_than_the_figures(contractor, project, builder):
    before = (Incident.objects.count(), AccountabilityRecord.objects.count())
    with pytest.raises(ApplicationError) as refused:
        report(contractor, project, builder, grade="general", deaths=3)
    assert set(refused.value.extra) == {"grade"}
    with pytest.raises(ApplicationError) as refused:
        report(contractor, project, builder, grade="larger", direct_loss=Decimal(50_000_000))
    assert set(refused.value.extra) == {"grade"}
    assert (Incident.objects.count(), AccountabilityRecord.objects.count()) == before
    assert report(contractor, project, builder, grade="larger", deaths=3).grade == "larger"


@pytest.mark.parametrize(("deaths", "injured", "loss", "grade"), [
    (2, 9, "9999999.99", "general"), (3, 0, "0", "larger"), (0, 10, "0", "larger"), (0, 0, "10000000", "larger"),
    (9, 49, "49999999", "larger"), (10, 0, "0", "major"), (0, 50, "0", "major"), (29, 99, "99999999", "major"),
    (30, 0, "0", "extraordinary"), (0, 100, "0", "extraordinary"), (0, 0, "100000000", "extraordinary"),
])
def test_minimum_grade_boundaries(deaths, injured, loss, grade):
    assert rules.minimum_grade(deaths=deaths, serious_injuries=injured, direct_loss=Decimal(loss)) == grade


def test_an_incident_in_the_future_or_of_an_outsider_is_refused(contractor, project, builder):
    with pytest.raises(ApplicationError) as refused:
        report(contractor, project, builder, occurred_at=timezone.now() + datetime.timedelta(days=1))
    assert set(refused.value.extra) == {"occurred_at"}
    stranger = Organization.objects.get(name="江南水电工程局有限公司")
    with pytest.raises(ApplicationError) as refused:
        services.incident_report(actor=contractor, project=project, responsible=stranger,
                                 occurred_at=timezone.now(), location="x", grade="general", description="x")
    assert set(refused.value.extra) == {"responsible"}


def test_another_organisation_may_keep_no_records(project, builder):
    owner2 = User.objects.get(username="owner2")
    with pytest.raises(ApplicationError) as refused:
        report(owner2, project, builder)
    assert refused.value.code == "forbidden"
    with pytest.raises(ApplicationError):
        services.responsibility_add(actor=owner2, project=project, organization=builder, role="safety_officer",
                                    person_name="x", duties="x", since=datetime.date(2025, 1, 1))


def test_roster_line_added_and_corrected(owner, contractor, project, builder):
    line = services.responsibility_add(actor=owner, project=project, organization=builder, role="safety_officer",
                                       person_name="周安", user=contractor, duties="现场安全巡查、隐患排查",
                                       phone="13800000000", since=datetime.date(2025, 3, 1))
    assert line.pk and line.project == project
    line = services.responsibility_update(actor=contractor, line=line, duties="现场安全巡查")
    assert SafetyResponsibility.objects.get(pk=line.pk).duties == "现场安全巡查"


def test_roster_refuses_an_outsider_organisation_and_a_foreign_account(owner, project, builder):
    stranger = Organization.objects.get(name="江南水电工程局有限公司")
    with pytest.raises(ApplicationError) as refused:
        services.responsibility_add(actor=owner, project=project, organization=stranger, role="safety_officer",
                                    person_name="x", duties="x", since=datetime.date(2025, 1, 1))
    assert set(refused.value.extra) == {"organization"}
    with pytest.raises(ApplicationError) as refused:
        services.responsibility_add(actor=owner, project=project, organization=builder, role="safety_officer",
                                    person_name="x", duties="x", since=datetime.date(2025, 1, 1),
                                    user=User.objects.get(username="owner2"))
    assert set(refused.value.extra) == {"user"}


def test_training_counts_accounts_and_workers(contractor, owner, project, builder):
    record = services.training_record(actor=contractor, project=project, organization=builder, kind="drill",
                                      topic="基坑坍塌应急演练", held_on=datetime.date(2026, 5, 10),
                                      attendees=[contractor, owner], other_attendees="张三\n李四\n\n王五\n")
    assert record.attendee_count == 5
    assert set(record.attendees.all()) == {contractor, owner}


def test_training_refuses_no_attendees_future_day_and_outsiders(contractor, project, builder):
    before = TrainingRecord.objects.count()
    with pytest.raises(ApplicationError) as refused:
        services.training_record(actor=contractor, project=project, organization=builder, kind="training",
                                 topic="x", held_on=timezone.localdate() + datetime.timedelta(days=2),
                                 attendees=[User.objects.get(username="owner2")])
    assert set(refused.value.extra) == {"held_on", "attendees"}
    with pytest.raises(ApplicationError) as refused:
        services.training_record(actor=contractor, project=project, organization=builder, kind="training",
                                 topic="x", held_on=datetime.date(2026, 1, 5))
    assert set(refused.value.extra) == {"attendees"}
    assert TrainingRecord.objects.count() == before


def test_a_record_entered_by_mistake_is_voided_with_a_reason(contractor, owner, project, builder):
    record = services.training_record(actor=contractor, project=project, organization=builder, kind="training",
                                      topic="误录", held_on=datetime.date(2026, 1, 5), attendees=[contractor])
    with pytest.raises(ApplicationError):
        services.safety_record_void(actor=owner, record=record, reason="")
    services.safety_record_void(actor=owner, record=record, reason="重复录入")
    record.refresh_from_db()
    assert record.voided_at is not None
    with pytest.raises(ApplicationError) as refused:
        services.safety_record_void(actor=User.objects.get(username="owner2"), record=record, reason="x")
    assert refused.value.code == "forbidden"
