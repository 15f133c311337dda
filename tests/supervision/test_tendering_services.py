"""Tendering: qualifications and certificates, lots, bids, the award's refusals and the expiry reminders."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.accounts.models import CreditStanding, Organization, User
from portal.audit.models import AuditEvent
from portal.core.errors import ApplicationError
from portal.core.services import today
from portal.notifications.models import Notification
from projects.models import Project
from supervision.models import (
    AccountabilityRecord,
    AccountabilityState,
    Bid,
    CertificateKind,
    LotState,
    MeasureKind,
    PersonCertificate,
    Qualification,
    QualificationGrade,
    QualificationKind,
    TenderLot,
    Trigger,
)
from supervision.tendering import rules, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(owner):
    return Project.objects.get(name="杭温高速铁路义乌至温州段")


@pytest.fixture
def owner2():
    return User.objects.get(username="owner2")


@pytest.fixture
def bidder():
    """海川隧道 with no qualification but the ones a test gives it."""
    org = Organization.objects.get(name="海川隧道工程有限公司")
    Qualification.objects.filter(organization=org).update(voided_at=timezone.now())
    return org


def qualify(org, *, kind=QualificationKind.RAILWAY, grade=QualificationGrade.FIRST, days=400, number=None):
    return Qualification.objects.create(organization=org, kind=kind, grade=grade,
                                        certificate_number=number or f"T{org.pk}{kind}{grade}{days}",
                                        expires_on=today() + datetime.timedelta(days=days))


@pytest.fixture
def lot(project, owner):
    return services.lot_create(actor=owner, project=project, code="T-SG-99", name="试验标段", scope="",
                               estimated_amount="1200000.00", required_kind=QualificationKind.RAILWAY,
                               required_grade=QualificationGrade.FIRST)


def bid_of(lot, org, amount="1000000.00"):
    return Bid.objects.create(lot=lot, organization=org, amount=Decimal(amount))


def test_a_qualified_bidder_is_awarded_the_lot_once(lot, owner, bidder):
    qualify(bidder, grade=QualificationGrade.SPECIAL)  # a higher grade takes a lower lot
    bid = bid_of(lot, bidder)
    awarded = services.lot_award(actor=owner, lot=lot, bid=bid, version=1)
    assert awarded.state == LotState.AWARDED and awarded.awarded_to == bidder
    assert awarded.awarded_amount == Decimal("1000000.00") and awarded.version == 2
    assert AuditEvent.objects.filter(object_id=str(lot.pk), content_type__model="tenderlot",
                                     action="transition").count() == 1
    with pytest.raises(ApplicationError) as again:
        services.lot_award(actor=owner, lot=lot, bid=bid)
    assert again.value.code == "invalid_transition"


@pytest.mark.parametrize(("setup", "reason"), [
    (lambda org: None, "The unit holds no Railway works general contracting qualification."),
    (lambda org: qualify(org, days=-1), "The unit's Railway works general contracting qualification expired on"),
    (lambda org: qualify(org, grade=QualificationGrade.SECOND),
     "The unit's Railway works general contracting qualification is Grade 2 / B; the lot requires at least "
     "Grade 1 / A."),
])
def test_an_unqualified_bidder_is_refused_naming_the_bid(lot, owner, bidder, setup, reason, settings):
    settings.LANGUAGE_CODE = "en"
    setup(bidder)
    bid = bid_of(lot, bidder)
    with pytest.raises(ApplicationError) as refused:
        services.lot_award(actor=owner, lot=lot, bid=bid, version=1)
    assert refused.value.extra["bid"][0].startswith(reason)
    lot.refresh_from_db()
    assert lot.state == LotState.OPEN and lot.awarded_to is None and lot.version == 1


def test_a_blacklisted_or_sanctioned_bidder_is_refused(lot, owner, bidder, staff):
    qualify(bidder)
    Organization.objects.filter(pk=bidder.pk).update(credit_standing=CreditStanding.BLACKLISTED)
    bidder.refresh_from_db()
    until = today() + datetime.timedelta(days=90)
    AccountabilityRecord.objects.create(
        project=lot.project, organization=bidder, kind=MeasureKind.values[0], trigger=Trigger.values[0],
        facts="test", state=AccountabilityState.CONFIRMED, bars_bidding_until=until)
    reasons = services.award_refusals(lot, bidder)
    assert len(reasons) == 2 and until.isoformat() in reasons[1]
    with pytest.raises(ApplicationError) as refused:
        services.lot_award(actor=owner, lot=lot, bid=bid_of(lot, bidder))
    assert refused.value.extra["bid"] == reasons
    assert TenderLot.objects.get(pk=lot.pk).state == LotState.OPEN


def test_a_sanction_that_ended_no_longer_bars(lot, bidder):
    qualify(bidder)
    AccountabilityRecord.objects.create(
        project=lot.project, organization=bidder, kind=MeasureKind.values[0], trigger=Trigger.values[0],
        facts="old", state=AccountabilityState.CONFIRMED, bars_bidding_until=today() - datetime.timedelta(days=1))
    assert services.award_refusals(lot, bidder) == []


def test_a_stale_version_is_refused_with_409(lot, owner, bidder):
    qualify(bidder)
    with pytest.raises(ApplicationError) as stale:
        services.lot_award(actor=owner, lot=lot, bid=bid_of(lot, bidder), version=7)
    assert stale.value.code == "stale"


def test_another_organisation_may_not_award_or_create(lot, owner2, bidder, contractor):
    qualify(bidder)
    bid = bid_of(lot, bidder)
    for user in (owner2, contractor):
        with pytest.raises(ApplicationError) as refused:
            services.lot_award(actor=user, lot=lot, bid=bid)
        assert refused.value.code == "forbidden"
        with pytest.raises(ApplicationError):
            services.lot_create(actor=user, project=lot.project, code="X", name="x", estimated_amount="1",
                                required_kind="railway", required_grade="first")


def test_cancel_needs_a_reason_and_not_a_signed_contract(lot, owner, bidder):
    with pytest.raises(ApplicationError) as no_reason:
        services.lot_cancel(actor=owner, lot=lot, reason=" ")
    assert "reason" in no_reason.value.extra
    cancelled = services.lot_cancel(actor=owner, lot=lot, reason="方案调整，重新划分标段")
    assert cancelled.state == LotState.CANCELLED


def test_lot_input_is_checked(project, owner):
    with pytest.raises(ApplicationError) as bad:
        services.lot_create(actor=owner, project=project, code="T-1", name="x", estimated_amount="-5",
                            required_kind="railway", required_grade="first")
    assert "estimated_amount" in bad.value.extra
    with pytest.raises(ApplicationError) as bad:
        services.lot_create(actor=owner, project=project, code="T-1", name="x", estimated_amount="5.123",
                            required_kind="railway", required_grade="first")
    assert "estimated_amount" in bad.value.extra
    with pytest.raises(ApplicationError) as bad:
        services.lot_create(actor=owner, project=project, code="T-1", name="x", estimated_amount="5",
                            required_kind="railway", required_grade="top")
    assert "required_grade" in bad.value.extra
    assert not TenderLot.objects.filter(code="T-1").exists()


def test_a_bid_names_the_bidders_own_certified_people(lot, owner, bidder, contractor_org):
    foreign = PersonCertificate.objects.create(organization=contractor_org, person_name="王五",
                                               kind=CertificateKind.CONSTRUCTOR, certificate_number="X-1",
                                               expires_on=today() + datetime.timedelta(days=100))
    with pytest.raises(ApplicationError) as bad:
        services.bid_add(actor=owner, lot=lot, organization=bidder, amount="100", project_manager=foreign)
    assert "project_manager" in bad.value.extra
    own = PersonCertificate.objects.create(organization=bidder, person_name="李四", kind=CertificateKind.SAFETY_C,
                                           certificate_number="X-2", expires_on=today() - datetime.timedelta(days=1))
    with pytest.raises(ApplicationError) as bad:
        services.bid_add(actor=owner, lot=lot, organization=bidder, amount="100", safety_officer=own)
    assert "safety_officer" in bad.value.extra
    bid = services.bid_add(actor=owner, lot=lot, organization=bidder, amount="100.50")
    assert bid.amount == Decimal("100.50")
    with pytest.raises(ApplicationError) as twice:
        services.bid_add(actor=owner, lot=lot, organization=bidder, amount="99")
    assert "organization" in twice.value.extra


def test_qualifications_are_the_bureaus_to_record(staff, owner, bidder):
    q = services.qualification_create(actor=staff, organization=bidder, kind="railway", grade="first",
                                      certificate_number="D133000001", expires_on=today())
    with pytest.raises(ApplicationError) as dup:
        services.qualification_create(actor=staff, organization=bidder, kind="railway", grade="second",
                                      certificate_number="D133000001", expires_on=today())
    assert "certificate_number" in dup.value.extra
    with pytest.raises(ApplicationError):
        services.qualification_create(actor=owner, organization=bidder, kind="railway", grade="first",
                                      certificate_number="D2", expires_on=today())
    changed = services.qualification_update(actor=staff, qualification=q, grade="special")
    assert changed.grade == "special"


def test_reminders_at_each_threshold_once(contractor_org, contractor):
    on = today()
    q = qualify(contractor_org, kind=QualificationKind.DESIGN, days=30)
    cert = PersonCertificate.objects.create(organization=contractor_org, person_name="赵六",
                                            kind=CertificateKind.SAFETY_B, certificate_number="R-1",
                                            expires_on=on + datetime.timedelta(days=7))
    services.expiry_reminders_send(on=on)
    q_key = f"supervision:qualification:{q.pk}:expiry:{q.expires_on}:30"
    c_key = f"supervision:certificate:{cert.pk}:expiry:{cert.expires_on}:7"
    assert Notification.objects.filter(event_key=c_key, recipient=contractor).exists()
    assert Notification.objects.filter(event_key=q_key, recipient=contractor).exists()
    first = Notification.objects.filter(event_key__in=[q_key, c_key]).count()
    services.expiry_reminders_send(on=on)  # a second run the same day tells nobody again
    assert Notification.objects.filter(event_key__in=[q_key, c_key]).count() == first
    services.expiry_reminders_send(on=on + datetime.timedelta(days=23))  # 7 days left: the next reminder
    assert Notification.objects.filter(event_key=f"supervision:qualification:{q.pk}:expiry:{q.expires_on}:7",
                                       recipient=contractor).exists()


def test_reminder_thresholds():
    on = datetime.date(2026, 1, 1)
    days = [rules.reminder_threshold(on + datetime.timedelta(days=d), on) for d in (61, 60, 31, 30, 8, 7, 1, 0, -3,
                                                                                     -8)]
    assert days == [None, 60, 60, 30, 30, 7, 7, 0, 0, None]
