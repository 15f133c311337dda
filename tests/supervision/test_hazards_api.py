"""The hazards API: list (filters, a bad filter 400, constant queries), report (400 naming the field, nothing
stored), moves with their refusals (403, 409), photos, criteria; another organisation's user gets 404."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext

from portal.accounts.models import User
from projects.models import Project
from supervision.hazards import criteria, services
from supervision.models import Hazard

pytestmark = pytest.mark.django_db
API = "/api/v1/supervision/hazards/"


@pytest.fixture
def project():
    return Project.objects.get(name="杭温高速铁路义乌至温州段")


def report(staff, project, contractor, n=1):
    return [services.hazard_report(actor=staff, project=project, title=f"API隐患{i}", description="d", location="l",
                                   grade="general", responsible=contractor.organization) for i in range(n)]


def test_list_filters_and_keeps_its_queries(client_for, staff, project, contractor):
    first = report(staff, project, contractor)[0]
    client = client_for(staff)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(API, {"project": project.pk})
            assert response.status_code == 200
        return len(ctx), response.json()["count"]

    small, n = count()
    report(staff, project, contractor, n=10)
    large, m = count()
    assert m == n + 10 and large == small
    assert client.get(API, {"grade": "huge"}).status_code == 400
    assert client.get(API, {"search": first.number}).json()["count"] == 1


def test_report_refuses_bad_input_naming_the_field(client_for, staff, project, contractor):
    before = Hazard.objects.count()
    data = {"project": project.pk, "title": "t", "description": "d", "location": "l", "grade": "major",
            "responsible": contractor.organization_id}
    response = client_for(staff).post(API, data, content_type="application/json")
    assert response.status_code == 400 and "criterion" in response.json()["error"]["fields"]
    assert Hazard.objects.count() == before
    response = client_for(staff).post(API, {**data, "criterion": "3.2"}, content_type="application/json")
    assert response.status_code == 201 and response.json()["criterion"] == "3.2"
    assert client_for(contractor).post(API, data, content_type="application/json").status_code == 403


def test_moves_and_refusals(client_for, staff, contractor, project):
    hazard = report(staff, project, contractor)[0]
    url = f"{API}{hazard.pk}/"
    assert client_for(staff).post(url + "acknowledge/", {}, content_type="application/json").status_code == 403
    response = client_for(contractor).post(url + "acknowledge/", {}, content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "rectifying"
    assert {m["name"] for m in response.json()["moves"]} == {"submit"}
    response = client_for(contractor).post(url + "acknowledge/", {}, content_type="application/json")
    assert response.status_code == 409
    response = client_for(contractor).post(url + "submit/", {"measures": "已整改"}, content_type="application/json")
    assert response.status_code == 200
    response = client_for(staff).post(url + "close/", {}, content_type="application/json")
    assert response.status_code == 400 and "evidence" in response.json()["error"]["fields"]
    response = client_for(contractor).post(url + "close/", {}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == gettext(
        "The unit that rectified a hazard may not check its own rectification.")
    response = client_for(staff).post(url + "photos/", {"photos": []})
    assert response.status_code == 400


def test_another_organisation_gets_404(client_for, staff, contractor, project):
    hazard = report(staff, project, contractor)[0]
    owner2 = client_for(User.objects.get(username="owner2"))
    assert owner2.get(f"{API}{hazard.pk}/").status_code == 404
    assert owner2.post(f"{API}{hazard.pk}/acknowledge/", {}, content_type="application/json").status_code == 404


def test_the_criteria_list(client_for, contractor):
    body = client_for(contractor).get("/api/v1/supervision/hazard-criteria/").json()
    assert len(body) == len(criteria.CRITERIA) and body[0]["code"] == "3.1"
