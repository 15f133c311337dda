from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from approvals import selectors as approvals
from approvals.models import OPEN_CASE_STATES
from approvals.views import case_rows, review_rows  # the same rows as the approvals pages
from portal.accounts.models import Role
from projects.feasibility import selectors as feasibility
from projects.schedule import selectors as schedule

from . import selectors

TEMPLATES = {
    Role.LEADER: "dashboards/home_leader.html",
    Role.BUREAU_STAFF: "dashboards/home_staff.html",
}
HOME_ROWS = 8


@login_required
def home(request):
    user = request.user
    role = user.primary_role
    context = {
        "role": role,
        "figures": selectors.project_figures(user=user),
        "projects": selectors.recent_projects(user=user),
        "notifications": user.notifications.unread()[:6],
    }
    if role is None and user.is_superuser:
        role = Role.BUREAU_STAFF
    if role in (Role.LEADER, Role.BUREAU_STAFF):
        context["activity"] = selectors.recent_activity(user=user)
        context["serious_risks"] = selectors.live_serious_risks(user=user)
    if role == Role.DEPARTMENT_REVIEWER:
        context["pending_opinions"] = feasibility.opinion_queue(user=user).count()
    elif role == Role.CONTRACTOR and user.organization_id:
        context["owed"] = schedule.owed_counts(user=user)
    context.update(_approvals(user, role))
    return render(request, TEMPLATES.get(role, "dashboards/home_participant.html"), context)


def _approvals(user, role) -> dict:
    """The approvals card of each home page: the bureau sees its open cases by light, a department its most
    urgent items, an applicant its open cases."""
    today = timezone.localdate()
    if role in (Role.LEADER, Role.BUREAU_STAFF):
        return {"approval_lights": selectors.approval_lights(user=user, today=today)}
    if role == Role.DEPARTMENT_REVIEWER:
        return {"review_rows": review_rows(approvals.review_queue(user=user, state="open")[:HOME_ROWS], today)}
    if user.has_role(Role.CONTRACTOR):
        cases = approvals.case_list(user=user, mine=True).filter(state__in=OPEN_CASE_STATES)[:HOME_ROWS]
        return {"case_rows": case_rows(cases, today), "show_cases": True}
    return {}
