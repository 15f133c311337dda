"""Pages of a project's safety records under its quality & safety tab — the responsibility roster, trainings and
drills, incidents — and the bureau's incident list across projects. Access goes through `portal.core.policy`;
every write is one service call whose refusal is shown on the form, with nothing changed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import Organization
from portal.core import policy
from portal.core.errors import ApplicationError
from portal.core.exports import table_xlsx, xlsx_response
from portal.core.forms import form_add_application_error
from portal.core.views import paginate
from projects.selectors import project_for

from .. import documents
from ..models import Incident, SafetyResponsibility, TrainingRecord
from . import selectors, services
from .forms import (
    IncidentFilterForm,
    IncidentForm,
    RosterFilterForm,
    RosterForm,
    TrainingFilterForm,
    TrainingForm,
)


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _organizations(project):
    return Organization.objects.filter(pk__in=[o.pk for o in services.project_organizations(project)]
                                       ).order_by("name")


def _context(request, project, section: str, **more) -> dict:
    return {"project": project, "tab": "quality", "part": "safety", "section": section,
            "counts": selectors.project_safety_counts(user=request.user, project=project), **more}


def _show(form, exc: ApplicationError) -> None:
    form_add_application_error(form, exc)
    if exc.extra and not form.non_field_errors() and not any(k in form.fields for k in exc.extra):
        form.add_error(None, exc.message)


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


# ------------------------------------------------------------------------------------------------------ roster
def _roster(request, project):
    form = RosterFilterForm(request.GET or None)
    return form, selectors.roster_list(user=request.user, project=project, filters=form.filters(),
                                       search=form.search())


@login_required
def project_safety(request, pk: int):
    """The project's safety responsibility roster (全员安全生产责任制)."""
    project = project_for(request.user, pk)
    form, lines = _roster(request, project)
    return render(request, "supervision/safety/roster.html", _context(
        request, project, "roster", form=form, page=paginate(request, lines), query=_query(request),
        may_keep=services.may_keep(request.user, project, SafetyResponsibility)))


@login_required
def project_safety_export(request, pk: int):
    project = project_for(request.user, pk)
    _form, lines = _roster(request, project)
    headers = [_("organisation"), _("position"), _("name"), _("phone"), _("since"), _("responsibilities")]
    return xlsx_response(table_xlsx(lines, title=_("Safety responsibility roster"), headers=headers, row=lambda r: [
        r.organization.name, str(r.get_role_display()), r.person_name, r.phone, r.since, r.duties]),
        "safety-roster")


