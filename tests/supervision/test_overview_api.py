"""/api/v1/supervision/project-quality/<id>/: the figures of the page in JSON, 404 for another organisation's
project, a constant query count as the records grow."""

import importlib.util
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.accounts.models import User
from portal.core import policy
from projects.models import Project

pytestmark = pytest.mark.django_db


def _factory():
    if "overview_factory" not in sys.modules:
        spec = importlib.util.spec_from_file_location("overview_factory",
                                                      Path(__file__).with_name("test_overview_factory.py"))
        sys.modules["overview_factory"] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules["overview_factory"]


f = _factory()


def _url(project) -> str:
    return f"/api/v1/supervision/project-quality/{project.pk}/"


@pytest.fixture
def project(owner):
    return Project.objects.filter(owner=owner.organization).order_by("pk").first()


def test_figures(client_for, owner, staff, contractor_org, project):
    before = client_for(owner).get(_url(project)).json()
    f.hazard(project, by=staff, responsible=contractor_org, grade="major", due_in=-1)
    p = f.plan(project, by=staff, contractor=contractor_org)
    f.sample(p, by=staff, state="passed")
    f.sample(p, by=staff, state="failed")

    response = client_for(owner).get(_url(project))

    assert response.status_code == 200
    after = response.json()
    assert after["project_id"] == project.pk
    assert after["open_hazards_major"] == before["open_hazards_major"] + 1
    assert after["hazards_overdue"] == before["hazards_overdue"] + 1
    assert (after["samples_tested"], after["samples_passed"]) == (before["samples_tested"] + 2,
                                                                  before["samples_passed"] + 1)
    assert after["pass_rate"] == round(100 * after["samples_passed"] / after["samples_tested"], 1)


def test_another_organisation_gets_404(client_for, owner, project):
    owner2 = User.objects.get(username="owner2")
    assert not policy.can(owner2, "view", project)
    assert client_for(owner2).get(_url(project)).status_code == 404
    assert client_for(owner).get("/api/v1/supervision/project-quality/99999999/").status_code == 404


def test_anonymous_is_refused(client, project):
    assert client.get(_url(project)).status_code in (401, 403)


def test_query_count_is_constant(client_for, owner, staff, contractor_org, project):
    client = client_for(owner)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(_url(project)).status_code == 200
        return len(ctx.captured_queries)

    count()
    small = count()
    p = f.plan(project, by=staff, contractor=contractor_org)
    for _ in range(20):
        f.hazard(project, by=staff, responsible=contractor_org)
        f.rectification(f.sample(p, by=staff, state="failed"), responsible=contractor_org)
        f.dangerous_work(project, contractor=contractor_org)
    assert count() == small
