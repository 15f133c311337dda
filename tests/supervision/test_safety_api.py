"""The safety records' API (/api/v1/supervision/incidents/, …/safety-roster/, …/safety-trainings/): an incident
graded below its figures is 400 naming the grade; a reported one proposes accountability; roster and trainings
through the same services as the pages."""

import pytest
from django.utils import timezone

from portal.accounts.models import Organization
from projects.models import Project
from supervision.models import AccountabilityRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(db):
    return Project.objects.get(name="杭温高速铁路义乌至温州段")


@pytest.fixture
def builder(db):
    return Organization.objects.get(name="华东路桥建设集团有限公司")


def test_incident_reported_through_the_api(en, contractor, project, builder):
    response = en(contractor).post("/api/v1/supervision/incidents/", {
        "project": project.pk, "responsible": builder.pk, "occurred_at": timezone.now().isoformat(),
        "location": "API点", "grade": "general", "deaths": 0, "serious_injuries": 10, "description": "x"},
        content_type="application/json")
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == {"grade"}
    response = en(contractor).post("/api/v1/supervision/incidents/", {
        "project": project.pk, "responsible": builder.pk, "occurred_at": timezone.now().isoformat(),
        "location": "API点", "grade": "larger", "serious_injuries": 10, "description": "x"},
        content_type="application/json")
    assert response.status_code == 201
    assert AccountabilityRecord.objects.filter(incident_id=response.json()["id"]).exists()


def test_roster_and_training_through_the_api(en, owner, contractor, project, builder):
    api = en(owner)
    line = api.post("/api/v1/supervision/safety-roster/", {
        "project": project.pk, "organization": builder.pk, "role": "safety_officer", "person_name": "接口安全员",
        "duties": "巡查", "since": "2025-05-01"}, content_type="application/json")
    assert line.status_code == 201, line.content
    patched = api.patch(f"/api/v1/supervision/safety-roster/{line.json()['id']}/", {"phone": "123"},
                        content_type="application/json")
    assert patched.status_code == 200 and patched.json()["phone"] == "123"
    record = api.post("/api/v1/supervision/safety-trainings/", {
        "project": project.pk, "organization": builder.pk, "kind": "drill", "topic": "接口演练",
        "held_on": "2026-02-02", "attendees": [contractor.pk], "other_attendees": "甲"},
        content_type="application/json")
    assert record.status_code == 201 and record.json()["attendee_count"] == 2
