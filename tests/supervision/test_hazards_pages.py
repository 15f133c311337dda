"""The hazard pages: the board and a project's list (filters, counts, export, empty state, constant queries), reporting
a hazard with photos (a major one without its criterion refused naming the field), one hazard with its moves —
through the pages as each role; another organisation's user gets 404."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from portal.accounts.models import User
from projects.models import Project
from supervision.hazards import services
from supervision.models import Hazard

pytestmark = pytest.mark.django_db

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def project():
    return Project.objects.get(name="杭温高速铁路义乌至温州段")


def report(staff, project, contractor, n=1, **kw):
    return [services.hazard_report(actor=staff, project=project, title=f"隐患{i}", description="d", location="l",
                                   grade="general", responsible=contractor.organization, **kw) for i in range(n)]


def test_the_board_lists_counts_filters_and_exports(en, staff, project, contractor):
    report(staff, project, contractor)
    response = en(staff).get(reverse("supervision:hazard-board"), {"grade": "major"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="hazard-counts"' in body and "隐患0" not in body
    response = en(staff).get(reverse("supervision:hazard-board"), {"q": "隐患0"})
    assert "隐患0" in response.content.decode()
    response = en(staff).get(reverse("supervision:hazard-board"), {"q": "no such hazard"})
    assert "No hazards match." in response.content.decode()
    export = en(staff).get(reverse("supervision:hazard-board-export"), {"q": "隐患0"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.values)
    assert len(rows) == 2 and rows[1][2] == "隐患0"


def test_the_board_shows_another_organisation_nothing_of_ours(en, staff, project, contractor):
    report(staff, project, contractor)
    body = en(User.objects.get(username="owner2")).get(reverse("supervision:hazard-board")).content.decode()
    assert "隐患0" not in body and project.name not in body


def test_the_board_keeps_its_queries_as_hazards_grow(client_for, staff, project, contractor):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client_for(staff).get(reverse("supervision:hazard-board")).status_code == 200
        return len(ctx)

    report(staff, project, contractor)
    small = count()
    report(staff, project, contractor, n=12)
    assert count() == small


def test_the_project_list_and_report_form(en, staff, project, contractor):
    client = en(staff)
    url = reverse("supervision:hazard-create", args=[project.pk])
    data = {"title": "塔吊限位失效", "location": "2号塔吊", "description": "限位器拆除", "grade": "major",
            "criterion": "", "responsible": contractor.organization_id}
    before = Hazard.objects.count()
    response = client.post(url, data)
    assert response.status_code == 400
    assert "A major hazard names the criterion of the 2022 standard it meets." in response.content.decode()
    assert Hazard.objects.count() == before
    response = client.post(url, {**data, "criterion": "7.5",
                                 "photos": [SimpleUploadedFile("p.png", PNG, content_type="image/png")]})
    hazard = Hazard.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == hazard.get_absolute_url()
    assert hazard.criterion == "7.5"
    page = client.get(reverse("supervision:project-hazards", args=[project.pk])).content.decode()
    assert hazard.number in page and 'data-testid="report-hazard"' in page
    assert client.get(reverse("supervision:project-hazards-export", args=[project.pk])).status_code == 200


def test_a_contractor_may_not_report_and_owner2_gets_404(client_for, contractor, project):
    assert client_for(contractor).get(reverse("supervision:hazard-create", args=[project.pk])).status_code == 403
    owner2 = User.objects.get(username="owner2")
    assert client_for(owner2).get(reverse("supervision:project-hazards", args=[project.pk])).status_code == 404


def test_the_moves_through_the_pages(en, staff, contractor, project):
    hazard = report(staff, project, contractor)[0]
    detail = en(contractor).get(hazard.get_absolute_url()).content.decode()
    assert 'data-testid="move-acknowledge"' in detail
    move = lambda user, name, data=None: en(user).post(  # noqa: E731
        reverse("supervision:hazard-move", args=[hazard.pk, name]), data or {})
    assert move(contractor, "acknowledge").status_code == 302
    assert move(contractor, "submit", {"measures": ""}).status_code == 400
    assert move(contractor, "submit", {"measures": "已整改"}).status_code == 302
    response = move(staff, "close")
    assert response.status_code == 400
    assert "No rectification evidence has been filed" in response.content.decode()
    assert Hazard.objects.get(pk=hazard.pk).state == "submitted_for_check"
    assert move(staff, "reject", {"reason": "未见整改照片"}).status_code == 302
    refused = move(contractor, "close")
    assert refused.status_code == 403
    assert "The unit that rectified a hazard may not check its own rectification." in refused.content.decode()
    assert Hazard.objects.get(pk=hazard.pk).state == "rectifying"
    owner2 = User.objects.get(username="owner2")
    assert en(owner2).get(hazard.get_absolute_url()).status_code == 404


def test_an_inspector_reports_on_a_project_they_see_and_checks_it(en, inspector, contractor):
    from portal.core import policy

    project = policy.visible(inspector, Project.objects.filter(voided_at__isnull=True)).order_by("pk").first()
    if project is None:
        pytest.skip("the demo inspector is assigned no project")
    unit = services.units_of(project)[0]
    hazard = services.hazard_report(actor=inspector, project=project, title="安全员无证上岗", description="d",
                                    location="项目部", grade="major", criterion="3.2", responsible=unit)
    assert en(inspector).get(hazard.get_absolute_url()).status_code == 200
    assert policy.can(inspector, "verify", hazard) == (inspector.organization_id != unit.pk)
    hidden = Project.objects.exclude(pk__in=policy.visible(inspector, Project.objects.all()).values("pk")).first()
    if hidden is not None:
        assert en(inspector).get(reverse("supervision:hazard-create", args=[hidden.pk])).status_code == 404


def test_the_project_accountability_and_unit_pages(en, staff, contractor, project):
    assert en(staff).get(reverse("supervision:project-accountability", args=[project.pk])).status_code == 200
    page = en(contractor).get(reverse("supervision:accountability-unit", args=[contractor.organization_id]))
    assert page.status_code == 200 and 'data-testid="unit-records"' in page.content.decode()


def test_an_overdue_major_hazard_shows_its_accountability_to_the_bureau(en, staff):
    hazard = Hazard.objects.filter(accountability_records__state="confirmed").order_by("pk").first()
    body = en(staff).get(hazard.get_absolute_url()).content.decode()
    assert 'data-testid="hazard-accountability"' in body
    assert hazard.accountability_records.get().number in body
