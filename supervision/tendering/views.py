"""Pages of tendering and qualifications: the bureau's qualification and certificate registers (with the expiring
list and the Excel export), an organisation's qualifications, a project's lots, a lot with its bids, award and
cancellation. Access goes through `portal.core.policy`; each write is one service call whose refusal is shown on
the form, nothing changed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.accounts.models import Organization
from portal.core import fsm, policy
from portal.core.errors import ApplicationError
from portal.core.exports import table_xlsx, xlsx_response
from portal.core.forms import ReasonForm, form_add_application_error
from portal.core.views import move_buttons
from projects.selectors import project_for

from ..models import CertificateKind, LotState, PersonCertificate, Qualification, QualificationKind, TenderLot
from . import selectors, services
from .forms import BidForm, CertificateForm, FilterForm, LotForm, QualificationForm

PAGE_SIZE = 50


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _quality_tab(project, **context) -> dict:
    return {"project": project, "tab": "quality", **context}


# ------------------------------------------------------------------------------------ qualifications (bureau)
def _qualification_filters(request):
    form = FilterForm(request.GET or None, kinds=QualificationKind.choices)
    return form, selectors.qualification_list(user=request.user, **form.filters())


@login_required
def qualification_list(request):
    """Every user may open it; it lists the qualifications they may see (the bureau all, a company its own)."""
    form, qs = _qualification_filters(request)
    return render(request, "supervision/tendering/qualification_list.html", {
        "form": form, "page": _page(request, qs), "may_add": request.user.has_perm("supervision.add_qualification")})


@login_required
def qualification_export(request):
    _form, qs = _qualification_filters(request)
    content = table_xlsx(qs, title=_("Qualifications"), headers=[
        _("Organisation"), _("Qualification"), _("Grade"), _("Certificate number"), _("Issued by"),
        _("Expires on")], row=lambda q: [q.organization.name, q.get_kind_display(), q.get_grade_display(),
                                         q.certificate_number, q.issuer, q.expires_on])
    return xlsx_response(content, "qualifications")


def _save_form(request, form, save, template: str, context: dict, done):
    """Validate `form` on POST and call `save(cleaned_data)`; its refusal goes on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            obj = save(form.cleaned_data)
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(done(obj))
    return render(request, template, {"form": form, **context})


@login_required
def qualification_create(request):
    if not request.user.has_perm("supervision.add_qualification"):
        raise PermissionDenied
    form = QualificationForm(request.POST or None)
    return _save_form(request, form, lambda data: services.qualification_create(actor=request.user, **data),
                      "supervision/tendering/form.html", {"title": _("Record a qualification"), "cancel": reverse("supervision:qualification-list")},
                      lambda q: reverse("supervision:qualification-list"))


@login_required
def qualification_edit(request, pk: int):
    q = policy.get_or_404(request.user, Qualification.objects.select_related("organization"), pk=pk)
    policy.require(request.user, "change", q)
    initial = {f: getattr(q, f) for f in services.QUALIFICATION_FIELDS}
    form = QualificationForm(request.POST or None, initial=initial, editing=True)
    return _save_form(request, form,
                      lambda data: services.qualification_update(actor=request.user, qualification=q, **data),
                      "supervision/tendering/form.html",
                      {"title": _("Edit qualification"), "subtitle": q.organization.name,
                       "cancel": reverse("supervision:qualification-list")},
                      lambda q: reverse("supervision:qualification-list"))


@login_required
def expiring_list(request):
    """Qualifications and certificates expiring within 60 days (or expired), soonest first."""
    quals, certs = selectors.expiring(user=request.user)
    return render(request, "supervision/tendering/expiring.html", {
        "qualifications": quals[:200], "certificates": certs[:200]})


# -------------------------------------------------------------------------------------------- certificates
def _certificate_filters(request):
    form = FilterForm(request.GET or None, kinds=CertificateKind.choices)
    return form, selectors.certificate_list(user=request.user, **form.filters())


@login_required
def certificate_list(request):
    form, qs = _certificate_filters(request)
    return render(request, "supervision/tendering/certificate_list.html", {
        "form": form, "page": _page(request, qs),
        "may_add": request.user.has_perm("supervision.add_personcertificate")})


@login_required
def certificate_export(request):
    _form, qs = _certificate_filters(request)
    content = table_xlsx(qs, title=_("Personal certificates"), headers=[
        _("Organisation"), _("Holder"), _("Certificate"), _("Grade / specialty"), _("Certificate number"),
        _("Expires on")], row=lambda c: [c.organization.name, c.person_name, c.get_kind_display(), c.grade,
                                         c.certificate_number, c.expires_on])
    return xlsx_response(content, "certificates")


@login_required
def certificate_create(request):
    if not request.user.has_perm("supervision.add_personcertificate"):
        raise PermissionDenied
    form = CertificateForm(request.POST or None)
    return _save_form(request, form, lambda data: services.certificate_create(actor=request.user, **data),
                      "supervision/tendering/form.html", {"title": _("Record a certificate"), "cancel": reverse("supervision:certificate-list")},
                      lambda c: reverse("supervision:certificate-list"))


@login_required
def certificate_edit(request, pk: int):
    c = policy.get_or_404(request.user, PersonCertificate.objects.select_related("organization"), pk=pk)
    policy.require(request.user, "change", c)
    initial = {f: getattr(c, f) for f in services.CERTIFICATE_FIELDS}
    form = CertificateForm(request.POST or None, initial=initial, organization=c.organization)
    return _save_form(request, form,
                      lambda data: services.certificate_update(actor=request.user, certificate=c, **data),
                      "supervision/tendering/form.html",
                      {"title": _("Edit certificate"), "subtitle": c.organization.name,
                       "cancel": reverse("supervision:certificate-list")},
                      lambda c: reverse("supervision:certificate-list"))


