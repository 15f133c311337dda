"""Money is typed the way it is shown: in 万元, with the 元 value beside the field; the database and the API keep
元. A figure typed in the wrong unit would be 10,000 times off, so the pages never take 元."""

from decimal import Decimal

import pytest
from django.test import Client

from portal.core.models import Region
from portal.core.money import WanField, parse_wan, wan_text, yuan_text
from projects.models import MonthlyProgress, Project
from projects.progress.figures import month_start
from projects.services import project_create

pytestmark = pytest.mark.django_db


def english(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def project_fields(owner_org, **overrides) -> dict:
    return {"code": "2026-330100-48-01-900777", "name": "万元单位测试工程", "project_type": "municipal",
            "level": "municipal", "stage": "proposal", "total_investment": "12.5", "owner": owner_org.pk,
            "region_codes": "330100", "description": "", **overrides}


@pytest.mark.parametrize(("typed", "yuan"), [
    ("12.5", Decimal("125000.00")), ("964,000", Decimal("9640000000.00")), (" 0.000001 ", Decimal("0.01")),
    ("1.2300000", Decimal("12300.00")), (".5", Decimal("5000.00")), ("0", Decimal("0.00")),
])
def test_the_field_reads_wan_and_cleans_to_yuan(typed, yuan):
    assert WanField(label="Total").clean(typed) == yuan


@pytest.mark.parametrize(("typed", "message"), [
    ("abc", "Total: enter a number in 10k yuan"), ("12.5万元", "Total: enter a number in 10k yuan"),
    ("1e3", "Total: enter a number in 10k yuan"), ("-3", "Total cannot be negative."),
    ("1.1234567", "Total takes at most 6 decimal places in 10k yuan"),
    ("10000000000", "Total is too large"), ("", "Total: enter an amount in 10k yuan."),
])
def test_the_field_refuses_bad_input_naming_itself(typed, message):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            WanField(label="Total").clean(typed)
        assert message in refused.value.messages[0]  # the message is lazy: read it in English too


def test_formats():
    assert parse_wan("1,234.5") == Decimal("1234.5")
    assert wan_text(Decimal("9640000000.0")).startswith("964,000.00 ")
    assert yuan_text(Decimal("125000")).startswith("125,000.00")


def test_registering_a_project_in_wan_stores_yuan(client_for, staff, owner_org):
    client = english(client_for(staff))
    form = client.get("/projects/new/").content.decode()
    assert "Total investment (10k yuan)" in form and "data-wan" in form and "js/money.js" in form
    response = client.post("/projects/new/", project_fields(owner_org))
    assert response.status_code == 302
    project = Project.objects.get(code="2026-330100-48-01-900777")
    assert project.total_investment == Decimal("125000.00")


def test_the_edit_form_shows_the_stored_amount_in_wan_with_yuan_beside(client_for, staff, owner_org):
    project = project_create(actor=staff, code="2026-330100-48-01-900778", name="编辑回显测试工程",
                             project_type="municipal", level="municipal", total_investment=Decimal("9640000000.00"),
                             owner=owner_org, regions=[Region.objects.get(code="330100")])
    html = english(client_for(staff)).get(f"/projects/{project.pk}/edit/").content.decode()
    assert 'name="total_investment" value="964000"' in html
    assert "= 9,640,000,000.00 yuan" in html


@pytest.mark.parametrize(("typed", "message"), [
    ("abc", "Total investment (10k yuan): enter a number in 10k yuan, for example 12.5 (= 125,000 yuan)."),
    ("-5", "Total investment (10k yuan) cannot be negative."),
    ("1.1234567", "Total investment (10k yuan) takes at most 6 decimal places in 10k yuan (one fen)."),
])
def test_bad_amounts_are_refused_naming_the_field_and_nothing_is_saved(client_for, staff, owner_org, typed,
                                                                        message):
    response = english(client_for(staff)).post("/projects/new/", project_fields(owner_org, total_investment=typed))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Project.objects.filter(code="2026-330100-48-01-900777").exists()


def test_editing_keeps_yuan_and_a_user_of_another_organisation_cannot_edit(client_for, staff, owner_org,
                                                                           contractor):
    project = project_create(actor=staff, code="2026-330100-48-01-900779", name="编辑测试工程",
                             project_type="municipal", level="municipal", total_investment=Decimal("125000.00"),
                             owner=owner_org, regions=[Region.objects.get(code="330100")])
    assert client_for(contractor).post(f"/projects/{project.pk}/edit/", project_fields(
        owner_org, code=project.code, total_investment="1")).status_code in (403, 404)
    response = client_for(staff).post(f"/projects/{project.pk}/edit/", project_fields(
        owner_org, code=project.code, name="编辑测试工程", total_investment="12.75"))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.total_investment == Decimal("127500.00")


def test_the_correction_form_shows_the_reported_month_in_wan(client_for, owner):
    row = (MonthlyProgress.objects.filter(project__owner=owner.organization, completed_investment__gt=0)
           .order_by("-month").first())
    assert row is not None
    html = english(client_for(owner)).get(
        f"/projects/{row.project_id}/progress/{row.month.year}-{row.month.month}/correct/").content.decode()
    shown = f"{(row.completed_investment / Decimal(10000)).normalize():f}"
    assert f'name="completed_investment" value="{shown}"' in html
    assert f"= {row.completed_investment:,.2f} yuan" in html
    assert month_start(row.month) == row.month
