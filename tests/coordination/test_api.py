"""/api/v1/coordination/: an issue from a company's submission to its closing through the API only; meetings and
a decision become an issue; the service log and the call-backs. Every endpoint is reached by the right role,
refused to another organisation's user (404) and to a role without the permission (403); bad input is a 400
naming the field with nothing changed; a move the state no longer allows, or a stale version, is a 409; lists keep
their query count whatever their length; the OpenAPI schema of these views generates without warnings."""

import datetime
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from coordination import services
from coordination.models import (
    CallBack,
    IssueAttachment,
    IssueCategory,
    IssueItem,
    IssueState,
    Meeting,
    MeetingDecision,
    ServiceLog,
)
from portal.accounts.models import Organization, User
from portal.audit.models import AuditEvent
from projects.models import Project

ISSUES = "/api/v1/coordination/issues/"
MEETINGS = "/api/v1/coordination/meetings/"
LOG = "/api/v1/coordination/service-log/"
CALLBACKS = "/api/v1/coordination/callbacks/"
JSON = "application/json"


# ------------------------------------------------------------------------------------------------ helpers
@pytest.fixture
def api(en):
    """api(user) → a logged-in client reading the API in English, so messages can be asserted exactly."""
    return en


def pdf(name: str = "letter") -> SimpleUploadedFile:
    body = b"%PDF-1.4\n% " + name.encode() + b"\ntrailer << >>\n%%EOF\n"
    return SimpleUploadedFile(f"{name}.pdf", body, content_type="application/pdf")


def script() -> SimpleUploadedFile:
    return SimpleUploadedFile("run.pdf", b"#!/bin/sh\nrm -rf /\n", content_type="application/pdf")


def project_of(user: User) -> Project:
    return Project.objects.active().filter(participants__organization=user.organization).order_by("pk").first()


def raise_issue(contractor: User, **extra) -> IssueItem:
    return services.issue_raise(actor=contractor, project=project_of(contractor), title=extra.pop("title", "用地"),
                                description="征地未完成，影响路基施工", category=extra.pop("category", "land"), **extra)


def at(issue: IssueItem, state: str, *, staff: User, reviewer: User, contractor: User) -> IssueItem:
    """`issue` moved through the services up to `state`."""
    steps = [("accepted", lambda i: services.issue_accept(actor=staff, issue=i)),
             ("assigned", lambda i: services.issue_assign(actor=staff, issue=i, department=reviewer.organization)),
             ("in_progress", lambda i: services.issue_start(actor=reviewer, issue=i)),
             ("resolved", lambda i: services.issue_resolve(actor=reviewer, issue=i, answer="已协调自然资源厅")),
             ("verified", lambda i: services.issue_verify(actor=contractor, issue=i, satisfied=True)),
             ("closed", lambda i: services.issue_close(actor=staff, issue=i))]
    order = ["reported"] + [name for name, _ in steps]
    for name, step in steps:
        if order.index(name) <= order.index(issue.state):
            continue
        issue = step(issue)
        if name == state:
            break
    issue.refresh_from_db()
    return issue


def post(client, url: str, body=None):
    return client.post(url, body or {}, content_type=JSON)


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]


def snapshot(issue: IssueItem) -> tuple:
    issue.refresh_from_db()
    return (issue.state, issue.version, issue.department_id, issue.due_on, issue.answer, issue.rating_count,
            AuditEvent.objects.filter(object_id=str(issue.pk), content_type__model="issueitem").count())


@pytest.fixture
def other_reviewer(db) -> User:
    """A reviewer of another department (交通运输厅)."""
    return User.objects.get(username="jtt_reviewer")


