"""Two awards of one lot at once: one wins, the other is told (409) and one award is audited. Row locks need a real
server: runs on PostgreSQL only."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from portal.accounts.models import Organization, User
from portal.audit.models import AuditEvent
from portal.core.errors import ApplicationError
from portal.core.services import today
from projects.models import Project
from supervision.models import Bid, LotState, Qualification, TenderLot
from supervision.tendering import services

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")


def race(calls):
    barrier = threading.Barrier(len(calls))
    outcomes = []

    def run(label, call):
        try:
            barrier.wait()
            call()
            outcomes.append(("ok", label))
        except ApplicationError as exc:
            outcomes.append(("refused", exc.code))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(label, call)) for label, call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def test_two_awards_of_one_lot_at_once(demo_db):
    project = Project.objects.get(name="杭温高速铁路义乌至温州段")
    owner, staff = User.objects.get(username="owner"), User.objects.get(username="staff")
    lot = TenderLot.objects.create(project=project, code="RACE-1", name="并发标段", estimated_amount=1,
                                   required_kind="railway", required_grade="second")
    bids = []
    for name in ("浙中建工集团有限公司", "江南水电工程局有限公司"):
        org = Organization.objects.get(name=name)
        Qualification.objects.create(organization=org, kind="railway", grade="first", certificate_number=f"R-{org.pk}",
                                     expires_on=today() + datetime.timedelta(days=300))
        bids.append(Bid.objects.create(lot=lot, organization=org, amount=Decimal("100")))
    outcomes = race([(user.username, lambda u=user, b=bid: services.lot_award(actor=u, lot=lot, bid=b, version=1))
                     for user, bid in ((owner, bids[0]), (staff, bids[1]))])
    assert sorted(o[0] for o in outcomes) == ["ok", "refused"]
    refused = next(code for status, code in outcomes if status == "refused")
    assert refused in ("stale", "invalid_transition")  # both are HTTP 409
    lot.refresh_from_db()
    assert lot.state == LotState.AWARDED and lot.version == 2
    assert AuditEvent.objects.filter(content_type__model="tenderlot", object_id=str(lot.pk),
                                     action="transition").count() == 1
