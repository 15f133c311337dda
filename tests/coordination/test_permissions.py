"""Who sees and acts on issue items, meetings, the service log and call-backs (coordination/permissions.py), through
`portal.core.policy` as every page and endpoint asks it: a company sees only its issues, a department only those
assigned to it (and loses one it declines), a liaison officer those of their projects, an inspector those they
raised, bureau staff and leaders all; only bureau staff dispatch, only the department's reviewers handle, only the
raising company verifies."""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from coordination import services
from coordination.models import CallBack, IssueItem, Meeting, ServiceLog
from portal.accounts.models import Organization, User
from portal.core import policy
from projects.models import Project

pytestmark = pytest.mark.django_db

HANGWEN = "杭温高速铁路义乌至温州段"  # 华东路桥 builds it; 刘晓东 (liaison) is its officer
QUZHOU = "衢州机场迁建工程"  # 浙中建工 builds it; no liaison officer
JINYI = "金义东市域轨道交通东阳线"  # the inspector is granted it; 周敏 (liaison2) is its officer


def user(name):
    return User.objects.get(username=name)


@pytest.fixture
def issues(contractor, other_contractor, inspector, staff, reviewer):
    """a: 华东路桥's on 杭温, assigned to 发改委; b: 浙中建工's on 衢州机场, assigned to 自然资源厅; c: raised by the
    inspector on 金义东 for 华东路桥, still at the window."""
    hangwen, quzhou, jinyi = (Project.objects.get(name=n) for n in (HANGWEN, QUZHOU, JINYI))
    a = services.issue_raise(actor=contractor, project=hangwen, title="临时用地审批", description="d",
                             category="land")
    b = services.issue_raise(actor=other_contractor, project=quzhou, title="农民工工资专户", description="d",
                             category="labour")
    c = services.issue_raise(actor=inspector, project=jinyi, title="支座质量", description="d", category="other",
                             company=contractor.organization)
    for issue, department in ((a, reviewer.organization), (b, user("zrzy_reviewer").organization)):
        services.issue_accept(actor=staff, issue=issue)
        services.issue_assign(actor=staff, issue=issue, department=department)
    return {k: IssueItem.objects.get(pk=v.pk) for k, v in (("a", a), ("b", b), ("c", c))}


def seen(username, issues, action="view"):
    ids = set(policy.visible(user(username), IssueItem, action).filter(
        pk__in=[i.pk for i in issues.values()]).values_list("pk", flat=True))
    return {k for k, v in issues.items() if v.pk in ids}


@pytest.mark.parametrize(("username", "expected"), [
    ("contractor", {"a", "c"}),  # 华东路桥's own (c was raised on its behalf)
    ("builder2", {"b"}),
    ("owner", set()),  # 之江交通 owns 杭温, but the difficulty is 华东路桥's
    ("reviewer", {"a"}), ("fgw_head", {"a"}),  # 发改委: assigned to it
    ("zrzy_reviewer", {"b"}),
    ("czt_reviewer", set()),
    ("liaison", {"a"}),  # the officer of 杭温
    ("liaison2", {"c"}),  # the officer of 金义东
    ("inspector", {"c"}),  # raised by them
    ("staff", {"a", "b", "c"}), ("leader", {"a", "b", "c"}),
])
def test_who_sees_which_issue(username, expected, issues):
    assert seen(username, issues) == expected
    for key, issue in issues.items():
        assert policy.can(user(username), "view", issue) is (key in expected)


def test_another_organisation_gets_404(issues, other_contractor, contractor):
    with pytest.raises(Http404):
        policy.get_or_404(other_contractor, IssueItem, pk=issues["a"].pk)
    with pytest.raises(Http404):
        policy.get_or_404(contractor, IssueItem, pk=issues["b"].pk)
    assert policy.get_or_404(contractor, IssueItem, pk=issues["a"].pk) == issues["a"]


@pytest.mark.parametrize(("username", "dispatch", "handle", "verify"), [
    ("staff", {"a", "b", "c"}, set(), set()),
    ("leader", set(), set(), set()),
    ("liaison", set(), set(), set()),
    ("reviewer", set(), {"a"}, set()),
    ("zrzy_reviewer", set(), {"b"}, set()),
    ("contractor", set(), set(), {"a", "c"}),
    ("builder2", set(), set(), {"b"}),
    ("owner", set(), set(), set()),
    ("inspector", set(), set(), set()),
])
def test_who_may_act(username, dispatch, handle, verify, issues):
    for action, expected in (("dispatch", dispatch), ("handle", handle), ("verify", verify)):
        assert seen(username, issues, action) == expected, action
        for key, issue in issues.items():
            assert policy.can(user(username), action, issue) is (key in expected), (action, key)


def test_a_department_loses_the_issue_it_declines(issues, reviewer):
    a = issues["a"]
    services.issue_decline(actor=reviewer, issue=a, reason="不属我委职责")
    a.refresh_from_db()
    assert not policy.can(reviewer, "view", a) and not policy.can(reviewer, "handle", a)
    assert "a" not in seen("reviewer", issues) and "a" not in seen("fgw_head", issues)
    assert policy.can(user("contractor"), "view", a) and policy.can(user("staff"), "dispatch", a)