# ------------------------------------------------------------------------------------------ the whole loop
@pytest.mark.django_db
def test_an_issue_from_submission_to_closing_through_the_api(api, contractor, staff, reviewer):
    company, window, department = api(contractor), api(staff), api(reviewer)
    project = project_of(contractor)
    response = post(company, ISSUES, {"project": project.pk, "title": "用地预审", "description": "用地预审迟迟未批",
                                      "category": "land"})
    assert response.status_code == 201, response.content
    body = response.json()
    pk = body["id"]
    assert body["state"] == "reported" and body["source"] == "company" and body["holder"] == "bureau"
    assert body["company_id"] == contractor.organization_id and body["moves"] == []
    assert body["limit_workdays"] == 10 and body["light"] in ("green", "amber")
    assert window.get(f"{ISSUES}{pk}/").json()["allowed_moves"] == ["accept"]

    body = post(window, f"{ISSUES}{pk}/accept/").json()
    assert body["state"] == "accepted" and body["sign_minutes"] is not None and body["accepted_at"]
    body = post(window, f"{ISSUES}{pk}/assign/", {"department": reviewer.organization_id, "note": "请发改委牵头",
                                                   "version": body["version"]}).json()
    assert body["state"] == "assigned" and body["department_id"] == reviewer.organization_id
    assert body["holder"] == "department" and body["holder_name"] == reviewer.organization.name
    assert {m["name"] for m in department.get(f"{ISSUES}{pk}/").json()["moves"]} == {"decline", "start"}
    assert post(department, f"{ISSUES}{pk}/start/").json()["state"] == "in_progress"
    version = department.get(f"{ISSUES}{pk}/").json()["version"]
    body = post(department, f"{ISSUES}{pk}/resolve/", {"answer": "已协调，下周批复", "version": version}).json()
    assert body["state"] == "resolved" and body["holder"] == "company" and body["answer_workdays"] is not None
    assert company.get(f"{ISSUES}{pk}/").json()["allowed_moves"] == ["confirm", "reopen"]

    body = post(company, f"{ISSUES}{pk}/verify/", {"satisfied": False, "comment": "批复仍未下达"}).json()
    assert body["state"] == "in_progress" and body["reopen_count"] == 1
    post(department, f"{ISSUES}{pk}/resolve/", {"answer": "批复已下达"})
    body = post(company, f"{ISSUES}{pk}/verify/", {"satisfied": True}).json()
    assert body["state"] == "verified" and body["on_time"] is True and body["close_workdays"] is not None
    assert [(r["kind"], r["satisfied"]) for r in body["ratings"]] == [("verification", False), ("verification", True)]
    body = post(window, f"{ISSUES}{pk}/close/").json()
    assert body["state"] == "closed" and body["holder"] == "" and body["closed_at"]
    issue = IssueItem.objects.get(pk=pk)
    assert (issue.rating_count, issue.satisfied_count) == (2, 1)


@pytest.mark.django_db
def test_chinese_labels_by_default(client_for, contractor):
    issue = raise_issue(contractor)
    body = client_for(contractor).get(f"{ISSUES}{issue.pk}/").json()
    with translation.override("zh-hans"):
        expected = str(IssueCategory.LAND.label), str(IssueState.REPORTED.label)
    assert (body["category_display"], body["state_display"]) == expected


@pytest.mark.django_db
def test_decline_returns_it_to_the_bureau_and_reschedule_moves_the_deadline(api, contractor, staff, reviewer):
    issue = at(raise_issue(contractor), "assigned", staff=staff, reviewer=reviewer, contractor=contractor)
    body = post(api(reviewer), f"{ISSUES}{issue.pk}/decline/", {"reason": "属自然资源厅职责"}).json()
    assert body["state"] == "accepted" and body["department_id"] is None
    new_due = issue.due_on + datetime.timedelta(days=14)
    body = post(api(staff), f"{ISSUES}{issue.pk}/reschedule/", {"due_on": new_due.isoformat(), "reason": "需省级会商",
                                                                "version": body["version"]}).json()
    assert body["due_on"] == new_due.isoformat() and body["limit_workdays"] > issue.limit_workdays