@login_required
def roster_create(request, pk: int):
    project = project_for(request.user, pk)
    if not services.may_keep(request.user, project, SafetyResponsibility):
        raise PermissionDenied
    form = RosterForm(request.POST or None, organizations=_organizations(project),
                      initial={"since": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.responsibility_add(actor=request.user, project=project, **form.cleaned_data)
        except ApplicationError as exc:
            _show(form, exc)
        else:
            messages.success(request, _("Added to the roster."))
            return redirect("supervision:project-safety", project.pk)
    return render(request, "supervision/safety/form.html", _context(
        request, project, "roster", form=form, heading=_("Add to the safety responsibility roster")),
        status=400 if form.errors else 200)


@login_required
def roster_edit(request, pk: int):
    line = policy.get_or_404(request.user, SafetyResponsibility.objects.select_related("project"), pk=pk)
    policy.require(request.user, "change", line)
    project = line.project
    form = RosterForm(request.POST or None, instance=line, organizations=_organizations(project))
    if request.method == "POST" and form.is_valid():
        try:
            services.responsibility_update(actor=request.user, line=line, **form.cleaned_data)
        except ApplicationError as exc:
            _show(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("supervision:project-safety", project.pk)
    return render(request, "supervision/safety/form.html", _context(
        request, project, "roster", form=form, heading=str(line), history_of=line),
        status=400 if form.errors else 200)


# ------------------------------------------------------------------------------------------ trainings and drills
def _trainings(request, project):
    form = TrainingFilterForm(request.GET or None)
    return form, selectors.training_list(user=request.user, project=project, filters=form.filters(),
                                         search=form.search())


@login_required
def project_trainings(request, pk: int):
    project = project_for(request.user, pk)
    form, records = _trainings(request, project)
    return render(request, "supervision/safety/trainings.html", _context(
        request, project, "trainings", form=form, page=paginate(request, records), query=_query(request),
        may_keep=services.may_keep(request.user, project, TrainingRecord)))


@login_required
def project_trainings_export(request, pk: int):
    project = project_for(request.user, pk)
    _form, records = _trainings(request, project)
    headers = [_("held on"), _("kind"), _("topic"), _("organised by"), _("place"), _("trainer / commander"),
               _("hours"), _("number of attendees"), _("content / evaluation")]
    return xlsx_response(table_xlsx(records, title=_("Trainings and drills"), headers=headers, row=lambda t: [
        t.held_on, str(t.get_kind_display()), t.topic, t.organization.name, t.place, t.trainer, t.hours,
        t.attendee_count, t.summary]), "safety-trainings")


@login_required
def training_create(request, pk: int):
    project = project_for(request.user, pk)
    if not services.may_keep(request.user, project, TrainingRecord):
        raise PermissionDenied
    form = TrainingForm(request.POST or None, request.FILES or None, organizations=_organizations(project),
                        initial={"organization": request.user.organization_id, "held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            record = services.training_record(actor=request.user, project=project, **form.cleaned_data)
        except ApplicationError as exc:
            _show(form, exc)
        else:
            messages.success(request, _("Recorded."))
            return redirect(record)
    return render(request, "supervision/safety/form.html", _context(
        request, project, "trainings", form=form, heading=_("Record a training or drill"), multipart=True),
        status=400 if form.errors else 200)


@login_required
def training_detail(request, pk: int):
    record = policy.get_or_404(request.user, TrainingRecord.objects.select_related(
        "project", "project__owner", "organization", "recorded_by"), pk=pk)
    return render(request, "supervision/safety/training_detail.html", _context(
        request, record.project, "trainings", record=record,
        attendees=record.attendees.select_related("organization").order_by("organization__name", "username"),
        documents=documents.documents_of(record)))


# ---------------------------------------------------------------------------------------------------- incidents
def _incidents(request, project=None):
    form = IncidentFilterForm(request.GET or None)
    return form, selectors.incident_list(user=request.user, project=project, filters=form.filters(),
                                         search=form.search())


def _incidents_xlsx(incidents):
    headers = [_("occurred at"), _("project"), _("grade"), _("responsible unit"), _("location"), _("deaths"),
               _("seriously injured"), _("direct economic loss (yuan)"), _("what happened"), _("reported by")]
    return xlsx_response(table_xlsx(incidents, title=_("Incidents"), headers=headers, row=lambda i: [
        timezone.localtime(i.occurred_at).strftime("%Y-%m-%d %H:%M"), i.project.name, str(i.get_grade_display()),
        i.responsible.name, i.location, i.deaths, i.serious_injuries, i.direct_loss, i.description,
        i.reported_by.get_full_name()]), "incidents")


@login_required
def project_incidents(request, pk: int):
    project = project_for(request.user, pk)
    form, incidents = _incidents(request, project)
    return render(request, "supervision/safety/incidents.html", _context(
        request, project, "incidents", form=form, page=paginate(request, incidents), query=_query(request),
        may_keep=services.may_keep(request.user, project, Incident)))


@login_required
def project_incidents_export(request, pk: int):
    project = project_for(request.user, pk)
    _form, incidents = _incidents(request, project)
    return _incidents_xlsx(incidents)


@login_required
def incident_list(request):
    """Every incident the user may see, across projects."""
    form, incidents = _incidents(request)
    return render(request, "supervision/safety/incident_list.html", {
        "form": form, "page": paginate(request, incidents), "query": _query(request)})


@login_required
def incident_list_export(request):
    _form, incidents = _incidents(request)
    return _incidents_xlsx(incidents)


@login_required
def incident_create(request, pk: int):
    project = project_for(request.user, pk)
    if not services.may_keep(request.user, project, Incident):
        raise PermissionDenied
    form = IncidentForm(request.POST or None, request.FILES or None, organizations=_organizations(project))
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_report(actor=request.user, project=project, **form.cleaned_data)
        except ApplicationError as exc:
            _show(form, exc)
        else:
            messages.success(request, _("The incident is reported; the bureau was told."))
            return redirect(incident)
    return render(request, "supervision/safety/form.html", _context(
        request, project, "incidents", form=form, heading=_("Report an incident"), multipart=True),
        status=400 if form.errors else 200)


@login_required
def incident_detail(request, pk: int):
    incident = policy.get_or_404(request.user, Incident.objects.select_related(
        "project", "project__owner", "responsible", "reported_by"), pk=pk)
    return render(request, "supervision/safety/incident_detail.html", _context(
        request, incident.project, "incidents", incident=incident, documents=documents.documents_of(incident)))
