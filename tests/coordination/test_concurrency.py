"""Two people acting on one issue at once: one wins, the other is told (invalid_transition, HTTP 409), and one
audit event is written. Row locks need a real server: runs on PostgreSQL only."""

import threading

import pytest
from django.db import connection, connections

from coordination import services
from coordination.models import IssueItem, IssueRating, IssueState
from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.core.errors import ApplicationError

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


def transitions(issue):
    return AuditEvent.objects.filter(content_type__model="issueitem", object_id=str(issue.pk), action="transition")


def test_two_staff_sign_for_one_issue_at_once(demo_db):
    issue = IssueItem.objects.filter(state=IssueState.REPORTED).order_by("pk").first()
    staff = User.objects.get(username="staff")
    other = User.objects.create_user("staff_b", password="x", organization=staff.organization, full_name="窗口B")
    other.groups.set(staff.groups.all())
    before = transitions(issue).count()
    outcomes = race([(name, lambda u=u: services.issue_accept(actor=u, issue=issue))
                     for name, u in (("staff", staff), ("staff_b", other))])
    assert sorted(o[0] for o in outcomes) == ["ok", "refused"]
    assert ("refused", "invalid_transition") in outcomes
    winner = next(label for status, label in outcomes if status == "ok")
    issue.refresh_from_db()
    assert issue.state == IssueState.ACCEPTED and issue.accepted_by.username == winner and issue.version == 2
    assert transitions(issue).count() == before + 1


def test_two_verdicts_on_one_answer_at_once(demo_db):
    contractor = User.objects.get(username="contractor")
    issue = IssueItem.objects.filter(state=IssueState.RESOLVED, company=contractor.organization).order_by("pk").first()
    colleague = User.objects.create_user("hd_b", password="x", organization=contractor.organization, full_name="同事")
    before, ratings = transitions(issue).count(), IssueRating.objects.filter(issue=issue).count()
    outcomes = race([
        ("confirm", lambda: services.issue_verify(actor=contractor, issue=issue, satisfied=True)),
        ("reopen", lambda: services.issue_verify(actor=colleague, issue=issue, satisfied=False, comment="未解决")),
    ])
    assert sorted(o[0] for o in outcomes) == ["ok", "refused"]
    assert ("refused", "invalid_transition") in outcomes
    winner = next(label for status, label in outcomes if status == "ok")
    issue.refresh_from_db()
    assert issue.state == (IssueState.VERIFIED if winner == "confirm" else IssueState.IN_PROGRESS)
    assert transitions(issue).count() == before + 1
    assert IssueRating.objects.filter(issue=issue).count() == ratings + 1
    assert issue.rating_count == ratings + 1