def test_a_reviewer_of_the_raising_company_is_not_a_handler(issues, contractor):
    """A department's user who is not a reviewer does not handle its issues; a company user never does."""
    hd_reviewerless = User.objects.create_user("fgw_clerk", password="x", full_name="办事员",
                                               organization=user("reviewer").organization)
    assert not policy.can(hd_reviewerless, "handle", issues["a"])
    assert not policy.can(hd_reviewerless, "view", issues["a"])


def test_a_voided_issue_is_seen_but_not_acted_on(issues, staff, reviewer, contractor):
    IssueItem.objects.filter(pk=issues["a"].pk).update(voided_at=timezone.now())
    a = IssueItem.objects.get(pk=issues["a"].pk)
    assert policy.can(staff, "view", a) and policy.can(contractor, "view", a)
    assert not policy.can(staff, "dispatch", a) and not policy.can(reviewer, "handle", a)
    assert not policy.can(contractor, "verify", a)
    assert a.pk not in policy.visible(staff, IssueItem, "dispatch").values_list("pk", flat=True)
    assert services.issue_moves(reviewer, a) == []


def test_the_liaison_officer_sees_what_they_raised_elsewhere(liaison, staff, contractor):
    """Moved off a project, the officer still sees the issues they raised on it."""
    project = Project.objects.get(name=HANGWEN)
    issue = services.issue_raise(actor=liaison, project=project, title="t", description="d", category="land",
                                 company=contractor.organization)
    Project.objects.filter(pk=project.pk).update(liaison_officer=user("liaison2"))
    assert policy.can(liaison, "view", issue) and policy.can(user("liaison2"), "view", issue)


# ---------------------------------------------------------------------------------------------- meetings
@pytest.fixture
def meeting(staff, contractor):
    return services.meeting_create(actor=staff, data={
        "kind": "matchmaking", "title": "政企对接会", "held_at": timezone.now() + datetime.timedelta(days=3),
        "place": "三楼会议室", "projects": [Project.objects.get(name=HANGWEN)],
        "organizations": [Organization.objects.get(name="浙江省自然资源厅")], "attendees": [contractor]})


@pytest.mark.parametrize(("username", "view", "change"), [
    ("staff", True, True), ("leader", True, False),
    ("contractor", True, False),  # attends
    ("zrzy_reviewer", True, False),  # its department attends
    ("liaison", True, False),  # the officer of its project
    ("liaison2", False, False), ("reviewer", False, False), ("builder2", False, False), ("owner", False, False),
    ("inspector", False, False),
])
def test_who_sees_and_changes_a_meeting(username, view, change, meeting):
    someone = user(username)
    assert policy.can(someone, "view", meeting) is view
    assert policy.can(someone, "change", meeting) is change
    assert policy.visible(someone, Meeting).filter(pk=meeting.pk).exists() is view
    assert policy.visible(someone, Meeting, "change").filter(pk=meeting.pk).exists() is change


def test_only_bureau_staff_hold_meetings(leader, contractor):
    from portal.core.errors import ApplicationError

    for actor in (leader, contractor):
        with pytest.raises(ApplicationError) as refused:
            services.meeting_create(actor=actor, data={"kind": "site", "title": "x", "held_at": timezone.now(),
                                                       "place": "y", "projects": [Project.objects.first()]})
        assert refused.value.code == "forbidden"


# ----------------------------------------------------------------------------- service log and call-backs
def test_the_service_log_is_the_officers_own(liaison, staff, leader, contractor):
    entry = services.servicelog_add(actor=liaison, project=Project.objects.get(name=HANGWEN), kind="visit",
                                    occurred_on=services.today(), summary="走访项目部")
    other = user("liaison2")
    assert policy.can(liaison, "view", entry) and policy.can(liaison, "change", entry)
    assert not policy.can(other, "view", entry) and not policy.visible(other, ServiceLog).filter(pk=entry.pk).exists()
    assert policy.can(staff, "view", entry) and policy.can(leader, "view", entry)
    assert not policy.can(staff, "change", entry)
    assert not policy.can(contractor, "view", entry)
    from portal.core.errors import ApplicationError

    with pytest.raises(ApplicationError) as refused:  # not their project
        services.servicelog_add(actor=other, project=Project.objects.get(name=HANGWEN), kind="call",
                                occurred_on=services.today(), summary="x")
    assert "project" in refused.value.extra


@pytest.mark.parametrize(("username", "view", "change"), [
    ("staff", True, True), ("leader", True, False), ("liaison", False, False), ("contractor", False, False),
    ("reviewer", False, False),
])
def test_who_sees_and_records_call_backs(username, view, change):
    callback = CallBack.objects.first()  # the demo drew last month's
    assert callback is not None
    assert policy.can(user(username), "view", callback) is view
    assert policy.can(user(username), "change", callback) is change
