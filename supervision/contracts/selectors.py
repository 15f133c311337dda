"""Contracts as other parts and apps read them — funding pays against these terms and never reaches into the
models."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

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
