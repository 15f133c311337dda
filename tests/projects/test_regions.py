"""Cross-region work through the services, pages and API: the joint command with members by region, the land
acquisition and utility relocation items with their quantities and blockers, regions outside the project refused
naming the field, the version lock, the liaison officer who may report but not create, who may see what, and
query budgets that do not grow with the rows."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.core.errors import ApplicationError
from portal.core.models import Region
from portal.notifications.models import Notification
from projects.models import JointCommand, JointCommandMember, Project, RegionWorkItem
from projects.regions import selectors, services
from projects.services import participant_add, project_create

pytestmark = pytest.mark.django_db

JSON = "application/json"
CONFLICT = "Someone else changed this since you opened it; reload and try again."


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def owner(db):
    return User.objects.get(username="owner")


def region(code: str) -> Region:
    return Region.objects.get(code=code)


@pytest.fixture
def project(staff, owner, contractor_org, liaison):
    """A project across 金华 and 温州, owned by 之江 (the `owner` user), with 华东路桥 as contractor and 刘晓东
    as its liaison officer."""
    project = project_create(
        actor=staff, code="2025-330700-48-01-980001", name="义温城际铁路", project_type="transport",
        level="provincial", stage="under_construction", total_investment=Decimal("5000000000"),
        planned_start=datetime.date(2025, 3, 1), planned_finish=datetime.date(2029, 12, 31),
        owner=owner.organization, regions=[region("330700"), region("330300")], liaison_officer=liaison,
    )
    participant_add(actor=staff, project=project, organization=contractor_org, role="contractor")
    return project


def new_item(project, actor, **fields) -> RegionWorkItem:
    values = {"region": region("330783"), "kind": "land_acquisition", "title": "东阳段房屋拆迁", "unit": "household",
              "planned_quantity": Decimal("186"), "completed_quantity": Decimal("0"), "status": "not_started"}
    return services.region_work_create(actor=actor, project=project, **(values | fields))


def refused(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        call()
    return info.value


def snapshot(project):
    items = list(RegionWorkItem.objects.filter(project=project).order_by("pk").values_list(
        "region_id", "planned_quantity", "completed_quantity", "status", "blockers", "version", "voided_at"))
    members = JointCommandMember.objects.filter(command__project=project).count()
    return items, members, AuditEvent.objects.count()


@pytest.fixture
def api(client_for):
    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def error(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]


# ------------------------------------------------------------------------------------------------ items
def test_an_item_in_a_county_of_the_project_is_created_and_audited(project, owner):
    item = new_item(project, owner, completed_quantity=Decimal("20"))
    assert item.region_id == "330783" and item.version == 1
    assert item.status == "in_progress"  # some done: no longer "not started"
    assert item.progress == Decimal("10.75")
    assert AuditEvent.objects.filter(object_id=str(item.pk), action="create").exists()


def test_a_region_outside_the_project_is_refused_naming_the_field(project, owner):
    before = snapshot(project)
    e = refused(lambda: new_item(project, owner, region=region("331102")))  # 莲都区, 丽水
    assert e.message == "莲都区 is not one of the project's regions."
    assert e.extra == {"region": [
        "Choose one of the project's regions (温州市、金华市) or a county inside one of them."]}
    services.joint_command_save(actor=owner, project=project, name="义温城际铁路联合指挥部")
    e = refused(lambda: services.member_add(actor=owner, project=project, region=region("330100"), role="member",
                                            name="张三"))
    assert list(e.extra) == ["region"]
    e = refused(lambda: services.joint_command_save(actor=owner, project=project, name="改名", version=1,
                                                    lead_region=region("330100")))
    assert list(e.extra) == ["lead_region"]
    item = new_item(project, owner)
    e = refused(lambda: services.region_work_update(actor=owner, item=item, version=1, region=region("330881")))
    assert list(e.extra) == ["region"]
    assert JointCommand.objects.get(project=project).name == "义温城际铁路联合指挥部"
    assert RegionWorkItem.objects.get(pk=item.pk).region_id == "330783"
    assert RegionWorkItem.objects.filter(project=project).count() == 1 and before[1] == 0


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"planned_quantity": Decimal("0")}, "planned_quantity", "The planned quantity must be greater than 0."),
    ({"planned_quantity": Decimal("-5")}, "planned_quantity", "The planned quantity must be greater than 0."),
    ({"planned_quantity": "很多"}, "planned_quantity", "Enter a number."),
    ({"completed_quantity": Decimal("-1")}, "completed_quantity", "The completed quantity cannot be negative."),
    ({"completed_quantity": Decimal("186.01")}, "completed_quantity",
     "The completed quantity cannot exceed the planned quantity (186.00)."),
    ({"status": "blocked", "blockers": "  "}, "blockers", "Say what blocks the item."),
    ({"status": "done", "completed_quantity": Decimal("100")}, "status",
     "The item is done when the completed quantity equals the planned quantity (186.00)."),
])
def test_bad_quantities_and_statuses_are_refused_naming_the_field_and_nothing_is_saved(project, owner, fields,
                                                                                         field, message):
    before = snapshot(project)
    e = refused(lambda: new_item(project, owner, **fields))
    assert e.extra == {field: [message]}
    assert snapshot(project) == before


def test_a_complete_item_is_done_and_progress_is_completed_over_planned(project, owner):
    item = new_item(project, owner)
    item = services.region_work_report(actor=owner, item=item, version=1, completed_quantity="186",
                                       status="in_progress")
    assert (item.status, item.progress, item.version) == ("done", Decimal("100.00"), 2)


def test_the_second_of_two_concurrent_edits_is_refused(project, owner, staff):
    item = new_item(project, owner)
    services.region_work_report(actor=staff, item=item, version=1, completed_quantity="50", status="in_progress")
    before = snapshot(project)
    e = refused(lambda: services.region_work_report(actor=owner, item=item, version=1, completed_quantity="60",
                                                    status="in_progress"))
    assert e.extra == {"version": [CONFLICT]} and e.code == "stale"
    e = refused(lambda: services.region_work_update(actor=owner, item=item, version=1, title="改"))
    assert e.extra == {"version": [CONFLICT]}
    assert snapshot(project) == before


def test_a_blocked_item_tells_the_liaison_officer_and_the_regions_members(project, owner, staff):
    services.joint_command_save(actor=staff, project=project, name="义温城际铁路联合指挥部")
    services.member_add(actor=staff, project=project, region=region("330783"), role="deputy", name="楼晓峰",
                        user=User.objects.get(username="liaison2"))
    services.member_add(actor=staff, project=project, region=region("330300"), role="deputy", name="黄志远",
                        user=User.objects.get(username="fgw_head"))
    item = new_item(project, owner)
    services.region_work_report(actor=owner, item=item, version=1, completed_quantity="172", status="blocked",
                                blockers="个别户诉求未达成一致")
    told = {n.recipient.username for n in Notification.objects.filter(event_key__startswith=f"region-work:{item.pk}:")}
    assert told == {"liaison", "liaison2"}  # 金华's member, not 温州's
    assert selectors.region_work_matrix(project=project).blocked[0].blockers == "个别户诉求未达成一致"


def test_a_voided_item_leaves_the_list_and_cannot_be_changed(project, owner):
    item = new_item(project, owner)
    services.region_work_void(actor=owner, item=item, reason="重复录入")
    assert not selectors.region_work_list(project=project).exists()
    e = refused(lambda: services.region_work_report(actor=owner, item=item, version=1, completed_quantity="1",
                                                    status="in_progress"))
    assert e.message == "This region work item is voided and cannot be changed." and e.code == "invalid_transition"


# ------------------------------------------------------------------------------------------------ the command
def test_the_command_is_set_up_changed_with_its_version_and_members_grouped_by_region(project, owner, staff):
    command = services.joint_command_save(actor=owner, project=project, name="义温城际铁路联合指挥部",
                                          lead_region=region("330700"), established_on=datetime.date(2025, 2, 1))
    e = refused(lambda: services.joint_command_save(actor=staff, project=project, name="改名"))
    assert e.extra == {"version": ["This field is required."]}
    services.joint_command_save(actor=staff, project=project, name="义温城际铁路工程建设联合指挥部", version=1)
    e = refused(lambda: services.joint_command_save(actor=owner, project=project, name="又改名", version=1))
    assert e.extra == {"version": [CONFLICT]}
    command.refresh_from_db()
    assert (command.name, command.version) == ("义温城际铁路工程建设联合指挥部", 2)

    services.member_add(actor=owner, project=project, region=region("330300"), role="member", name="潘建华")
    services.member_add(actor=owner, project=project, region=region("330300"), role="commander", name="黄志远")
    gone = services.member_add(actor=owner, project=project, region=region("330782"), role="deputy", name="吴国平")
    services.member_void(actor=owner, member=gone, reason="工作调动")
    members = list(selectors.command_members(command=command))
    assert [(m.region_id, m.role, m.name) for m in members] == [
        ("330300", "commander", "黄志远"), ("330300", "member", "潘建华")]


def test_a_member_needs_a_command_first(project, owner):
    e = refused(lambda: services.member_add(actor=owner, project=project, region=region("330700"), role="member",
                                            name="张三"))
    assert e.message == "Set up the joint command first."


# ------------------------------------------------------------------------------------------------ pages
def test_the_tab_shows_the_command_members_summary_and_items(client_for, leader):
    project = Project.objects.get(name="杭温高速铁路义乌至温州段")
    client = client_for(leader)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.get(f"/projects/{project.pk}/regions/")
    html = response.content.decode()
    assert "杭温高铁义乌至温州段工程建设联合指挥部" in html
    assert html.count('data-testid="member-group"') == 5  # 金华市, 温州市, 义乌市, 东阳市, 永嘉县
    assert "个别户诉求未达成一致" in html and 'data-testid="blockers"' in html
    assert html.count('data-testid="region-item"') == 6
    assert 'data-testid="add-item"' not in html  # a leader reads
    matrix = response.context["matrix"]
    assert [r.name for r in matrix.rows] == ["温州市", "金华市"]
    assert matrix.total.items == 6 and matrix.total.blocked == 1
    filtered = client.get(f"/projects/{project.pk}/regions/", {"region": "330300", "status": "done"})
    assert [i.title for i in filtered.context["page"].object_list] == ["鹿城段通信管线迁改"]


def test_the_owner_adds_an_item_through_the_page_and_a_bad_one_is_shown_on_the_form(project, owner, client_for):
    client = client_for(owner)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = f"/projects/{project.pk}/regions/items/add/"
    form = {"region": "330783", "kind": "land_acquisition", "title": "东阳段征地", "unit": "mu",
            "planned_quantity": "100", "completed_quantity": "120", "status": "in_progress", "version": ""}
    response = client.post(url, form)
    assert response.status_code == 200
    assert "The completed quantity cannot exceed the planned quantity (100.00)." in response.content.decode()
    assert not RegionWorkItem.objects.filter(project=project).exists()
    response = client.post(url, form | {"region": "331102"})
    assert "Select a valid choice" in response.content.decode()  # not offered on the page either
    assert client.post(url, form | {"completed_quantity": "30"}).status_code == 302
    assert RegionWorkItem.objects.get(project=project).completed_quantity == Decimal("30")


def test_two_people_editing_an_item_on_the_page_the_second_is_refused(project, owner, staff, client_for):
    item = new_item(project, owner)
    url = f"/projects/{project.pk}/regions/items/{item.pk}/report/"
    first, second = client_for(owner), client_for(staff)
    second.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    first.get(url)
    second.get(url)
    form = {"completed_quantity": "10", "status": "in_progress", "blockers": "", "version": "1"}
    assert first.post(url, form).status_code == 302
    response = second.post(url, form | {"completed_quantity": "12"})
    assert response.status_code == 200 and CONFLICT in response.content.decode()
    assert RegionWorkItem.objects.get(pk=item.pk).completed_quantity == Decimal("10")


def test_the_liaison_officer_may_report_but_not_create_edit_or_void(project, owner, liaison, client_for):
    item = new_item(project, owner)
    client = client_for(liaison)
    html = client.get(f"/projects/{project.pk}/regions/").content.decode()
    assert f"/regions/items/{item.pk}/report/" in html and f"/regions/items/{item.pk}/edit/" not in html
    response = client.post(f"/projects/{project.pk}/regions/items/{item.pk}/report/",
                           {"completed_quantity": "40", "status": "blocked", "blockers": "安置房源不足", "version": "1"})
    assert response.status_code == 302
    assert RegionWorkItem.objects.get(pk=item.pk).status == "blocked"
    for url in ("items/add/", f"items/{item.pk}/edit/", f"items/{item.pk}/void/", "command/", "members/add/"):
        assert client.get(f"/projects/{project.pk}/regions/{url}").status_code == 403, url
    assert client.post(f"/projects/{project.pk}/regions/items/add/", {}).status_code == 403


def test_another_projects_liaison_officer_may_not_report(project, owner, client_for):
    item = new_item(project, owner)
    client = client_for(User.objects.get(username="liaison2"))
    assert client.get(f"/projects/{project.pk}/regions/items/{item.pk}/report/").status_code == 404


@pytest.mark.parametrize("username", ["contractor", "leader"])
def test_participants_and_leaders_read_but_cannot_change(project, owner, username, client_for):
    item = new_item(project, owner)
    client = client_for(User.objects.get(username=username))
    assert client.get(f"/projects/{project.pk}/regions/").status_code == 200
    for url in ("items/add/", f"items/{item.pk}/report/", f"items/{item.pk}/edit/", "command/"):
        assert client.get(f"/projects/{project.pk}/regions/{url}").status_code == 403, url
    response = client.post(f"/projects/{project.pk}/regions/items/{item.pk}/report/",
                           {"completed_quantity": "1", "status": "in_progress", "version": "1"})
    assert response.status_code == 403
    assert RegionWorkItem.objects.get(pk=item.pk).version == 1


def test_another_organisations_contractor_gets_404_on_pages_and_api(project, owner, other_contractor, client_for,
                                                                    api):
    item = new_item(project, owner)
    services.joint_command_save(actor=owner, project=project, name="义温城际铁路联合指挥部")
    client = client_for(other_contractor)
    for url in ("", "command/", "members/add/", "items/add/", f"items/{item.pk}/report/",
                f"items/{item.pk}/edit/", f"items/{item.pk}/history/"):
        assert client.get(f"/projects/{project.pk}/regions/{url}").status_code == 404, url
    json_client = api(other_contractor)
    base = f"/api/v1/projects/{project.pk}"
    for url in (f"{base}/region-work/", f"{base}/region-work/{item.pk}/", f"{base}/joint-command/"):
        assert json_client.get(url).status_code == 404, url
    assert json_client.post(f"{base}/region-work/{item.pk}/report/", {"completed_quantity": "1",
                            "status": "in_progress", "version": 1}, content_type=JSON).status_code == 404
    assert json_client.put(f"{base}/joint-command/", {"name": "x"}, content_type=JSON).status_code == 404
    assert RegionWorkItem.objects.get(pk=item.pk).version == 1


# ------------------------------------------------------------------------------------------------ API
def test_api_joint_command_and_members(project, owner, api, liaison):
    client = api(owner)
    url = f"/api/v1/projects/{project.pk}/joint-command/"
    assert client.get(url).status_code == 404
    r = client.put(url, {"name": "义温城际铁路联合指挥部", "lead_region": "330700", "office": "义乌市"},
                   content_type=JSON)
    assert r.status_code == 201, r.content
    assert r.json()["version"] == 1 and r.json()["lead_region_name"] == "金华市"
    r = client.put(url, {"name": "义温城际铁路工程建设联合指挥部", "version": 1}, content_type=JSON)
    assert r.status_code == 200 and r.json()["version"] == 2
    e = error(client.put(url, {"name": "x", "version": 1}, content_type=JSON), 409)
    assert e["code"] == "stale" and e["fields"] == {"version": [CONFLICT]}
    e = error(client.put(url, {"name": "x", "version": 2, "lead_region": "331100"}, content_type=JSON))
    assert list(e["fields"]) == ["lead_region"]

    r = client.post(f"{url}members/", {"region": "330782", "role": "liaison", "name": "刘晓东", "user": liaison.pk},
                    content_type=JSON)
    assert r.status_code == 201, r.content
    member = r.json()
    assert (member["region_name"], member["role"], member["user_id"]) == ("义乌市", "liaison", liaison.pk)
    e = error(client.post(f"{url}members/", {"region": "110101", "name": "王五"}, content_type=JSON))
    assert list(e["fields"]) == ["region"]
    e = error(client.post(f"{url}members/", {"region": "999999", "name": "王五"}, content_type=JSON))
    assert e["fields"] == {"region": ["Unknown division code: 999999"]}
    r = client.post(f"{url}members/{member['id']}/void/", {"reason": "调整"}, content_type=JSON)
    assert r.status_code == 200 and r.json()["voided_at"]
    assert client.get(url).json()["members"] == []
    assert api(User.objects.get(username="leader")).put(url, {"name": "x", "version": 2},
                                                         content_type=JSON).status_code == 403


def test_api_region_work_create_filter_update_report_void(project, owner, api, liaison):
    client = api(owner)
    url = f"/api/v1/projects/{project.pk}/region-work/"
    r = client.post(url, {"region": "330783", "kind": "land_acquisition", "title": "东阳段房屋拆迁",
                          "unit": "household", "planned_quantity": "186"}, content_type=JSON)
    assert r.status_code == 201, r.content
    item = r.json()
    assert (item["status"], item["completed_quantity"], item["progress"], item["version"]) == (
        "not_started", "0.00", "0.00", 1)
    client.post(url, {"region": "330324", "kind": "utility_relocation", "title": "永嘉段电力迁改", "unit": "km",
                      "planned_quantity": "12.6", "completed_quantity": "6.3"}, content_type=JSON)
    assert [i["title"] for i in client.get(url, {"region": "330700"}).json()["results"]] == ["东阳段房屋拆迁"]
    assert [i["title"] for i in client.get(url, {"kind": "utility_relocation"}).json()["results"]] == ["永嘉段电力迁改"]
    assert [i["progress"] for i in client.get(url, {"status": "in_progress"}).json()["results"]] == ["50.00"]
    e = error(client.get(url, {"kind": "mining", "region": "33"}))
    assert set(e["fields"]) == {"kind", "region"}

    e = error(client.post(url, {"region": "331102", "kind": "land_acquisition", "title": "x", "unit": "mu",
                                "planned_quantity": "10"}, content_type=JSON))
    assert list(e["fields"]) == ["region"]
    e = error(client.post(url, {"region": "330783", "kind": "land_acquisition", "title": "x", "unit": "mu",
                                "planned_quantity": "-10"}, content_type=JSON))
    assert e["fields"] == {"planned_quantity": ["The planned quantity must be greater than 0."]}

    detail = f"{url}{item['id']}/"
    r = client.patch(detail, {"title": "东阳段沿线房屋拆迁", "version": 1}, content_type=JSON)
    assert r.status_code == 200 and r.json()["version"] == 2
    e = error(client.patch(detail, {"title": "又改", "version": 1}, content_type=JSON), 409)
    assert e["code"] == "stale" and e["fields"] == {"version": [CONFLICT]}

    liaison_client = api(liaison)
    r = liaison_client.post(f"{detail}report/", {"completed_quantity": "172", "status": "blocked", "version": 2},
                            content_type=JSON)
    assert error(r)["fields"] == {"blockers": ["Say what blocks the item."]}
    r = liaison_client.post(f"{detail}report/", {"completed_quantity": "172", "status": "blocked", "version": 2,
                                                 "blockers": "个别户诉求未达成一致"}, content_type=JSON)
    assert r.status_code == 200 and r.json()["status"] == "blocked"
    assert liaison_client.post(url, {"region": "330783", "kind": "land_acquisition", "title": "x", "unit": "mu",
                                     "planned_quantity": "10"}, content_type=JSON).status_code == 403
    assert liaison_client.patch(detail, {"title": "y", "version": 3}, content_type=JSON).status_code == 403
    assert liaison_client.post(f"{detail}void/", {"reason": "x"}, content_type=JSON).status_code == 403

    r = client.post(f"{detail}void/", {"reason": "重复录入"}, content_type=JSON)
    assert r.status_code == 200 and r.json()["voided_at"]
    assert [i["title"] for i in client.get(url).json()["results"]] == ["永嘉段电力迁改"]


# ------------------------------------------------------------------------------------------------ query budgets
def add_items(project, owner, n):
    counties = ["330782", "330783", "330727", "330324", "330302"]
    for i in range(n):
        new_item(project, owner, region=region(counties[i % 5]), title=f"加量事项{i}",
                 kind="utility_relocation" if i % 2 else "land_acquisition", completed_quantity=Decimal(i % 7),
                 responsible_organization=owner.organization)
    services.member_add(actor=owner, project=project, region=region(counties[n % 5]), role="member",
                        name=f"成员{n}", organization=owner.organization, user=owner)


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("username", ["owner", "liaison", "contractor"])
def test_region_query_counts_do_not_grow_with_items(project, owner, username, client_for):
    services.joint_command_save(actor=owner, project=project, name="义温城际铁路联合指挥部",
                                lead_region=region("330700"))
    client = client_for(User.objects.get(username=username))
    urls = [f"/projects/{project.pk}/regions/", f"/api/v1/projects/{project.pk}/region-work/",
            f"/api/v1/projects/{project.pk}/joint-command/"]
    add_items(project, owner, 3)
    client.get(urls[0])
    few = [count(client, u) for u in urls]
    add_items(project, owner, 9)
    many = [count(client, u) for u in urls]
    assert many == few
