"""/api/v1/supervision/dangerous-works/ and the safety records' API: the same rules as the pages — a work below
every threshold is 400 naming the parameter, plan approval refused without the plan (409 when someone else
approved first), another organisation's user 404 — and lists whose query count does not grow with the rows."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.accounts.models import Organization, User
from projects.models import Project
from supervision.dangerous import services
from supervision.models import DangerousWork, Incident

pytestmark = pytest.mark.django_db
BASE = "/api/v1/supervision/dangerous-works/"


def pdf(name="plan.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf")


@pytest.fixture
def project(db):
    return Project.objects.get(name="杭温高速铁路义乌至温州段")


@pytest.fixture
def builder(db):
    return Organization.objects.get(name="华东路桥建设集团有限公司")


@pytest.fixture
def owner2(db):
    return User.objects.get(username="owner2")


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_register_approve_and_start_through_the_api(en, contractor, staff, project, builder):
    api = en(contractor)
    created = api.post(BASE, {"project": project.pk, "contractor": builder.pk, "kind": "excavation",
                              "name": "API基坑", "depth_m": "4.5"}, content_type="application/json")
    assert created.status_code == 201, created.content
    work = created.json()
    assert (work["large_scale"], work["state"]) == (False, "registered")
    assert [m["name"] for m in work["moves"]] == []  # the contractor holds no move before the plan is approved
    refused = en(staff).post(f"{BASE}{work['id']}/approve-plan/", {}, content_type="application/json")
    assert refused.status_code == 400
    assert "special_plan" in refused.json()["error"]["fields"]
    filed = api.post(f"{BASE}{work['id']}/documents/", {"purpose": "special_plan", "files": [pdf()]})
    assert filed.status_code == 201, filed.content
    approved = en(staff).post(f"{BASE}{work['id']}/approve-plan/", {}, content_type="application/json")
    assert approved.status_code == 200 and approved.json()["state"] == "plan_ready"
    again = en(staff).post(f"{BASE}{work['id']}/approve-plan/", {}, content_type="application/json")
    assert again.status_code == 409
    start = api.post(f"{BASE}{work['id']}/start/", {}, content_type="application/json")
    assert start.status_code == 400 and "monitoring_plan" in start.json()["error"]["fields"]


def test_below_every_threshold_is_400_naming_the_parameter(en, contractor, project, builder):
    before = DangerousWork.objects.count()
    response = en(contractor).post(BASE, {"project": project.pk, "contractor": builder.pk, "kind": "formwork",
                                          "name": "矮支架", "height_m": "4.99"}, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"height_m"}
    assert DangerousWork.objects.count() == before


def test_stale_version_is_409(en, contractor, project, builder):
    work = services.dangerous_work_register(actor=contractor, project=project, contractor=builder,
                                            kind="excavation", name="版本基坑", depth_m=Decimal(4))
    api = en(contractor)
    ok = api.patch(f"{BASE}{work.pk}/", {"version": 1, "location": "北侧"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = api.patch(f"{BASE}{work.pk}/", {"version": 1, "location": "南侧"}, content_type="application/json")
    assert stale.status_code == 409


def test_expert_review_through_the_api(en, contractor, project):
    work = DangerousWork.objects.get(name="永康特大桥现浇箱梁满堂支架")
    experts = "\n".join(f"专家{i}" for i in range(5))
    response = en(contractor).post(f"{BASE}{work.pk}/review/", {
        "expert_review_on": str(timezone.localdate() - datetime.timedelta(days=1)),
        "expert_review_result": "passed", "experts": experts, "files": [pdf("opinion.pdf")]})
    assert response.status_code == 200, response.content
    assert response.json()["expert_review_result"] == "passed"


def test_another_organisation_gets_404_and_lists_hide_it(client_for, owner2, project):
    work = DangerousWork.objects.filter(project=project).first()
    api = client_for(owner2)
    assert api.get(f"{BASE}{work.pk}/").status_code == 404
    assert api.post(f"{BASE}{work.pk}/start/", {}, content_type="application/json").status_code == 404
    names = [w["name"] for w in api.get(BASE).json()["results"]]
    assert "长兜港节制闸闸室基坑" in names and work.name not in names
    assert api.get(f"{BASE}?project={project.pk}").json()["count"] == 0
    incident = Incident.objects.get(project=project)
    assert api.get(f"/api/v1/supervision/incidents/{incident.pk}/").status_code == 404


def test_the_leader_may_not_register(client_for, leader, project, builder):
    response = client_for(leader).post(BASE, {"project": project.pk}, content_type="application/json")
    assert response.status_code == 403


def test_lists_keep_their_query_count(client_for, staff, contractor, project, builder):
    api = client_for(staff)
    urls = [BASE, "/api/v1/supervision/incidents/", "/api/v1/supervision/safety-roster/",
            "/api/v1/supervision/safety-trainings/"]
    api.get(urls[0])
    before = [count(api, u) for u in urls]
    from supervision.safety import services as safety

    for i in range(5):
        services.dangerous_work_register(actor=contractor, project=project, contractor=builder, kind="excavation",
                                         name=f"批量{i}", depth_m=Decimal(3 + i))
        safety.incident_report(actor=contractor, project=project, responsible=builder, location=f"点{i}",
                               occurred_at=timezone.now() - datetime.timedelta(days=1), grade="general",
                               description="x")
        safety.responsibility_add(actor=contractor, project=project, organization=builder, role="team_leader",
                                  person_name=f"班长{i}", duties="x", since=datetime.date(2025, 1, 1))
        safety.training_record(actor=contractor, project=project, organization=builder, kind="briefing",
                               topic=f"交底{i}", held_on=datetime.date(2026, 1, 5), attendees=[contractor])
    assert [count(api, u) for u in urls] == before
