"""The columns of the inspector's work list in Excel, one set per tab: (headers, row function)."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _


def _local(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _samples():
    headers = [_("sample number"), _("project"), _("project code"), _("inspection plan"), _("key process"),
               _("contractor inspected"), _("part / location sampled"), _("taken on"), _("witnessed (见证取样)"),
               _("assigned")]
    return headers, lambda s: [
        s.number, s.plan.project.name, s.plan.project.code, s.plan.title, str(s.plan.get_process_display()),
        s.plan.contractor.name, s.location, s.taken_on, _("Yes") if s.witnessed else _("No"), _local(s.assigned_at)]


def _rectifications():
    headers = [_("rectification number"), _("project"), _("project code"), _("failed sample"),
               _("responsible unit"), _("what must be done"), _("due on"), _("submitted"), _("rounds")]
    return headers, lambda r: [
        r.number, r.project.name, r.project.code, r.sample.number, r.responsible.name, r.requirement, r.due_on,
        _local(r.submitted_at), r.rounds]


def _hazards():
    headers = [_("hazard number"), _("project"), _("project code"), _("title"), _("grade"), _("location on site"),
               _("responsible unit"), _("rectify by"), _("submitted for check"), _("failed checks")]
    return headers, lambda h: [
        h.number, h.project.name, h.project.code, h.title, str(h.get_grade_display()), h.location,
        h.responsible.name, h.due_on, _local(h.submitted_at), h.check_failures]


MY_WORK_COLUMNS = {"samples": _samples, "rectifications": _rectifications, "hazards": _hazards}
