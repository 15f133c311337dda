"""The pages of meetings, liaison officers, the service log and call-backs. Access goes through
`portal.core.policy` (and the role permissions for creating); every write is one service call whose
ApplicationError is shown on the form or as a message."""

import datetime
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from portal.accounts.models import Role
from portal.core import policy
from portal.core.errors import ApplicationError
from portal.core.exports import append_row
from portal.core.forms import form_add_application_error
from portal.core.views import paginate
from projects.selectors import officer_projects, project_list

from . import service_selectors as selectors
from . import services
from .minutes_pdf import minutes_pdf
from .models import CallBackState, MeetingDecision
from .service_forms import (
    CallBackForm,
    DecisionFormSet,
    MeetingFilterForm,
    MeetingForm,
    MinutesForm,
    ServiceLogFilterForm,
    ServiceLogForm,
    liaison_officers,
    parse_month,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(title: str, header: list[str], rows, name: str) -> HttpResponse:
    """One sheet, a header and the rows (an iterable of value lists), as a download `name-<stamp>.xlsx`."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.append([capfirst(h) for h in header])
    for row in rows:
        append_row(ws, row)
    buf = BytesIO()
    wb.save(buf)
    response = HttpResponse(buf.getvalue(), content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.xlsx"'
    return response


def _local(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _is_bureau(user) -> bool:
    return user.has_perm("coordination.view_servicelog")  # bureau staff and leaders (role permissions)


# --------------------------------------------------------------------------------------------------- meetings
def _meetings(request):
    form = MeetingFilterForm(request.GET or None, projects=project_list(user=request.user))
    data = form.cleaned_data if form.is_valid() else {}
    meetings = selectors.meeting_list(user=request.user, search=data.get("q", ""), kind=data.get("kind", ""),
                                      project=data.get("project"), date_from=data.get("date_from"),
                                      date_to=data.get("date_to"))
    return form, meetings


@login_required
def meeting_list(request):
    form, meetings = _meetings(request)
    return render(request, "coordination/meeting_list.html", {
        "form": form, "page": paginate(request, meetings),
        "may_add": request.user.has_perm("coordination.add_meeting"),
    })


@login_required
def meeting_export(request):
    _form, meetings = _meetings(request)
    header = [_("date and time"), _("kind"), _("title"), _("place"), _("projects"), _("state"),
              _("decisions"), _("issue items"), _("organiser")]
    rows = ([_local(m.held_at), str(m.get_kind_display()), m.title, m.place,
             "、".join(p.name for p in m.projects.all()), str(m.get_state_display()), m.decision_count,
             m.issue_count, str(m.organizer)] for m in meetings)
    return _xlsx(_("Coordination meetings"), header, rows, "meetings")


def _chosen_projects(request, projects, meeting=None) -> list[int]:
    """The projects chosen so far: posted, else asked for (?projects=<pk>&projects=<pk>, the reload), else the
    meeting's own; only those the user may see."""
    if request.method == "POST":
        raw = request.POST.getlist("projects")
    elif "projects" in request.GET:
        raw = request.GET.getlist("projects")
    elif meeting is not None:
        return list(meeting.projects.values_list("pk", flat=True))
    else:
        raw = []
    ids = {int(v) for v in raw if str(v).isdigit() and len(str(v)) < 12}
    return list(projects.filter(pk__in=ids).values_list("pk", flat=True)) if ids else []


def _meeting_form_page(request, meeting=None):
    """Create (`meeting` None) or edit a meeting. The attending organisations and users offered follow the chosen
    projects; the "Update the lists" button (name="refresh") re-renders the form with them and saves nothing."""
    projects = project_list(user=request.user)
    chosen = _chosen_projects(request, projects, meeting)
    initial = MeetingForm.initial_for(meeting) if meeting is not None else {}
    keep = {"keep_organizations": initial.get("organizations", ()), "keep_users": initial.get("attendees", ())}
    refresh = request.method == "POST" and "refresh" in request.POST
    if refresh:
        initial = {"version": initial.get("version"), **MeetingForm.initial_from(request.POST)}
    elif request.method == "GET" and "projects" in request.GET:
        initial["projects"] = chosen
    post = request.POST if request.method == "POST" and not refresh else None
    form = MeetingForm(post, projects=projects, project_ids=chosen, initial=initial, **keep)
    if post is not None and form.is_valid():
        try:
            if meeting is None:
                saved = services.meeting_create(actor=request.user, data=form.data_for_service())
            else:
                saved = services.meeting_update(actor=request.user, meeting=meeting, data=form.data_for_service(),
                                                version=form.cleaned_data.get("version"))
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The meeting was scheduled and the attending users were told.")
                             if meeting is None else _("The meeting was saved."))
            return redirect(saved)
    return render(request, "coordination/meeting_form.html", {"form": form, "meeting": meeting, "chosen": chosen},
                  status=400 if form.errors else 200)


