"""Materials and third-party inspection through the services: witnessed sampling (at least 30 %), the random draw
of a testing agency among the eligible ones, the result and its required report, the chain failure →
rectification → re-inspection (a failed retest: another round and an accountability proposal; a passed one: the
rectification may be verified), who may do what, and an overdue rectification escalated by the deadline scan task.

The helpers at the top are shared with the other inspection test modules (loaded by path: `_helpers()` there)."""

import datetime
import random

from django.core.files.uploadedfile import SimpleUploadedFile

from portal.accounts.models import Organization, OrganizationKind
from portal.core.services import today
from projects.models import Project
from supervision.inspections import services
from supervision.models import KeyProcess, Qualification, QualificationGrade, QualificationKind

HANGWEN = "杭温高速铁路义乌至温州段"
HENGZHENG = "衡正工程检测有限公司"
ZHONGCE = "中测安全技术检测有限公司"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "report.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def qualify_agencies() -> list[Organization]:
    """Both demo testing agencies hold a valid testing qualification (whatever the demo gave them)."""
    agencies = list(Organization.objects.filter(kind=OrganizationKind.TESTING_AGENCY).order_by("pk"))
    for i, agency in enumerate(agencies):
        if not Qualification.objects.filter(organization=agency, kind=QualificationKind.TESTING,
                                            voided_at__isnull=True, expires_on__gte=today()).exists():
            Qualification.objects.create(organization=agency, kind=QualificationKind.TESTING,
                                         grade=QualificationGrade.FIRST, certificate_number=f"TEST-JC-{i:04d}",
                                         expires_on=today() + datetime.timedelta(days=365))
    return agencies


def hangwen() -> Project:
    return Project.objects.get(name=HANGWEN)


def contractor_org() -> Organization:
    return Organization.objects.get(name="华东路桥建设集团有限公司")


def make_plan(actor, *, required: int = 10, process: str = KeyProcess.CONCRETE_STRENGTH, project=None):
    return services.plan_create(actor=actor, project=project or hangwen(), contractor=contractor_org(),
                                process=process, title="桥墩混凝土强度检测", required_samples=required,
                                standard="GB/T 50107")


def take(actor, plan, *, witnessed: bool = True, retest_of=None):
    return services.sample_take(actor=actor, plan=plan, location="K12+300 3号墩", taken_on=today(),
                                witnessed=witnessed, witness_name="冯建明" if witnessed else "",
                                retest_of=retest_of)


class Pick(random.Random):
    """A draw that lands on one agency (when it is among the candidates)."""

    def __init__(self, agency_id: int):
        super().__init__(0)
        self.agency_id = agency_id

    def choice(self, seq):
        return self.agency_id if self.agency_id in seq else seq[0]


def assign_to(actor, sample, agency):
    return services.sample_assign(actor=actor, sample=sample, rng=Pick(agency.pk))


def record(user, sample, *, passed: bool, conclusion: str = ""):
    return services.sample_record_result(
        actor=user, sample=sample, passed=passed, report=[pdf()], report_number=f"R-{sample.number}",
        tested_on=today(), values={"抗压强度 (MPa)": 38.2 if not passed else 45.1},
        conclusion=conclusion or ("" if passed else "强度低于设计值C40"))


# ------------------------------------------------------------------------------------------------------- tests
import pytest  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.translation import gettext  # noqa: E402

from portal.accounts.models import User  # noqa: E402
from portal.audit.models import AuditEvent  # noqa: E402
from portal.core import policy, workdays  # noqa: E402
from portal.core.errors import ApplicationError  # noqa: E402
from supervision.inspections import rules  # noqa: E402
from supervision.models import (  # noqa: E402
    AccountabilityRecord,
    AccountabilityState,
    Document,
    MeasureKind,
    Rectification,
    RectificationState,
    Sample,
    SampleState,
    Trigger,
)


@pytest.fixture
def agencies(db):
    return qualify_agencies()


@pytest.fixture
def hengzheng(agencies):
    return Organization.objects.get(name=HENGZHENG)


@pytest.fixture
def plan(staff, agencies):
    return make_plan(staff)


