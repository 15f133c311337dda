"""The dangerous-works pages: the project's register and the bureau's list (filters, export, constant queries),
registering (refused below every threshold, naming the field, nothing stored), a work's page with its moves and
documents, and another organisation's user answered 404. Pages are read in English (`en`)."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from portal.accounts.models import Organization, User
from projects.models import Project
from supervision.dangerous import services
from supervision.models import DangerousWork, DangerousWorkState, Purpose

pytestmark = pytest.mark.django_db


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


def add_works(actor, project, builder, n, **values):
    for i in range(n):
        services.dangerous_work_register(actor=actor, project=project, contractor=builder, kind="excavation",
                                         name=f"基坑{i}", depth_m=Decimal(4 + i % 3), **values)


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_register_lists_the_projects_works_and_filters(en, owner, project):
    client = en(owner)
    page = client.get(reverse("supervision:project-dangerous", args=[project.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "义乌南站2#深基坑开挖及支护" in body and "长兜港" not in body
    assert 'data-testid="dangerous-create"' in body
    only_large = client.get(reverse("supervision:project-dangerous", args=[project.pk]), {"large_scale": "on"})
    assert "跨金温铁路钢箱梁双机抬吊" not in only_large.content.decode()
    searched = client.get(reverse("supervision:project-dangerous", args=[project.pk]), {"q": "钢箱梁"})
    assert "跨金温铁路钢箱梁双机抬吊" in searched.content.decode()
    assert "义乌南站2#深基坑" not in searched.content.decode()


def test_another_organisation_gets_404(client_for, owner2, project):
    client = client_for(owner2)
    work = DangerousWork.objects.filter(project=project).first()
    assert client.get(reverse("supervision:project-dangerous", args=[project.pk])).status_code == 404
    assert client.get(work.get_absolute_url()).status_code == 404
    assert client.get(reverse("supervision:dangerous-edit", args=[work.pk])).status_code == 404
    assert client.post(reverse("supervision:dangerous-move", args=[work.pk, "start"])).status_code == 404
    listed = client.get(reverse("supervision:dangerous-list")).content.decode()
    assert "义乌南站" not in listed and "长兜港节制闸闸室基坑" in listed


def test_leader_reads_but_may_not_register(client_for, leader, project):
    client = client_for(leader)
    assert client.get(reverse("supervision:project-dangerous", args=[project.pk])).status_code == 200
    assert client.get(reverse("supervision:dangerous-create", args=[project.pk])).status_code == 403


def test_registering_through_the_page(en, contractor, project, builder):
    client = en(contractor)
    url = reverse("supervision:dangerous-create", args=[project.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"contractor": builder.pk, "kind": "formwork", "name": "K5桥高支模",
                                 "height_m": "8", "special_plan": pdf()})
    work = DangerousWork.objects.get(name="K5桥高支模")
    assert response.status_code == 302 and response["Location"] == work.get_absolute_url()
    assert work.large_scale is True


def test_below_the_thresholds_the_form_names_the_field_and_nothing_is_stored(en, contractor, project, builder):
    before = DangerousWork.objects.count()
    response = en(contractor).post(reverse("supervision:dangerous-create", args=[project.pk]), {
        "contractor": builder.pk, "kind": "excavation", "name": "浅基槽", "depth_m": "2.5"})
    assert response.status_code == 400
    assert "depth_m" in response.context["form"].errors
    assert DangerousWork.objects.count() == before


def test_the_detail_page_offers_the_bureau_the_approval_and_says_why_not(en, staff, contractor, project, builder):
    work = services.dangerous_work_register(actor=contractor, project=project, contractor=builder, kind="excavation",
                                            name="待批基坑", depth_m=Decimal(4))
    body = en(staff).get(work.get_absolute_url()).content.decode()
    assert 'data-testid="move-approve_plan"' in body and "Attach the special construction plan first." in body
    assert 'data-testid="move-approve_plan"' not in en(contractor).get(work.get_absolute_url()).content.decode()
    attach = en(contractor).post(reverse("supervision:dangerous-attach", args=[work.pk]),
                                 {"purpose": Purpose.SPECIAL_PLAN, "files": [pdf()]})
    assert attach.status_code == 302
    moved = en(staff).post(reverse("supervision:dangerous-move", args=[work.pk, "approve_plan"]))
    assert moved.status_code == 302
    work.refresh_from_db()
    assert work.state == DangerousWorkState.PLAN_READY


def test_the_contractor_may_not_approve_through_the_page(client_for, contractor, project):
    work = DangerousWork.objects.get(name="跨金温铁路钢箱梁双机抬吊")
    response = client_for(contractor).post(reverse("supervision:dangerous-move", args=[work.pk, "approve_plan"]))
    assert response.status_code == 403
    work.refresh_from_db()
    assert work.state == DangerousWorkState.REGISTERED


def test_exports_hold_the_filtered_visible_list(client_for, owner, staff, project):
    response = client_for(owner).get(reverse("supervision:dangerous-export"))
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "义乌南站2#深基坑开挖及支护" in names and "长兜港节制闸闸室基坑" not in names
    response = client_for(staff).get(reverse("supervision:project-dangerous-export", args=[project.pk]),
                                     {"kind": "lifting"})
    names = [row[1] for row in load_workbook(BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True)]
    assert names == ["跨金温铁路钢箱梁双机抬吊"]


def test_list_pages_keep_their_query_count_as_works_grow(client_for, staff, contractor, project, builder):
    client = client_for(staff)
    urls = [reverse("supervision:dangerous-list"), reverse("supervision:project-dangerous", args=[project.pk])]
    client.get(urls[0])
    before = [queries(client, u) for u in urls]
    add_works(contractor, project, builder, 12)
    assert [queries(client, u) for u in urls] == before


def test_detail_page_shows_the_documents(en, owner, project):
    work = DangerousWork.objects.get(name="义乌南站2#深基坑开挖及支护")
    body = en(owner).get(work.get_absolute_url()).content.decode()
    for name in ("义乌南站深基坑专项施工方案.pdf", "深基坑专项方案专家论证意见.pdf", "基坑变形监测方案.pdf"):
        assert name in body


def test_editing_through_the_page_reclassifies_and_a_stale_form_is_409(en, contractor, project, builder):
    work = services.dangerous_work_register(actor=contractor, project=project, contractor=builder, kind="excavation",
                                            name="改深度基坑", depth_m=Decimal(4))
    client = en(contractor)
    url = reverse("supervision:dangerous-edit", args=[work.pk])
    assert client.get(url).status_code == 200
    form = {"contractor": builder.pk, "kind": "excavation", "name": "改深度基坑", "depth_m": "5.2", "version": 1}
    assert client.post(url, form).status_code == 302
    work.refresh_from_db()
    assert (work.large_scale, work.version) == (True, 2)
    stale = client.post(url, {**form, "depth_m": "4"})
    assert stale.status_code == 409
    work.refresh_from_db()
    assert work.depth_m == Decimal("5.20")


def test_recording_the_expert_review_through_the_page(en, contractor, staff):
    work = DangerousWork.objects.get(name="永康特大桥现浇箱梁满堂支架")
    client = en(contractor)
    url = reverse("supervision:dangerous-review", args=[work.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"expert_review_on": "2026-01-05", "expert_review_result": "passed", "experts": "一人",
                            "version": work.version})
    assert bad.status_code == 400 and "experts" in bad.context["form"].errors
    ok = client.post(url, {"expert_review_on": "2026-01-05", "expert_review_result": "passed",
                           "experts": "甲\n乙\n丙\n丁\n戊", "files": [pdf("opinion.pdf")], "version": work.version})
    assert ok.status_code == 302
    work.refresh_from_db()
    assert work.review_passed
    body = en(staff).get(work.get_absolute_url()).content.decode()
    assert 'data-testid="move-approve_plan"' in body and "why-approve_plan" not in body
