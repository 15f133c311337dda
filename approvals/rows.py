"""Rows of the approvals tables, shared by the approvals pages and the approvals card of the home pages."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from . import selectors
from .models import ApprovalCase, ItemReview


def case_rows(cases: Iterable[ApprovalCase], today: datetime.date) -> list[tuple[ApprovalCase, str, str]]:
    """(case, light, holder) for a page of cases; reads only what `selectors.case_list` prefetched."""
    return [(c, selectors.case_light(c, today), selectors.case_holder(c)) for c in cases]


@dataclass(frozen=True)
class ReviewRow:
    """An item review as a table row: its light and working days left, computed once for today."""

    review: ItemReview
    light: str
    left: int | None

    @property
    def overdue_by(self) -> int:
        return -self.left if self.left is not None and self.left < 0 else 0


def review_rows(reviews: Iterable[ItemReview], today: datetime.date) -> list[ReviewRow]:
    return [ReviewRow(r, r.light(today), r.workdays_left(today)) for r in reviews]