def test_witness_arithmetic():
    assert rules.witnessed_needed(10, 30) == 3
    assert rules.witnessed_needed(7, 30) == 3  # 2.1 rounded up
    progress = rules.WitnessProgress(required=10, share=30, taken=7, witnessed=0)
    assert progress.still_to_witness == 3 and progress.remaining == 3 and not progress.witness_met
    assert rules.unwitnessed_refusal(progress) == gettext(
        "%(n)s more of the %(left)s samples still to take must be witnessed (见证取样 at least %(share)s %%): this "
        "one must be witnessed.") % {"n": 3, "left": 3, "share": 30}
    assert rules.unwitnessed_refusal(rules.WitnessProgress(10, 30, 6, 0)) is None
    assert rules.unwitnessed_refusal(rules.WitnessProgress(10, 30, 10, 0)) is None  # extra samples are free
    assert rules.WitnessProgress(10, 30, 5, 3).witnessed_percent == 30


@pytest.mark.django_db
def test_an_unwitnessed_sample_is_refused_once_the_share_could_not_be_reached(staff, plan):
    for _ in range(7):
        take(staff, plan, witnessed=False)
    with pytest.raises(ApplicationError) as refused:
        take(staff, plan, witnessed=False)
    assert "witnessed" in refused.value.extra
    assert Sample.objects.filter(plan=plan).count() == 7
    for _ in range(3):
        take(staff, plan, witnessed=True)
    progress = services.plan_progress(plan)
    assert (progress.taken, progress.witnessed, progress.witness_met, progress.witnessed_percent) == (10, 3, True, 30)


@pytest.mark.django_db
def test_a_witnessed_sample_names_its_witness(staff, plan):
    with pytest.raises(ApplicationError) as refused:
        services.sample_take(actor=staff, plan=plan, location="3号墩", taken_on=today(), witnessed=True)
    assert list(refused.value.extra) == ["witness_name"]
    with pytest.raises(ApplicationError) as refused:
        services.plan_create(actor=staff, project=hangwen(), contractor=contractor_org(), process="pile",
                             title="桩基", required_samples=4, witness_share=20)
    assert "witness_share" in refused.value.extra


@pytest.mark.django_db
def test_the_draw_is_among_the_eligible_agencies_and_recorded(staff, plan, agencies):
    hengzheng, zhongce = (Organization.objects.get(name=n) for n in (HENGZHENG, ZHONGCE))
    Qualification.objects.filter(organization=zhongce, kind=QualificationKind.TESTING).update(
        expires_on=today() - datetime.timedelta(days=1))
    assert zhongce.pk not in services.eligible_agencies(today())
    sample = services.sample_assign(actor=staff, sample=take(staff, plan), rng=random.Random(7))
    assert sample.state == SampleState.ASSIGNED and sample.agency == hengzheng
    assert sample.agency_candidates == services.eligible_agencies(today()) and zhongce.pk not in sample.agency_candidates
    assert sample.assigned_by == staff and sample.assigned_at is not None
    event = AuditEvent.objects.get(content_type__model="sample", object_id=str(sample.pk), action="transition")
    assert event.changes["agency"] == [None, HENGZHENG]


@pytest.mark.django_db
def test_a_barred_agency_is_not_drawn(staff, agencies):
    hengzheng = Organization.objects.get(name=HENGZHENG)
    assert hengzheng.pk in services.eligible_agencies(today())
    AccountabilityRecord.objects.create(
        number="ZZTEST0001", organization=hengzheng, kind=MeasureKind.NOTICE, trigger=Trigger.MANUAL,
        facts="出具虚假检测报告", state=AccountabilityState.CONFIRMED,
        bars_bidding_until=today() + datetime.timedelta(days=90))
    assert hengzheng.pk not in services.eligible_agencies(today())


def test_the_draw_picks_each_eligible_agency_and_nothing_else():
    seen = {rules.draw([3, 8, 5], random.Random(seed)) for seed in range(200)}
    assert seen == {3, 5, 8}
    assert rules.draw([], random.Random(1)) is None


@pytest.mark.django_db
def test_no_eligible_agency_refuses_the_draw_naming_the_agency(staff, plan):
    Qualification.objects.filter(kind=QualificationKind.TESTING).update(voided_at=timezone.now())
    sample = take(staff, plan)
    with pytest.raises(ApplicationError) as refused:
        services.sample_assign(actor=staff, sample=sample)
    assert list(refused.value.extra) == ["agency"]
    sample.refresh_from_db()
    assert sample.state == SampleState.TAKEN and sample.agency_id is None


