"""The tendering pages and API: registers with filters, export and permission-filtered content; a lot's award and
its refusal (page and API), another organisation's 404, constant queries as lots grow."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.accounts.models import Organization, User
from portal.core.services import today
from projects.models import Project
from supervision.models import Bid, LotState, Qualification, TenderLot

pytestmark = pytest.mark.django_db


@pytest.fixture
def hangwen():
    return Project.objects.get(name="杭温高速铁路义乌至温州段")


@pytest.fixture
def seawall_lot():
    return TenderLot.objects.get(project__name="钱塘江海塘安澜工程（杭州段）", code="SG-01")


@pytest.fixture
def open_lot(hangwen):
    return TenderLot.objects.get(project=hangwen, code="SG-02")


@pytest.fixture
def owner2():
    return User.objects.get(username="owner2")


def test_the_bureau_register_lists_filters_and_exports(client_for, staff):
    client = client_for(staff)
    page = client.get(reverse("supervision:qualification-list"), {"q": "华东路桥"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "D133010001" in body and "D133110001" not in body
    expiring = client.get(reverse("supervision:qualification-list"), {"expiring": "on"}).content.decode()
    assert "D133010003" in expiring and "D133010001" not in expiring
    export = client.get(reverse("supervision:qualification-export"), {"q": "华东路桥"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    empty = client.get(reverse("supervision:certificate-list"), {"q": "没有这个人"}).content.decode()
    assert 'class="empty"' in empty


def test_a_company_sees_only_its_own_qualifications(client_for, contractor):
    client = client_for(contractor)
    body = client.get(reverse("supervision:qualification-list")).content.decode()
    assert "D133010001" in body and "D133110001" not in body and "qualification-add" not in body
    expiring = client.get(reverse("supervision:qualification-expiring")).content.decode()
    assert "D133010003" in expiring and "E233040001" not in expiring  # another unit's expiring one
    other = Organization.objects.get(name="江南水电工程局有限公司")
    assert client.get(reverse("supervision:organization-qualifications", args=[other.pk])).status_code == 404
    own = client.get(reverse("supervision:organization-qualifications", args=[contractor.organization_id]))
    assert own.status_code == 200 and "浙建安C（2021）0200001" in own.content.decode()
    q = Qualification.objects.get(certificate_number="D133010001")
    assert client.get(reverse("supervision:qualification-edit", args=[q.pk])).status_code == 403
    assert client.get(reverse("supervision:qualification-create")).status_code == 403


def test_the_bureau_records_a_qualification_and_a_bad_one_names_the_field(client_for, staff):
    client = client_for(staff)
    org = Organization.objects.get(name="海川隧道工程有限公司")
    data = {"organization": org.pk, "kind": "highway", "grade": "second", "certificate_number": "D299999999",
            "expires_on": "2030-01-01"}
    assert client.post(reverse("supervision:qualification-create"), data).status_code == 302
    again = client.post(reverse("supervision:qualification-create"), data)
    assert again.status_code == 200 and again.context["form"].errors["certificate_number"]
    assert Qualification.objects.filter(certificate_number="D299999999").count() == 1


def test_another_organisation_gets_404_on_lots(client_for, owner2, contractor, seawall_lot, hangwen):
    for url in (reverse("supervision:project-lots", args=[hangwen.pk]),
                reverse("supervision:lot-detail", args=[TenderLot.objects.get(project=hangwen, code="SG-01").pk])):
        assert client_for(owner2).get(url).status_code == 404
    assert client_for(contractor).get(reverse("supervision:lot-detail", args=[seawall_lot.pk])).status_code == 404
    assert client_for(contractor).get(f"/api/v1/supervision/lots/{seawall_lot.pk}/").status_code == 404


def test_the_contractor_sees_its_projects_lots_but_may_not_award(client_for, contractor, open_lot):
    client = client_for(contractor)
    page = client.get(reverse("supervision:lot-detail", args=[open_lot.pk]))
    assert page.status_code == 200 and 'data-testid="award"' not in page.content.decode()
    bid = open_lot.bids.first()
    refused = client.post(reverse("supervision:lot-award", args=[open_lot.pk]), {"bid": bid.pk})
    assert refused.status_code == 403
    assert TenderLot.objects.get(pk=open_lot.pk).state == LotState.OPEN


def test_the_owner_sees_why_a_bidder_may_not_be_awarded(client_for, owner, open_lot):
    client = client_for(owner)
    page = client.get(reverse("supervision:lot-detail", args=[open_lot.pk])).content.decode()
    assert 'data-testid="award-refused"' in page  # 鼎诚市政: dishonest, no railway qualification
    dingcheng = Bid.objects.get(lot=open_lot, organization__name="鼎诚市政工程有限公司")
    response = client.post(reverse("supervision:lot-award", args=[open_lot.pk]),
                           {"bid": dingcheng.pk, "version": open_lot.version}, follow=True)
    assert response.status_code == 200
    assert TenderLot.objects.get(pk=open_lot.pk).state == LotState.OPEN


def test_award_through_the_api_refusal_then_success_then_409(en, owner, open_lot):
    client = en(owner)
    url = f"/api/v1/supervision/lots/{open_lot.pk}/award/"
    dingcheng = Bid.objects.get(lot=open_lot, organization__name="鼎诚市政工程有限公司")
    refused = client.post(url, {"bid": dingcheng.pk, "version": open_lot.version}, content_type="application/json")
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert "bid" in error["fields"] and any("Dishonest" in m for m in error["fields"]["bid"])
    assert TenderLot.objects.get(pk=open_lot.pk).state == LotState.OPEN
    good = Bid.objects.get(lot=open_lot, organization__name="浙中建工集团有限公司")
    ok = client.post(url, {"bid": good.pk, "version": open_lot.version}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["state"] == "awarded"
    assert ok.json()["awarded_to"]["name"] == "浙中建工集团有限公司"
    again = client.post(url, {"bid": good.pk, "version": open_lot.version}, content_type="application/json")
    assert again.status_code == 409


def test_lot_create_page_and_api_name_bad_fields(client_for, owner, hangwen):
    client = client_for(owner)
    data = {"code": "SG-09", "name": "试验", "estimated_amount": "12.345", "required_kind": "railway",
            "required_grade": "first"}
    page = client.post(reverse("supervision:lot-create", args=[hangwen.pk]), data)
    assert page.status_code == 200 and page.context["form"].errors["estimated_amount"]
    api = client.post("/api/v1/supervision/lots/", {**data, "project": hangwen.pk, "estimated_amount": "-1"},
                      content_type="application/json")
    assert api.status_code == 400 and "estimated_amount" in api.json()["error"]["fields"]
    assert not TenderLot.objects.filter(code="SG-09").exists()
    made = client.post(reverse("supervision:lot-create", args=[hangwen.pk]), {**data, "estimated_amount": "12.34"})
    assert made.status_code == 302 and TenderLot.objects.get(code="SG-09").estimated_amount == Decimal("12.34")


def _lots(project, n, start):
    for i in range(start, start + n):
        lot = TenderLot.objects.create(project=project, code=f"Q-{i:03d}", name=f"批量{i}", estimated_amount=1,
                                       required_kind="railway", required_grade="first")
        Bid.objects.create(lot=lot, organization=Organization.objects.get(name="浙中建工集团有限公司"), amount=1)


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_lot_lists_keep_a_constant_query_count(client_for, owner, hangwen):
    client = client_for(owner)
    page, api = reverse("supervision:project-lots", args=[hangwen.pk]), f"/api/v1/supervision/lots/?project={hangwen.pk}"
    _lots(hangwen, 3, 0)
    small = (_count(client, page), _count(client, api))
    _lots(hangwen, 12, 3)
    assert (_count(client, page), _count(client, api)) == small


def test_qualification_lists_keep_a_constant_query_count(client_for, staff):
    client = client_for(staff)
    urls = (reverse("supervision:qualification-list"), "/api/v1/supervision/qualifications/",
            reverse("supervision:certificate-list"), reverse("supervision:qualification-expiring"))
    small = [_count(client, u) for u in urls]
    org = Organization.objects.get(name="海川隧道工程有限公司")
    for i in range(10):
        Qualification.objects.create(organization=org, kind="highway", grade="third", certificate_number=f"QC{i}",
                                     expires_on=today() + datetime.timedelta(days=10))
    assert [_count(client, u) for u in urls] == small


def test_bids_are_recorded_and_a_lot_cancelled_on_the_pages(client_for, owner, open_lot):
    client = client_for(owner)
    haichuan = Organization.objects.get(name="海川隧道工程有限公司")
    bad = client.post(reverse("supervision:lot-bid-add", args=[open_lot.pk]),
                      {"organization": haichuan.pk, "amount": "-3"})
    assert bad.status_code == 200 and bad.context["form"].errors["amount"]
    ok = client.post(reverse("supervision:lot-bid-add", args=[open_lot.pk]),
                     {"organization": haichuan.pk, "amount": "2800000000.00"})
    assert ok.status_code == 302 and Bid.objects.filter(lot=open_lot, organization=haichuan).exists()
    assert client.get(reverse("supervision:lot-cancel", args=[open_lot.pk])).status_code == 200
    no_reason = client.post(reverse("supervision:lot-cancel", args=[open_lot.pk]), {"reason": ""})
    assert no_reason.status_code == 200 and no_reason.context["form"].errors["reason"]
    done = client.post(reverse("supervision:lot-cancel", args=[open_lot.pk]),
                       {"reason": "标段划分调整", "version": open_lot.version})
    assert done.status_code == 302 and TenderLot.objects.get(pk=open_lot.pk).state == LotState.CANCELLED


def test_an_awarded_lot_with_a_signed_contract_cannot_be_cancelled(client_for, owner, hangwen):
    awarded = TenderLot.objects.get(project=hangwen, code="SG-01")
    page = client_for(owner).get(reverse("supervision:lot-detail", args=[awarded.pk])).content.decode()
    assert 'data-testid="why-cancel"' in page  # the button is disabled and says why
    response = client_for(owner).post(reverse("supervision:lot-cancel", args=[awarded.pk]), {"reason": "x"})
    assert response.status_code == 200 and TenderLot.objects.get(pk=awarded.pk).state == LotState.AWARDED
