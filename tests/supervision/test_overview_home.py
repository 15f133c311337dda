"""The quality & safety card of the home pages: an inspector's work, the bureau's province figures, a company's
rectifications — each from what the user may see."""

import importlib.util
import sys
from pathlib import Path

import pytest
from django.urls import reverse

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


def _card(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def _figure(html: str, testid: str) -> int:
    start = html.index(f'data-testid="{testid}">') + len(f'data-testid="{testid}">')
    return int(html[start:html.index("<", start)])


def test_inspector_card_counts_their_work(client_for, staff, inspector, contractor_org):
    project = policy.visible(inspector, Project.objects.active()).order_by("pk").first()
    client = client_for(inspector)
    before = _card(client)
    p = f.plan(project, by=staff, contractor=contractor_org)
    f.sample(p, by=staff, agency=inspector.organization)
    f.hazard(project, by=staff, responsible=contractor_org, state="submitted_for_check")
    f.rectification(f.sample(p, by=staff, state="failed"), responsible=contractor_org, state="submitted")

    after = _card(client)

    assert 'data-testid="quality-card"' in after
    for testid in ("quality-samples", "quality-hazards", "quality-rectifications"):
        assert _figure(after, testid) == _figure(before, testid) + 1
    assert reverse("supervision:my-work") in after


def test_bureau_card_counts_the_province(client_for, staff, contractor_org):
    project = Project.objects.active().order_by("pk").first()
    client = client_for(staff)
    before = _card(client)
    f.hazard(project, by=staff, responsible=contractor_org, grade="major", due_in=-1)

    after = _card(client)

    assert _figure(after, "quality-major") == _figure(before, "quality-major") + 1
    assert _figure(after, "quality-overdue") == _figure(before, "quality-overdue") + 1


def test_company_card_counts_what_its_unit_must_rectify(client_for, staff, contractor, contractor_org):
    project = policy.visible(contractor, Project.objects.active()).order_by("pk").first()
    client = client_for(contractor)
    before = _card(client)
    f.hazard(project, by=staff, responsible=contractor_org, due_in=-2)
    f.hazard(project, by=staff, responsible=staff.organization)  # another unit's: not counted

    after = _card(client)

    assert _figure(after, "quality-unit-hazards") == _figure(before, "quality-unit-hazards") + 1
    assert _figure(after, "quality-unit-hazards-overdue") == _figure(before, "quality-unit-hazards-overdue") + 1


def test_reviewer_has_no_card(client_for, reviewer):
    assert 'data-testid="quality-card"' not in _card(client_for(reviewer))
