"""Two inspectors verifying one rectification at once: one wins, the other is told (invalid_transition, HTTP 409),
and one audit event is written. Row locks need a real server: runs on PostgreSQL only."""

import threading

import pytest
from django.db import connection, connections

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.core.errors import ApplicationError
from projects import services as project_services
from supervision.inspections import services
from supervision.models import Rectification, RectificationState

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


def test_two_inspectors_verify_one_rectification_at_once(demo_db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.core.services import today
    from supervision.inspections.demo import _Toward

    staff, contractor, inspector = (User.objects.get(username=n) for n in ("staff", "contractor", "inspector"))
    rect = Rectification.objects.get(project__name="杭温高速铁路义乌至温州段", state=RectificationState.OPEN)
    project_services.project_grant_user(actor=staff, project=rect.project, user=inspector, reason="检测任务")
    second = User.objects.create_user("inspector_b", password="x", organization=inspector.organization,
                                      full_name="检测员B")
    second.groups.set(inspector.groups.all())
    project_services.project_grant_user(actor=staff, project=rect.project, user=second, reason="检测任务")
    services.rectification_submit(actor=contractor, rectification=rect, measures="钻芯复核，承台加固")
    retest = services.sample_take(actor=staff, plan=rect.sample.plan, location="5号墩承台", taken_on=today(),
                                  retest_of=rect.sample)
    services.sample_assign(actor=staff, sample=retest, rng=_Toward(inspector.organization_id))
    services.sample_record_result(actor=inspector, sample=retest, passed=True, report_number="R-9",
                                  tested_on=today(), report=[SimpleUploadedFile(
                                      "r.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")])
    rect.refresh_from_db()
    before = AuditEvent.objects.filter(content_type__model="rectification", object_id=str(rect.pk),
                                       action="transition").count()
    outcomes = race([(u.username, lambda u=u: services.rectification_verify(actor=u, rectification=rect))
                     for u in (inspector, second)])
    assert sorted(o[0] for o in outcomes) == ["ok", "refused"]
    assert ("refused", "invalid_transition") in outcomes
    winner = next(label for state, label in outcomes if state == "ok")
    rect.refresh_from_db()
    assert rect.state == RectificationState.CLOSED and rect.closed_by.username == winner
    assert AuditEvent.objects.filter(content_type__model="rectification", object_id=str(rect.pk),
                                     action="transition").count() == before + 1
