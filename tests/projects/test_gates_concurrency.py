"""Two bureau staff pressing "Move to …" on one project at once: exactly one transition is recorded, the other is
refused because the stage it expected is gone. Row locks need a real server: runs on PostgreSQL (CI's second
pass); tests/projects/test_gates.py checks the same refusal one click after the other everywhere."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from portal.accounts.models import Organization, User
from portal.audit.models import AuditEvent
from portal.core.errors import ApplicationError
from projects.gates import services
from projects.models import GateRequirement, Stage, StageTransition
from projects.services import project_create

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")


def test_simultaneous_moves_record_exactly_one_transition(demo_db):
    staff = User.objects.get(username="staff")
    GateRequirement.objects.filter(stage=Stage.PROPOSAL).update(active=False)  # nothing required to leave
    project = project_create(
        actor=staff, code="2025-330100-48-01-777777", name="并发推进测试项目", project_type="transport",
        level="provincial", stage=Stage.PROPOSAL, total_investment=Decimal("1000000"),
        owner=Organization.objects.get(name="之江交通建设投资有限公司"),
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def advance(reason):
        try:
            barrier.wait()
            services.stage_advance(actor=staff, project=project, expected_stage=Stage.PROPOSAL, reason=reason)
            outcomes.append("ok")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=advance, args=(r,)) for r in ("甲点击", "乙点击")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert sorted(outcomes) == ["ok", "stale"]
    project.refresh_from_db()
    assert project.stage == Stage.FEASIBILITY
    assert StageTransition.objects.filter(project=project).count() == 1
    assert AuditEvent.objects.filter(content_type__model="project", object_id=str(project.pk),
                                     action="transition").count() == 1
