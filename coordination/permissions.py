"""Who may see and act on issue items, meetings, call-backs and the service log.

Issue items:
- view: bureau staff and leaders (model permission) every issue; a company's users the issues their company
  raised (or that were raised on its behalf); a department's reviewers the issues assigned to their department;
  a liaison officer the issues of the projects assigned to them and those they raised; anyone the issues they
  raised themselves.
- dispatch (sign for, assign, change the deadline, close): bureau staff (`dispatch_issueitem`).
- handle (start, answer, decline): the reviewers of the responsible department.
- verify (confirm or send back the answer): the users of the raising company — nobody else.
- attach (add a file): whoever may dispatch, handle or verify it, while it is open.

Meetings: bureau staff and leaders see all; anyone else the meetings they or their organisation attended, and a
liaison officer those about their projects. Bureau staff hold the meetings and record them.
Service log: bureau staff and leaders read all; a liaison officer reads and writes their own.
Call-backs: bureau staff."""

from typing import cast

from django.db.models import Model, Q, QuerySet

from portal.accounts.models import Role, User
from portal.core import policy
from projects.models import Project

from .models import OPEN_ISSUE_STATES, CallBack, IssueItem, Meeting, ServiceLog


class IssueItemPolicy(policy.ObjectPolicy):
    model = IssueItem
    actions = ("view", "dispatch", "handle", "verify", "attach")

    def view_q(self, user: User) -> Q:
        q = Q(raised_by_id=user.pk)
        if user.organization_id is not None:
            q |= Q(company_id=user.organization_id)
            if user.has_role(Role.DEPARTMENT_REVIEWER):
                q |= Q(department_id=user.organization_id)
        if user.has_role(Role.LIAISON_OFFICER):  # a subquery, not a join of every issue to its project
            q |= Q(project_id__in=Project.objects.filter(liaison_officer_id=user.pk).values("pk"))
        return q

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if action == "view":
            return queryset if self.has_global(user, "view") else queryset.filter(self.view_q(user))
        if action == "dispatch":
            return queryset.filter(voided_at__isnull=True) if self.has_global(user, action) else queryset.none()
        if action == "attach":
            live = queryset.filter(voided_at__isnull=True, state__in=OPEN_ISSUE_STATES)
            if self.has_global(user, "dispatch"):
                return live
            if user.organization_id is None:
                return queryset.none()
            q = Q(company_id=user.organization_id)
            if user.has_role(Role.DEPARTMENT_REVIEWER):
                q |= Q(department_id=user.organization_id)
            return live.filter(q)
        if user.organization_id is None:
            return queryset.none()
        if action == "handle":
            if not user.has_role(Role.DEPARTMENT_REVIEWER):
                return queryset.none()
            return queryset.filter(department_id=user.organization_id, voided_at__isnull=True)
        return queryset.filter(company_id=user.organization_id, voided_at__isnull=True)  # verify

    def allows(self, user: User, action: str, obj: Model) -> bool:
        issue = cast(IssueItem, obj)
        if action != "view" and issue.voided_at is not None:
            return False
        if action == "dispatch":
            return self.has_global(user, action)
        if action == "handle":
            return (user.organization_id is not None and issue.department_id == user.organization_id
                    and user.has_role(Role.DEPARTMENT_REVIEWER))
        if action == "verify":
            return user.organization_id is not None and issue.company_id == user.organization_id
        if action == "attach":
            return issue.is_open and any(self.allows(user, a, issue) for a in ("dispatch", "handle", "verify"))
        if self.has_global(user, "view"):
            return True
        return self.scope(user, IssueItem.objects.filter(pk=issue.pk), action).exists()


class MeetingPolicy(policy.ObjectPolicy):
    model = Meeting
    actions = ("view", "change")

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if self.has_global(user, action):
            return queryset if action == "view" else queryset.filter(voided_at__isnull=True)
        if action != "view":
            return queryset.none()
        through_users = Meeting.attendees.through.objects.filter(user_id=user.pk).values("meeting_id")
        q = Q(pk__in=through_users)
        if user.organization_id is not None:
            q |= Q(pk__in=Meeting.organizations.through.objects.filter(
                organization_id=user.organization_id).values("meeting_id"))
        if user.has_role(Role.LIAISON_OFFICER):
            q |= Q(pk__in=Meeting.projects.through.objects.filter(
                project__liaison_officer_id=user.pk).values("meeting_id"))
        return queryset.filter(q)

    def allows(self, user: User, action: str, obj: Model) -> bool:
        meeting = cast(Meeting, obj)
        if action == "change":
            return meeting.voided_at is None and self.has_global(user, action)
        if self.has_global(user, action):
            return True
        return self.scope(user, Meeting.objects.filter(pk=meeting.pk), action).exists()


class ServiceLogPolicy(policy.ObjectPolicy):
    model = ServiceLog
    actions = ("view", "change")

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if action == "view" and self.has_global(user, action):
            return queryset
        if not user.has_role(Role.LIAISON_OFFICER):
            return queryset.none()
        queryset = queryset.filter(officer_id=user.pk)
        return queryset if action == "view" else queryset.filter(voided_at__isnull=True)

    def allows(self, user: User, action: str, obj: Model) -> bool:
        entry = cast(ServiceLog, obj)
        if action == "view" and self.has_global(user, action):
            return True
        return (entry.officer_id == user.pk and user.has_role(Role.LIAISON_OFFICER)
                and (action == "view" or entry.voided_at is None))


class CallBackPolicy(policy.ObjectPolicy):
    model = CallBack
    actions = ("view", "change")


POLICIES = (IssueItemPolicy(), MeetingPolicy(), ServiceLogPolicy(), CallBackPolicy())
