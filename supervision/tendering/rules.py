"""Who may be awarded a lot, as pure rules over what is read once: the lot page, the API and the award service all
ask here, so every door refuses the same units with the same words.

A unit may not be awarded a lot when (in this order):
- it holds no live qualification of the lot's kind, or every one it holds has expired by the award day, or the
  best unexpired one is of a lower grade than the lot asks (a higher grade may take a lower lot);
- it is blacklisted or listed as dishonest (the organisation's credit standing, `portal.accounts`);
- a confirmed accountability record bars it from bidding on the award day (a sanction period,
  `supervision.accountability.selectors.barred_until`)."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from portal.accounts.models import CreditStanding, Organization

from ..models import GRADE_RANK, Qualification, QualificationGrade, QualificationKind, TenderLot

BARRED_STANDINGS = (CreditStanding.BLACKLISTED, CreditStanding.DISHONEST)


@dataclass(frozen=True)
class UnitStanding:
    """What the award rules need to know of one unit, read once."""

    organization: Organization
    qualifications: tuple[Qualification, ...]  # live ones, any kind
    barred_until: datetime.date | None


def unit_standing(organization: Organization, on: datetime.date) -> UnitStanding:
    from ..accountability.selectors import barred_until

    quals = tuple(Qualification.objects.filter(organization=organization, voided_at__isnull=True))
    return UnitStanding(organization, quals, barred_until(organization_id=organization.pk, on=on))


def qualification_refusal(lot: TenderLot, quals: tuple[Qualification, ...], on: datetime.date) -> str | None:
    """Why the unit's qualifications do not fit the lot, or None."""
    kind_label = QualificationKind(lot.required_kind).label
    grade_label = QualificationGrade(lot.required_grade).label
    of_kind = [q for q in quals if q.kind == lot.required_kind]
    if not of_kind:
        return _("The unit holds no %(kind)s qualification.") % {"kind": kind_label}
    valid = [q for q in of_kind if q.expires_on >= on]
    if not valid:
        last = max(q.expires_on for q in of_kind)
        return _("The unit's %(kind)s qualification expired on %(date)s.") % {"kind": kind_label,
                                                                              "date": last.isoformat()}
    best = max(valid, key=lambda q: q.rank)
    if best.rank < GRADE_RANK[QualificationGrade(lot.required_grade)]:
        return _("The unit's %(kind)s qualification is %(held)s; the lot requires at least %(grade)s.") % {
            "kind": kind_label, "held": QualificationGrade(best.grade).label, "grade": grade_label}
    return None


def award_refusals(lot: TenderLot, standing: UnitStanding, on: datetime.date) -> list[str]:
    """Every reason the unit may not be awarded `lot` on day `on` (empty: it may)."""
    reasons = []
    if (why := qualification_refusal(lot, standing.qualifications, on)) is not None:
        reasons.append(why)
    org = standing.organization
    if org.credit_standing in BARRED_STANDINGS:
        reasons.append(_("The unit is listed as %(standing)s and may not be awarded a lot.")
                       % {"standing": CreditStanding(org.credit_standing).label})
    if standing.barred_until is not None:
        reasons.append(_("The unit is in a sanction period and barred from bidding until %(date)s.")
                       % {"date": standing.barred_until.isoformat()})
    return reasons


def days_left(expires_on: datetime.date, today: datetime.date) -> int:
    return (expires_on - today).days


REMINDER_THRESHOLDS = (60, 30, 7, 0)  # days before expiry at which the holder is told, once each


def reminder_threshold(expires_on: datetime.date, today: datetime.date) -> int | None:
    """The reminder due for a certificate expiring on `expires_on`: the smallest threshold reached (60, 30, 7 or
    0 days left), None when more than 60 days are left or it expired more than a week ago."""
    left = days_left(expires_on, today)
    if left > REMINDER_THRESHOLDS[0] or left < -7:
        return None
    return min(t for t in REMINDER_THRESHOLDS if left <= t)
