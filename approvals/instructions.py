"""Who holds a leader's instruction (批示) on an approval case or an item review (declared in
`ApprovalsConfig.portal_plugin`, `instruction_targets`).

- A case submitted and waiting at the bureau's service window: the bureau staff (the window).
- A case in any other state: the applicant organisation's users. (Kept simple on purpose: a case whose items are
  with the departments is still the applicant's to answer for; an instruction on one department's part is
  written on that item review.)
- An item review (the escalated item): the reviewers of its department.
"""

from django.utils.translation import gettext as _

from portal.accounts.models import Role
from portal.instructions.targets import Holders

from .models import ApprovalCase, CaseState, ItemReview


def case_holders(case: ApprovalCase) -> Holders:
    if case.state == CaseState.SUBMITTED:
        return Holders(role=Role.BUREAU_STAFF, label=_("Bureau service window"))
    return Holders(organization_id=case.applicant_id, label=case.applicant.name)


def review_holders(review: ItemReview) -> Holders:
    return Holders(organization_id=review.department_id, role=Role.DEPARTMENT_REVIEWER,
                   label=_("Reviewers of %(department)s") % {"department": review.department.name})
