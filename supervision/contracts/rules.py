"""The terms a contract may carry, as pure rules the services, the pages and the API share: each refusal names its
field, so the form and the API's 400 point at the same input.

- the amount: above zero, at most two decimals (fen);
- the advance (预付款): none, or 10–30 % of the amount;
- the retention (质保金): at most 3 % (建质〔2017〕138号);
- the progress payment share: 60–100 % (≥ 80 % expected for government-invested contracts from 2022-08-01);
- the period: the finish not before the start; the defects period 1–24 months;
- a contract on a lot: the lot is the project's and awarded, and the contractor is the unit it was awarded to."""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from ..models import ADVANCE_MAX, ADVANCE_MIN, RETENTION_MAX, LotState

PERCENT_FIELDS = ("advance_share", "retention_share", "payment_share", "delay_penalty_cap")
MONEY_FIELDS = ("amount", "delay_penalty_per_day")


def decimal_of(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def term_refusals(terms: dict[str, Any]) -> dict[str, list[str]]:
    """{field: [reason]} for every term of `terms` (a contract's fields, as given) the rules refuse."""
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for field in (*MONEY_FIELDS, *PERCENT_FIELDS):
        if field not in terms:
            continue
        value = decimal_of(terms[field])
        if value is None:
            if field == "amount" or terms[field] not in (None, ""):
                refuse(field, _("Enter a number."))
            continue
        if value < 0:
            refuse(field, _("The value may not be negative."))
        elif value != value.quantize(Decimal("0.01")):
            refuse(field, _("At most two decimals."))
    amount = decimal_of(terms.get("amount"))
    if "amount" in terms and amount is not None and amount == 0:
        refuse("amount", _("The contract amount must be above zero."))
    advance = decimal_of(terms.get("advance_share"))
    if advance is not None and advance != 0 and not ADVANCE_MIN <= advance <= ADVANCE_MAX:
        # xgettext:no-python-format  (the % is a per cent sign)
        refuse("advance_share", _("The advance is either none (0) or 10–30 % of the contract amount."))
    retention = decimal_of(terms.get("retention_share"))
    if retention is not None and retention > RETENTION_MAX:
        # xgettext:no-python-format  (the % is a per cent sign)
        refuse("retention_share", _("The retention may be at most 3 % of the contract amount."))
    payment = decimal_of(terms.get("payment_share"))
    if payment is not None and not Decimal("60") <= payment <= Decimal("100"):
        refuse("payment_share", _("The progress payment share is 60–100 %."))
    cap = decimal_of(terms.get("delay_penalty_cap"))
    if cap is not None and cap > 100:
        refuse("delay_penalty_cap", _("The cap is a share of the amount: at most 100 %."))
    start, finish = terms.get("start_on"), terms.get("finish_on")
    if isinstance(start, datetime.date) and isinstance(finish, datetime.date) and finish < start:
        refuse("finish_on", _("The finish may not be before the start."))
    return errors


def lot_refusal(lot, project_id: int, contractor_id: int | None) -> str | None:
    """Why a contract of `project_id` with `contractor_id` may not be signed on `lot` (None: it may)."""
    if lot is None:
        return None
    if lot.project_id != project_id or lot.voided_at is not None:
        return _("Choose a lot of this project.")
    if lot.state != LotState.AWARDED:
        return _("A contract is signed on an awarded lot only.")
    if contractor_id is not None and lot.awarded_to_id != contractor_id:
        return _("The lot was awarded to %(unit)s: the contractor must be that unit.") % {
            "unit": lot.awarded_to.name if lot.awarded_to_id else "—"}
    return None
