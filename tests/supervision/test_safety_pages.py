"""The safety pages: the roster, trainings and drills, incidents of a project (lists, filters, export, create,
detail), the bureau's incident list, another organisation's user answered 404, bad input named on the form with
nothing stored, and query counts that do not grow with the rows."""

import datetime
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from portal.accounts.models import Organization, User
from projects.models import Project
from supervision.models import AccountabilityRecord, Incident, SafetyResponsibility, TrainingRecord
from supervision.safety import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(db):
    return Project.objects.get(name="杭温高速铁路义乌至温州段")


@pytest.fixture
def builder(db):
    return Organization.objects.get(name="华东路桥建设集团有限公司")


@pytest.fixture
def owner2(db):
    return User.objects.get(username="owner2")


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_project_pages_show_the_projects_records(en, contractor, project):
    client = en(contractor)
    roster = client.get(reverse("supervision:project-safety", args=[project.pk])).content.decode()
    assert "周海平" in roster and "胡志勇" not in roster and 'data-testid="roster-create"' in roster
    trainings = client.get(reverse("supervision:project-safety-trainings", args=[project.pk])).content.decode()
    assert "深基坑坍塌应急救援演练" in trainings
    drills = client.get(reverse("supervision:project-safety-trainings", args=[project.pk]), {"kind": "drill"})
    assert "新进场工人三级安全教育" not in drills.content.decode()
    incidents = client.get(reverse("supervision:project-safety-incidents", args=[project.pk])).content.decode()
    assert "永康特大桥12#墩" in incidents
    record = TrainingRecord.objects.get(topic="深基坑坍塌应急救援演练")
    assert "应急抢险队" in client.get(record.get_absolute_url()).content.decode()
    incident = Incident.objects.get(project=project)
    assert client.get(incident.get_absolute_url()).status_code == 200


def test_another_organisation_gets_404(client_for, owner2, project):
    client = client_for(owner2)
    incident = Incident.objects.get(project=project)
    record = TrainingRecord.objects.filter(project=project).first()
    line = SafetyResponsibility.objects.filter(project=project).first()
    for url in (reverse("supervision:project-safety", args=[project.pk]),
                reverse("supervision:safety-incident-create", args=[project.pk]),
                incident.get_absolute_url(), record.get_absolute_url(),
                reverse("supervision:safety-roster-edit", args=[line.pk])):
        assert client.get(url).status_code == 404, url
    listed = client.get(reverse("supervision:safety-incidents")).content.decode()
    assert "永康特大桥12#墩" not in listed and "长兜港围堰" in listed


def test_leader_reads_but_may_not_record(client_for, leader, project):
    client = client_for(leader)
    assert client.get(reverse("supervision:project-safety", args=[project.pk])).status_code == 200
    assert client.get(reverse("supervision:safety-training-create", args=[project.pk])).status_code == 403


def test_reporting_an_incident_through_the_page_proposes_accountability(en, contractor, project, builder):
    when = timezone.localtime() - datetime.timedelta(hours=2)
    response = en(contractor).post(reverse("supervision:safety-incident-create", args=[project.pk]), {
        "responsible": builder.pk, "occurred_at": when.strftime("%Y-%m-%dT%H:%M"), "location": "3#拌合站",
        "grade": "general", "deaths": 0, "serious_injuries": 1, "direct_loss": "5000",
        "description": "搅拌机检修未断电，一人手部受伤。"})
    incident = Incident.objects.get(location="3#拌合站")
    assert response.status_code == 302 and response["Location"] == incident.get_absolute_url()
    assert AccountabilityRecord.objects.filter(incident=incident).exists()


def test_a_grade_below_the_figures_is_named_and_nothing_stored(en, contractor, project, builder):
    before = Incident.objects.count()
    response = en(contractor).post(reverse("supervision:safety-incident-create", args=[project.pk]), {
        "responsible": builder.pk, "occurred_at": "2026-01-05T10:00", "location": "x", "grade": "general",
        "deaths": 3, "serious_injuries": 0, "direct_loss": "0", "description": "x"})
    assert response.status_code == 400
    assert "grade" in response.context["form"].errors
    assert Incident.objects.count() == before


def test_adding_to_the_roster_and_recording_a_drill(en, owner, contractor, project, builder):
    client = en(owner)
    response = client.post(reverse("supervision:safety-roster-create", args=[project.pk]), {
        "organization": builder.pk, "role": "technical_lead", "person_name": "孙技术", "since": "2025-06-01",
        "duties": "编制危大工程专项方案并交底"})
    assert response.status_code == 302
    line = SafetyResponsibility.objects.get(person_name="孙技术")
    edit = client.post(reverse("supervision:safety-roster-edit", args=[line.pk]), {
        "organization": builder.pk, "role": "technical_lead", "person_name": "孙技术", "since": "2025-06-01",
        "duties": "编制并审核专项方案", "phone": "13900000000"})
    assert edit.status_code == 302
    assert SafetyResponsibility.objects.get(pk=line.pk).phone == "13900000000"
    response = en(contractor).post(reverse("supervision:safety-training-create", args=[project.pk]), {
        "organization": builder.pk, "kind": "drill", "topic": "消防疏散演练", "held_on": "2026-03-01",
        "hours": "1.5", "attendees": [contractor.pk], "other_attendees": "甲\n乙"})
    record = TrainingRecord.objects.get(topic="消防疏散演练")
    assert response.status_code == 302 and record.attendee_count == 3


def test_exports(client_for, staff, owner, project):
    response = client_for(owner).get(reverse("supervision:safety-incidents-export"))
    places = [r[4] for r in load_workbook(BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True)]
    assert "永康特大桥12#墩" in places and "长兜港围堰" not in places
    for name in ("supervision:project-safety-export", "supervision:project-safety-trainings-export",
                 "supervision:project-safety-incidents-export"):
        response = client_for(staff).get(reverse(name, args=[project.pk]))
        assert response.status_code == 200 and len(list(load_workbook(BytesIO(response.content)).active.rows)) > 1


def test_lists_keep_their_query_count(client_for, staff, contractor, project, builder):
    client = client_for(staff)
    urls = [reverse("supervision:safety-incidents"),
            reverse("supervision:project-safety-incidents", args=[project.pk]),
            reverse("supervision:project-safety", args=[project.pk]),
            reverse("supervision:project-safety-trainings", args=[project.pk])]
    client.get(urls[0])
    before = [queries(client, u) for u in urls]
    for i in range(6):
        services.incident_report(actor=contractor, project=project, responsible=builder,
                                 occurred_at=timezone.now() - datetime.timedelta(days=i + 1), location=f"点{i}",
                                 grade="general", description="轻微碰撞")
        services.responsibility_add(actor=contractor, project=project, organization=builder, role="team_leader",
                                    person_name=f"班组长{i}", duties="班前讲话", since=datetime.date(2025, 1, 1))
        services.training_record(actor=contractor, project=project, organization=builder, kind="briefing",
                                 topic=f"交底{i}", held_on=datetime.date(2026, 1, 5), attendees=[contractor])
    assert [queries(client, u) for u in urls] == before