@pytest.mark.django_db
def test_a_result_without_its_report_file_is_refused_naming_the_field(staff, inspector, plan, hengzheng):
    sample = assign_to(staff, take(staff, plan), hengzheng)
    with pytest.raises(ApplicationError) as refused:
        services.sample_record_result(actor=inspector, sample=sample, passed=False, report=[],
                                      report_number="R-1", tested_on=today(), conclusion="强度不足")
    assert list(refused.value.extra) == ["report"]
    sample.refresh_from_db()
    assert sample.state == SampleState.ASSIGNED and not Rectification.objects.filter(sample=sample).exists()
    with pytest.raises(ApplicationError) as refused:  # a failure says what failed
        services.sample_record_result(actor=inspector, sample=sample, passed=False, report=[pdf()],
                                      report_number="R-1", tested_on=today())
    assert list(refused.value.extra) == ["conclusion"]
    assert not Document.objects.filter(target_id=sample.pk, purpose="test_report").exists()


@pytest.mark.django_db
def test_only_the_assigned_agency_records_the_result(staff, contractor, plan, hengzheng):
    sample = assign_to(staff, take(staff, plan), hengzheng)
    zhongce_user = User.objects.create_user("zc_tester", password="x", full_name="中测检测员",
                                            organization=Organization.objects.get(name=ZHONGCE))
    for user in (zhongce_user, contractor, staff):
        with pytest.raises(ApplicationError) as refused:
            record(user, sample, passed=True)
        assert refused.value.code == "forbidden"
    assert policy.can(zhongce_user, "view", sample) is False


@pytest.mark.django_db
def test_failure_rectification_reinspection_chain(staff, inspector, contractor, plan, hengzheng):
    # given a failed first test
    sample = record(inspector, assign_to(staff, take(staff, plan), hengzheng), passed=False)
    rect = Rectification.objects.get(sample=sample)
    assert (rect.state, rect.rounds, rect.responsible, rect.project_id) == (
        RectificationState.OPEN, 1, contractor.organization, plan.project_id)
    assert rect.due_on == workdays.add_workdays(today(), 10)
    assert rect.requirement == "强度低于设计值C40"
    assert Document.objects.filter(target_id=sample.pk, purpose="test_report").count() == 1
    # the re-inspection is taken only after the contractor submitted
    with pytest.raises(ApplicationError) as refused:
        take(staff, plan, retest_of=sample)
    assert refused.value.code == "invalid_transition"
    services.rectification_submit(actor=contractor, rectification=rect, measures="凿除重浇，养护28天")
    # verify waits for a passed re-inspection
    with pytest.raises(ApplicationError) as refused:
        services.rectification_verify(actor=staff, rectification=rect)
    assert refused.value.message == gettext("No re-inspection sample has been taken yet.")
    retest = take(staff, plan, retest_of=sample)
    rect.refresh_from_db()
    assert rect.retest == retest and retest.retest_of == sample
    # when the re-inspection fails: another round, a new due date, accountability proposed
    record(inspector, assign_to(staff, retest, hengzheng), passed=False, conclusion="复检仍不合格")
    rect.refresh_from_db()
    assert (rect.state, rect.rounds) == (RectificationState.OPEN, 2)
    assert Rectification.objects.count() == Rectification.objects.filter(~Q(sample=retest)).count()
    proposal = AccountabilityRecord.objects.get(trigger=Trigger.REPEAT_FAILURE, sample=retest)
    assert proposal.organization == contractor.organization and proposal.state == AccountabilityState.PROPOSED
    # then a second round passes and an inspector closes it
    services.rectification_submit(actor=contractor, rectification=rect, measures="更换混凝土供应商后重浇")
    second = record(inspector, assign_to(staff, take(staff, plan, retest_of=sample), hengzheng), passed=True)
    rect.refresh_from_db()
    assert rect.retest == second and rect.state == RectificationState.SUBMITTED
    services.rectification_verify(actor=staff, rectification=rect)
    rect.refresh_from_db()
    assert rect.state == RectificationState.CLOSED and rect.closed_by == staff
    assert services.plan_progress(plan).taken == 1  # re-inspections do not count as the plan's samples