# ----------------------------------------------------------------------------------------------- attachments
@pytest.mark.django_db
def test_multipart_create_with_attachments_and_their_download(api, contractor, other_contractor, staff):
    project = project_of(contractor)
    response = api(contractor).post(ISSUES, {"project": project.pk, "title": "管线迁改", "description": "燃气管线未迁改",
                                             "category": "utilities", "attachments": [pdf("函件"), pdf("照片")]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert [a["original_name"] for a in body["attachments"]] == ["函件.pdf", "照片.pdf"]
    att = body["attachments"][0]
    url = f"{ISSUES}{body['id']}/attachments/{att['id']}/"
    download = api(staff).get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-1.4\n% \xe5")
    assert api(other_contractor).get(url).status_code == 404
    assert api(contractor).get(f"{ISSUES}{body['id']}/attachments/999999/").status_code == 404

    added = api(staff).post(f"{ISSUES}{body['id']}/attachments/", {"file": pdf("复函")})
    assert added.status_code == 201 and added.json()["original_name"] == "复函.pdf"
    assert IssueAttachment.objects.filter(issue_id=body["id"]).count() == 3


@pytest.mark.django_db
def test_a_forbidden_file_refuses_the_whole_issue(api, contractor):
    before = IssueItem.objects.count(), IssueAttachment.objects.count()
    response = api(contractor).post(ISSUES, {"project": project_of(contractor).pk, "title": "x", "description": "y",
                                             "category": "land", "attachments": [pdf(), script()]})
    assert "attachments" in error(response, 400)["fields"]
    assert (IssueItem.objects.count(), IssueAttachment.objects.count()) == before


@pytest.mark.django_db
def test_attachments_of_a_closed_issue_or_by_an_outsider_are_refused(api, contractor, other_contractor, leader,
                                                                      staff, reviewer):
    issue = raise_issue(contractor)
    assert error(api(leader).post(f"{ISSUES}{issue.pk}/attachments/", {"file": pdf()}), 403)
    assert error(api(other_contractor).post(f"{ISSUES}{issue.pk}/attachments/", {"file": pdf()}), 404)
    assert "file" in error(api(contractor).post(f"{ISSUES}{issue.pk}/attachments/", {}), 400)["fields"]
    closed = at(issue, "closed", staff=staff, reviewer=reviewer, contractor=contractor)
    assert error(api(contractor).post(f"{ISSUES}{closed.pk}/attachments/", {"file": pdf()}), 409)["code"] == (
        "invalid_transition")
    assert not IssueAttachment.objects.filter(issue=issue).exists()


# ------------------------------------------------------------------------------------------- bad input, 409
@pytest.mark.django_db
@pytest.mark.parametrize(("body", "field"), [
    ({"title": "x", "description": "  ", "category": "land"}, "description"),
    ({"title": "x", "description": "y", "category": "weather"}, "category"),
    ({"title": "", "description": "y", "category": "land"}, "title"),
    ({"title": "x", "description": "y", "category": "land", "project": 99999999}, "project"),
    ({"title": "x", "description": "y", "category": "land", "project": "abc"}, "project"),
    ({"title": "x", "description": "y", "category": "land", "department": 1 << 70}, "department"),
])
def test_bad_issue_input_names_the_field_and_stores_nothing(api, contractor, body, field):
    body = {"project": project_of(contractor).pk, **body}
    before = IssueItem.objects.count()
    assert field in error(post(api(contractor), ISSUES, body), 400)["fields"]
    assert IssueItem.objects.count() == before


@pytest.mark.django_db
def test_a_company_cannot_raise_on_a_project_it_does_not_take_part_in(api, contractor):
    foreign = Project.objects.active().exclude(participants__organization=contractor.organization).exclude(
        owner=contractor.organization).order_by("pk").first()
    before = IssueItem.objects.count()
    response = post(api(contractor), ISSUES, {"project": foreign.pk, "title": "x", "description": "y",
                                              "category": "land"})
    assert response.status_code in (400, 403) and "project" in response.json()["error"]["fields"]
    assert IssueItem.objects.count() == before


@pytest.mark.django_db
def test_bad_move_input_names_the_field_and_changes_nothing(api, contractor, staff, reviewer):
    issue = at(raise_issue(contractor), "accepted", staff=staff, reviewer=reviewer, contractor=contractor)
    before = snapshot(issue)
    window = api(staff)
    url = f"{ISSUES}{issue.pk}/"
    assert "department" in error(post(window, url + "assign/", {}), 400)["fields"]
    assert "department" in error(post(window, url + "assign/", {"department": contractor.organization_id}), 400)[
        "fields"]
    assert "reason" in error(post(window, url + "reschedule/", {"due_on": "2099-01-01", "reason": " "}), 400)["fields"]
    assert "due_on" in error(post(window, url + "reschedule/", {"due_on": "2001-01-01", "reason": "x"}), 400)["fields"]
    assert "due_on" in error(post(window, url + "reschedule/", {"due_on": "not-a-date", "reason": "x"}), 400)[
        "fields"]
    assert "due_on" in error(post(window, url + "reschedule/", {"due_on": "8407-12-25", "reason": "x"}), 400)[
        "fields"]  # the working-day calendar cannot count that far: refused before it is asked
    assert snapshot(issue) == before

    issue = at(issue, "in_progress", staff=staff, reviewer=reviewer, contractor=contractor)
    before = snapshot(issue)
    assert "answer" in error(post(api(reviewer), url + "resolve/", {"answer": "   "}), 400)["fields"]
    assert "reason" in error(post(api(reviewer), url + "decline/", {"reason": ""}), 400)["fields"]
    assert snapshot(issue) == before

    issue = at(issue, "resolved", staff=staff, reviewer=reviewer, contractor=contractor)
    before = snapshot(issue)
    assert "comment" in error(post(api(contractor), url + "verify/", {"satisfied": False}), 400)["fields"]
    assert "satisfied" in error(post(api(contractor), url + "verify/", {"comment": "x"}), 400)["fields"]
    assert snapshot(issue) == before


@pytest.mark.django_db
def test_a_move_the_state_no_longer_allows_or_a_stale_version_is_409(api, contractor, staff, reviewer):
    issue = raise_issue(contractor)
    window = api(staff)
    assert post(window, f"{ISSUES}{issue.pk}/accept/").status_code == 200
    before = snapshot(issue)
    assert error(post(window, f"{ISSUES}{issue.pk}/accept/"), 409)["code"] == "invalid_transition"
    assert error(post(window, f"{ISSUES}{issue.pk}/close/"), 409)["code"] == "invalid_transition"
    body = error(post(window, f"{ISSUES}{issue.pk}/assign/", {"department": reviewer.organization_id,
                                                               "version": before[1] - 1}), 409)
    assert body["code"] == "stale" and "version" in body["fields"]
    assert snapshot(issue) == before


# ------------------------------------------------------------------------------------------- who may do what
ISSUE_MOVES = {
    "accept": {}, "assign": {"department": 0}, "decline": {"reason": "x"}, "start": {},
    "resolve": {"answer": "x"}, "verify": {"satisfied": True}, "close": {}, "reschedule": {"due_on": "2099-01-04",
                                                                                             "reason": "x"},
}


@pytest.mark.django_db
def test_another_organisation_gets_404_on_every_issue_endpoint(api, contractor, other_contractor, other_reviewer,
                                                               staff, reviewer):
    issue = at(raise_issue(contractor), "assigned", staff=staff, reviewer=reviewer, contractor=contractor)
    att = services.attachment_add(actor=contractor, issue=issue, upload=pdf())
    before = snapshot(issue)
    for outsider in (other_contractor, other_reviewer):
        client = api(outsider)
        assert client.get(f"{ISSUES}{issue.pk}/").status_code == 404
        assert client.get(f"{ISSUES}{issue.pk}/attachments/{att.pk}/").status_code == 404
        assert client.post(f"{ISSUES}{issue.pk}/attachments/", {"file": pdf()}).status_code == 404
        for move, body in ISSUE_MOVES.items():
            assert post(client, f"{ISSUES}{issue.pk}/{move}/", body).status_code == 404, (outsider, move)
        assert issue.pk not in [r["id"] for r in client.get(ISSUES).json()["results"]]
    assert snapshot(issue) == before


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "move", "state"), [
    ("contractor", "accept", "reported"), ("leader", "accept", "reported"), ("reviewer", "close", "verified"),
    ("staff", "start", "assigned"), ("contractor", "resolve", "in_progress"), ("staff", "verify", "resolved"),
    ("reviewer", "verify", "resolved"), ("contractor", "reschedule", "assigned"), ("leader", "reschedule", "assigned"),
    ("leader", "assign", "accepted"), ("staff", "decline", "assigned"),
])
def test_a_role_without_the_permission_gets_403(api, contractor, staff, reviewer, leader, who, move, state):
    users = {"contractor": contractor, "staff": staff, "reviewer": reviewer, "leader": leader}
    issue = raise_issue(contractor)
    if state != "reported":
        issue = at(issue, state, staff=staff, reviewer=reviewer, contractor=contractor)
    before = snapshot(issue)
    body = dict(ISSUE_MOVES[move])
    if "department" in body:
        body["department"] = reviewer.organization_id
    assert error(post(api(users[who]), f"{ISSUES}{issue.pk}/{move}/", body), 403)
    assert snapshot(issue) == before


