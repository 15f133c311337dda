"""Two verifiers closing one hazard at once, two bureau staff deciding one accountability proposal at once: one
wins, the other is told (409), and one transition is audited. Row locks need a real server: PostgreSQL only."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.core.errors import ApplicationError
from supervision.accountability import services as accountability
from supervision.hazards import services
from supervision.models import AccountabilityRecord, Hazard

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


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


def transitions(obj, model):
    return AuditEvent.objects.filter(content_type__model=model, object_id=str(obj.pk), action="transition")


def second_staff():
    staff = User.objects.get(username="staff")
    other = User.objects.create_user("staff_b", password="x", organization=staff.organization, full_name="窗口B")
    other.groups.set(staff.groups.all())
    return staff, other


def test_two_verifiers_close_one_hazard_at_once(demo_db):
    staff, other = second_staff()
    hazard = Hazard.objects.filter(state="submitted_for_check").order_by("pk").first()
    if not services.documents.has_document(hazard, "evidence"):
        services.documents.attach(actor=staff, target=hazard, purpose="evidence",
                                  files=[SimpleUploadedFile("e.png", PNG, content_type="image/png")])
    before = transitions(hazard, "hazard").count()
    outcomes = race([(u.username, lambda u=u: services.hazard_close(actor=u, hazard=hazard))
                     for u in (staff, other)])
    assert sorted(o[0] for o in outcomes) == ["ok", "refused"]
    assert ("refused", 409) in outcomes
    winner = next(label for state, label in outcomes if state == "ok")
    hazard.refresh_from_db()
    assert hazard.state == "closed" and hazard.closed_by.username == winner
    assert transitions(hazard, "hazard").count() == before + 1


def test_a_confirmation_and_a_dismissal_at_once(demo_db):
    staff, other = second_staff()
    record = AccountabilityRecord.objects.filter(state="proposed").order_by("pk").first()
    before = transitions(record, "accountabilityrecord").count()
    outcomes = race([
        ("confirm", lambda: accountability.record_confirm(actor=staff, record=record, reason="属实")),
        ("dismiss", lambda: accountability.record_dismiss(actor=other, record=record, reason="不属实")),
    ])
    assert sorted(o[0] for o in outcomes) == ["ok", "refused"]
    assert ("refused", 409) in outcomes
    winner = next(label for state, label in outcomes if state == "ok")
    record.refresh_from_db()
    assert record.state == ("confirmed" if winner == "confirm" else "dismissed")
    assert transitions(record, "accountabilityrecord").count() == before + 1
