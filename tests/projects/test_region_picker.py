"""The project form picks regions by name from the GB/T 2260 list (projects/widgets.py, static/js/regions.js) and
still submits and validates the six-digit codes; the API is unchanged (tests/test_api.py)."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from portal.core.models import Region
from projects.models import Project
from projects.services import project_create

pytestmark = pytest.mark.django_db
CODE = "2026-330100-48-01-900881"


def fields(owner_org, **overrides) -> dict:
    return {"code": CODE, "name": "区划选择测试工程", "project_type": "municipal", "level": "municipal",
            "stage": "proposal", "total_investment": "12.5", "owner": owner_org.pk, "region_codes": "",
            "description": "", **overrides}


def english(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_form_offers_every_division_by_name_with_its_city(client_for, staff):
    response = english(client_for(staff)).get(reverse("projects:create"))
    html = response.content.decode()
    datalist = re.search(r'<datalist id="id_region_codes_list">(.*?)</datalist>', html, re.S).group(1)
    options = re.findall(r'<option value="([^"]+)">', datalist)
    assert len(options) == Region.objects.count()
    assert "杭州市 · 西湖区（330106）" in options
    assert "浙江省 · 杭州市（330100）" in options and "浙江省（330000）" in options
    assert 'list="id_region_codes_list"' in html and "js/regions.js" in html and "css/regions.css" in html
    assert 'name="region_codes"' in html  # the field the form has always taken is still the one submitted


def test_the_form_page_runs_a_flat_number_of_queries(client_for, staff, django_assert_max_num_queries):
    client = client_for(staff)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("projects:create")).status_code == 200


def test_a_picked_region_is_saved_and_shown_by_name_when_editing(client_for, staff, owner_org):
    client = english(client_for(staff))
    response = client.post(reverse("projects:create"), fields(owner_org, region_codes="330106 330100"))
    assert response.status_code == 302, response.content.decode()[:2000]
    project = Project.objects.get(code=CODE)
    assert sorted(project.regions.values_list("code", flat=True)) == ["330100", "330106"]

    html = client.get(reverse("projects:edit", args=[project.pk])).content.decode()
    chosen = re.search(r'<ul class="region-chosen"[^>]*>(.*?)</ul>', html, re.S).group(1)
    assert "杭州市 · 西湖区（330106）" in chosen and "浙江省 · 杭州市（330100）" in chosen
    assert re.search(r'name="region_codes" value="(330106 330100|330100 330106)"', html)


@pytest.mark.parametrize(("typed", "message"), [
    ("999999", "Unknown division code: 999999"),
    ("杭州市", "Not a six-digit division code: 杭州市"),
])
def test_an_unknown_region_is_refused_under_the_field_and_nothing_is_saved(client_for, staff, owner_org, typed,
                                                                           message):
    response = english(client_for(staff)).post(reverse("projects:create"), fields(owner_org, region_codes=typed))
    assert response.status_code == 200
    html = response.content.decode()
    field = next(chunk for chunk in html.split('<div class="field') if 'for="id_region_codes"' in chunk)
    assert field.startswith(" has-error") and ">regions</label>" in field
    assert f'<small class="error">{message}</small>' in field
    assert not Project.objects.filter(code=CODE).exists()


def test_a_user_of_another_organisation_cannot_open_the_edit_form(client_for, staff, owner_org, contractor):
    project = project_create(actor=staff, code=CODE, name="区划选择测试工程", project_type="municipal",
                             level="municipal", total_investment=Decimal("125000.00"), owner=owner_org,
                             regions=[Region.objects.get(code="330106")])
    assert client_for(contractor).get(reverse("projects:edit", args=[project.pk])).status_code in (403, 404)
