"""The quality & safety card of the home pages (declared in `plugin.HOME_CARDS`, slot "summary"):

- inspectors: their work — samples awaiting their agency's results, rectifications awaiting re-inspection and
  hazards submitted for check on their projects (`supervision:my-work`);
- bureau staff and leaders: across the projects they see, the open hazards by grade, the overdue ones, the overdue
  rectifications and the accountability proposals awaiting a decision;
- a participating company's users: what their unit has to rectify, overdue among it, and its records in force.

Each figure is one aggregate query."""

import datetime

from portal.accounts.models import Role, User

from . import selectors


def home_context(user: User, role: str | None, today: datetime.date) -> dict | None:
    if role == Role.INSPECTOR or (role is None and selectors.may_have_work(user)):
        return {"quality_work": selectors.my_work_counts(user=user)}
    if role in (Role.BUREAU_STAFF, Role.LEADER):
        return {"quality_province": selectors.province_figures(user=user, today=today)}
    if user.has_role(Role.CONTRACTOR) and user.organization_id is not None:
        return {"quality_unit": selectors.unit_figures(user=user, today=today)}
    return None