@login_required
def meeting_create(request):
    if not request.user.has_perm("coordination.add_meeting"):
        raise PermissionDenied
    return _meeting_form_page(request)


@login_required
def meeting_edit(request, pk: int):
    meeting = selectors.meeting_for(request.user, pk)
    policy.require(request.user, "change", meeting)
    return _meeting_form_page(request, meeting)


@login_required
def meeting_detail(request, pk: int):
    meeting = selectors.meeting_for(request.user, pk)
    return render(request, "coordination/meeting_detail.html", {
        "meeting": meeting, "decisions": selectors.meeting_decisions(meeting=meeting),
        "may_change": policy.can(request.user, "change", meeting), **selectors.meeting_people(meeting=meeting),
    })


@login_required
def meeting_minutes(request, pk: int):
    meeting = selectors.meeting_for(request.user, pk)
    policy.require(request.user, "change", meeting)
    projects = meeting.projects.all().order_by("name")
    post = request.POST if request.method == "POST" else None
    form = MinutesForm(post, initial={"minutes": meeting.minutes, "version": meeting.version})
    decisions = DecisionFormSet(post, prefix="decisions", form_kwargs={"projects": projects})
    if post is not None and form.is_valid() and decisions.is_valid():
        new = [d for f in decisions if (d := f.decision()) is not None]
        try:
            services.meeting_record_minutes(actor=request.user, meeting=meeting, minutes=form.cleaned_data["minutes"],
                                            decisions=new, version=form.cleaned_data.get("version"))
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The minutes were recorded (%(count)s new decisions).") % {"count": len(new)})
            return redirect(meeting)
    return render(request, "coordination/meeting_minutes.html", {
        "meeting": meeting, "form": form, "decisions": decisions,
        "existing": selectors.meeting_decisions(meeting=meeting),
    }, status=400 if post is not None else 200)


@login_required
def meeting_minutes_pdf(request, pk: int):
    meeting = selectors.meeting_for(request.user, pk)
    response = HttpResponse(minutes_pdf(meeting), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}-minutes.pdf"'
    return response


@login_required
@require_POST
def decision_issue(request, pk: int):
    """会议决定转问题清单: one click; the new issue's page follows."""
    decision = MeetingDecision.objects.filter(pk=pk).only("id", "meeting_id").first()
    if decision is None:
        raise Http404
    meeting = selectors.meeting_for(request.user, decision.meeting_id)
    policy.require(request.user, "change", meeting)
    try:
        issue = services.decision_to_issue(actor=request.user, decision=decision)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(f"{meeting.get_absolute_url()}#decisions")
    messages.success(request, _("Issue %(number)s was raised from the decision.") % {"number": issue.number})
    return redirect(issue)


# ----------------------------------------------------------------------------------------- liaison officers
@login_required
def liaison_home(request):
    if not request.user.has_role(Role.LIAISON_OFFICER):
        if _is_bureau(request.user):
            return redirect("coordination:officer-list")
        raise PermissionDenied
    today = timezone.localdate()
    page = paginate(request, selectors.officer_workspace(officer=request.user, today=today))
    return render(request, "coordination/liaison_home.html", {"page": page, "today": today})


