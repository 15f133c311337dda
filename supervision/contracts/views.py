"""Pages of contracts: the bureau's contract list (filters, search, Excel), a project's contracts, one contract with
its terms and versioned documents, recording and changing one, completing and terminating it. Access goes through
`portal.core.policy`; each write is one service call whose refusal is shown on the form, nothing changed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.core import fsm, policy
from portal.core.errors import ApplicationError
from portal.core.exports import table_xlsx, xlsx_response
from portal.core.forms import ReasonForm, form_add_application_error
from portal.core.uploads import file_response
from portal.core.views import move_buttons
from projects.selectors import project_for

from ..models import Contract, ContractDocument
from ..tendering.selectors import awarded_lots
from . import selectors, services
from .forms import ContractFilterForm, ContractForm, DocumentForm

PAGE_SIZE = 50


def _filtered(request, project_id=None):
    form = ContractFilterForm(request.GET or None)
    return form, selectors.contract_list(user=request.user, project_id=project_id, **form.filters())


def _export(qs):
    content = table_xlsx(qs, title=_("Contracts"), headers=[
        _("Contract number"), _("Title"), _("Project"), _("Lot"), _("Employer (party A)"),
        _("Contractor (party B)"), _("Contract amount (yuan)"), _("Advance (%)"), _("Retention (%)"),
        _("Start"), _("Finish"), _("Signed on"), _("State")],
        row=lambda c: [c.number, c.title, c.project.name, c.lot.code if c.lot_id else "", c.employer.name,
                       c.contractor.name, c.amount, c.advance_share, c.retention_share, c.start_on, c.finish_on,
                       c.signed_on, c.get_state_display()])
    return xlsx_response(content, "contracts")


@login_required
def contract_list(request):
    """Every user may open it; it lists the contracts of the projects they may see."""
    form, qs = _filtered(request)
    return render(request, "supervision/contracts/contract_list.html", {
        "form": form, "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))})


@login_required
def contract_export(request):
    return _export(_filtered(request)[1])


@login_required
def project_contracts(request, pk: int):
    project = project_for(request.user, pk)
    form, qs = _filtered(request, project.pk)
    return render(request, "supervision/contracts/project_contracts.html", {
        "project": project, "tab": "quality", "part": "contracts", "form": form,
        "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
        "may_add": policy.can(request.user, "manage", project)})


@login_required
def project_contracts_export(request, pk: int):
    project = project_for(request.user, pk)
    return _export(_filtered(request, project.pk)[1])


def _form_page(request, form, save, context: dict, done):
    if request.method == "POST" and form.is_valid():
        try:
            obj = save(form.cleaned_data)
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(done(obj))
    return render(request, "supervision/contracts/contract_form.html", {"form": form, "tab": "quality",
                                                                         "part": "contracts", **context})


@login_required
def contract_create(request, pk: int):
    project = project_for(request.user, pk, "manage")
    form = ContractForm(request.POST or None, lots=awarded_lots(project_id=project.pk),
                        initial={"employer": project.owner_id})
    return _form_page(request, form, lambda data: services.contract_create(
        actor=request.user, project=project, **{k: v for k, v in data.items() if k != "version"}),
        {"project": project, "title": _("Record a contract")}, lambda c: c.get_absolute_url())


def _contract(request, pk: int, action: str | None = None) -> Contract:
    contract = policy.get_or_404(request.user, Contract.objects.select_related(
        "project", "employer", "contractor", "lot", "created_by"), pk=pk)
    if action:
        policy.require(request.user, action, contract)
    return contract


@login_required
def contract_detail(request, pk: int):
    contract = _contract(request, pk)
    urls = {"complete": reverse("supervision:contract-complete", args=[contract.pk]),
            "terminate": reverse("supervision:contract-terminate", args=[contract.pk])}
    may_change = policy.can(request.user, "change", contract)
    return render(request, "supervision/contracts/contract_detail.html", {
        "project": contract.project, "tab": "quality", "part": "contracts", "contract": contract,
        "documents": selectors.contract_documents(contract=contract), "may_change": may_change,
        "buttons": move_buttons(fsm.available(contract, request.user), urls.get, with_form=["terminate"]),
        "document_form": DocumentForm() if may_change and contract.is_open else None})


@login_required
def contract_edit(request, pk: int):
    contract = _contract(request, pk, "change")
    initial = {f: getattr(contract, f) for f in services.TERM_FIELDS} | {"version": contract.version}
    form = ContractForm(request.POST or None, initial=initial,
                        lots=awarded_lots(project_id=contract.project_id))
    return _form_page(request, form, lambda data: services.contract_update(
        actor=request.user, contract=contract, **{k: v for k, v in data.items() if k != "employer" or v}),
        {"project": contract.project, "contract": contract, "title": _("Edit contract")},
        lambda c: c.get_absolute_url())


@login_required
@require_POST
def contract_complete(request, pk: int):
    contract = _contract(request, pk)
    fsm.require_move_permission(contract, "complete", request.user)
    try:
        services.contract_complete(actor=request.user, contract=contract,
                                   version=request.POST.get("version") or None)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The contract is completed."))
    return redirect(contract.get_absolute_url())


@login_required
def contract_terminate(request, pk: int):
    contract = _contract(request, pk)
    fsm.require_move_permission(contract, "terminate", request.user)
    form = ReasonForm(request.POST or None)
    return _form_page(request, form, lambda data: services.contract_terminate(
        actor=request.user, contract=contract, reason=data["reason"], version=request.POST.get("version") or None),
        {"project": contract.project, "contract": contract, "title": _("Terminate the contract"),
         "version": contract.version}, lambda c: c.get_absolute_url())


@login_required
@require_POST
def contract_document_add(request, pk: int):
    contract = _contract(request, pk, "change")
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            data = form.cleaned_data
            doc = services.contract_document_add(actor=request.user, contract=contract, title=data["title"],
                                                 upload=data["file"], note=data["note"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(title)s version %(version)s added.") % {"title": doc.title,
                                                                                  "version": doc.version})
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(contract.get_absolute_url())


@login_required
def contract_document(request, pk: int):
    """Download one version of a contract's document: whoever may see the contract."""
    doc = policy.get_or_404(request.user, ContractDocument.objects.select_related("contract"), pk=pk)
    return file_response(doc.file, doc.original_name, doc.content_type)
