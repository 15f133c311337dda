"""The inspection card of the home pages (declared in plugin.py, slot "summary"):

- an inspector (and a testing agency's users): samples assigned to their agency awaiting a result, and the
  submitted rectifications of their projects awaiting the re-inspection or its verification;
- a contractor: its open rectifications and how many are overdue.
Each figure is one aggregate query."""

import datetime

from django.db.models import Count, Q

from portal.accounts.models import Role, User
from portal.core import policy

from ..models import Rectification, RectificationState, Sample, SampleState
from .permissions import inspector_projects


def home_context(user: User, role: str | None, today: datetime.date) -> dict | None:
    if role == Role.INSPECTOR:
        to_test = (Sample.objects.filter(agency_id=user.organization_id, state=SampleState.ASSIGNED,
                                         voided_at__isnull=True).count() if user.organization_id else 0)
        rects = Rectification.objects.filter(project__in=inspector_projects(user).values("pk"),
                                             voided_at__isnull=True).exclude(state=RectificationState.CLOSED)
        figures = rects.aggregate(submitted=Count("pk", filter=Q(state=RectificationState.SUBMITTED)),
                                  overdue=Count("pk", filter=Q(due_on__lt=today)))
        return {"inspection_inspector": {"to_test": to_test, **figures}}
    if role == Role.CONTRACTOR and user.organization_id is not None:
        mine = policy.visible(user, Rectification.objects.filter(
            responsible_id=user.organization_id, voided_at__isnull=True, state=RectificationState.OPEN))
        figures = mine.aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
        if not figures["open"]:
            return None
        return {"inspection_contractor": figures}
    return None
