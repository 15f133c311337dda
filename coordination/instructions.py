"""Who holds a leader's instruction (批示) on an issue item or a meeting (declared in
`CoordinationConfig.portal_plugin`, `instruction_targets`).

- An issue the department holds (assigned, in progress): the reviewers of its department.
- An issue answered and waiting for the company's confirmation: the raising company's users.
- An issue at the bureau (reported, signed for, confirmed, closed): the bureau staff, and the project's liaison
  officer by name when it has one.
- A meeting: the bureau staff (who hold the meetings) and its organiser by name.
"""

from django.utils.translation import gettext as _

from portal.accounts.models import Role
from portal.instructions.targets import Holders

from .models import Holder, IssueItem, Meeting


def issue_holders(issue: IssueItem) -> Holders:
    holder = issue.holder
    if holder == Holder.DEPARTMENT and issue.department is not None:
        return Holders(organization_id=issue.department_id, role=Role.DEPARTMENT_REVIEWER,
                       label=_("Reviewers of %(department)s") % {"department": issue.department.name})
    if holder == Holder.COMPANY:
        return Holders(organization_id=issue.company_id, label=issue.company.name)
    officer = issue.project.liaison_officer_id
    return Holders(role=Role.BUREAU_STAFF, user_ids=(officer,) if officer else (),
                   label=_("Bureau service window"))


def meeting_holders(meeting: Meeting) -> Holders:
    return Holders(role=Role.BUREAU_STAFF, user_ids=(meeting.organizer_id,), label=_("Bureau staff"))