@pytest.mark.django_db
def test_create_needs_the_permission(api, reviewer, contractor):
    response = post(api(reviewer), ISSUES, {"project": project_of(contractor).pk, "title": "x", "description": "y",
                                            "category": "land"})
    assert error(response, 403)


@pytest.mark.django_db
def test_the_list_shows_each_caller_what_they_may_see(api, contractor, other_contractor, staff, reviewer,
                                                      other_reviewer, leader):
    mine = raise_issue(contractor)
    assigned = at(raise_issue(contractor, title="融资"), "assigned", staff=staff, reviewer=reviewer,
                  contractor=contractor)

    def ids(user, **params):
        response = api(user).get(ISSUES, params)
        assert response.status_code == 200, response.content
        return {r["id"] for r in response.json()["results"]}

    assert {mine.pk, assigned.pk} <= ids(contractor) and {mine.pk, assigned.pk} <= ids(leader)
    assert not {mine.pk, assigned.pk} & ids(other_contractor)
    assert ids(reviewer) >= {assigned.pk} and mine.pk not in ids(reviewer)
    assert not {mine.pk, assigned.pk} & ids(other_reviewer)


# ------------------------------------------------------------------------------------------- list, filters
@pytest.mark.django_db
def test_list_filters(api, contractor, staff, reviewer):
    land = raise_issue(contractor, category="land")
    labour = at(raise_issue(contractor, category="labour", title="欠薪"), "assigned", staff=staff, reviewer=reviewer,
                contractor=contractor)
    IssueItem.objects.filter(pk=labour.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=30))
    client = api(staff)

    def ids(**params):
        response = client.get(ISSUES, params)
        assert response.status_code == 200, response.content
        return {r["id"] for r in response.json()["results"]}

    assert land.pk in ids(category="land") and labour.pk not in ids(category="land")
    assert labour.pk in ids(department=reviewer.organization_id) and land.pk not in ids(department=reviewer.organization_id)
    assert ids(state="assigned") >= {labour.pk} and land.pk not in ids(state="assigned")
    assert {land.pk, labour.pk} <= ids(state="open", project=land.project_id)
    assert labour.pk in ids(overdue="1") and land.pk not in ids(overdue="true")
    assert {land.pk, labour.pk} <= ids(overdue="0")
    assert ids(search=land.number) == {land.pk}
    assert land.pk in ids(source="company") and land.pk not in ids(source="meeting")
    row = next(r for r in client.get(ISSUES, {"search": labour.number}).json()["results"])
    assert row["light"] == "red" and row["workdays_left"] < 0