@login_required
def officer_list(request):
    if not _is_bureau(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    return render(request, "coordination/liaison_officers.html", {
        "page": paginate(request, selectors.officer_list(today=today)), "recent_days": selectors.RECENT_DAYS,
        "may_assign": request.user.has_perm("projects.change_project"),
    })


# ------------------------------------------------------------------------------------------------ service log
def _servicelog(request):
    user = request.user
    if not (_is_bureau(user) or user.has_role(Role.LIAISON_OFFICER)):
        raise PermissionDenied
    bureau = _is_bureau(user)
    projects = project_list(user=user) if bureau else officer_projects(officer=user)
    form = ServiceLogFilterForm(request.GET or None, projects=projects,
                                officers=liaison_officers() if bureau else None)
    data = form.cleaned_data if form.is_valid() else {}
    entries = selectors.servicelog_list(user=user, officer=data.get("officer"), project=data.get("project"),
                                        kind=data.get("kind", ""), date_from=data.get("date_from"),
                                        date_to=data.get("date_to"))
    return form, entries


@login_required
def servicelog_list(request):
    form, entries = _servicelog(request)
    return render(request, "coordination/servicelog_list.html", {
        "form": form, "page": paginate(request, entries),
        "may_add": request.user.has_role(Role.LIAISON_OFFICER)
        and request.user.has_perm("coordination.add_servicelog"),
    })


@login_required
def servicelog_export(request):
    _form, entries = _servicelog(request)
    header = [_("date"), _("liaison officer"), _("project"), _("kind"), _("people met"), _("what was discussed"),
              _("follow-up")]
    rows = ([e.occurred_on, str(e.officer), e.project.name, str(e.get_kind_display()), e.contacts, e.summary,
             e.follow_up] for e in entries)
    return _xlsx(_("Service log"), header, rows, "service-log")


@login_required
def servicelog_create(request):
    user = request.user
    if not (user.has_role(Role.LIAISON_OFFICER) and user.has_perm("coordination.add_servicelog")):
        raise PermissionDenied
    projects = officer_projects(officer=user)
    initial = {"occurred_on": timezone.localdate()}
    if (wanted := request.GET.get("project", "")).isdigit():
        initial["project"] = projects.filter(pk=int(wanted)).first()
    form = ServiceLogForm(request.POST or None, projects=projects, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.servicelog_add(actor=user, **form.cleaned_data)
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The service log entry was saved."))
            return redirect("coordination:servicelog-list")
    return render(request, "coordination/servicelog_form.html", {"form": form},
                  status=400 if form.errors else 200)


# -------------------------------------------------------------------------------------------------- call-backs
def _month(data) -> datetime.date:
    """The month asked for (?month=YYYY-MM), else the last finished month."""
    return parse_month(data.get("month")) or services.previous_month(timezone.localdate())


def _require_callbacks(user, action: str = "view") -> None:
    if not user.has_perm(f"coordination.{action}_callback"):
        raise PermissionDenied


@login_required
def callback_list(request):
    _require_callbacks(request.user)
    month = _month(request.GET)
    this_month = services.month_start(timezone.localdate())
    return render(request, "coordination/callback_list.html", {
        "month": month, "figures": selectors.callback_month(month=month),
        "page": paginate(request, selectors.callback_list(user=request.user, month=month)),
        "may_draw": request.user.has_perm("coordination.change_callback") and month < this_month,
        "may_record": request.user.has_perm("coordination.change_callback"),
        "finished": month < this_month, "max_month": services.previous_month(timezone.localdate()),
        "due_state": CallBackState.DUE,
    })


@login_required
@require_POST
def callback_draw(request):
    _require_callbacks(request.user, "change")
    month = parse_month(request.POST.get("month"))
    url = reverse("coordination:callback-list")
    if month is None:
        messages.error(request, _("Month: choose a month as YYYY-MM."))
        return redirect(url)
    target = f"{url}?month={month:%Y-%m}"
    if month >= services.month_start(timezone.localdate()):
        messages.error(request, _("Month: only a finished month can be drawn."))
        return redirect(target)
    already = selectors.callback_month(month=month).drawn
    drawn = services.callbacks_draw(month=month)
    if drawn:
        messages.success(request, _("%(count)s issues were drawn for a call-back.") % {"count": len(drawn)})
    elif already:
        messages.info(request, _("This month was drawn already: a second draw adds nothing."))
    else:
        messages.info(request, _("No issue was closed in this month: nothing to draw."))
    return redirect(target)


@login_required
def callback_record(request, pk: int):
    callback = selectors.callback_for(request.user, pk)
    if request.method == "POST":
        policy.require(request.user, "change", callback)
    form = CallBackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.callback_record(actor=request.user, callback=callback, **form.service_kwargs())
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The call-back was recorded."))
            return redirect(f"{reverse('coordination:callback-list')}?month={callback.month:%Y-%m}")
    return render(request, "coordination/callback_form.html", {
        "callback": callback, "form": form,
        "may_record": callback.state == CallBackState.DUE and policy.can(request.user, "change", callback),
    }, status=400 if form.errors else 200)


@login_required
def callback_export(request):
    _require_callbacks(request.user)
    month = _month(request.GET)
    header = [_("month"), _("issue number"), _("title"), _("project"), _("raising company"),
              _("responsible department"), _("state"), _("called"), _("person spoken to"), _("answer"),
              _("satisfied")]
    yes, no = _("Yes"), _("No")
    rows = ([f"{c.month:%Y-%m}", c.issue.number, c.issue.title, c.issue.project.name, c.issue.company.name,
             c.issue.department.name if c.issue.department_id else "", str(c.get_state_display()),
             _local(c.called_at), c.contact, c.answer, "" if c.satisfied is None else (yes if c.satisfied else no)]
            for c in selectors.callback_list(user=request.user, month=month))
    return _xlsx(_("Call-backs"), header, rows, f"callbacks-{month:%Y-%m}")

