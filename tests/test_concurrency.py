"""Concurrent actions on one object never lose or duplicate a decision. Real row locks need a real server:
these run on PostgreSQL (CI's second pass); SQLite serialises every writer anyway."""

import threading

import pytest
from django.db import connection, connections

from portal.accounts.models import Organization, User
from portal.accounts.services import organization_set_credit_standing
from portal.notifications.models import Notification
from portal.notifications.services import notify

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")


def run_together(*calls):
    barrier = threading.Barrier(len(calls))
    errors = []

    def worker(call):
        try:
            barrier.wait()
            call()
        except Exception as exc:  # noqa: BLE001 — collected and re-raised in the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors


def test_simultaneous_credit_decisions_form_an_unbroken_history(demo_db):
    org = Organization.objects.get(name="正衡工程监理有限公司")
    staff = User.objects.get(username="staff")
    run_together(
        lambda: organization_set_credit_standing(actor=staff, organization=org, standing="warned", reason="甲"),
        lambda: organization_set_credit_standing(actor=staff, organization=org, standing="dishonest", reason="乙"),
    )
    history = list(org.credit_history.order_by("created_at", "id"))
    assert len(history) == 2
    assert history[0].from_standing == "normal"
    assert history[1].from_standing == history[0].to_standing  # the second saw the first: nothing lost
    org.refresh_from_db()
    assert org.credit_standing == history[1].to_standing


def test_simultaneous_notifications_of_one_event_create_one(demo_db):
    staff = User.objects.get(username="staff")
    run_together(*[lambda: notify(recipients=[staff], event_key="race:1", title="并发") for _ in range(4)])
    assert Notification.objects.filter(recipient=staff, event_key="race:1").count() == 1