@pytest.mark.django_db
@pytest.mark.parametrize(("params", "field"), [({"state": "lost"}, "state"), ({"category": "x"}, "category"),
                                               ({"source": "x"}, "source"), ({"overdue": "maybe"}, "overdue"),
                                               ({"project": "abc"}, "project"), ({"department": "-1"}, "department"),
                                               ({"project": "²"}, "project"), ({"department": "᪔"}, "department")])
def test_bad_list_filters_name_the_field(api, staff, params, field):
    assert field in error(api(staff).get(ISSUES, params), 400)["fields"]


def _count_queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_the_issue_list_keeps_its_query_count(api, contractor, staff, reviewer):
    client = api(staff)
    for i in range(3):
        at(raise_issue(contractor, title=f"甲{i}"), "assigned", staff=staff, reviewer=reviewer, contractor=contractor)
    _count_queries(client, ISSUES)  # warm the caches
    few = _count_queries(client, ISSUES)
    for i in range(3):
        at(raise_issue(contractor, title=f"乙{i}"), "assigned", staff=staff, reviewer=reviewer, contractor=contractor)
        raise_issue(contractor, title=f"丙{i}")
    assert _count_queries(client, ISSUES) == few
    assert _count_queries(api(contractor), ISSUES) == _count_queries(api(contractor), ISSUES, page_size=2)


# --------------------------------------------------------------------------------------------------- meetings
def meeting_body(project: Project, contractor: User, **extra) -> dict:
    return {"kind": "site", "title": "杭绍甬高速现场协调会", "held_at": "2026-11-20T09:30:00+08:00", "place": "项目部会议室",
            "projects": [project.pk], "organizations": [contractor.organization_id], "agenda": "征迁进度", **extra}


