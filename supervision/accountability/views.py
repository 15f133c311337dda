"""Pages of accountability (追责): the list (every record the user may see), a record made by hand, one record
with its decisions, a project's records under its quality & safety tab, and a unit's record."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts.models import Organization
from portal.core import fsm, policy
from portal.core.errors import ApplicationError, ErrorCode
from portal.core.exports import EXPORT_MAX_ROWS, table_xlsx, xlsx_response
from portal.core.forms import form_add_application_error
from portal.core.services import today
from portal.core.views import move_buttons
from projects.selectors import project_for

from .. import documents
from ..models import AccountabilityRecord
from . import selectors, services
from .forms import CompleteForm, ConfirmForm, DismissForm, RecordCreateForm, RecordFilterForm

PAGE_SIZE = 50


def _listing(request, **scope) -> tuple[RecordFilterForm, Any]:
    form = RecordFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    return form, selectors.record_list(user=request.user, **filters, **scope)


def _list_context(request, records) -> dict:
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return {"page": page, "records": page.object_list, "counts": selectors.counts_by_state(records),
            "query": query.urlencode(), "export_max": EXPORT_MAX_ROWS}


def records_xlsx(records) -> bytes:
    headers = [_("record number"), _("unit held to account"), _("project"), _("measure"),
               _("reason for the proposal"), _("facts"), _("state"), _("reason for the decision"), _("decided"),
               _("fine (yuan)"), _("barred from awards until"), _("to be carried out by"), _("carried out")]
    return table_xlsx(records, title=_("Accountability"), headers=headers, row=lambda r: [
        r.number, r.organization.name, r.project.name if r.project_id else "", r.get_kind_display(),
        r.get_trigger_display(), r.facts, r.get_state_display(), r.decision_reason,
        r.decided_at.date() if r.decided_at else None, r.fine_amount, r.bars_bidding_until, r.due_on,
        r.completed_at.date() if r.completed_at else None])


@login_required
def record_list(request):
    form, records = _listing(request)
    return render(request, "supervision/accountability/list.html", {
        "form": form, "may_create": request.user.has_perm("supervision.add_accountabilityrecord"),
        **_list_context(request, records)})


@login_required
def record_export(request):
    _form, records = _listing(request)
    return xlsx_response(records_xlsx(records), "accountability")


@login_required
def project_records(request, pk: int):
    project = project_for(request.user, pk)
    form, records = _listing(request, project_id=project.pk)
    return render(request, "supervision/accountability/project_list.html", {
        "project": project, "part": "accountability", "form": form, **_list_context(request, records)})


@login_required
def unit_record(request, pk: int):
    """A unit's record: its confirmed accountability records (the unit's own users and the bureau see it)."""
    unit = policy.get_or_404(request.user, Organization, pk=pk)
    records = selectors.unit_record(organization_id=unit.pk)
    return render(request, "supervision/accountability/unit_record.html", {
        "unit": unit, "records": records,
        "barred_until": selectors.barred_until(organization_id=unit.pk, on=today())})


@login_required
def record_create(request):
    if not request.user.has_perm("supervision.add_accountabilityrecord"):
        raise PermissionDenied
    form = RecordCreateForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = services.record_create(
                actor=request.user, organization=data["organization"], project=data["project"], kind=data["kind"],
                facts=data["facts"], fine_amount=data["fine_amount"], due_on=data["due_on"],
                bars_bidding_until=data["bars_bidding_until"])
        except ApplicationError as exc:
            form_add_application_error(form, exc)
            status = exc.http_status
        else:
            messages.success(request, _("Record %(number)s was proposed; confirm it to put it on the unit's record.")
                             % {"number": record.number})
            return redirect(record)
    if form.errors and status == 200:
        status = 400
    return render(request, "supervision/accountability/form.html", {"form": form}, status=status)


def _get(request, pk: int) -> AccountabilityRecord:
    return policy.get_or_404(request.user, AccountabilityRecord.objects.select_related(
        "organization", "project", "hazard", "sample", "incident", "proposed_by", "decided_by"), pk=pk)


@login_required
def record_detail(request, pk: int):
    record = _get(request, pk)
    offered = fsm.available(record, request.user)
    return render(request, "supervision/accountability/detail.html", {
        "record": record, "documents": documents.documents_of(record),
        "hazard_visible": record.hazard_id is not None and policy.can(request.user, "view", record.hazard),
        "moves": move_buttons(offered, lambda name: reverse("supervision:accountability-move",
                                                            args=[record.pk, name]),
                              with_form=("confirm", "dismiss", "complete"))})


def _confirm(user, record, d):
    return services.record_confirm(actor=user, record=record, reason=d["reason"], kind=d["kind"],
                                   fine_amount=d["fine_amount"], due_on=d["due_on"],
                                   bars_bidding_until=d["bars_bidding_until"], version=d.get("version"))


MOVES: dict[str, tuple[type, Callable[[Any, AccountabilityRecord, dict], Any], Any]] = {
    "confirm": (ConfirmForm, _confirm, gettext_lazy("The record was confirmed and put on the unit's record.")),
    "dismiss": (DismissForm, lambda u, r, d: services.record_dismiss(actor=u, record=r, reason=d["reason"],
                                                                     version=d.get("version")),
                gettext_lazy("The proposal was dismissed.")),
    "complete": (CompleteForm, lambda u, r, d: services.record_complete(
        actor=u, record=r, note=d["completion_note"], files=d["files"], version=d.get("version")),
        gettext_lazy("The measure was recorded as carried out.")),
}


@login_required
def record_move(request, pk: int, move: str):
    if move not in MOVES:
        raise Http404
    record = _get(request, pk)
    fsm.require_move_permission(record, move, request.user)
    form_class, run, done = MOVES[move]
    initial = {"version": record.version, "kind": record.kind, "fine_amount": record.fine_amount,
               "due_on": record.due_on, "bars_bidding_until": record.bars_bidding_until}
    form = form_class(request.POST if request.method == "POST" else None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            run(request.user, record, form.cleaned_data)
        except ApplicationError as exc:
            form_add_application_error(form, exc)
            if exc.code in (ErrorCode.STALE, ErrorCode.INVALID_TRANSITION) or not exc.extra:
                form.add_error(None, exc.message)
            status = exc.http_status
        else:
            messages.success(request, str(done))
            return redirect(record)
    if form.errors and status == 200:
        status = 400
    return render(request, "supervision/accountability/move.html", {
        "record": record, "form": form, "transition": record.workflow.transitions[move], "move": move},
        status=status)
