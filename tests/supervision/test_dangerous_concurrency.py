"""Two bureau staff approving one special plan at once: one wins, the other is told (invalid_transition, HTTP
409), and one approval is recorded. Row locks need a real server: runs on PostgreSQL only."""

import threading

import pytest
from django.db import connection, connections

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.core.errors import ApplicationError
from supervision.dangerous import services
from supervision.models import DangerousWork, DangerousWorkState

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
            outcomes.append(("refused", exc.http_status))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(label, call)) for label, call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def test_two_approvals_of_one_plan_at_once(demo_db):
    work = DangerousWork.objects.get(name="跨金温铁路钢箱梁双机抬吊")
    assert work.state == DangerousWorkState.REGISTERED
    staff = User.objects.get(username="staff")
    other = User.objects.create_user("staff_b", password="x", organization=staff.organization, full_name="审核B")
    other.groups.set(staff.groups.all())
    transitions = AuditEvent.objects.filter(content_type__model="dangerouswork", object_id=str(work.pk),
                                            action="transition")
    before, version = transitions.count(), work.version
    outcomes = race([(u.username, lambda u=u: services.dangerous_work_move(actor=u, work=work, name="approve_plan",
                                                                           version=work.version))
                     for u in (staff, other)])
    assert sorted(o[0] for o in outcomes) == ["ok", "refused"]
    assert ("refused", 409) in outcomes
    winner = next(label for status, label in outcomes if status == "ok")
    work.refresh_from_db()
    assert (work.state, work.plan_approved_by.username, work.version) == (DangerousWorkState.PLAN_READY, winner,
                                                                           version + 1)
    assert transitions.count() == before + 1