@pytest.mark.django_db
def test_a_meeting_its_minutes_and_a_decision_becoming_an_issue(api, staff, contractor, reviewer):
    project = project_of(contractor)
    window = api(staff)
    response = post(window, MEETINGS, meeting_body(project, contractor))
    assert response.status_code == 201, response.content
    meeting = response.json()
    assert meeting["state"] == "planned" and [p["id"] for p in meeting["projects"]] == [project.pk]
    assert meeting["may_change"] is True
    url = f"{MEETINGS}{meeting['id']}/"
    response = window.patch(url, {"place": "指挥部", "version": meeting["version"]}, content_type=JSON)
    assert response.status_code == 200 and response.json()["place"] == "指挥部"
    version = response.json()["version"]
    response = post(window, url + "minutes/", {"minutes": "会议议定如下", "version": version, "decisions": [
        {"text": "自然资源厅两周内完成用地预审", "department": reviewer.organization_id, "category": "land"},
        {"text": "业主单位落实临时用地", "project": project.pk}]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "held" and [d["text"] for d in body["decisions"]][0] == "自然资源厅两周内完成用地预审"
    decision = body["decisions"][0]
    meeting_issues = IssueItem.objects.filter(source="meeting").count()
    response = post(window, f"{MEETINGS}decisions/{decision['id']}/issue/", {"company": contractor.organization_id})
    assert response.status_code == 201, response.content
    issue = response.json()
    assert issue["source"] == "meeting" and issue["meeting_id"] == meeting["id"]
    assert issue["department_id"] == reviewer.organization_id and issue["company_id"] == contractor.organization_id
    assert window.get(url).json()["decisions"][0]["issue_id"] == issue["id"]
    # the same decision twice: refused, nothing duplicated
    assert error(post(window, f"{MEETINGS}decisions/{decision['id']}/issue/"), 409)["code"] == "invalid_transition"
    assert IssueItem.objects.filter(source="meeting").count() == meeting_issues + 1
    # the attending company sees the meeting, read-only
    company = api(contractor)
    assert meeting["id"] in [m["id"] for m in company.get(MEETINGS).json()["results"]]
    assert company.get(url).json()["may_change"] is False


@pytest.mark.django_db
def test_bad_meeting_input_names_the_field_and_changes_nothing(api, staff, contractor):
    project = project_of(contractor)
    window = api(staff)
    before = Meeting.objects.count()
    assert "projects" in error(post(window, MEETINGS, meeting_body(project, contractor, projects=[])), 400)["fields"]
    assert "held_at" in error(post(window, MEETINGS, meeting_body(project, contractor, held_at="soon")), 400)["fields"]
    assert "kind" in error(post(window, MEETINGS, meeting_body(project, contractor, kind="party")), 400)["fields"]
    assert Meeting.objects.count() == before
    meeting = services.meeting_create(actor=staff, data={"kind": "site", "title": "会", "held_at": timezone.now(),
                                                         "place": "局", "projects": [project]})
    url = f"{MEETINGS}{meeting.pk}/minutes/"
    assert "minutes" in error(post(window, url, {"minutes": " "}), 400)["fields"]
    fields = error(post(window, url, {"minutes": "纪要", "decisions": [{"text": "甲"}, {"text": ""}]}), 400)["fields"]
    assert "decisions.1.text" in fields
    other = Project.objects.active().exclude(pk=project.pk).order_by("pk").first()
    fields = error(post(window, url, {"minutes": "纪要", "decisions": [{"text": "甲", "project": other.pk}]}), 400)[
        "fields"]
    assert "decisions.0.project" in fields
    assert "version" in error(post(window, url, {"minutes": "纪要", "version": meeting.version + 5}), 409)["fields"]
    meeting.refresh_from_db()
    assert meeting.state == "planned" and meeting.minutes == "" and not meeting.decisions.exists()
    assert error(window.patch(f"{MEETINGS}{meeting.pk}/", {"title": ""}, content_type=JSON), 400)["fields"]


@pytest.mark.django_db
def test_meetings_are_refused_to_outsiders_404_and_to_readers_403(api, staff, leader, contractor, other_contractor):
    project = project_of(contractor)
    meeting = services.meeting_create(actor=staff, data={"kind": "site", "title": "会", "held_at": timezone.now(),
                                                         "place": "局", "projects": [project],
                                                         "organizations": [contractor.organization]})
    services.meeting_record_minutes(actor=staff, meeting=meeting, minutes="纪要", decisions=[{"text": "甲"}])
    decision = MeetingDecision.objects.get(meeting=meeting)
    meeting_issues = IssueItem.objects.filter(source="meeting").count()
    url = f"{MEETINGS}{meeting.pk}/"
    outsider = api(other_contractor)
    assert outsider.get(url).status_code == 404
    assert outsider.patch(url, {"title": "改"}, content_type=JSON).status_code == 404
    assert post(outsider, url + "minutes/", {"minutes": "x"}).status_code == 404
    assert post(outsider, f"{MEETINGS}decisions/{decision.pk}/issue/").status_code == 404
    assert meeting.pk not in [m["id"] for m in outsider.get(MEETINGS).json()["results"]]
    assert post(outsider, MEETINGS, meeting_body(project, contractor)).status_code == 403
    for reader in (api(leader), api(contractor)):
        assert reader.get(url).status_code == 200
        assert reader.patch(url, {"title": "改"}, content_type=JSON).status_code == 403
        assert post(reader, url + "minutes/", {"minutes": "x"}).status_code == 403
        assert post(reader, f"{MEETINGS}decisions/{decision.pk}/issue/").status_code == 403
    assert post(api(staff), f"{MEETINGS}decisions/99999999/issue/").status_code == 404
    meeting.refresh_from_db()
    assert meeting.title == "会" and IssueItem.objects.filter(source="meeting").count() == meeting_issues


@pytest.mark.django_db
def test_the_meeting_list_keeps_its_query_count(api, staff, contractor):
    projects = list(Project.objects.active().order_by("pk")[:3])
    client = api(staff)

    def add(n):
        for i in range(n):
            services.meeting_create(actor=staff, data={"kind": "site", "title": f"会{i}", "held_at": timezone.now(),
                                                       "place": "局", "projects": projects,
                                                       "organizations": [contractor.organization]})

    add(3)
    _count_queries(client, MEETINGS)
    few = _count_queries(client, MEETINGS)
    add(3)
    assert _count_queries(client, MEETINGS) == few
    assert _count_queries(api(contractor), MEETINGS) == _count_queries(api(contractor), MEETINGS, kind="site")


# ------------------------------------------------------------------------------------------------ service log
@pytest.mark.django_db
def test_the_service_log(api, liaison, staff, contractor, other_contractor):
    project = Project.objects.active().filter(liaison_officer=liaison).order_by("pk").first()
    today = timezone.localdate().isoformat()
    body = {"project": project.pk, "kind": "visit", "occurred_on": today, "summary": "走访项目部，了解用工缺口",
            "contacts": "项目经理"}
    response = post(api(liaison), LOG, body)
    assert response.status_code == 201, response.content
    entry = response.json()
    assert entry["officer_id"] == liaison.pk and entry["project_name"] == project.name
    assert entry["id"] in [r["id"] for r in api(liaison).get(LOG).json()["results"]]
    assert entry["id"] in [r["id"] for r in api(staff).get(LOG, {"project": project.pk}).json()["results"]]
    assert api(other_contractor).get(LOG).json()["results"] == []
    before = ServiceLog.objects.count()
    assert error(post(api(contractor), LOG, body), 403)
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    assert "occurred_on" in error(post(api(liaison), LOG, {**body, "occurred_on": future}), 400)["fields"]
    assert "summary" in error(post(api(liaison), LOG, {**body, "summary": ""}), 400)["fields"]
    assert "kind" in error(post(api(liaison), LOG, {**body, "kind": "lunch"}), 400)["fields"]
    foreign = Project.objects.active().exclude(liaison_officer=liaison).order_by("pk").first()
    assert "project" in error(post(api(liaison), LOG, {**body, "project": foreign.pk}), 400)["fields"]
    assert ServiceLog.objects.count() == before


@pytest.mark.django_db
def test_the_service_log_keeps_its_query_count(api, liaison, staff):
    projects = list(Project.objects.active().filter(liaison_officer=liaison).order_by("pk")[:2])

    def add(n):
        for i in range(n):
            services.servicelog_add(actor=liaison, project=projects[i % len(projects)], kind="call",
                                    occurred_on=timezone.localdate(), summary=f"电话{i}")

    add(3)
    _count_queries(api(staff), LOG)
    few = _count_queries(api(staff), LOG)
    add(3)
    assert _count_queries(api(staff), LOG) == few


# ------------------------------------------------------------------------------------------------- call-backs
def _closed_callbacks(n, *, staff, reviewer, contractor) -> list[CallBack]:
    for i in range(n):
        at(raise_issue(contractor, title=f"回访{i}"), "closed", staff=staff, reviewer=reviewer, contractor=contractor)
    return services.callbacks_draw(month=timezone.localdate(), share=100)


@pytest.mark.django_db
def test_call_backs_are_listed_and_recorded(api, staff, leader, reviewer, contractor, other_contractor):
    callback = _closed_callbacks(1, staff=staff, reviewer=reviewer, contractor=contractor)[0]
    window = api(staff)
    rows = window.get(CALLBACKS, {"state": "due", "month": timezone.localdate().isoformat()}).json()["results"]
    assert callback.pk in [r["id"] for r in rows]
    url = f"{CALLBACKS}{callback.pk}/record/"
    assert "contact" in error(post(window, url, {"reached": True, "answer": "满意", "satisfied": True}), 400)["fields"]
    assert "reached" in error(post(window, url, {}), 400)["fields"]
    assert error(post(api(other_contractor), url, {"reached": False}), 404)
    assert error(post(api(contractor), url, {"reached": False}), 404)
    assert error(post(api(leader), url, {"reached": False}), 403)
    callback.refresh_from_db()
    assert callback.state == "due"
    body = post(window, url, {"reached": True, "contact": "赵刚", "answer": "问题已解决，满意", "satisfied": True}).json()
    assert body["state"] == "done" and body["satisfied"] is True and body["contact"] == "赵刚"
    assert IssueItem.objects.get(pk=callback.issue_id).rating_count == 2
    assert error(post(window, url, {"reached": False}), 409)["code"] == "invalid_transition"
    assert api(contractor).get(CALLBACKS).json()["results"] == []
    assert "state" in error(window.get(CALLBACKS, {"state": "x"}), 400)["fields"]
    assert "month" in error(window.get(CALLBACKS, {"month": "x"}), 400)["fields"]


@pytest.mark.django_db
def test_the_call_back_list_keeps_its_query_count(api, staff, reviewer, contractor):
    _closed_callbacks(3, staff=staff, reviewer=reviewer, contractor=contractor)
    client = api(staff)
    _count_queries(client, CALLBACKS)
    few = _count_queries(client, CALLBACKS)
    CallBack.objects.all().delete()
    _closed_callbacks(6, staff=staff, reviewer=reviewer, contractor=contractor)
    assert CallBack.objects.count() >= 6
    assert _count_queries(client, CALLBACKS) == few


@pytest.mark.django_db
def test_the_reschedule_service_refuses_a_far_date_itself(contractor, staff):
    from portal.core.errors import ApplicationError

    issue = services.issue_accept(actor=staff, issue=raise_issue(contractor))
    with pytest.raises(ApplicationError):
        services.issue_reschedule(actor=staff, issue=issue, due_on=datetime.date(8407, 12, 25), reason="x")
    issue.refresh_from_db()
    assert issue.due_on.year < 8407


# ------------------------------------------------------------------------------------------------- statistics
STATS = "/api/v1/coordination/stats/"


@pytest.mark.django_db
def test_closure_statistics(api, staff, leader, reviewer, contractor, other_reviewer):
    closed = at(raise_issue(contractor), "closed", staff=staff, reviewer=reviewer, contractor=contractor)
    response = api(staff).get(STATS)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["own_department_only"] is False and body["line"] == 85 and len(body["months"]) == 12
    assert body["total"]["reported"] >= 1 and body["total"]["confirmed"] >= 1
    row = next(r for r in body["departments"] if r["department_id"] == reviewer.organization_id)
    assert row["name"] == reviewer.organization.name and row["satisfaction_rate"] is not None
    assert api(leader).get(STATS).status_code == 200
    own = api(reviewer).get(STATS, {"category": closed.category}).json()
    assert own["own_department_only"] is True
    assert {r["department_id"] for r in own["departments"]} <= {reviewer.organization_id}
    theirs = api(other_reviewer).get(STATS, {"department": reviewer.organization_id}).json()
    assert all(r["department_id"] != reviewer.organization_id for r in theirs["departments"])
    assert error(api(contractor).get(STATS), 403)


@pytest.mark.django_db
@pytest.mark.parametrize(("params", "field"), [({"date_from": "2026-05-01", "date_to": "2026-04-01"}, "date_to"),
                                               ({"date_from": "soon"}, "date_from"), ({"category": "x"}, "category"),
                                               ({"department": "abc"}, "department"),
                                               ({"date_to": "9999-12-31"}, "date_to"),
                                               ({"date_from": "0001-01-01"}, "date_from")])
def test_bad_statistics_filters_name_the_field(api, staff, params, field):
    assert field in error(api(staff).get(STATS, params), 400)["fields"]


@pytest.mark.django_db
def test_the_statistics_keep_their_query_count(api, staff, reviewer, contractor):
    from django.core.cache import cache

    client = api(staff)
    at(raise_issue(contractor), "closed", staff=staff, reviewer=reviewer, contractor=contractor)
    _count_queries(client, STATS)
    cache.clear()
    few = _count_queries(client, STATS)
    for i in range(3):
        at(raise_issue(contractor, title=f"统计{i}", category="labour"), "closed", staff=staff, reviewer=reviewer,
           contractor=contractor)
    cache.clear()
    assert _count_queries(client, STATS) == few


# ----------------------------------------------------------------------------------------------------- schema
PROPOSED_ENUM_NAMES = {  # the ENUM_NAME_OVERRIDES entries the shared choice-field names need (settings)
    "IssueCategoryEnum": "coordination.models.IssueCategory",
    "MeetingKindEnum": "coordination.models.MeetingKind",
    "ServiceKindEnum": "coordination.models.ServiceKind",
    "RiskCategoryEnum": "projects.models.RiskCategory",
    "RegionWorkKindEnum": "projects.models.RegionWorkKind",
}


def _schema_warnings() -> tuple[dict, list[str]]:
    from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats
    from drf_spectacular.generators import SchemaGenerator

    reset_generator_stats()
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    warnings = list(GENERATOR_STATS._warn_cache) + list(GENERATOR_STATS._error_cache)
    reset_generator_stats()
    return schema, warnings


@pytest.mark.django_db
def test_the_schema_of_these_views_generates_without_warnings(monkeypatch):
    from drf_spectacular import plumbing
    from drf_spectacular.settings import spectacular_settings

    overrides = {**spectacular_settings.ENUM_NAME_OVERRIDES, **PROPOSED_ENUM_NAMES}
    monkeypatch.setattr(spectacular_settings, "ENUM_NAME_OVERRIDES", overrides)
    plumbing._load_enum_name_overrides.cache_clear()
    try:
        schema, warnings = _schema_warnings()
    finally:
        plumbing._load_enum_name_overrides.cache_clear()
    assert warnings == []
    ops = {op["operationId"] for path, ops in schema["paths"].items() if "/coordination/" in path
           for op in ops.values() if isinstance(op, dict) and "operationId" in op}
    assert {"coordination_issues_list", "coordination_issues_accept_create", "coordination_issues_verify_create",
            "coordination_issues_attachments_retrieve", "coordination_meetings_decisions_issue_create",
            "coordination_service_log_create", "coordination_callbacks_record_create", "coordination_stats_list"} <= ops


@pytest.mark.django_db
def test_no_schema_warning_comes_from_this_module():
    _, warnings = _schema_warnings()
    assert [w for w in warnings if "coordination" in w or "Issue" in w or "Meeting" in w] == []


# ------------------------------------------------------------------------------------------------ concurrency
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")
@pytest.mark.parametrize("move", ["accept", "verify"])
def test_two_people_pressing_the_same_button_one_wins_one_is_told(demo_db, move):
    staff, reviewer, contractor = (User.objects.get(username=u) for u in ("staff", "reviewer", "contractor"))
    issue = raise_issue(contractor)
    if move == "verify":
        issue = at(issue, "resolved", staff=staff, reviewer=reviewer, contractor=contractor)
        actor, body, target = contractor, {"satisfied": True}, IssueState.VERIFIED
    else:
        actor, body, target = staff, {}, IssueState.ACCEPTED
    transitions_before = AuditEvent.objects.filter(content_type__model="issueitem", object_id=str(issue.pk),
                                                   action="transition").count()
    clients = []
    for _ in range(2):
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(actor)
        clients.append(client)
    barrier = threading.Barrier(2)
    answers = []

    def press(client):
        try:
            barrier.wait(10)
            response = client.post(f"{ISSUES}{issue.pk}/{move}/", body, content_type=JSON)
            answers.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(code for code, _ in answers) == [200, 409], answers
    loser = next(b for code, b in answers if code == 409)["error"]
    assert loser["code"] in ("invalid_transition", "stale") and loser["message"]
    issue.refresh_from_db()
    assert issue.state == target
    transitions = AuditEvent.objects.filter(content_type__model="issueitem", object_id=str(issue.pk),
                                            action="transition").count()
    assert transitions == transitions_before + 1
    if move == "verify":
        assert issue.rating_count == 1


def test_organisations_are_what_the_fixtures_say(db, contractor, other_contractor, reviewer, other_reviewer):
    assert len({contractor.organization_id, other_contractor.organization_id}) == 2
    assert Organization.objects.get(pk=other_reviewer.organization_id).kind == "department"
    assert other_reviewer.organization_id != reviewer.organization_id
