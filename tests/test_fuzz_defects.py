"""The defects fuzzing the API found (issue 11), each held by a test that failed before its fix."""

from io import BytesIO

import pytest
from django import forms
from drf_spectacular.generators import SchemaGenerator
from openpyxl import load_workbook

from approvals.models import ApprovalCase, stage_documents
from projects.models import Project, ScheduleTask

HUGE = 156819760433780058226688


def _error_fields(response) -> dict:
    return response.json()["error"]["fields"]


def _project_with_tasks() -> Project:
    return ScheduleTask.objects.active().select_related("project").order_by("pk").first().project


def test_a_plan_year_out_of_range_is_a_400_naming_the_year_not_a_500(client_for, staff):
    project = Project.objects.order_by("pk").first()
    client = client_for(staff)
    response = client.get(f"/api/v1/projects/{project.pk}/monthly-progress/plan/0000/")
    assert response.status_code == 400
    assert "year" in _error_fields(response)
    assert client.get(f"/api/v1/projects/{project.pk}/monthly-progress/plan/2026/").status_code == 200


def test_an_id_no_column_holds_is_a_400_naming_the_field_not_a_500(client_for, staff):
    task = ScheduleTask.objects.active().order_by("pk").first()
    response = client_for(staff).post(
        f"/api/v1/projects/{task.project_id}/dependencies/",
        {"predecessor": task.pk, "successor": HUGE},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(_error_fields(response)) == ["successor"]


def test_a_related_id_no_column_holds_is_an_unknown_object_not_a_500(client_for, staff):
    response = client_for(staff).post(
        "/api/v1/projects/",
        {
            "code": "ZX-FUZZ-1",
            "name": "溢出测试",
            "project_type": "highway",
            "level": "provincial",
            "total_investment": "1.00",
            "owner": HUGE,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "owner" in _error_fields(response)


def test_a_path_id_no_column_holds_is_a_404_not_a_500(client_for, staff):
    response = client_for(staff).get(f"/api/v1/projects/{HUGE}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_api_address_no_route_matches_answers_the_json_error_not_the_html_page(client_for, staff):
    response = client_for(staff).get("/api/v1/approvals/cases/abc/documents/1/file/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def test_text_with_a_control_character_is_refused_naming_the_field(client_for, staff):
    project = _project_with_tasks()
    client = client_for(staff)
    before = ScheduleTask.objects.count()
    response = client.post(
        f"/api/v1/projects/{project.pk}/tasks/",
        {"wbs": "99", "name": "bad\u000bname", "planned_start": "2027-01-04", "planned_finish": "2027-01-08"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(_error_fields(response)) == ["name"]
    assert ScheduleTask.objects.count() == before
    # Tabs and line breaks stay allowed in multi-line text.
    response = client.post(
        f"/api/v1/projects/{project.pk}/tasks/",
        {
            "wbs": "99",
            "name": "好名字",
            "planned_start": "2027-01-04",
            "planned_finish": "2027-01-08",
            "note": "第一行\n第二行\t附注",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["note"] == "第一行\n第二行\t附注"


def test_forms_refuse_control_characters_too():
    class NoteForm(forms.Form):
        title = forms.CharField()
        note = forms.CharField(widget=forms.Textarea, required=False)

    form = NoteForm({"title": "a\x1bb", "note": "x\r\ny\tz"})
    assert not form.is_valid()
    assert list(form.errors) == ["title"]
    assert NoteForm({"title": "ab", "note": "x\r\ny\tz"}).is_valid()


def test_the_schedule_export_survives_stored_control_characters(client_for, staff):
    """Text stored before the inputs refused it (or through the admin) must not make the export a 500."""
    project = _project_with_tasks()
    task = ScheduleTask.objects.active().filter(project=project).order_by("pk").first()
    ScheduleTask.objects.filter(pk=task.pk).update(name="bad\u000bname", note="a\x01b")
    client = client_for(staff)
    page = client.get(f"/projects/{project.pk}/schedule/export.xlsx")
    api = client.get(f"/api/v1/projects/{project.pk}/schedule/?format=xlsx")
    for response in (page, api):
        assert response.status_code == 200
        sheet = load_workbook(
            BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
        )["进度计划"]
        names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert "badname" in names


@pytest.fixture
def api_schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _ok_schema(schema, path, method="get") -> dict:
    ok = schema["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
    if "$ref" in ok:
        ok = schema["components"]["schemas"][ok["$ref"].rsplit("/", 1)[1]]
    return ok


def test_every_paginated_list_is_declared_as_a_page(api_schema, client_for, staff):
    """Every GET that answers a page ({count, next, previous, results}) declares it so (18 declared a bare
    array); found by calling each one, not by reading the declarations."""
    client = client_for(staff)
    project = Project.objects.order_by("pk").first()
    pages = []
    for path, ops in api_schema["paths"].items():
        if "get" not in ops or path.replace("{project_pk}", "").count("{"):
            continue
        response = client.get(path.replace("{project_pk}", str(project.pk)))
        if response.get("Content-Type") == "application/json" and "results" in response.json():
            pages.append(path)
            assert set(response.json()) == {"count", "next", "previous", "results"}, path
            ok = _ok_schema(api_schema, path)
            assert ok.get("type") == "object", path
            assert set(ok["properties"]) == {"count", "next", "previous", "results"}, path
            assert ok["properties"]["results"]["type"] == "array", path
    assert len(pages) >= 17


@pytest.mark.parametrize(
    "path", ["/api/v1/projects/{project_pk}/gate/", "/api/v1/projects/{project_pk}/monthly-progress/"]
)
def test_the_gate_and_the_monthly_table_are_declared_as_objects(api_schema, path):
    ok = _ok_schema(api_schema, path)
    assert ok.get("type") == "object" and "project_id" in ok["properties"]


def test_every_operation_declares_its_error_answers(api_schema):
    for path, ops in api_schema["paths"].items():
        for method, op in ops.items():
            assert {"401", "403"} <= set(op["responses"]) or path.endswith("/auth/token/"), (method, path)
            if "{" in path:
                assert "404" in op["responses"], (method, path)


def test_a_case_lists_the_documents_its_stage_requires_with_the_ids_to_upload_against(
    client_for, owner, other_contractor
):
    case = ApprovalCase.objects.filter(applicant=owner.organization, state="draft").order_by("pk").first()
    required = list(stage_documents(case.stage))
    assert required
    response = client_for(owner).get(f"/api/v1/approvals/cases/{case.pk}/requirements/")
    assert response.status_code == 200
    rows = response.json()
    assert [r["id"] for r in rows] == [d.pk for d in required]
    assert all(r["may_upload"] and r["locked_reason"] == "" for r in rows)  # a draft locks nothing
    # another organisation's user does not learn the case exists
    assert (
        client_for(other_contractor).get(f"/api/v1/approvals/cases/{case.pk}/requirements/").status_code
        == 404
    )


def test_a_session_cookie_django_never_issued_is_no_session(client, staff):
    """Found fuzzing on PostgreSQL: a session cookie with a NUL byte reached the query and answered 500."""
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    response = client.get("/api/v1/projects/")
    assert response.status_code in (401, 403)
    client.cookies["sessionid"] = "../../etc/passwd"
    assert client.get("/").status_code == 302  # to the login page
    client.force_login(staff)
    assert client.get("/api/v1/projects/").status_code == 200
