from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from portal.accounts.models import Role
from portal.core import plugins

TEMPLATES = {
    Role.LEADER: "dashboards/home_leader.html",
    Role.BUREAU_STAFF: "dashboards/home_staff.html",
}


@login_required
def home(request):
    """The home page of the user's role: its unread notifications and the cards the apps declare
    (`portal.core.plugins.HomeCard`: the projects' figures and tables, the approvals card …)."""
    user = request.user
    role = user.primary_role
    context = {"role": role, "notifications": user.notifications.unread()[:6]}
    if role is None and user.is_superuser:
        role = Role.BUREAU_STAFF
    context["cards"] = plugins.home_cards(user=user, role=role, today=timezone.localdate())
    return render(request, TEMPLATES.get(role, "dashboards/home_participant.html"), context)
