"""From a meeting to a closed issue: a 政企对接会 is scheduled, held and minuted with its decisions; one decision
becomes an issue item with one click (linked both ways, once); the issue runs the whole loop, sent back once by
the company; the audit trail records every step, from and to, in order."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from coordination import services
from coordination.models import IssueItem, IssueSource, IssueState, MeetingState
from portal.accounts.models import Organization, User
from portal.audit.models import AuditEvent
from portal.core.errors import ApplicationError
from projects.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects():
    return Project.objects.get(name="杭温高速铁路义乌至温州段"), Project.objects.get(name="衢州机场迁建工程")


@pytest.fixture
def meeting(staff, contractor, owner, reviewer, projects):
    return services.meeting_create(actor=staff, data={
        "kind": "matchmaking", "title": "杭温高铁政企对接会", "held_at": timezone.now() - datetime.timedelta(hours=3),
        "place": "省重点办三楼会议室", "projects": list(projects),
        "organizations": [owner.organization, contractor.organization, reviewer.organization],
        "attendees": [contractor, owner, reviewer], "agenda": "一、企业汇报困难问题\n二、部门回应"})


def trail(obj):
    return list(AuditEvent.objects.filter(content_type__model=obj._meta.model_name, object_id=str(obj.pk))
                .order_by("created_at", "pk").values_list("action", "from_state", "to_state", "actor__username",
                                                          "reason"))


def test_from_a_meeting_decision_to_a_closed_issue(meeting, staff, owner, reviewer, projects):
    hangwen, quzhou = projects
    meeting = services.meeting_record_minutes(actor=staff, meeting=meeting, minutes="会议明确以下事项。", decisions=[
        {"text": "省发改委5个工作日内完成杭温高铁初步设计变更审批。", "project": hangwen,
         "department": reviewer.organization, "category": "approval"},
        {"text": "省财政厅月底前拨付第四季度资本金。", "project": hangwen, "category": "financing"},
        {"text": "协调民航部门完成衢州机场校飞方案审查。", "project": quzhou},
    ])
    assert meeting.state == MeetingState.HELD and meeting.version == 2
    assert trail(meeting)[-1][:3] == ("update", "planned", "held")
    first, second, third = meeting.decisions.order_by("order")
    assert [d.order for d in (first, second, third)] == [1, 2, 3] and third.category == "other"

    issue = services.decision_to_issue(actor=staff, decision=first)
    first.refresh_from_db()
    assert first.issue == issue and issue.decision == first
    assert issue.source == IssueSource.MEETING and issue.project == hangwen
    assert issue.company == hangwen.owner == owner.organization  # the company defaults to the project's owner
    assert issue.department == reviewer.organization and issue.category == "approval"
    assert issue.limit_workdays == 5 and first.text in issue.description and meeting.title in issue.description
    count = IssueItem.objects.count()
    with pytest.raises(ApplicationError) as refused:
        services.decision_to_issue(actor=staff, decision=first)
    assert refused.value.code == "invalid_transition" and IssueItem.objects.count() == count

    services.issue_accept(actor=staff, issue=issue)
    services.issue_assign(actor=staff, issue=issue, department=reviewer.organization, note="请按会议纪要办理")
    services.issue_start(actor=reviewer, issue=issue)
    services.issue_resolve(actor=reviewer, issue=issue, answer="设计变更已受理，正在审查。")
    services.issue_verify(actor=owner, issue=issue, satisfied=False, comment="尚未批复，不能算解决")
    services.issue_resolve(actor=reviewer, issue=issue, answer="设计变更已批复，文号浙发改设计〔2026〕88号。")
    services.issue_verify(actor=owner, issue=issue, satisfied=True, comment="已收到批复")
    services.issue_close(actor=staff, issue=issue)
    issue.refresh_from_db()
    assert issue.state == IssueState.CLOSED and issue.version == 9 and issue.reopen_count == 1
    assert (issue.rating_count, issue.satisfied_count) == (2, 1)
    assert issue.answer == "设计变更已批复，文号浙发改设计〔2026〕88号。"
    assert trail(issue) == [
        ("create", "", "", "staff", ""),
        ("transition", "reported", "accepted", "staff", ""),
        ("transition", "accepted", "assigned", "staff", "请按会议纪要办理"),
        ("transition", "assigned", "in_progress", "reviewer", ""),
        ("transition", "in_progress", "resolved", "reviewer", "设计变更已受理，正在审查。"),
        ("transition", "resolved", "in_progress", "owner", "尚未批复，不能算解决"),
        ("transition", "in_progress", "resolved", "reviewer", "设计变更已批复，文号浙发改设计〔2026〕88号。"),
        ("transition", "resolved", "verified", "owner", "已收到批复"),
        ("transition", "verified", "closed", "staff", ""),
    ]

    # the other decisions: one of two projects named, to the company chosen
    other = services.decision_to_issue(actor=staff, decision=third, company=Organization.objects.get(
        name="浙中建工集团有限公司"), title="衢州机场校飞方案审查")
    assert other.project == quzhou and other.title == "衢州机场校飞方案审查" and other.department is None


def test_minutes_and_decisions_are_checked(meeting, staff, reviewer, contractor, projects):
    lone = Project.objects.get(name="湖杭高速公路二期工程")
    for minutes, decisions, field in [
        ("", [], "minutes"),
        ("纪要", [{"text": " "}], "decisions.0.text"),
        ("纪要", [{"text": "a"}, {"text": "b", "project": lone}], "decisions.1.project"),
        ("纪要", [{"text": "a", "department": contractor.organization}], "decisions.0.department"),
        ("纪要", [{"text": "a", "category": "roads"}], "decisions.0.category"),
    ]:
        with pytest.raises(ApplicationError) as refused:
            services.meeting_record_minutes(actor=staff, meeting=meeting, minutes=minutes, decisions=decisions)
        assert field in refused.value.extra
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.PLANNED and meeting.version == 1 and not meeting.decisions.exists()
    with pytest.raises(PermissionDenied):
        services.meeting_record_minutes(actor=reviewer, meeting=meeting, minutes="纪要")
    with pytest.raises(ApplicationError) as refused:
        services.meeting_record_minutes(actor=staff, meeting=meeting, minutes="纪要", version=7)
    assert refused.value.code == "stale"


def test_a_decision_without_its_project_on_a_two_project_meeting(meeting, staff, reviewer):
    services.meeting_record_minutes(actor=staff, meeting=meeting, minutes="纪要", decisions=[{"text": "会后再定"}])
    decision = meeting.decisions.get()
    with pytest.raises(ApplicationError) as refused:
        services.decision_to_issue(actor=staff, decision=decision)
    assert "project" in refused.value.extra and IssueItem.objects.filter(decision=decision).count() == 0
    with pytest.raises(PermissionDenied):
        services.decision_to_issue(actor=reviewer, decision=decision)
    meeting = services.meeting_update(actor=staff, meeting=meeting, data={"projects": [meeting.projects.first()]})
    issue = services.decision_to_issue(actor=staff, decision=decision)
    assert issue.project == meeting.projects.get()


def test_a_meeting_needs_a_project_and_its_fields(staff):
    for data, field in [({"kind": "site", "title": "x", "held_at": timezone.now(), "place": "y", "projects": []},
                         "projects"),
                        ({"kind": "site", "title": "", "held_at": timezone.now(), "place": "y",
                          "projects": [Project.objects.first()]}, "title"),
                        ({"kind": "party", "title": "x", "held_at": timezone.now(), "place": "y",
                          "projects": [Project.objects.first()]}, "kind")]:
        with pytest.raises(ApplicationError) as refused:
            services.meeting_create(actor=staff, data=data)
        assert field in refused.value.extra


def test_a_liaison_raised_issue_is_confirmed_by_the_company_not_the_officer(liaison, staff, contractor, reviewer,
                                                                            contractor_org):
    project = Project.objects.get(name="杭温高速铁路义乌至温州段")
    issue = services.issue_raise(actor=liaison, project=project, title="征地拆迁进度滞后", description="17户未签约",
                                 category="demolition", company=contractor_org)
    services.issue_accept(actor=staff, issue=issue)
    services.issue_assign(actor=staff, issue=issue, department=reviewer.organization)
    services.issue_start(actor=reviewer, issue=issue)
    services.issue_resolve(actor=reviewer, issue=issue, answer="已签约")
    with pytest.raises(ApplicationError):
        services.issue_verify(actor=liaison, issue=issue, satisfied=True)
    services.issue_verify(actor=contractor, issue=issue, satisfied=True)
    assert IssueItem.objects.get(pk=issue.pk).verified_by == User.objects.get(username="contractor")
