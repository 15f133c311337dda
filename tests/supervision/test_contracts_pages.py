"""The contract pages and API: the list with filters, search and export, a project's contracts, recording one (bad
terms refused naming the field, page and API), completing and terminating, versioned documents, another
organisation's 404, constant queries as contracts grow."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.accounts.models import Organization, User
from projects.models import Project
from supervision.models import Contract, ContractDocument, ContractState

pytestmark = pytest.mark.django_db


@pytest.fixture
def hangwen():
    return Project.objects.get(name="杭温高速铁路义乌至温州段")


@pytest.fixture
def contract():
    return Contract.objects.get(number="HWTL-SG01-2023-001")


@pytest.fixture
def seawall_contract():
    return Contract.objects.get(number="QTJ-HT-SG01-2022-001")


def data(**changes):
    base = {"number": "HT-PAGE-1", "title": "页面合同", "kind": "construction",
            "contractor": Organization.objects.get(name="华东路桥建设集团有限公司").pk, "amount": "1000000.00",
            "signed_on": "2026-01-05", "start_on": "2026-01-10", "finish_on": "2027-01-10",
            "quality_standard": "pass", "delay_penalty_per_day": "1000", "delay_penalty_cap": "10",
            "advance_share": "0", "retention_share": "3", "payment_share": "80", "defects_months": "12"}
    return {**base, **changes}


def test_the_list_filters_searches_and_exports(client_for, staff):
    client = client_for(staff)
    body = client.get(reverse("supervision:contract-list"), {"q": "海塘"}).content.decode()
    assert "QTJ-HT-SG01-2022-001" in body and "HWTL-SG01-2023-001" not in body
    assert "HWTL-JL01" in client.get(reverse("supervision:contract-list"), {"kind": "supervision"}).content.decode()
    assert 'class="empty"' in client.get(reverse("supervision:contract-list"), {"state": "terminated"}
                                         ).content.decode()
    export = client.get(reverse("supervision:contract-export"), {"q": "海塘"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_company_sees_its_projects_contracts_only(client_for, contractor, contract, seawall_contract):
    client = client_for(contractor)
    body = client.get(reverse("supervision:contract-list")).content.decode()
    assert contract.number in body and seawall_contract.number not in body
    assert client.get(reverse("supervision:contract-detail", args=[seawall_contract.pk])).status_code == 404
    doc = ContractDocument.objects.filter(contract=seawall_contract).first()
    assert client.get(reverse("supervision:contract-document", args=[doc.pk])).status_code == 404
    assert client.get(f"/api/v1/supervision/contracts/{seawall_contract.pk}/").status_code == 404
    owner2 = User.objects.get(username="owner2")
    assert client_for(owner2).get(reverse("supervision:contract-detail", args=[contract.pk])).status_code == 404
    page = client.get(reverse("supervision:contract-detail", args=[contract.pk])).content.decode()
    assert "合同正本" in page and "v2" in page and 'data-testid="move-complete"' not in page
    assert client.post(reverse("supervision:contract-complete", args=[contract.pk])).status_code == 403


@pytest.mark.parametrize(("field", "value"), [("retention_share", "3.5"), ("amount", "-1"), ("amount", "1.234")])
def test_bad_terms_are_refused_on_the_page_and_the_api(client_for, owner, hangwen, field, value):
    client = client_for(owner)
    page = client.post(reverse("supervision:contract-create", args=[hangwen.pk]), data(**{field: value}))
    assert page.status_code == 200 and page.context["form"].errors[field]
    api = client.post("/api/v1/supervision/contracts/", {**data(**{field: value}), "project": hangwen.pk},
                      content_type="application/json")
    assert api.status_code == 400 and list(api.json()["error"]["fields"]) == [field]
    assert not Contract.objects.filter(number="HT-PAGE-1").exists()


def test_the_owner_records_completes_and_versions_documents(client_for, owner, hangwen):
    client = client_for(owner)
    made = client.post(reverse("supervision:contract-create", args=[hangwen.pk]), data())
    assert made.status_code == 302
    contract = Contract.objects.get(number="HT-PAGE-1")
    assert contract.employer == hangwen.owner
    for text in (b"a", b"b"):
        upload = SimpleUploadedFile("合同.pdf", b"%PDF-1.4\n" + text, content_type="application/pdf")
        client.post(reverse("supervision:contract-document-add", args=[contract.pk]),
                    {"title": "合同正本", "file": upload, "note": ""})
    assert list(contract.documents.values_list("version", flat=True).order_by("version")) == [1, 2]
    edit = client.post(reverse("supervision:contract-edit", args=[contract.pk]),
                       data(amount="1200000.00", version=contract.version))
    assert edit.status_code == 302
    stale = client.post(reverse("supervision:contract-edit", args=[contract.pk]),
                        data(amount="1300000.00", version=1))
    assert stale.status_code == 200 and stale.context["form"].errors["version"]  # someone changed it since
    contract.refresh_from_db()
    assert str(contract.amount) == "1200000.00"
    done = client.post(reverse("supervision:contract-complete", args=[contract.pk]), {"version": contract.version})
    assert done.status_code == 302 and Contract.objects.get(pk=contract.pk).state == ContractState.COMPLETED


def test_terminate_through_the_api_needs_a_reason(en, owner, contract):
    client = en(owner)
    url = f"/api/v1/supervision/contracts/{contract.pk}/terminate/"
    no_reason = client.post(url, {}, content_type="application/json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]["fields"]
    stale = client.post(url, {"reason": "x", "version": contract.version + 5}, content_type="application/json")
    assert stale.status_code == 409
    ok = client.post(url, {"reason": "承包人严重违约", "version": contract.version}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["state"] == "terminated" and ok.json()["moves"] == []


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_contract_lists_keep_a_constant_query_count(client_for, staff, hangwen, contract):
    client = client_for(staff)
    urls = (reverse("supervision:contract-list"), reverse("supervision:project-contracts", args=[hangwen.pk]),
            "/api/v1/supervision/contracts/")
    small = [_count(client, u) for u in urls]
    for i in range(12):
        Contract.objects.create(project=hangwen, number=f"Q-{i}", title="批量", employer=contract.employer,
                                contractor=contract.contractor, amount=1, start_on=datetime.date(2026, 1, 1),
                                finish_on=datetime.date(2026, 2, 1), signed_on=datetime.date(2026, 1, 1),
                                created_by=staff)
    assert [_count(client, u) for u in urls] == small


def test_terminate_page_asks_for_the_reason(client_for, owner, contract):
    client = client_for(owner)
    assert client.get(reverse("supervision:contract-terminate", args=[contract.pk])).status_code == 200
    empty = client.post(reverse("supervision:contract-terminate", args=[contract.pk]), {"reason": ""})
    assert empty.status_code == 200 and empty.context["form"].errors["reason"]
    done = client.post(reverse("supervision:contract-terminate", args=[contract.pk]),
                       {"reason": "承包人严重违约", "version": contract.version})
    assert done.status_code == 302 and Contract.objects.get(pk=contract.pk).state == ContractState.TERMINATED
