from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from portal.accounts.models import Role

from . import selectors

TEMPLATES = {
    Role.LEADER: "dashboards/home_leader.html",
    Role.BUREAU_STAFF: "dashboards/home_staff.html",
}


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
    return render(request, TEMPLATES.get(role, "dashboards/home_participant.html"), context)
