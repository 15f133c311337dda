"""Contracts as other parts and apps read them — funding pays against these terms and never reaches into the
models."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from portal.core import policy

from ..models import Contract


@dataclass(frozen=True)
class ContractTerms:
    contract_id: int
    number: str
    project_id: int
    employer_id: int
    contractor_id: int
    amount: Decimal
    advance_share: Decimal  # %
    retention_share: Decimal  # %
    payment_share: Decimal  # %
    delay_penalty_per_day: Decimal
    start_on: datetime.date
    finish_on: datetime.date
    signed_on: datetime.date
    state: str

    @property
    def advance_amount(self) -> Decimal:
        return (self.amount * self.advance_share / 100).quantize(Decimal("0.01"))

    @property
    def retention_amount(self) -> Decimal:
        return (self.amount * self.retention_share / 100).quantize(Decimal("0.01"))


def terms_of(contract: Contract) -> ContractTerms:
    return ContractTerms(
        contract_id=contract.pk, number=contract.number, project_id=contract.project_id,
        employer_id=contract.employer_id, contractor_id=contract.contractor_id, amount=contract.amount,
        advance_share=contract.advance_share, retention_share=contract.retention_share,
        payment_share=contract.payment_share, delay_penalty_per_day=contract.delay_penalty_per_day,
        start_on=contract.start_on, finish_on=contract.finish_on, signed_on=contract.signed_on,
        state=contract.state)


def project_contracts(*, project_id: int) -> QuerySet[Contract]:
    """The project's live contracts (not voided), by number."""
    return (Contract.objects.filter(project_id=project_id, voided_at__isnull=True)
            .select_related("employer", "contractor", "lot").order_by("number", "id"))


def contract_terms(*, contract_id: int) -> ContractTerms | None:
    """The terms of a live contract, or None."""
    contract = Contract.objects.filter(pk=contract_id, voided_at__isnull=True).first()
    return terms_of(contract) if contract else None


def contract_list(*, user, search: str = "", state: str = "", kind: str = "",
                  project_id: int | None = None) -> QuerySet[Contract]:
    """The live contracts `user` may see (those of the projects they see), newest signing first."""
    qs = policy.visible(user, Contract.objects.filter(voided_at__isnull=True)).select_related(
        "project", "employer", "contractor", "lot")
    if project_id is not None:
        qs = qs.filter(project_id=project_id)
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if search:
        qs = qs.filter(Q(number__icontains=search) | Q(title__icontains=search) | Q(project__name__icontains=search)
                       | Q(contractor__name__icontains=search) | Q(employer__name__icontains=search))
    return qs.order_by("-signed_on", "number", "id")


def contract_documents(*, contract: Contract) -> QuerySet:
    """The contract's documents, each title's newest version first."""
    return contract.documents.select_related("uploaded_by").order_by("title", "-version", "id")
