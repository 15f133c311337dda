"""Accountability pages and API: the list (filters, counts, export, constant queries), a record by hand, the
decisions with their reasons through the pages and the API (400 naming the field, 403 for anyone but bureau
staff, 409 for a second decision), the unit's record; another organisation's user gets 404."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from portal.accounts.models import User
from supervision.accountability import services
from supervision.models import AccountabilityRecord

pytestmark = pytest.mark.django_db
API = "/api/v1/supervision/accountability/"


def propose(staff, unit, n=1):
    return [services.record_create(actor=staff, organization=unit, kind="interview", facts=f"约谈事由{i}")
            for i in range(n)]


def test_the_list_filters_counts_exports_and_keeps_its_queries(en, client_for, staff, contractor):
    propose(staff, contractor.organization)
    client = en(staff)
    body = client.get(reverse("supervision:accountability-list"), {"q": "约谈事由0"}).content.decode()
    assert 'data-testid="accountability-row"' in body
    body = client.get(reverse("supervision:accountability-list"), {"q": "nothing like it"}).content.decode()
    assert "No accountability records match." in body
    export = client.get(reverse("supervision:accountability-export"), {"q": "约谈事由0"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.values)
    assert len(rows) == 2 and rows[1][5] == "约谈事由0"

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client_for(staff).get(reverse("supervision:accountability-list")).status_code == 200
        return len(ctx)

    small = count()
    propose(staff, contractor.organization, n=10)
    assert count() == small


def test_create_by_hand_and_decide_through_the_pages(en, staff, contractor, leader):
    client = en(staff)
    response = client.post(reverse("supervision:accountability-create"),
                           {"organization": contractor.organization_id, "kind": "fine", "facts": "扬尘超标"})
    assert response.status_code == 400 and "A fine states its amount." in response.content.decode()
    response = client.post(reverse("supervision:accountability-create"),
                           {"organization": contractor.organization_id, "kind": "interview", "facts": "扬尘超标"})
    record = AccountabilityRecord.objects.latest("pk")
    assert response.status_code == 302 and record.state == "proposed"
    move = reverse("supervision:accountability-move", args=[record.pk, "confirm"])
    response = client.post(move, {"kind": "interview", "reason": ""})
    assert response.status_code == 400 and AccountabilityRecord.objects.get(pk=record.pk).state == "proposed"
    assert en(contractor).get(move).status_code == 404  # a proposal is the bureau's until decided
    assert en(leader).get(move).status_code == 403
    assert client.post(move, {"kind": "interview", "reason": "属实"}).status_code == 302
    assert AccountabilityRecord.objects.get(pk=record.pk).state == "confirmed"
    unit_page = en(contractor).get(reverse("supervision:accountability-unit", args=[contractor.organization_id]))
    assert record.number in unit_page.content.decode()
    owner2 = en(User.objects.get(username="owner2"))
    assert owner2.get(record.get_absolute_url()).status_code == 404
    assert owner2.get(reverse("supervision:accountability-unit", args=[contractor.organization_id])).status_code == 404


def test_the_api_decides_with_reasons(client_for, staff, contractor, leader):
    record = propose(staff, contractor.organization)[0]
    url = f"{API}{record.pk}/"
    assert client_for(leader).post(url + "confirm/", {"reason": "x"}, content_type="application/json"
                                   ).status_code == 403
    response = client_for(staff).post(url + "confirm/", {"reason": "", "kind": "fine"},
                                      content_type="application/json")
    assert response.status_code == 400 and "reason" in response.json()["error"]["fields"]
    response = client_for(staff).post(url + "confirm/", {"reason": "属实"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "confirmed"
    assert {m["name"] for m in response.json()["moves"]} == {"complete"}
    response = client_for(staff).post(url + "dismiss/", {"reason": "x"}, content_type="application/json")
    assert response.status_code == 409
    response = client_for(staff).post(url + "complete/", {"note": "已约谈"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "completed"
    assert client_for(contractor).get(url).status_code == 200
    assert client_for(User.objects.get(username="owner2")).get(url).status_code == 404
    created = client_for(staff).post(API, {"organization": contractor.organization_id, "kind": "notice",
                                           "facts": "通报"}, content_type="application/json")
    assert created.status_code == 201 and created.json()["trigger"] == "manual"
    assert client_for(contractor).post(API, {}, content_type="application/json").status_code == 403


def test_the_api_list_keeps_its_queries(client_for, staff, contractor):
    propose(staff, contractor.organization)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client_for(staff).get(API).status_code == 200
        return len(ctx)

    small = count()
    propose(staff, contractor.organization, n=10)
    assert count() == small
    assert client_for(staff).get(API, {"state": "nope"}).status_code == 400
