"""The region picker (projects/widgets.py, static/js/regions.js): the project form picks regions by name and still
submits and validates the six-digit codes (the API is unchanged, tests/test_api.py); the project list's and the
map's filters use the same picker for their one region, with the same `region` code in the query string.

The list of divisions is not written into the pages: the picker fetches it once from projects:region-options, a
JSON answer with an ETag (304 when the browser has it), compressed, for logged-in users only."""

import gzip
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.core.models import Region
from projects.models import Project
from projects.selectors import project_list
from projects.services import project_create
from projects.widgets import RegionPicker

pytestmark = pytest.mark.django_db
CODE = "2026-330100-48-01-900881"
OPTIONS = "/projects/regions.json"


def fields(owner_org, **overrides) -> dict:
    return {"code": CODE, "name": "区划选择测试工程", "project_type": "municipal", "level": "municipal",
            "stage": "proposal", "total_investment": "12.5", "owner": owner_org.pk, "region_codes": "",
            "description": "", **overrides}


def english(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def picker(html: str, name: str) -> str:
    """The picker holding the field `name`."""
    for chunk in html.split("<div class=\"region-picker")[1:]:
        if f'name="{name}"' in chunk.split("</div>")[0]:
            return chunk.split("</div>")[0]
    raise AssertionError(f"no region picker for {name}")


# ------------------------------------------------------------------------------------------- the list of divisions
def test_the_list_of_divisions_is_served_once_as_json_with_every_division_by_name(client_for, staff):
    client = client_for(staff)
    assert reverse("projects:region-options") == OPTIONS
    with CaptureQueriesContext(connection) as queries:
        response = client.get(OPTIONS)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    labels = json.loads(response.content)["regions"]
    assert len(labels) == Region.objects.count() > 3000
    assert "杭州市 · 西湖区（330106）" in labels and "浙江省 · 杭州市（330100）" in labels and "浙江省（330000）" in labels
    assert labels == sorted(labels, key=lambda label: label[-7:-1])  # in code order
    region_queries = [q for q in queries.captured_queries if "core_region" in q["sql"]]
    assert len(region_queries) == 1


def test_the_list_has_an_etag_a_browser_holding_it_gets_304_and_it_is_compressed(client_for, staff):
    client = client_for(staff)
    first = client.get(OPTIONS)
    etag = first["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert "private" in first["Cache-Control"] and "max-age=3600" in first["Cache-Control"]
    again = client.get(OPTIONS, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    stale = client.get(OPTIONS, HTTP_IF_NONE_MATCH='"0123456789abcdef0123456789abcdef"')
    assert stale.status_code == 200 and stale.content == first.content

    packed = client.get(OPTIONS, HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == first.content
    assert len(packed.content) < len(first.content) / 3
    assert client.get(OPTIONS, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=packed["ETag"]).status_code == 304

    Region.objects.filter(code="330106").update(name="西湖新区")  # a renamed division is a new list
    renamed = client.get(OPTIONS, HTTP_IF_NONE_MATCH=etag)
    assert renamed.status_code == 200 and renamed["ETag"] != etag
    assert "杭州市 · 西湖新区（330106）" in json.loads(renamed.content)["regions"]


def test_the_list_is_for_logged_in_users_and_only_read(client, client_for, staff):
    response = client.get(OPTIONS)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client_for(staff).post(OPTIONS).status_code == 405


# ------------------------------------------------------------------------------------------- the project form
def test_the_form_page_carries_the_picker_but_not_the_list(client_for, staff):
    response = english(client_for(staff)).get(reverse("projects:create"))
    html = response.content.decode()
    box = picker(html, "region_codes")
    assert f'data-options-url="{OPTIONS}"' in box and "data-single" not in box
    assert '<datalist id="id_region_codes_list"></datalist>' in box  # filled by the script from the list
    assert "西湖区（330106）" not in html and "<option value=\"浙江省" not in html
    assert 'list="id_region_codes_list"' in html and "js/regions.js" in html and "css/regions.css" in html
    assert 'name="region_codes"' in html  # the field the form has always taken is still the one submitted
    assert len(response.content) < 40_000  # it was ≈ 170 KB with the list written in


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
    chosen = re.search(r'<ul class="region-chosen"[^>]*>(.*?)</ul>', html, re.S).group(1)
    assert f'<li data-code="{typed}"><span>{typed}</span></li>' in chosen  # shown as typed, nothing invented


def test_a_user_of_another_organisation_cannot_open_the_edit_form(client_for, staff, owner_org, contractor):
    project = project_create(actor=staff, code=CODE, name="区划选择测试工程", project_type="municipal",
                             level="municipal", total_investment=Decimal("125000.00"), owner=owner_org,
                             regions=[Region.objects.get(code="330106")])
    assert client_for(contractor).get(reverse("projects:edit", args=[project.pk])).status_code in (403, 404)


# ------------------------------------------------------------------------------------------- the filters
@pytest.mark.parametrize("page", ["projects:list", "projects:map"])
def test_the_filters_pick_one_region_by_name_and_keep_the_code_in_the_query_string(client_for, staff, page):
    client = english(client_for(staff))
    html = client.get(reverse(page)).content.decode()
    box = picker(html, "region")
    assert "data-single" in box and f'data-options-url="{OPTIONS}"' in box and "<option" not in box
    assert 'id="id_region"' in box and 'id="id_region_search"' in box
    assert '<label class="visually-hidden" for="id_region">Region</label>' in html  # moved to the box by the script
    assert html.count('name="region"') == 1  # the picker's codes field is the one input sent
    assert 'placeholder="Region code, e.g. 330100"' in box  # typed as before without scripts
    assert "js/regions.js" in html and "css/regions.css" in html

    filtered = client.get(reverse(page), {"region": "330100"}).content.decode()
    box = picker(filtered, "region")
    assert 'name="region" value="330100"' in box
    assert '<li data-code="330100"><span>浙江省 · 杭州市（330100）</span></li>' in box


def test_the_list_filtered_by_a_picked_region_shows_the_projects_of_that_region(client_for, staff):
    response = client_for(staff).get(reverse("projects:list"), {"region": "330100"})
    shown = {p.pk for p in response.context["page"].object_list}
    expected = set(project_list(user=staff, search="", filters={"region": "330100"}).values_list("pk", flat=True))
    everything = set(project_list(user=staff, search="", filters={}).values_list("pk", flat=True))
    assert shown == expected and 0 < len(expected) < len(everything)
    for project in Project.objects.filter(pk__in=shown):
        assert any(code.startswith("3301") for code in project.regions.values_list("code", flat=True))


def test_the_map_passes_the_picked_region_to_its_features(client_for, staff):
    html = client_for(staff).get(reverse("projects:map"), {"region": "330100"}).content.decode()
    assert 'data-features-url="/api/v1/projects/map/?region=330100"' in html


@pytest.mark.parametrize("page", ["projects:list", "projects:map"])
def test_a_bad_region_in_the_query_string_is_named_and_the_page_still_answers(client_for, staff, page):
    response = english(client_for(staff)).get(reverse(page), {"region": "33x<"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a six-digit division code." in html
    assert 'value="33x&lt;"' in html and "33x<" not in html  # escaped, no chip label invented
    assert '<li data-code="33x&lt;"><span>33x&lt;</span></li>' in html


def test_the_list_page_weight_and_queries_do_not_grow_with_the_picker(client_for, staff):
    client = client_for(staff)
    client.get(reverse("projects:list"))
    with CaptureQueriesContext(connection) as plain:
        unfiltered = client.get(reverse("projects:list"))
    with CaptureQueriesContext(connection) as picked:
        client.get(reverse("projects:list"), {"region": "330100"})
    assert len(unfiltered.content) < 40_000  # no list of divisions in the page
    assert len(picked.captured_queries) <= len(plain.captured_queries) + 1  # the chip's name


def test_the_widget_names_the_chosen_regions_in_one_query_and_asks_nothing_when_none(django_assert_num_queries):
    with django_assert_num_queries(0):
        empty = RegionPicker(single=True).render("region", "", attrs={"id": "id_region"})
    assert '<ul class="region-chosen" data-region-chosen data-testid="region-chosen"></ul>' in empty
    with django_assert_num_queries(1):
        html = RegionPicker().render("region_codes", "330106 330100 999999", attrs={"id": "id_region_codes"})
    chips = re.findall(r'<li data-code="(\d+)"><span>([^<]+)</span></li>', html)
    assert chips == [("330106", "杭州市 · 西湖区（330106）"), ("330100", "浙江省 · 杭州市（330100）"),
                     ("999999", "999999")]