@pytest.mark.django_db
def test_reject_returns_the_rectification_and_voids_the_untested_retest(staff, inspector, contractor, plan,
                                                                      hengzheng):
    sample = record(inspector, assign_to(staff, take(staff, plan), hengzheng), passed=False)
    rect = services.rectification_submit(actor=contractor, rectification=Rectification.objects.get(sample=sample),
                                         measures="已整改")
    retest = take(staff, plan, retest_of=sample)
    with pytest.raises(ApplicationError) as refused:
        services.rectification_reject(actor=staff, rectification=rect, reason=" ")
    assert list(refused.value.extra) == ["reason"]
    services.rectification_reject(actor=staff, rectification=rect, reason="现场未整改到位")
    rect.refresh_from_db()
    retest.refresh_from_db()
    assert rect.state == RectificationState.OPEN and retest.voided_at is not None


@pytest.mark.django_db
def test_who_may_rectify_and_verify(staff, inspector, contractor, other_contractor, plan, hengzheng):
    from projects import services as project_services

    sample = record(inspector, assign_to(staff, take(staff, plan), hengzheng), passed=False)
    rect = Rectification.objects.get(sample=sample)
    for user in (other_contractor, staff, inspector):
        with pytest.raises(ApplicationError) as refused:
            services.rectification_submit(actor=user, rectification=rect, measures="x")
        assert refused.value.code == "forbidden"
    services.rectification_submit(actor=contractor, rectification=rect, measures="已整改")
    take(staff, plan, retest_of=sample)
    for user in (contractor, inspector):  # the inspector is not assigned to 杭温
        with pytest.raises(ApplicationError) as refused:
            services.rectification_reject(actor=user, rectification=rect, reason="未整改")
        assert refused.value.code == "forbidden"
    assert not policy.can(other_contractor, "view", rect) and not policy.can(other_contractor, "view", sample)
    project_services.project_grant_user(actor=staff, project=plan.project, user=inspector, reason="检测任务")
    services.rectification_reject(actor=inspector, rectification=rect, reason="未整改")


@pytest.mark.django_db
def test_a_contractor_records_its_delivery(contractor, other_contractor, staff):
    delivery = services.delivery_record(
        actor=contractor, project=hangwen(), kind="rebar", specification="HRB400E Φ25", supplier="沙钢集团",
        batch_number="B20250301", quantity="120.500", unit="t", certificate_number="ZB-778812",
        delivered_on=today(), certificates=[pdf("合格证.pdf")])
    assert delivery.contractor == contractor.organization
    assert Document.objects.filter(target_id=delivery.pk, purpose="certificate").count() == 1
    with pytest.raises(ApplicationError) as refused:
        services.delivery_record(actor=contractor, project=hangwen(), kind="rebar", specification="x",
                                 supplier="y", batch_number="z", quantity="0", unit="t", certificate_number="c",
                                 delivered_on=today())
    assert list(refused.value.extra) == ["quantity"]
    with pytest.raises(ApplicationError) as refused:  # 浙中建工 does not see 杭温
        services.delivery_record(actor=other_contractor, project=hangwen(), kind="rebar", specification="x",
                                 supplier="y", batch_number="z", quantity="1", unit="t", certificate_number="c",
                                 delivered_on=today())
    assert list(refused.value.extra) == ["project"]


@pytest.mark.django_db
def test_an_overdue_rectification_climbs_the_ladder_in_the_scan_task(staff, inspector, contractor, plan,
                                                                    hengzheng):
    from portal.core.models import Escalation
    from portal.core.tasks import deadline_scan
    from portal.notifications.models import Notification

    sample = record(inspector, assign_to(staff, take(staff, plan), hengzheng), passed=False)
    rect = Rectification.objects.get(sample=sample)
    Rectification.objects.filter(pk=rect.pk).update(due_on=today() - datetime.timedelta(days=3))
    counts = deadline_scan.apply().get()
    assert counts["overdue"] >= 1
    escalation = Escalation.objects.get(content_type__model="rectification", object_id=rect.pk)
    assert escalation.rung >= 2
    digest = Notification.objects.get(recipient=contractor, event_key=f"digest:{contractor.pk}:{today()}")
    assert rect.number in digest.body
    deadline_scan.apply().get()  # a rerun the same day sends nothing twice
    assert Notification.objects.filter(recipient=contractor, event_key__startswith="digest:").count() == 1
    assert Escalation.objects.filter(content_type__model="rectification", object_id=rect.pk).count() == 1
