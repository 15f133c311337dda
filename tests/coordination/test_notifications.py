"""Every step that hands an issue to someone tells them, in the portal and by e-mail (the portal's notification
service: the e-mail task runs after the commit, eagerly in the tests); a leader's instruction (批示) on an issue
goes to whoever holds it."""

import pytest
from django.core import mail

from coordination import services
from coordination.instructions import issue_holders, meeting_holders
from coordination.models import IssueItem
from portal.accounts.models import Role, User
from portal.core import workdays
from portal.notifications.models import Notification
from projects.models import Project

pytestmark = pytest.mark.django_db


def user(name):
    return User.objects.get(username=name)


def told(issue, what):
    """{username: notification} of the issue's event `what` (any version)."""
    return {n.recipient.username: n for n in Notification.objects.filter(
        event_key__startswith=f"issue:{issue.pk}:{what}:").select_related("recipient")}


def bureau_staff():
    return set(User.objects.filter(groups__name=Role.BUREAU_STAFF, is_active=True).values_list("username", flat=True))


def reviewers_of(org):
    return set(User.objects.filter(groups__name=Role.DEPARTMENT_REVIEWER, organization=org, is_active=True)
               .values_list("username", flat=True))


def company_users(org):
    return set(User.objects.filter(organization=org, is_active=True).values_list("username", flat=True))


@pytest.fixture
def project():
    return Project.objects.get(name="杭温高速铁路义乌至温州段")


def emailed(capture, call):
    mail.outbox.clear()
    with capture(execute=True):
        result = call()
    return result, {address for m in mail.outbox for address in m.to}, list(mail.outbox)


def test_each_hand_off_tells_the_new_holder_in_app_and_by_email(django_capture_on_commit_callbacks, project,
                                                                 contractor, staff, reviewer):
    cap = django_capture_on_commit_callbacks
    fgw = reviewer.organization
    issue, to, _ = emailed(cap, lambda: services.issue_raise(actor=contractor, project=project, title="临时用地审批",
                                                             description="梁场用地未批", category="land"))
    assert set(told(issue, "reported")) == bureau_staff() and "staff" in bureau_staff()
    assert staff.email in to and told(issue, "reported")["staff"].url == issue.get_absolute_url()

    _, to, _ = emailed(cap, lambda: services.issue_accept(actor=staff, issue=issue))
    assert set(told(issue, "accepted")) == company_users(contractor.organization) and contractor.email in to

    _, to, messages = emailed(cap, lambda: services.issue_assign(actor=staff, issue=issue, department=fgw,
                                                                 note="请5个工作日内办结"))
    assigned = told(issue, "assigned")
    assert set(assigned) == reviewers_of(fgw) == {"reviewer", "fgw_head"}
    assert assigned["reviewer"].level == "warning" and assigned["reviewer"].body == "请5个工作日内办结"
    assert to == {user("reviewer").email, user("fgw_head").email}
    assert all(issue.number in m.subject for m in messages)

    _, to, _ = emailed(cap, lambda: services.issue_decline(actor=reviewer, issue=issue, reason="不属我委职责"))
    assert set(told(issue, "declined")) == bureau_staff() and staff.email in to
    assert told(issue, "declined")["staff"].body == "不属我委职责"

    zrzy = user("zrzy_reviewer")
    services.issue_assign(actor=staff, issue=issue, department=zrzy.organization)
    assert set(told(issue, "assigned")) == reviewers_of(fgw) | reviewers_of(zrzy.organization)

    services.issue_start(actor=zrzy, issue=issue)
    assert set(told(issue, "started")) == company_users(contractor.organization)

    _, to, _ = emailed(cap, lambda: services.issue_resolve(actor=zrzy, issue=issue, answer="已批复"))
    resolved = told(issue, "resolved")
    assert set(resolved) == company_users(contractor.organization) and resolved["contractor"].body == "已批复"
    assert contractor.email in to

    _, to, _ = emailed(cap, lambda: services.issue_verify(actor=contractor, issue=issue, satisfied=False,
                                                          comment="批复文件未收到"))
    reopened = told(issue, "reopened")
    assert set(reopened) == reviewers_of(zrzy.organization) and reopened["zrzy_reviewer"].body == "批复文件未收到"
    assert to == {zrzy.email}

    services.issue_resolve(actor=zrzy, issue=issue, answer="已寄送批复文件")
    assert len(told(issue, "resolved")) == len(company_users(contractor.organization))
    assert Notification.objects.filter(recipient=contractor, event_key__startswith=f"issue:{issue.pk}:resolved:"
                                       ).count() == 2  # the second answer is a new hand-off

    services.issue_verify(actor=contractor, issue=issue, satisfied=True)
    assert set(told(issue, "verified")) == reviewers_of(zrzy.organization) | bureau_staff()

    services.issue_close(actor=staff, issue=issue)
    assert set(told(issue, "closed")) == company_users(contractor.organization)


