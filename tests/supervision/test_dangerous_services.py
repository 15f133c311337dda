"""The dangerous-works register through its services: registration classified (and refused below every
threshold, naming the field), the plan approval's conditions, the start gate, and who may do what."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.accounts.models import Organization, User
from portal.audit.models import AuditEvent
from portal.core import fsm
from portal.core.errors import ApplicationError
from projects.models import Project
from supervision.dangerous import services
from supervision.documents import documents_of
from supervision.models import DangerousWork, DangerousWorkState, ExpertReviewResult, Purpose

pytestmark = pytest.mark.django_db

EXPERTS = "张工 浙江大学\n李工 省建科院\n王工 华东院\n赵工 中铁四院\n钱工 省交通院"


def pdf(name="plan.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf")


@pytest.fixture
def project(db):
    return Project.objects.get(name="杭温高速铁路义乌至温州段")


@pytest.fixture
def builder(db):
    return Organization.objects.get(name="华东路桥建设集团有限公司")


def register(actor, project, builder, **values):
    values.setdefault("kind", "excavation")
    values.setdefault("name", "3#基坑开挖")
    return services.dangerous_work_register(actor=actor, project=project, contractor=builder, **values)


def test_registering_classifies_the_work(contractor, project, builder):
    work = register(contractor, project, builder, depth_m=Decimal("6"))
    assert (work.large_scale, work.state, work.version) == (True, DangerousWorkState.REGISTERED, 1)
    assert "6" in work.criteria
    assert AuditEvent.objects.filter(object_id=str(work.pk), action="create").exists()
    small = register(contractor, project, builder, depth_m=Decimal("3"), name="检查井基坑")
    assert small.large_scale is False


def test_below_every_threshold_is_refused_naming_the_field_and_nothing_is_stored(contractor, project, builder):
    before = DangerousWork.objects.count()
    with pytest.raises(ApplicationError) as refused:
        register(contractor, project, builder, depth_m=Decimal("2.99"))
    assert set(refused.value.extra) == {"depth_m"}
    with pytest.raises(ApplicationError) as refused:
        register(contractor, project, builder, kind="formwork", height_m=Decimal("4.5"), span_m=Decimal("9"))
    assert set(refused.value.extra) == {"height_m", "span_m"}
    assert DangerousWork.objects.count() == before


def test_the_contractor_must_build_the_project(contractor, project):
    stranger = Organization.objects.get(name="江南水电工程局有限公司")
    with pytest.raises(ApplicationError) as refused:
        services.dangerous_work_register(actor=contractor, project=project, contractor=stranger, kind="excavation",
                                         name="x", depth_m=Decimal(4))
    assert set(refused.value.extra) == {"contractor"}


def test_another_organisation_may_not_register(project, builder):
    owner2 = User.objects.get(username="owner2")
    with pytest.raises(ApplicationError) as refused:
        register(owner2, project, builder, depth_m=Decimal(4))
    assert refused.value.code == "forbidden"


def test_plan_approval_needs_the_plan_file(contractor, staff, project, builder):
    work = register(contractor, project, builder, depth_m=Decimal(4))
    refusal = fsm.workflow_of(work).refusal(work, "approve_plan", staff)
    assert refusal is not None and "special_plan" in refusal.fields
    with pytest.raises(ApplicationError) as refused:
        services.dangerous_work_move(actor=staff, work=work, name="approve_plan")
    assert refused.value.message == refusal.message
    work.refresh_from_db()
    assert work.state == DangerousWorkState.REGISTERED
    services.dangerous_work_attach(actor=contractor, work=work, purpose=Purpose.SPECIAL_PLAN, files=[pdf()])
    work = services.dangerous_work_move(actor=staff, work=work, name="approve_plan")
    assert (work.state, work.plan_approved_by) == (DangerousWorkState.PLAN_READY, staff)


def test_only_the_bureau_approves_plans(contractor, owner, project, builder):
    work = register(contractor, project, builder, depth_m=Decimal(4), files={Purpose.SPECIAL_PLAN: [pdf()]})
    for user in (contractor, owner):
        assert "approve_plan" not in [m.name for m in fsm.available(work, user)]
        with pytest.raises(ApplicationError) as refused:
            services.dangerous_work_move(actor=user, work=work, name="approve_plan")
        assert refused.value.code == "forbidden"


def test_large_scale_plan_needs_a_passed_expert_review(contractor, staff, project, builder):
    work = register(contractor, project, builder, depth_m=Decimal(6), files={Purpose.SPECIAL_PLAN: [pdf()]})
    with pytest.raises(ApplicationError) as refused:
        services.dangerous_work_move(actor=staff, work=work, name="approve_plan")
    assert "expert_review_result" in refused.value.extra
    today = timezone.localdate() - datetime.timedelta(days=1)
    with pytest.raises(ApplicationError) as refused:  # fewer than five experts
        services.dangerous_work_record_review(actor=contractor, work=work, reviewed_on=today,
                                              result=ExpertReviewResult.PASSED, experts="张工\n李工", files=[pdf()])
    assert set(refused.value.extra) == {"experts"}
    work = services.dangerous_work_record_review(actor=contractor, work=work, reviewed_on=today,
                                                 result=ExpertReviewResult.FAILED, experts=EXPERTS,
                                                 files=[pdf("opinion.pdf")])
    move = [m for m in fsm.available(work, staff) if m.name == "approve_plan"][0]
    assert move.enabled is False and move.reason
    work = services.dangerous_work_record_review(actor=contractor, work=work, reviewed_on=today,
                                                 result=ExpertReviewResult.PASSED_WITH_CHANGES, experts=EXPERTS)
    work = services.dangerous_work_move(actor=staff, work=work, name="approve_plan")
    assert work.state == DangerousWorkState.PLAN_READY
    assert len(documents_of(work, Purpose.EXPERT_REVIEW)) == 1


def test_no_expert_review_for_a_small_work(contractor, project, builder):
    work = register(contractor, project, builder, depth_m=Decimal(4))
    with pytest.raises(ApplicationError) as refused:
        services.dangerous_work_record_review(actor=contractor, work=work, reviewed_on=datetime.date(2026, 1, 5),
                                              result="passed", experts=EXPERTS, files=[pdf()])
    assert "expert_review_result" in refused.value.extra


def test_work_starts_only_with_approved_plan_and_monitoring_plan(contractor, staff, project, builder):
    work = register(contractor, project, builder, kind="formwork", height_m=Decimal(6), name="高支模",
                    files={Purpose.SPECIAL_PLAN: [pdf()]})
    with pytest.raises(ApplicationError) as refused:
        services.dangerous_work_move(actor=contractor, work=work, name="start")
    assert refused.value.code == "invalid_transition"  # the plan is not approved yet
    work = services.dangerous_work_move(actor=staff, work=work, name="approve_plan")
    with pytest.raises(ApplicationError) as refused:
        services.dangerous_work_move(actor=contractor, work=work, name="start")
    assert "monitoring_plan" in refused.value.extra
    services.dangerous_work_attach(actor=contractor, work=work, purpose=Purpose.MONITORING_PLAN,
                                   files=[pdf("monitor.pdf")])
    work = services.dangerous_work_move(actor=contractor, work=work, name="start")
    assert (work.state, work.started_on) == (DangerousWorkState.IN_PROGRESS, timezone.localdate())
    work = services.dangerous_work_move(actor=contractor, work=work, name="complete")
    assert work.state == DangerousWorkState.COMPLETED


def test_editing_reclassifies_while_pending_and_checks_the_version(contractor, staff, project, builder):
    work = register(contractor, project, builder, depth_m=Decimal(4), files={Purpose.SPECIAL_PLAN: [pdf()]})
    work = services.dangerous_work_update(actor=contractor, work=work, version=1, depth_m=Decimal("5.00"))
    assert (work.large_scale, work.version) == (True, 2)
    with pytest.raises(ApplicationError) as refused:
        services.dangerous_work_update(actor=contractor, work=work, version=1, depth_m=Decimal(4))
    assert refused.value.code == "stale"
    with pytest.raises(ApplicationError) as refused:
        services.dangerous_work_update(actor=contractor, work=work, version=2, depth_m=Decimal(2))
    assert set(refused.value.extra) == {"depth_m"}
    work.refresh_from_db()
    assert (work.depth_m, work.version) == (Decimal("5.00"), 2)


def test_the_plan_cannot_change_after_approval(contractor, staff, project, builder):
    work = register(contractor, project, builder, depth_m=Decimal(4), files={Purpose.SPECIAL_PLAN: [pdf()]})
    work = services.dangerous_work_move(actor=staff, work=work, name="approve_plan")
    with pytest.raises(ApplicationError):
        services.dangerous_work_attach(actor=contractor, work=work, purpose=Purpose.SPECIAL_PLAN, files=[pdf()])
    with pytest.raises(ApplicationError):
        services.dangerous_work_update(actor=contractor, work=work, name="renamed")


def test_an_attachment_is_required(contractor, project, builder):
    work = register(contractor, project, builder, depth_m=Decimal(4))
    with pytest.raises(ApplicationError) as refused:
        services.dangerous_work_attach(actor=contractor, work=work, purpose=Purpose.SPECIAL_PLAN, files=[])
    assert "files" in refused.value.extra
