"""The demo of tendering and contracts: lots and contracts on both organisations' projects, an expiring
qualification whose holder the daily task reminds once, and a second seeding that adds nothing."""

import pytest

from portal.notifications.models import Notification
from supervision.contracts import demo as contracts_demo
from supervision.models import Contract, ContractDocument, LotState, Qualification, TenderLot
from supervision.tendering import demo as tendering_demo
from supervision.tendering.tasks import remind_expiring

pytestmark = pytest.mark.django_db


def test_the_demo_has_both_sides_and_is_idempotent():
    owners = set(TenderLot.objects.filter(state=LotState.AWARDED).values_list("project__owner__name", flat=True))
    assert {"之江交通建设投资有限公司", "浙水水利水电开发有限公司"} <= owners
    assert set(Contract.objects.values_list("project__owner__name", flat=True)) >= owners
    assert ContractDocument.objects.filter(contract__number="HWTL-SG01-2023-001").count() == 2
    counts = (TenderLot.objects.count(), Contract.objects.count(), Qualification.objects.count())
    tendering_demo.seed()
    contracts_demo.seed()
    assert (TenderLot.objects.count(), Contract.objects.count(), Qualification.objects.count()) == counts


def test_the_daily_task_reminds_the_holder_of_an_expiring_qualification_once(contractor):
    expiring = Qualification.objects.get(certificate_number="D133010003")
    remind_expiring.apply()
    key = f"supervision:qualification:{expiring.pk}:expiry:{expiring.expires_on}:60"
    assert Notification.objects.filter(event_key=key, recipient=contractor).count() == 1
    remind_expiring.apply()
    assert Notification.objects.filter(event_key=key, recipient=contractor).count() == 1