def test_a_new_deadline_tells_the_department_and_the_company(project, contractor, staff, reviewer):
    issue = services.issue_raise(actor=contractor, project=project, title="t", description="d", category="land")
    services.issue_accept(actor=staff, issue=issue)
    services.issue_assign(actor=staff, issue=issue, department=reviewer.organization)
    services.issue_reschedule(actor=staff, issue=issue, due_on=workdays.add_workdays(issue.due_on, 5),
                              reason="需省政府会签")
    rescheduled = told(issue, "rescheduled")
    assert set(rescheduled) == reviewers_of(reviewer.organization) | company_users(contractor.organization)
    assert rescheduled["contractor"].body == "需省政府会签"


def test_users_who_opted_out_are_told_in_app_only(django_capture_on_commit_callbacks, project, contractor, staff):
    User.objects.filter(pk=contractor.pk).update(email_notifications=False)
    issue = services.issue_raise(actor=contractor, project=project, title="t", description="d", category="land")
    _, to, _ = emailed(django_capture_on_commit_callbacks, lambda: services.issue_accept(actor=staff, issue=issue))
    assert "contractor" in told(issue, "accepted") and contractor.email not in to


def test_the_attendees_are_invited_to_a_meeting(django_capture_on_commit_callbacks, project, staff, contractor):
    from django.utils import timezone

    meeting, to, _ = emailed(django_capture_on_commit_callbacks, lambda: services.meeting_create(actor=staff, data={
        "kind": "site", "title": "现场协调会", "held_at": timezone.now(), "place": "项目部", "projects": [project],
        "attendees": [contractor, user("zrzy_reviewer")]}))
    invited = Notification.objects.filter(event_key=f"meeting:{meeting.pk}:invited")
    assert set(invited.values_list("recipient__username", flat=True)) == {"contractor", "zrzy_reviewer"}
    assert to == {contractor.email, user("zrzy_reviewer").email}


def test_an_instruction_goes_to_whoever_holds_the_issue(project, contractor, staff, reviewer, liaison):
    issue = services.issue_raise(actor=contractor, project=project, title="t", description="d", category="land")
    holders = issue_holders(issue)
    assert holders.role == Role.BUREAU_STAFF and liaison.pk in holders.user_ids  # the project's officer by name
    services.issue_accept(actor=staff, issue=issue)
    services.issue_assign(actor=staff, issue=issue, department=reviewer.organization)
    holders = issue_holders(IssueItem.objects.get(pk=issue.pk))
    assert (holders.organization_id, holders.role) == (reviewer.organization_id, Role.DEPARTMENT_REVIEWER)
    services.issue_start(actor=reviewer, issue=issue)
    services.issue_resolve(actor=reviewer, issue=issue, answer="已答复")
    holders = issue_holders(IssueItem.objects.get(pk=issue.pk))
    assert holders.organization_id == contractor.organization_id and holders.role in (None, "")
    meeting = services.meeting_create(actor=staff, data={"kind": "site", "title": "x", "place": "y",
                                                         "held_at": issue.created_at, "projects": [project]})
    assert staff.pk in meeting_holders(meeting).user_ids