@login_required
def organization_qualifications(request, pk: int):
    """An organisation's qualifications and its people's certificates: the bureau any, a company its own."""
    org = policy.get_or_404(request.user, Organization, pk=pk)
    return render(request, "supervision/tendering/organization.html", {
        "organization": org,
        "qualifications": selectors.qualification_list(user=request.user, organization_id=org.pk),
        "certificates": selectors.certificate_list(user=request.user, organization_id=org.pk)})


# ---------------------------------------------------------------------------------------------------- lots
@login_required
def project_lots(request, pk: int):
    project = project_for(request.user, pk)
    state = request.GET.get("state", "")
    state = state if state in LotState.values else ""
    search = request.GET.get("q", "").strip()[:100]
    lots = selectors.project_lots(user=request.user, project_id=project.pk, state=state, search=search)
    return render(request, "supervision/tendering/project_lots.html", _quality_tab(
        project, part="lots", page=_page(request, lots), states=LotState.choices, state=state, q=search,
        may_add=policy.can(request.user, "manage", project)))


@login_required
def project_lots_export(request, pk: int):
    project = project_for(request.user, pk)
    lots = selectors.project_lots(user=request.user, project_id=project.pk)
    content = table_xlsx(lots, title=_("Lots"), headers=[
        _("Lot number"), _("Lot name"), _("Required qualification"), _("Minimum grade"),
        _("Estimated amount (yuan)"), _("State"), _("Awarded to"), _("Award amount (yuan)")],
        row=lambda lot: [lot.code, lot.name, lot.get_required_kind_display(), lot.get_required_grade_display(),
                         lot.estimated_amount, lot.get_state_display(),
                         lot.awarded_to.name if lot.awarded_to_id else "", lot.awarded_amount])
    return xlsx_response(content, "lots")


@login_required
def lot_create(request, pk: int):
    project = project_for(request.user, pk, "manage")
    form = LotForm(request.POST or None)
    return _save_form(request, form, lambda data: services.lot_create(
        actor=request.user, project=project, **{k: v for k, v in data.items() if k != "version"}),
        "supervision/tendering/lot_form.html", _quality_tab(project, part="lots", title=_("New lot")),
        lambda lot: lot.get_absolute_url())


def _lot(request, pk: int, action: str | None = None) -> TenderLot:
    lot = policy.get_or_404(request.user, TenderLot.objects.select_related("project", "awarded_to"), pk=pk)
    if action:
        policy.require(request.user, action, lot)
    return lot


@login_required
def lot_detail(request, pk: int):
    lot = _lot(request, pk)
    bids = list(selectors.lot_bids(lot=lot))
    may_change = policy.can(request.user, "change", lot)
    refusals = {}
    if may_change and lot.state == LotState.OPEN:
        refusals = {bid.pk: services.award_refusals(lot, bid.organization) for bid in bids}
    buttons = move_buttons(fsm.available(lot, request.user),
                           lambda name: reverse("supervision:lot-cancel", args=[lot.pk]) if name == "cancel" else None,
                           with_form=["cancel"])
    return render(request, "supervision/tendering/lot_detail.html", _quality_tab(
        lot.project, part="lots", lot=lot, bids=bids, refusals=refusals, buttons=buttons, may_change=may_change,
        may_award=fsm.workflow_of(lot).can_move(lot, "award", request.user),
        bid_form=BidForm() if may_change and lot.state == LotState.OPEN else None))


@login_required
def lot_edit(request, pk: int):
    lot = _lot(request, pk, "change")
    initial = {f: getattr(lot, f) for f in services.LOT_FIELDS} | {"version": lot.version}
    form = LotForm(request.POST or None, initial=initial)
    return _save_form(request, form, lambda data: services.lot_update(actor=request.user, lot=lot, **data),
                      "supervision/tendering/lot_form.html",
                      _quality_tab(lot.project, part="lots", lot=lot, title=_("Edit lot")),
                      lambda lot: lot.get_absolute_url())


@login_required
def lot_bid_add(request, pk: int):
    lot = _lot(request, pk, "change")
    form = BidForm(request.POST or None)
    return _save_form(request, form, lambda data: services.bid_add(actor=request.user, lot=lot, **data),
                      "supervision/tendering/lot_form.html",
                      _quality_tab(lot.project, part="lots", lot=lot, title=_("Record a bid")),
                      lambda bid: lot.get_absolute_url())


@login_required
@require_POST
def lot_award(request, pk: int):
    """Award the lot to the bid posted (with the version read): a refusal is shown on the lot's page."""
    lot = _lot(request, pk)
    fsm.require_move_permission(lot, "award", request.user)
    bid_id = request.POST.get("bid", "")
    bid = lot.bids.select_related("organization").filter(pk=bid_id).first() if bid_id.isdigit() else None
    try:
        services.lot_award(actor=request.user, lot=lot, bid=bid, version=request.POST.get("version") or None)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The lot was awarded."))
    return redirect(lot.get_absolute_url())


@login_required
def lot_cancel(request, pk: int):
    lot = _lot(request, pk)
    fsm.require_move_permission(lot, "cancel", request.user)
    form = ReasonForm(request.POST or None)
    return _save_form(request, form, lambda data: services.lot_cancel(
        actor=request.user, lot=lot, reason=data["reason"], version=request.POST.get("version") or None),
        "supervision/tendering/lot_form.html",
        _quality_tab(lot.project, part="lots", lot=lot, title=_("Cancel the lot"), version=lot.version),
        lambda lot: lot.get_absolute_url())
