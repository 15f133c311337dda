"""The API under /api/v1/: session and token auth, one error shape, and bad input that never produces a 500."""

import pytest
from rest_framework.authtoken.models import Token

from projects.models import Project

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def valid_project(owner_org, **overrides):
    data = {"code": "2025-330100-48-01-777001", "name": "城东快速路", "project_type": "municipal",
            "level": "municipal", "total_investment": "350000000.00", "owner": owner_org.pk,
            "planned_start": "2025-03-01", "planned_finish": "2027-12-31", "region_codes": ["330100", "330102"]}
    data.update(overrides)
    return data


def test_staff_registers_a_project_through_the_api(client_for, staff, owner_org):
    response = client_for(staff).post("/api/v1/projects/", valid_project(owner_org), content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner_name"] == owner_org.name
    assert body["region_codes"] == ["330100", "330102"]
    assert body["phase"] == "planning"
    project = Project.objects.get(pk=body["id"])
    assert project.participants.get().organization == owner_org


@pytest.mark.parametrize(
    ("override", "field", "message"),
    [
        ({"total_investment": "-1"}, "total_investment", "Ensure this value is greater than or equal to 0."),
        ({"planned_finish": "2024-01-01"}, "planned_finish", "The planned finish cannot be before the planned start."),
        ({"region_codes": ["999999"]}, "region_codes", "Unknown division code: 999999"),
        ({"region_codes": ["33010"]}, "region_codes", None),
        ({"project_type": "spaceport"}, "project_type", '"spaceport" is not a valid choice.'),
        ({"owner": 99999999}, "owner", 'Invalid pk "99999999" - object does not exist.'),
        ({"planned_start": "2025-02-30"}, "planned_start", None),
        ({"total_investment": "1e400"}, "total_investment", None),
        ({"name": ""}, "name", "This field may not be blank."),
    ],
)
def test_bad_input_gets_400_naming_the_field_and_changes_nothing(client_for, staff, owner_org, override, field,
                                                                 message):
    before = Project.objects.count()
    response = client_for(staff).post("/api/v1/projects/", valid_project(owner_org, **override),
                                      content_type="application/json", **EN)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]
    if message:
        assert error["fields"][field] == [message]
    assert Project.objects.count() == before


def test_business_rule_refusal_uses_the_same_error_shape(client_for, staff, contractor_org):
    response = client_for(staff).post("/api/v1/projects/", valid_project(contractor_org),
                                      content_type="application/json", **EN)
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "invalid",
                                         "message": "The owner must be an owner organisation (construction unit).",
                                         "fields": {"owner": ["Choose an owner organisation (construction unit)."]}}}


def test_duplicate_code_is_refused_with_the_field_named(client_for, staff, owner_org):
    existing = Project.objects.first()
    response = client_for(staff).post("/api/v1/projects/", valid_project(owner_org, code=existing.code),
                                      content_type="application/json", **EN)
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["code"] == ["Key project with this Project code already exists."]


def test_malformed_json_is_a_400(client_for, staff):
    response = client_for(staff).post("/api/v1/projects/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_bad_filters_are_400_not_500(client_for, staff):
    client = client_for(staff)
    assert client.get("/api/v1/projects/", {"stage": "nonsense"}).status_code == 400
    assert client.get("/api/v1/projects/", {"page": "9999"}).status_code == 404
    assert client.get("/api/v1/projects/", {"page_size": "abc"}).status_code == 200
    assert client.get("/api/v1/projects/abc/").status_code == 404


def test_partial_update_and_void_through_the_api(client_for, staff):
    project = Project.objects.first()
    client = client_for(staff)
    response = client.patch(f"/api/v1/projects/{project.pk}/", {"name": "杭绍台高速公路（改）"},
                            content_type="application/json")
    assert response.status_code == 200 and response.json()["name"] == "杭绍台高速公路（改）"
    # The stage moves only through its gate: a PATCH of the stage is refused, naming the field.
    other = "post_evaluation" if project.stage != "post_evaluation" else "proposal"
    refused = client.patch(f"/api/v1/projects/{project.pk}/", {"stage": other}, content_type="application/json")
    assert refused.status_code == 400 and "stage" in refused.json()["error"]["fields"]
    project.refresh_from_db()
    assert project.stage != other
    refused = client.post(f"/api/v1/projects/{project.pk}/void/", {}, content_type="application/json")
    assert refused.status_code == 400 and "reason" in refused.json()["error"]["fields"]
    voided = client.post(f"/api/v1/projects/{project.pk}/void/", {"reason": "重复登记"}, content_type="application/json")
    assert voided.status_code == 200 and voided.json()["voided_at"]


def test_token_authentication(client, contractor):
    token = Token.objects.create(user=contractor)
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response.json()["roles"] == ["contractor"]
    assert response.json()["organization"]["name"] == "华东路桥建设集团有限公司"
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token wrong").status_code == 403


def test_obtain_token_with_password(client):
    from portal.core.demo import DEMO_PASSWORD

    response = client.post("/api/v1/auth/token/", {"username": "contractor", "password": DEMO_PASSWORD})
    assert response.status_code == 200 and len(response.json()["token"]) == 40
    bad = client.post("/api/v1/auth/token/", {"username": "contractor", "password": "wrong"})
    assert bad.status_code == 400


def test_pagination_shape_and_page_size(client_for, staff):
    body = client_for(staff).get("/api/v1/projects/", {"page_size": 7}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert len(body["results"]) == 7 and body["count"] == Project.objects.active().count()


def test_openapi_schema_and_self_hosted_swagger(client_for, staff):
    client = client_for(staff)
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    assert "/api/v1/projects/" in schema["paths"]
    docs = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "https://" not in docs and "http://" not in docs.replace("http://testserver", "")
