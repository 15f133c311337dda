"""The issue-list pages: who may open which page (a role page answers 403, a hidden issue 404), the filters and
exports of the lists, raising an issue with attachments, moves through the pages (and refused or stale ones),
and query counts that do not grow with the rows.

Pages are read in English (`en`) so assertions do not depend on the Chinese catalogue. The issues are made
here through the services; the demo's issues may be there too, so the assertions name their own issues."""

import datetime
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from coordination import services
from coordination.models import IssueAttachment, IssueItem, IssueState
from portal.accounts.models import OrganizationKind, User
from portal.audit.models import AuditEvent
from projects.models import Project

pytestmark = pytest.mark.django_db

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def png(name="photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def contractor_project(contractor) -> Project:
    """A live project 华东路桥 takes part in."""
    return (Project.objects.active().filter(participants__organization=contractor.organization,
                                            participants__voided_at__isnull=True)
            .order_by("pk").distinct().first())


def raise_issue(user, project=None, *, title="临时用地审批缓慢", category="land", **kw) -> IssueItem:
    return services.issue_raise(actor=user, project=project or contractor_project(user), title=title,
                                description="梁场临时用地报批已一月未批。", category=category, **kw)


def at_department(staff, reviewer, issue, *, start=False) -> IssueItem:
    services.issue_accept(actor=staff, issue=issue)
    issue = services.issue_assign(actor=staff, issue=IssueItem.objects.get(pk=issue.pk),
                                  department=reviewer.organization)
    if start:
        issue = services.issue_start(actor=reviewer, issue=issue)
    return IssueItem.objects.get(pk=issue.pk)


def answered(staff, reviewer, issue) -> IssueItem:
    issue = at_department(staff, reviewer, issue, start=True)
    services.issue_resolve(actor=reviewer, issue=issue, answer="已协调属地自然资源局，本周内出具意见。")
    return IssueItem.objects.get(pk=issue.pk)


def numbers(response) -> set[str]:
    return {row.issue.number for row in response.context["rows"]}


def workbook_rows(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


# ----------------------------------------------------------------------------------------------- the board
def test_board_lists_only_visible_issues(en, staff, leader, contractor, other_contractor, reviewer):
    mine = raise_issue(contractor)
    theirs = raise_issue(other_contractor, Project.objects.active().filter(
        participants__organization=other_contractor.organization).exclude(
        participants__organization=contractor.organization).first())
    url = reverse("coordination:board")
    for user in (staff, leader):
        assert {mine.number, theirs.number} <= numbers(en(user).get(url))
    shown = numbers(en(contractor).get(url))
    assert mine.number in shown and theirs.number not in shown
    shown = numbers(en(reviewer).get(url))  # not assigned to 发改 yet: the reviewer sees neither
    assert mine.number not in shown and theirs.number not in shown
    page = en(contractor).get(url)
    assert page.status_code == 200 and b'data-testid="issue-table"' in page.content


def test_board_filters(en, staff, contractor, reviewer):
    land = raise_issue(contractor, title="筛选测试弃土场用地", category="land")
    labour = raise_issue(contractor, title="工资专户开户", category="labour")
    late = at_department(staff, reviewer, raise_issue(contractor, title="高压线迁改", category="utilities"))
    IssueItem.objects.filter(pk=late.pk).update(due_on=datetime.date(2020, 1, 6))  # long overdue
    client, url = en(staff), reverse("coordination:board")
    got = numbers(client.get(url, {"category": "labour"}))
    assert labour.number in got and land.number not in got
    got = numbers(client.get(url, {"overdue": "on"}))
    assert late.number in got and land.number not in got and labour.number not in got
    assert numbers(client.get(url, {"overdue": "1"})) == got  # the escalation digest's link (deadlines.py)
    got = numbers(client.get(url, {"department": reviewer.organization_id, "state": "assigned"}))
    assert late.number in got and land.number not in got
    got = numbers(client.get(url, {"state": "open", "q": "筛选测试弃土"}))
    assert got == {land.number}
    got = numbers(client.get(url, {"q": labour.number}))
    assert got == {labour.number}
    got = numbers(client.get(url, {"project": land.project_id, "source": "company", "category": "land"}))
    assert land.number in got and labour.number not in got
    got = numbers(client.get(url, {"source": "meeting", "q": "筛选测试弃土"}))
    assert got == set()
    # the project by a part of its name or its code; by id (the project tab's link) the box shows its name
    got = numbers(client.get(url, {"project": land.project.name[2:6], "q": "筛选测试弃土"}))
    assert got == {land.number}
    got = numbers(client.get(url, {"project": land.project.code, "q": "筛选测试弃土"}))
    assert got == {land.number}
    assert numbers(client.get(url, {"project": "没有这个项目", "q": "筛选测试弃土"})) == set()
    page = client.get(url, {"project": land.project_id})
    assert f'value="{land.project.name}"'.encode() in page.content
    # the overdue row shows its red light and how late it is
    page = client.get(url, {"q": late.number})
    assert b'data-light="red"' in page.content and b'data-testid="overdue"' in page.content
    # a bad filter value: named, nothing filtered, no error
    page = client.get(url, {"state": "nonsense"})
    assert page.status_code == 200 and page.context["form"].errors["state"]


def test_board_ordering(en, staff, contractor):
    first = raise_issue(contractor, title="甲")
    second = raise_issue(contractor, title="乙", category="approval")  # 5 working days: due sooner
    client, url = en(staff), reverse("coordination:board")
    rows = [r.issue.number for r in client.get(url, {"q": "", "project": first.project_id}).context["rows"]]
    assert rows.index(second.number) < rows.index(first.number)  # newest first
    rows = [r.issue.number for r in client.get(url, {"project": first.project_id, "ordering": "-due"}).context["rows"]]
    assert rows.index(first.number) < rows.index(second.number)


def test_board_export_holds_the_filtered_visible_rows(en, staff, contractor, other_contractor):
    mine = raise_issue(contractor, title="导出测试甲")
    other_project = Project.objects.active().filter(participants__organization=other_contractor.organization).exclude(
        participants__organization=contractor.organization).first()
    theirs = raise_issue(other_contractor, other_project, title="导出测试乙")
    rows = workbook_rows(en(contractor).get(reverse("coordination:board-export"), {"q": "导出测试"}))
    assert [r[0] for r in rows[1:]] == [mine.number]
    assert rows[1][2] == mine.project.name and rows[1][9] == "Bureau service window"
    rows = workbook_rows(en(staff).get(reverse("coordination:board-export"), {"q": "导出测试"}))
    assert {r[0] for r in rows[1:]} == {mine.number, theirs.number}


def test_board_export_is_capped(en, staff, contractor, monkeypatch):
    from coordination import exports

    for n in range(3):
        raise_issue(contractor, title=f"封顶{n}")
    monkeypatch.setattr(exports, "EXPORT_MAX_ROWS", 2)
    rows = workbook_rows(en(staff).get(reverse("coordination:board-export"), {"q": "封顶"}))
    assert len(rows) == 1 + 2 + 1 and rows[-1][0].startswith("Only the first 2 rows")


# ------------------------------------------------------------------------------------------- the queue
def test_queue_is_the_departments_most_urgent_first(en, staff, contractor, reviewer):
    soon = at_department(staff, reviewer, raise_issue(contractor, title="急", category="approval"))
    later = at_department(staff, reviewer, raise_issue(contractor, title="缓", category="demolition"), start=True)
    late = at_department(staff, reviewer, raise_issue(contractor, title="超期"))
    IssueItem.objects.filter(pk=late.pk).update(due_on=datetime.date(2020, 1, 6))
    waiting = answered(staff, reviewer, raise_issue(contractor, title="已答复"))
    elsewhere = raise_issue(contractor, title="未交办")
    response = en(reviewer).get(reverse("coordination:queue"))
    order = [r.issue.number for r in response.context["rows"]]
    assert order.index(late.number) < order.index(soon.number) < order.index(later.number)
    assert waiting.number not in order and elsewhere.number not in order
    assert numbers(en(reviewer).get(reverse("coordination:queue"), {"tab": "answered"})) >= {waiting.number}
    assert soon.number not in numbers(en(reviewer).get(reverse("coordination:queue"), {"tab": "answered"}))
    rows = workbook_rows(en(reviewer).get(reverse("coordination:queue-export")))
    exported = [r[0] for r in rows[1:]]
    assert exported.index(late.number) < exported.index(soon.number) and waiting.number not in exported


@pytest.mark.parametrize("username", ["staff", "leader", "contractor", "liaison", "inspector"])
def test_queue_refuses_non_reviewers(en, username):
    user = User.objects.get(username=username)
    assert en(user).get(reverse("coordination:queue")).status_code == 403
    assert en(user).get(reverse("coordination:queue-export")).status_code == 403


def test_queue_of_another_department_does_not_list_ours(en, staff, contractor, reviewer):
    issue = at_department(staff, reviewer, raise_issue(contractor))
    other = User.objects.get(username="zrzy_reviewer")
    assert issue.number not in numbers(en(other).get(reverse("coordination:queue")))
    assert en(other).get(issue.get_absolute_url()).status_code == 404


# ------------------------------------------------------------------------------------------ my issues
def test_my_issues_and_export(en, contractor, other_contractor, liaison):
    mine = raise_issue(contractor)
    project = contractor_project(contractor)
    project.liaison_officer = liaison
    project.save(update_fields=["liaison_officer"])
    on_behalf = services.issue_raise(actor=liaison, project=project, title="代企业登记", description="征迁滞后",
                                     category="demolition", company=contractor.organization, source="liaison")
    got = numbers(en(contractor).get(reverse("coordination:my-issues")))
    assert {mine.number, on_behalf.number} <= got
    assert numbers(en(liaison).get(reverse("coordination:my-issues"))) >= {on_behalf.number}
    assert mine.number not in numbers(en(other_contractor).get(reverse("coordination:my-issues")))
    rows = workbook_rows(en(contractor).get(reverse("coordination:my-issues-export")))
    assert {mine.number, on_behalf.number} <= {r[0] for r in rows[1:]}
    rows = workbook_rows(en(other_contractor).get(reverse("coordination:my-issues-export")))
    assert mine.number not in {r[0] for r in rows[1:]}
    assert numbers(en(contractor).get(reverse("coordination:my-issues"), {"state": "solved"})).isdisjoint(
        {mine.number})


# ------------------------------------------------------------------------------------------ project tab
def test_project_tab(en, staff, contractor, other_contractor):
    issue = raise_issue(contractor)
    project = issue.project
    url = reverse("coordination:project-issues", args=[project.pk])
    page = en(contractor).get(url)
    assert page.status_code == 200 and issue.number in numbers(page)
    assert f'href="{url}"'.encode() in page.content and b'aria-current="page"' in page.content
    assert f"?project={project.pk}".encode() in page.content  # raise here, and the board filtered
    assert page.context["may_raise"] is True
    assert en(staff).get(url).context["may_raise"] is True
    assert en(User.objects.get(username="leader")).get(url).context["may_raise"] is False
    hidden = Project.objects.active().exclude(participants__organization=other_contractor.organization).exclude(
        owner=other_contractor.organization).first()
    assert en(other_contractor).get(reverse("coordination:project-issues", args=[hidden.pk])).status_code == 404
    # the tab is on every project page
    assert url.encode() in en(contractor).get(reverse("projects:detail", args=[project.pk])).content


# ---------------------------------------------------------------------------------------------- raising
def test_contractor_raises_an_issue_with_attachments(en, contractor):
    project = contractor_project(contractor)
    client = en(contractor)
    form = client.get(reverse("coordination:issue-create"), {"project": project.pk})
    assert form.status_code == 200 and "company" not in form.context["form"].fields
    assert form.context["form"]["project"].value() == project.pk
    assert "(10 working days)" in dict(form.context["form"].fields["category"].choices)["land"]
    response = client.post(reverse("coordination:issue-create"), {
        "project": project.pk, "title": "隧道弃渣场用地", "category": "land", "description": "需临时用地46亩。",
        "attachments": [png("a.png"), png("b.png")]})
    issue = IssueItem.objects.get(title="隧道弃渣场用地")
    assert response.status_code == 302 and response["Location"] == issue.get_absolute_url()
    assert issue.company == contractor.organization and issue.source == "company" and issue.state == "reported"
    assert sorted(issue.attachments.values_list("original_name", flat=True)) == ["a.png", "b.png"]


def test_raising_with_bad_input_names_the_field_and_stores_nothing(en, contractor, other_contractor):
    project = contractor_project(contractor)
    client, before = en(contractor), IssueItem.objects.count()
    response = client.post(reverse("coordination:issue-create"), {
        "project": project.pk, "title": "无描述", "category": "land", "description": "   "})
    assert response.status_code == 400 and response.context["form"].errors["description"]
    response = client.post(reverse("coordination:issue-create"), {
        "project": project.pk, "title": "坏附件", "category": "land", "description": "附件是程序",
        "attachments": [png("a.png"), SimpleUploadedFile("x.png", b"MZ\x90\x00" + b"\x00" * 200)]})
    assert response.status_code == 400 and response.context["form"].errors["attachments"]
    assert not IssueAttachment.objects.filter(original_name="a.png").exists()
    hidden = Project.objects.active().exclude(participants__organization=contractor.organization).exclude(
        owner=contractor.organization).first()
    response = client.post(reverse("coordination:issue-create"), {
        "project": hidden.pk, "title": "别人的项目", "category": "land", "description": "不该能提"})
    assert response.status_code == 400 and response.context["form"].errors["project"]
    assert IssueItem.objects.count() == before


def test_liaison_raises_for_a_company_of_the_project(en, liaison, contractor):
    project = contractor_project(contractor)
    project.liaison_officer = liaison
    project.save(update_fields=["liaison_officer"])
    client = en(liaison)
    first = client.get(reverse("coordination:issue-create"))
    assert first.context["choose_first"] is True
    form = client.get(reverse("coordination:issue-create"), {"project": project.pk}).context["form"]
    assert contractor.organization in form.fields["company"].queryset
    assert not form.fields["company"].queryset.filter(kind=OrganizationKind.DEPARTMENT).exists()
    data = {"project": project.pk, "title": "征迁滞后", "category": "demolition", "description": "17户未签约",
            "source": "liaison"}
    response = client.post(reverse("coordination:issue-create") + f"?project={project.pk}", data)
    assert response.status_code == 400 and response.context["form"].errors["company"]
    response = client.post(reverse("coordination:issue-create") + f"?project={project.pk}",
                           {**data, "company": contractor.organization_id})
    issue = IssueItem.objects.get(title="征迁滞后")
    assert response.status_code == 302 and issue.source == "liaison" and issue.company == contractor.organization


@pytest.mark.parametrize("username", ["leader", "reviewer"])
def test_raising_is_refused_without_the_permission(en, username):
    assert en(User.objects.get(username=username)).get(reverse("coordination:issue-create")).status_code == 403


# ------------------------------------------------------------------------------------------------ detail
def test_detail_shows_holder_deadline_timeline_and_moves(en, staff, contractor, reviewer):
    issue = at_department(staff, reviewer, raise_issue(contractor), start=True)
    page = en(contractor).get(issue.get_absolute_url())
    assert page.status_code == 200
    assert reviewer.organization.name in page.content.decode()
    steps = page.context["timeline"]
    assert [s.to_state for s in steps] == ["reported", "accepted", "assigned", "in_progress"]
    assert steps[0].holder == "Bureau service window" and steps[2].holder == reviewer.organization.name
    assert steps[-1].current and all(s.held is not None for s in steps)
    assert page.context["moves"] == []  # the company waits for the answer
    names = [b.name for b in en(reviewer).get(issue.get_absolute_url()).context["moves"]]
    assert names == ["resolve"]  # enabled: the form asks for the answer
    assert en(reviewer).get(issue.get_absolute_url()).context["moves"][0].enabled


def test_detail_and_attachments_are_hidden_from_other_organisations(en, contractor, other_contractor):
    issue = raise_issue(contractor, attachments=[png()])
    att = issue.attachments.get()
    assert en(contractor).get(reverse("coordination:issue-attachment", args=[att.pk])).status_code == 200
    for url in (issue.get_absolute_url(), reverse("coordination:issue-attachment", args=[att.pk]),
                reverse("coordination:issue-move", args=[issue.pk, "confirm"]),
                reverse("coordination:issue-reschedule", args=[issue.pk]),
                reverse("coordination:issue-attachment-add", args=[issue.pk])):
        assert en(other_contractor).get(url).status_code == 404, url
    assert en(other_contractor).get(reverse("coordination:issue-attachment", args=[999999])).status_code == 404


def test_attachment_upload_on_the_page(en, staff, leader, contractor):
    issue = raise_issue(contractor)
    url = reverse("coordination:issue-attachment-add", args=[issue.pk])
    response = en(contractor).post(url, {"file": png("site.png")})
    assert response.status_code == 302 and issue.attachments.filter(original_name="site.png").exists()
    response = en(contractor).post(url, {"file": SimpleUploadedFile("x.png", b"#!/bin/sh\necho hi\n")})
    assert response.status_code == 400 and response.context["attachment_form"].errors["file"]
    assert en(leader).post(url, {"file": png("leader.png")}).status_code == 403  # sees it, works on nothing
    assert issue.attachments.count() == 1


def test_a_whole_loop_through_the_pages(en, staff, contractor, reviewer):
    issue = raise_issue(contractor)
    move = lambda name: reverse("coordination:issue-move", args=[issue.pk, name])  # noqa: E731
    assert en(staff).post(move("accept")).status_code == 302
    form = en(staff).get(move("assign"))
    assert form.status_code == 200 and form.context["form"]["version"].value() == 2
    assert en(staff).post(move("assign"), {"department": reviewer.organization_id, "note": "请发改委牵头",
                                           "version": 2}).status_code == 302
    assert en(reviewer).post(move("start")).status_code == 302
    response = en(reviewer).post(move("resolve"), {"answer": "", "version": 4})
    assert response.status_code == 400 and response.context["form"].errors["answer"]
    assert en(reviewer).post(move("resolve"), {"answer": "已协调", "version": 4}).status_code == 302
    response = en(contractor).post(move("reopen"), {"comment": ""})
    assert response.status_code == 400 and response.context["form"].errors["comment"]
    assert en(contractor).post(move("reopen"), {"comment": "仍未批"}).status_code == 302
    assert en(reviewer).post(move("resolve"), {"answer": "已批复", "version": 6}).status_code == 302
    assert en(contractor).post(move("confirm"), {"comment": "满意"}).status_code == 302
    issue.refresh_from_db()
    assert issue.state == IssueState.VERIFIED and issue.rating_count == 2 and issue.satisfied_count == 1
    assert en(staff).post(move("close")).status_code == 302
    issue.refresh_from_db()
    assert issue.state == IssueState.CLOSED
    page = en(contractor).get(issue.get_absolute_url())
    assert [s.to_state for s in page.context["timeline"]][-1] == "closed"
    assert page.context["timeline"][-1].held is None and len(page.context["ratings"]) == 2


def test_a_refused_move_shows_the_message_and_changes_nothing(en, staff, contractor):
    issue = raise_issue(contractor)
    client = en(staff)
    response = client.post(reverse("coordination:issue-move", args=[issue.pk, "close"]), follow=True)
    assert response.status_code == 200
    text = " ".join(str(m) for m in response.context["messages"])
    assert "Someone else acted on this issue first" in text and "Reported" in text
    issue.refresh_from_db()
    assert issue.state == IssueState.REPORTED and issue.version == 1


def test_a_stale_form_is_refused_with_409(en, staff, contractor, reviewer):
    issue = at_department(staff, reviewer, raise_issue(contractor), start=True)
    url = reverse("coordination:issue-move", args=[issue.pk, "resolve"])
    stale = issue.version - 1
    response = en(reviewer).post(url, {"answer": "已协调", "version": stale})
    assert response.status_code == 409
    assert "Someone else changed this" in response.content.decode()
    issue.refresh_from_db()
    assert issue.state == IssueState.IN_PROGRESS and issue.answer == ""


@pytest.mark.parametrize(("username", "move"), [("leader", "accept"), ("contractor", "accept"),
                                                 ("reviewer", "confirm"), ("staff", "resolve")])
def test_moves_of_a_forbidden_role_answer_403(en, contractor, username, move):
    issue = raise_issue(contractor)
    user = User.objects.get(username=username)
    response = en(user).post(reverse("coordination:issue-move", args=[issue.pk, move]))
    assert response.status_code in (403, 404)
    if username in ("leader", "staff", "contractor"):  # they see the issue: a refusal, not a hidden object
        assert response.status_code == 403
    assert IssueItem.objects.get(pk=issue.pk).state == IssueState.REPORTED


def test_unknown_move_is_404(en, staff, contractor):
    issue = raise_issue(contractor)
    assert en(staff).post(reverse("coordination:issue-move", args=[issue.pk, "fly"])).status_code == 404


def test_reschedule(en, staff, leader, contractor):
    issue = raise_issue(contractor)
    url = reverse("coordination:issue-reschedule", args=[issue.pk])
    assert en(leader).get(url).status_code == 403
    assert en(contractor).get(url).status_code == 403
    response = en(staff).post(url, {"due_on": "2000-01-03", "reason": "", "version": issue.version})
    assert response.status_code == 400 and response.context["form"].errors["reason"]
    response = en(staff).post(url, {"due_on": "2000-01-03", "reason": "征迁需时", "version": issue.version})
    assert response.status_code == 400 and response.context["form"].errors["due_on"]
    new = issue.due_on + datetime.timedelta(days=14)
    response = en(staff).post(url, {"due_on": new.isoformat(), "reason": "征迁需时", "version": issue.version})
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.due_on == new
    assert AuditEvent.objects.filter(object_id=str(issue.pk), reason="征迁需时").exists()


def test_meeting_link_on_an_issue_from_a_decision(en, staff, contractor):
    from coordination.models import Meeting, MeetingDecision

    project = contractor_project(contractor)
    meeting = services.meeting_create(actor=staff, data={
        "kind": "site", "title": "现场协调会", "held_at": datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC),
        "place": "项目部", "projects": [project]})
    services.meeting_record_minutes(actor=staff, meeting=meeting, minutes="议定事项",
                                    decisions=[{"text": "自然资源厅牵头办理临时用地", "project": project}])
    decision = MeetingDecision.objects.get(meeting=meeting)
    issue = services.decision_to_issue(actor=staff, decision=decision, company=contractor.organization)
    page = en(staff).get(issue.get_absolute_url())
    assert page.context["decision"] == decision and Meeting.objects.get(pk=meeting.pk).get_absolute_url().encode() \
        in page.content


# ------------------------------------------------------------------------------------------ query counts
def _bulk(contractor, staff, reviewer, n: int, tag: str) -> None:
    for i in range(n):
        issue = raise_issue(contractor, title=f"{tag}{i}")
        if i % 2:
            at_department(staff, reviewer, issue)


@pytest.mark.parametrize("who", ["staff", "contractor", "reviewer"])
def test_list_pages_keep_a_constant_query_count(en, staff, contractor, reviewer, who):
    user = User.objects.get(username=who)
    project = contractor_project(contractor)
    urls = [reverse("coordination:board"), reverse("coordination:board") + "?overdue=on&state=open",
            reverse("coordination:my-issues"), reverse("coordination:project-issues", args=[project.pk])]
    if who == "reviewer":
        urls = [reverse("coordination:queue"), reverse("coordination:board")]
    _bulk(contractor, staff, reviewer, 3, "甲")
    client = en(user)
    client.get(urls[0])  # warm the caches of the session and the permissions
    before = [cold_count_queries(client, url) for url in urls]
    _bulk(contractor, staff, reviewer, 3, "乙")
    after = [cold_count_queries(client, url) for url in urls]
    assert before == after


def cold_count_queries(client, url: str) -> int:
    """The queries of a page whose count is not cached (as after any change of an issue)."""
    from coordination import selectors

    selectors.issues_changed()
    return count_queries(client, url)


def test_the_board_count_is_cached_until_an_issue_changes(en, staff, contractor, reviewer):
    url = reverse("coordination:board")
    client = en(staff)
    first = client.get(url).context["page"].paginator.count
    counted = cold_count_queries(client, url)
    assert count_queries(client, url) == counted - 1  # the count comes from the cache
    _bulk(contractor, staff, reviewer, 2, "丙")  # a saved issue makes the cached count old
    response = client.get(url)
    assert response.context["page"].paginator.count == first + 2


def test_inspector_raises_from_an_inspection(en, inspector):
    from coordination import selectors

    project = selectors.raisable_projects(user=inspector).first()
    assert project is not None
    client = en(inspector)
    url = reverse("coordination:issue-create") + f"?project={project.pk}"
    form = client.get(url).context["form"]
    assert form["source"].value() == "inspection"
    company = form.fields["company"].queryset.first()
    response = client.post(url, {"project": project.pk, "title": "支座检测不合格", "category": "other",
                                 "description": "盆式支座承载力不足", "source": "inspection", "company": company.pk})
    issue = IssueItem.objects.get(title="支座检测不合格")
    assert response.status_code == 302 and issue.source == "inspection" and issue.company == company
