"""Stage gates: every condition the portal checks (met and unmet, with what blocks it), the checklist of a stage
and to which projects its lines apply, the move to the next stage (refused with every blocker, then allowed), the
documents and confirmations that satisfy lines, the default checklist and its configuration.

Each test builds its own project (of 之江交通建设投资有限公司, whose user is `owner`) so that the demo data of the
other parts does not decide the outcome. Messages are read in English."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from approvals.models import ApprovalCase, ApprovalStage, CaseState
from portal.accounts.models import Organization, User
from portal.audit.models import AuditEvent
from portal.core.errors import ApplicationError
from portal.core.models import Region
from portal.notifications.models import Notification
from projects.gates import catalogue, conditions, selectors, services
from projects.gates.demo import demo_pdf
from projects.models import (
    FeasibilityOpinion,
    FeasibilityReview,
    GateCondition,
    GateConfirmation,
    GateRequirement,
    MonthlyProgress,
    OpinionConclusion,
    OpinionState,
    Project,
    ProjectDocument,
    RegionWorkItem,
    Risk,
    ScheduleBaseline,
    ScheduleTask,
    Stage,
    StageTransition,
)
from projects.services import project_create

pytestmark = pytest.mark.django_db

ZHIJIANG = "之江交通建设投资有限公司"
POINT = {"type": "Point", "coordinates": [120.15, 30.28]}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def owner(db):
    return User.objects.get(username="owner")


_codes = iter(range(910000, 999999))


def new_project(stage=Stage.PROPOSAL, project_type="transport", **extra) -> Project:
    staff = User.objects.get(username="staff")
    return project_create(
        actor=staff, code=f"2025-330100-48-01-{next(_codes):06d}", name=f"闸口测试项目{stage}", project_type=project_type,
        level="provincial", stage=stage, total_investment=Decimal("1000000000"),
        owner=Organization.objects.get(name=ZHIJIANG), liaison_officer=User.objects.get(username="liaison"), **extra,
    )


def only_lines(stage, *lines) -> list[GateRequirement]:
    """Replace the checklist of leaving `stage` by `lines` ((kind, title, condition, project types) tuples)."""
    GateRequirement.objects.filter(stage=stage).update(active=False)
    return [GateRequirement.objects.create(stage=stage, kind=kind, title=title, condition=condition,
                                           project_types=types, order=i)
            for i, (kind, title, condition, types) in enumerate(lines)]


def evaluate(project, condition):
    return conditions.conditions_evaluate(project=project, conditions=[condition])[condition]


def pdf(name="批复.pdf", content=None):
    return SimpleUploadedFile(name, content if content is not None else demo_pdf(name), content_type="application/pdf")


def department(short_name) -> Organization:
    return Organization.objects.get(short_name=short_name)


def review_with(project, *opinions, title="可研审查（第一轮）") -> FeasibilityReview:
    """A feasibility review with one opinion per (department short name, conclusion or None for pending)."""
    staff = User.objects.get(username="staff")
    review = FeasibilityReview.objects.create(project=project, title=title, requested_by=staff)
    for i, (short, conclusion) in enumerate(opinions):
        FeasibilityOpinion.objects.create(
            review=review, department=department(short), due_date=datetime.date(2025, 6, 1 + i),
            state=OpinionState.GIVEN if conclusion else OpinionState.PENDING, conclusion=conclusion or "",
            given_at=timezone.now() if conclusion else None, given_by=staff if conclusion else None,
            conditions="补充水土保持方案" if conclusion == OpinionConclusion.AGREE_WITH_CONDITIONS else "",
        )
    return review


# ------------------------------------------------------------------------------------------------ conditions
def test_feasibility_opinions_name_the_departments_that_have_not_answered():
    project = new_project(Stage.FEASIBILITY)
    assert evaluate(project, GateCondition.FEASIBILITY_OPINIONS) == conditions.ConditionResult(
        False, "No feasibility review has been requested yet.")

    review_with(project, ("省发改委", OpinionConclusion.AGREE), ("省财政厅", None), ("省自然资源厅", OpinionConclusion.AGREE),
                ("省生态环境厅", None))

    assert evaluate(project, GateCondition.FEASIBILITY_OPINIONS) == conditions.ConditionResult(
        False, "2 of 4 departments have not given their opinion: 省财政厅、省生态环境厅")


def test_feasibility_opinions_against_block_and_all_for_pass():
    project = new_project(Stage.FEASIBILITY)
    review_with(project, ("省发改委", OpinionConclusion.AGREE), ("省自然资源厅", OpinionConclusion.DISAGREE),
                ("省财政厅", None))
    assert evaluate(project, GateCondition.FEASIBILITY_OPINIONS).detail == (
        "1 of 3 department has not given its opinion: 省财政厅；Against: 省自然资源厅")

    # A newer round replaces the old one; a voided newer round does not.
    review_with(project, ("省发改委", OpinionConclusion.AGREE), ("省自然资源厅", OpinionConclusion.AGREE_WITH_CONDITIONS),
                title="可研审查（第二轮）")
    voided = review_with(project, ("省发改委", OpinionConclusion.DISAGREE), title="误建的审查")
    FeasibilityReview.objects.filter(pk=voided.pk).update(voided_at=timezone.now())

    assert evaluate(project, GateCondition.FEASIBILITY_OPINIONS) == conditions.ConditionResult(
        True, "All 2 departments of “可研审查（第二轮）” gave their opinion, none against. 1 agrees with conditions.")


def test_a_review_asking_nobody_is_not_enough():
    project = new_project(Stage.FEASIBILITY)
    review_with(project, title="空审查")
    assert evaluate(project, GateCondition.FEASIBILITY_OPINIONS) == conditions.ConditionResult(
        False, "The feasibility review “空审查” asks no department for its opinion.")


def risk(project, title, likelihood, impact, *, category="land", status="open", voided=False) -> Risk:
    closed = status == "closed"
    r = Risk.objects.create(project=project, title=title, category=category, likelihood=likelihood, impact=impact,
                            owner_name="钱立群", status=status, closed_at=timezone.now() if closed else None,
                            close_note="已处置完毕" if closed else "")
    if voided:
        Risk.objects.filter(pk=r.pk).update(voided_at=timezone.now())
    return r


def test_extreme_risks_block_until_closed_or_lowered():
    project = new_project(Stage.FEASIBILITY)
    risk(project, "拆迁户集体上访", 4, 4)  # 16: high, not extreme
    risk(project, "已关闭的极高风险", 5, 5, status="closed")
    risk(project, "作废的极高风险", 5, 5, voided=True)
    assert evaluate(project, GateCondition.NO_EXTREME_RISKS) == conditions.ConditionResult(
        True, "No open risk scores 20 or more.")

    risk(project, "征地补偿纠纷", 5, 4, status="mitigating")
    risk(project, "隧道突水", 5, 5)

    assert evaluate(project, GateCondition.NO_EXTREME_RISKS) == conditions.ConditionResult(
        False, "2 open risks in the extreme band: 隧道突水（25）、征地补偿纠纷（20）")


def test_social_stability_needs_a_registered_assessment():
    project = new_project(Stage.FEASIBILITY)
    risk(project, "作废的稳评", 2, 2, category="social_stability", voided=True)
    risk(project, "施工噪声", 2, 2, category="environment")
    assert evaluate(project, GateCondition.SOCIAL_STABILITY_ASSESSED) == conditions.ConditionResult(
        False, "No social-stability risk is registered in the risk register.")

    risk(project, "沿线居民对征迁补偿标准有异议", 3, 3, category="social_stability", status="closed")

    assert evaluate(project, GateCondition.SOCIAL_STABILITY_ASSESSED) == conditions.ConditionResult(
        True, "Social-stability risk registered: 沿线居民对征迁补偿标准有异议")


def test_schedule_baseline_and_location():
    project = new_project(Stage.PREPARATION)
    assert evaluate(project, GateCondition.SCHEDULE_BASELINE) == conditions.ConditionResult(
        False, "No schedule baseline has been saved.")
    assert evaluate(project, GateCondition.LOCATION) == conditions.ConditionResult(
        False, "The project location is not on the map yet.")

    baseline = ScheduleBaseline.objects.create(project=project, name="开工基线", created_by=User.objects.get(username="staff"))
    Project.objects.filter(pk=project.pk).update(location=POINT)
    project.refresh_from_db()

    assert evaluate(project, GateCondition.SCHEDULE_BASELINE) == conditions.ConditionResult(
        True, f"Baseline “开工基线” saved on {timezone.localdate(baseline.created_at):%Y-%m-%d}.")
    assert evaluate(project, GateCondition.LOCATION) == conditions.ConditionResult(True, "The location is on the map.")


def case(project, stage, state, number, *, voided=False, completed_on=None) -> ApprovalCase:
    c = ApprovalCase.objects.create(number=number, project=project, stage=stage, state=state,
                                    applicant=project.owner, created_by=User.objects.get(username="owner"),
                                    completed_on=completed_on)
    if voided:
        ApprovalCase.objects.filter(pk=c.pk).update(voided_at=timezone.now())
    return c


def test_approval_conditions_follow_the_approval_cases():
    project = new_project(Stage.PRELIMINARY_DESIGN)
    land, engineering = GateCondition.APPROVAL_LAND_USE, GateCondition.APPROVAL_ENGINEERING
    assert evaluate(project, engineering) == conditions.ConditionResult(
        False, "No application for “Construction engineering planning permit” has been made.")

    case(project, ApprovalStage.ENGINEERING_PLANNING, CaseState.REJECTED, "SPT0000001")
    case(project, ApprovalStage.ENGINEERING_PLANNING, CaseState.ACCEPTED, "SPT0000002")
    case(project, ApprovalStage.LAND_USE_PLANNING, CaseState.COMPLETED, "SPT0000003", voided=True)
    assert evaluate(project, engineering) == conditions.ConditionResult(
        False, "The application SPT0000002 for “Construction engineering planning permit” is “Accepted”, not completed.")
    assert evaluate(project, land).met is False

    case(project, ApprovalStage.LAND_USE_PLANNING, CaseState.COMPLETED, "SPT0000004",
         completed_on=datetime.date(2025, 3, 18))

    assert evaluate(project, land) == conditions.ConditionResult(True, "Application SPT0000004 completed on 2025-03-18.")
    for other in (GateCondition.APPROVAL_CONSTRUCTION, GateCondition.APPROVAL_COMPLETION):
        assert evaluate(project, other).met is False


def task(project, wbs, name, percent, *, voided=False) -> ScheduleTask:
    t = ScheduleTask.objects.create(project=project, wbs=wbs, name=name, percent_complete=percent,
                                    planned_start=datetime.date(2025, 1, 1), planned_finish=datetime.date(2025, 12, 31))
    if voided:
        ScheduleTask.objects.filter(pk=t.pk).update(voided_at=timezone.now())
    return t


def test_tasks_complete_needs_tasks_all_at_100():
    project = new_project(Stage.UNDER_CONSTRUCTION)
    assert evaluate(project, GateCondition.TASKS_COMPLETE) == conditions.ConditionResult(
        False, "The schedule has no tasks.")

    task(project, "1", "路基工程", 100)
    task(project, "1.2", "路基填筑", 60)
    task(project, "2", "桥梁工程", 0)
    task(project, "3", "作废任务", 10, voided=True)
    assert evaluate(project, GateCondition.TASKS_COMPLETE) == conditions.ConditionResult(
        False, "2 of 3 tasks are not complete: 1.2 路基填筑（60%）、2 桥梁工程（0%）")

    ScheduleTask.objects.filter(project=project).update(percent_complete=100)

    assert evaluate(project, GateCondition.TASKS_COMPLETE) == conditions.ConditionResult(
        True, "All 3 tasks are complete.")  # the voided task is not counted


def test_tasks_complete_counts_only_live_tasks():
    project = new_project(Stage.UNDER_CONSTRUCTION)
    task(project, "1", "路基工程", 100)
    task(project, "2", "作废任务", 10, voided=True)
    assert evaluate(project, GateCondition.TASKS_COMPLETE) == conditions.ConditionResult(
        True, "The 1 task is complete.")


def test_many_unfinished_tasks_are_named_up_to_five():
    project = new_project(Stage.UNDER_CONSTRUCTION)
    for i in range(1, 8):
        task(project, str(i), f"工点{i}", 50)
    assert evaluate(project, GateCondition.TASKS_COMPLETE).detail == (
        "7 of 7 tasks are not complete: 1 工点1（50%）、2 工点2（50%）、3 工点3（50%）、4 工点4（50%）、5 工点5（50%） and 2 more")


def progress(project, month, physical, *, reported=True) -> MonthlyProgress:
    return MonthlyProgress.objects.create(project=project, month=month, physical_progress=physical,
                                          completed_investment=Decimal("1000000") if physical is not None else None,
                                          reported_at=timezone.now() if reported else None)


def test_physical_progress_reads_the_latest_reported_month():
    project = new_project(Stage.UNDER_CONSTRUCTION)
    assert evaluate(project, GateCondition.PHYSICAL_PROGRESS_COMPLETE) == conditions.ConditionResult(
        False, "No monthly physical progress has been reported.")

    progress(project, datetime.date(2025, 8, 1), Decimal("100"))
    progress(project, datetime.date(2025, 9, 1), Decimal("97.50"))
    progress(project, datetime.date(2025, 10, 1), None, reported=False)  # planned, not reported yet
    assert evaluate(project, GateCondition.PHYSICAL_PROGRESS_COMPLETE) == conditions.ConditionResult(
        False, "The latest report (2025-09) gives 97.5%, not 100%.")

    progress(project, datetime.date(2025, 11, 1), Decimal("100.00"))

    assert evaluate(project, GateCondition.PHYSICAL_PROGRESS_COMPLETE) == conditions.ConditionResult(
        True, "Reported for 2025-11: 100%.")


def work_item(project, title, status, *, voided=False) -> RegionWorkItem:
    item = RegionWorkItem.objects.create(
        project=project, region=Region.objects.get(code="330100"), kind="land_acquisition", title=title, unit="mu",
        planned_quantity=Decimal("120"), status=status, blockers="补偿协议未签订" if status == "blocked" else "")
    if voided:
        RegionWorkItem.objects.filter(pk=item.pk).update(voided_at=timezone.now())
    return item


def test_region_work_must_all_be_done():
    project = new_project(Stage.UNDER_CONSTRUCTION)
    assert evaluate(project, GateCondition.REGION_WORK_DONE) == conditions.ConditionResult(
        True, "No land acquisition or utility relocation items are registered.")

    work_item(project, "余杭段征地", "done")
    work_item(project, "作废事项", "blocked", voided=True)
    work_item(project, "良渚段房屋拆迁", "blocked")
    assert evaluate(project, GateCondition.REGION_WORK_DONE) == conditions.ConditionResult(
        False, "1 of 2 item is not done: 杭州市 良渚段房屋拆迁（Blocked）")

    RegionWorkItem.objects.filter(project=project, title="良渚段房屋拆迁").update(status="done", blockers="")

    assert evaluate(project, GateCondition.REGION_WORK_DONE) == conditions.ConditionResult(
        True, "All 2 items are done.")


def test_every_condition_has_an_evaluator():
    assert set(conditions.evaluators()) == set(GateCondition.values)  # the approvals' four through the registry


# ------------------------------------------------------------------------------------------------ the checklist
def test_checklist_holds_the_active_lines_of_the_current_stage_that_apply_to_the_type():
    transport = new_project(Stage.COMPLETION_ACCEPTANCE, "transport")
    water = new_project(Stage.COMPLETION_ACCEPTANCE, "water")
    social = new_project(Stage.COMPLETION_ACCEPTANCE, "social")
    GateRequirement.objects.create(stage=Stage.COMPLETION_ACCEPTANCE, kind="document", title="停用的资料", active=False)
    GateRequirement.objects.create(stage=Stage.HANDOVER, kind="document", title="下一阶段的资料")

    def titles(p):
        return [i.requirement.title for i in services.gate_checklist(p)]

    assert titles(transport) == ["竣工验收阶段审批办结", "竣工验收备案表", "交工验收报告"]
    assert titles(water) == ["竣工验收阶段审批办结", "竣工验收备案表", "蓄水验收鉴定书"]
    assert titles(social) == ["竣工验收阶段审批办结", "竣工验收备案表"]
    last = new_project(Stage.POST_EVALUATION)
    assert services.gate_checklist(last) == []
    assert selectors.gate_for(last).next_stage is None


def test_document_and_confirmation_lines_are_met_by_live_records(owner):
    project = new_project(Stage.PREPARATION)
    doc_line, confirm_line = only_lines(Stage.PREPARATION, ("document", "施工合同", "", []),
                                        ("confirmation", "施工图审查合格", "", []))
    staff = User.objects.get(username="staff")
    assert [(i.met, i.detail) for i in services.gate_checklist(project)] == [
        (False, "Not uploaded yet."), (False, "Not confirmed yet by bureau staff.")]

    document = services.document_upload(actor=owner, project=project, requirement=doc_line, upload=pdf("施工合同.pdf"))
    services.confirmation_give(actor=staff, project=project, requirement=confirm_line, note="合格书编号 S3-017")
    today = timezone.localdate().isoformat()
    assert [(i.met, i.detail) for i in services.gate_checklist(project)] == [
        (True, f"“施工合同.pdf” uploaded by 钱立群 on {today}."),
        (True, f"Confirmed by 王建国 on {today}. 合格书编号 S3-017")]

    services.document_void(actor=owner, document=document, reason="传错文件")
    confirmation = GateConfirmation.objects.get(project=project)
    services.confirmation_void(actor=staff, confirmation=confirmation, reason="合格书已过期")

    assert [i.met for i in services.gate_checklist(project)] == [False, False]
    assert ProjectDocument.objects.get(pk=document.pk).void_reason == "传错文件"


def test_checklist_queries_do_not_grow_with_lines_or_records(owner):
    """Every condition, documents and confirmations: the same number of queries for N and 3N of everything."""
    project = new_project(Stage.UNDER_CONSTRUCTION)
    staff = User.objects.get(username="staff")
    GateRequirement.objects.filter(stage=Stage.UNDER_CONSTRUCTION).update(active=False)

    def add(n):
        start = GateRequirement.objects.filter(stage=Stage.UNDER_CONSTRUCTION).count()
        for i in range(n):
            k = start + i
            for condition in GateCondition.values:
                GateRequirement.objects.create(stage=Stage.UNDER_CONSTRUCTION, kind="condition", title=f"{condition}{k}",
                                               condition=condition)
            doc_line = GateRequirement.objects.create(stage=Stage.UNDER_CONSTRUCTION, kind="document", title=f"资料{k}")
            confirm_line = GateRequirement.objects.create(stage=Stage.UNDER_CONSTRUCTION, kind="confirmation",
                                                          title=f"确认{k}")
            services.document_upload(actor=owner, project=project, requirement=doc_line, upload=pdf(f"资料{k}.pdf"))
            services.confirmation_give(actor=staff, project=project, requirement=confirm_line)
            review_with(project, ("省发改委", OpinionConclusion.AGREE), ("省财政厅", None), title=f"审查{k}")
            risk(project, f"风险{k}", 5, 4)
            risk(project, f"稳评{k}", 2, 2, category="social_stability")
            task(project, f"{k + 1}", f"任务{k}", 50)
            work_item(project, f"征迁{k}", "in_progress")
            progress(project, datetime.date(2020 + k // 12, k % 12 + 1, 1), Decimal("90"))
            ScheduleBaseline.objects.create(project=project, name=f"基线{k}", created_by=staff)
            if k < len(ApprovalStage):  # one live case per approval stage
                case(project, list(ApprovalStage)[k], CaseState.COMPLETED, f"SPQ{k:07d}")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            items = services.gate_checklist(project)
        return len(ctx.captured_queries), len(items)

    add(2)
    few, lines_few = count()
    add(4)
    many, lines_many = count()
    assert lines_many == 3 * lines_few
    assert many == few, (few, many)
    assert few <= 16


# ------------------------------------------------------------------------------------------------ the move
def test_advance_is_refused_listing_every_blocker_then_allowed_once_fixed(owner):
    staff, liaison = User.objects.get(username="staff"), User.objects.get(username="liaison")
    project = new_project(Stage.PREPARATION)
    doc_line, location_line, confirm_line = only_lines(
        Stage.PREPARATION, ("document", "施工合同", "", []), ("condition", "项目位置已标注", GateCondition.LOCATION, []),
        ("confirmation", "施工图审查合格", "", []))
    transitions, events = StageTransition.objects.count(), AuditEvent.objects.count()

    with pytest.raises(ApplicationError) as refused:
        services.stage_advance(actor=staff, project=project, expected_stage=Stage.PREPARATION, reason="开工")

    assert refused.value.code == "gate_blocked"
    assert refused.value.extra == {"checklist": [
        "施工合同: Not uploaded yet.", "项目位置已标注: The project location is not on the map yet.",
        "施工图审查合格: Not confirmed yet by bureau staff."]}
    assert refused.value.message.startswith("“Construction preparation” cannot be left yet; 3 requirements are not met")
    project.refresh_from_db()
    assert project.stage == Stage.PREPARATION
    assert (StageTransition.objects.count(), AuditEvent.objects.count()) == (transitions, events)

    services.document_upload(actor=owner, project=project, requirement=doc_line, upload=pdf("施工合同.pdf"))
    Project.objects.filter(pk=project.pk).update(location=POINT)
    with pytest.raises(ApplicationError) as still:
        services.stage_advance(actor=staff, project=project, expected_stage=Stage.PREPARATION, reason="开工")
    assert still.value.extra == {"checklist": ["施工图审查合格: Not confirmed yet by bureau staff."]}
    services.confirmation_give(actor=staff, project=project, requirement=confirm_line)
    # Every line met: bureau staff are told the project may move.
    assert Notification.objects.filter(recipient=staff, event_key=f"project:{project.pk}:gate:preparation:ready").exists()

    transition = services.stage_advance(actor=staff, project=project, expected_stage=Stage.PREPARATION,
                                        reason="施工许可证已核发，正式开工")

    project.refresh_from_db()
    assert project.stage == Stage.UNDER_CONSTRUCTION
    assert (transition.from_stage, transition.to_stage, transition.actor, transition.reason) == (
        Stage.PREPARATION, Stage.UNDER_CONSTRUCTION, staff, "施工许可证已核发，正式开工")
    assert [(line["title"], line["met"]) for line in transition.checklist] == [
        ("施工合同", True), ("项目位置已标注", True), ("施工图审查合格", True)]
    event = AuditEvent.objects.filter(object_id=str(project.pk), content_type__model="project",
                                      action="transition").get()
    assert (event.from_state, event.to_state, event.reason, event.actor) == (
        "preparation", "under_construction", "施工许可证已核发，正式开工", staff)
    notified = set(Notification.objects.filter(event_key=f"project:{project.pk}:stage-transition:{transition.pk}")
                   .values_list("recipient__username", flat=True))
    owners = set(User.objects.filter(organization__name=ZHIJIANG).values_list("username", flat=True))
    assert notified == owners | {liaison.username}


def test_a_stale_expected_stage_is_refused_so_two_clicks_make_one_transition():
    staff = User.objects.get(username="staff")
    project = new_project(Stage.PROPOSAL)
    only_lines(Stage.PROPOSAL)  # nothing required

    services.stage_advance(actor=staff, project=project, expected_stage=Stage.PROPOSAL, reason="批复已取得")
    with pytest.raises(ApplicationError) as second:
        services.stage_advance(actor=staff, project=project, expected_stage=Stage.PROPOSAL, reason="批复已取得")

    assert second.value.code == "stale" and second.value.http_status == 409
    assert "The project is in “Feasibility study” now, not “Project proposal”" in second.value.message
    assert second.value.extra == {"expected_stage": [second.value.message]}
    assert StageTransition.objects.filter(project=project).count() == 1
    project.refresh_from_db()
    assert project.stage == Stage.FEASIBILITY


def test_no_move_after_post_evaluation_nor_without_reason_nor_for_a_voided_project():
    staff = User.objects.get(username="staff")
    last = new_project(Stage.POST_EVALUATION)
    with pytest.raises(ApplicationError, match="Post-evaluation is the last stage"):
        services.stage_advance(actor=staff, project=last, expected_stage=Stage.POST_EVALUATION, reason="再走一步")

    project = new_project(Stage.PROPOSAL)
    only_lines(Stage.PROPOSAL)
    with pytest.raises(ApplicationError) as no_reason:
        services.stage_advance(actor=staff, project=project, expected_stage=Stage.PROPOSAL, reason="  ")
    assert no_reason.value.extra == {"reason": ["This field is required."]}

    Project.objects.filter(pk=project.pk).update(voided_at=timezone.now())
    with pytest.raises(ApplicationError, match="This key project is voided") as voided:
        services.stage_advance(actor=staff, project=project, expected_stage=Stage.PROPOSAL, reason="批复")
    assert voided.value.code == "invalid_transition"
    assert not StageTransition.objects.filter(project__in=[last, project]).exists()


# ------------------------------------------------------------------------------------------------ documents
MB = 1024 * 1024


@pytest.mark.parametrize(("name", "content", "message"), [
    ("setup.exe", b"MZ\x90\x00 not a document", "Files of type “.exe” are not accepted. Accepted: "
                                                  ".doc .docx .jpeg .jpg .ofd .pdf .png .xls .xlsx."),
    ("批复.pdf", b"PK\x03\x04 a zip pretending to be a pdf", "The content of the file is not a .pdf file."),
    (".批复.pdf", b"%PDF-1.4\n%%EOF\n", "The file name must be a plain name, without folders."),
    ("big.pdf", b"%PDF-1.4\n" + b"0" * (MB + MB // 5), "The file is 1.2 MB; at most 1 MB is accepted."),
    ("empty.pdf", b"", "The file is empty."),
    ("报表.xlsx", b"PK\x03\x04\x14\x00 not really a workbook", "The content of the file is not a .xlsx file."),
], ids=["type", "content", "path", "size", "empty", "fake-xlsx"])
def test_a_bad_upload_is_refused_naming_the_file_and_stores_nothing(owner, settings, name, content, message):
    settings.UPLOAD_MAX_BYTES = MB
    project = new_project(Stage.PROPOSAL)
    line = GateRequirement.objects.get(key="proposal.approval")
    media = Path(settings.MEDIA_ROOT)
    files_before = sorted(media.rglob("*")) if media.exists() else []

    with pytest.raises(ApplicationError) as refused:
        services.document_upload(actor=owner, project=project, requirement=line, upload=pdf(name, content))

    assert refused.value.extra == {"file": [message]}
    assert not ProjectDocument.objects.filter(project=project).exists()
    assert (sorted(media.rglob("*")) if media.exists() else []) == files_before


def test_an_upload_is_stored_under_a_generated_name_with_its_hash(owner):
    project = new_project(Stage.PROPOSAL)
    line = GateRequirement.objects.get(key="proposal.approval")
    content = demo_pdf("批复")

    document = services.document_upload(actor=owner, project=project, requirement=line, upload=pdf("批复.pdf", content))

    import hashlib

    assert (document.title, document.original_name, document.size, document.sha256, document.content_type) == (
        "项目建议书批复", "批复.pdf", len(content), hashlib.sha256(content).hexdigest(), "application/pdf")
    assert "批复" not in document.file.name and document.file.name.startswith("projects/documents/")
    assert Path(settings.MEDIA_ROOT, document.file.name).read_bytes() == content
    history = AuditEvent.objects.filter(content_type__model="project", object_id=str(project.pk), action="update")
    assert history.filter(changes__gate_documents=[None, "项目建议书批复"]).exists()


def test_a_document_needs_a_line_that_applies_or_a_title(owner):
    project = new_project(Stage.PROPOSAL, "social")
    water_only = GateRequirement.objects.get(key="acceptance.impoundment")
    confirmation_line = GateRequirement.objects.get(key="handover.done")
    for line in (water_only, confirmation_line):
        with pytest.raises(ApplicationError) as refused:
            services.document_upload(actor=owner, project=project, requirement=line, upload=pdf())
        assert refused.value.extra == {"requirement": ["This checklist line does not apply here."]}
    document = services.document_upload(actor=owner, project=project, upload=pdf("会议纪要.pdf"), title=" 专题会议纪要 ")
    assert (document.title, document.requirement) == ("专题会议纪要", None)


def test_confirmations_only_for_confirmation_lines_and_once():
    staff = User.objects.get(username="staff")
    project = new_project(Stage.HANDOVER)
    line = GateRequirement.objects.get(key="handover.done")
    first = services.confirmation_give(actor=staff, project=project, requirement=line, note="移交接收书已签订")
    again = services.confirmation_give(actor=staff, project=project, requirement=line, note="重复点击")
    assert first == again and GateConfirmation.objects.filter(project=project).count() == 1
    with pytest.raises(ApplicationError):
        services.confirmation_give(actor=staff, project=project,
                                   requirement=GateRequirement.objects.get(key="proposal.approval"))


# ------------------------------------------------------------------------------------------------ catalogue
def test_default_catalogue_covers_every_gate_and_seeding_again_adds_nothing():
    lines = GateRequirement.objects.exclude(key="")
    assert set(lines.values_list("stage", flat=True)) == set(Stage.values) - {Stage.POST_EVALUATION}
    assert set(lines.filter(kind="condition").values_list("condition", flat=True)) == set(GateCondition.values)
    staff = User.objects.get(username="staff")
    edited = lines.get(key="proposal.approval")
    services.requirement_update(actor=staff, requirement=edited, version=edited.version, title="项目建议书批复文件",
                                active=False)
    count = GateRequirement.objects.count()

    assert catalogue.gate_catalogue_seed() == 0
    assert GateRequirement.objects.count() == count
    edited.refresh_from_db()
    assert (edited.title, edited.active) == ("项目建议书批复文件", False)

    GateRequirement.objects.filter(key="operating.evaluation").update(key="")  # as if never seeded
    assert catalogue.gate_catalogue_seed() == 1


def test_configuration_validates_audits_and_refuses_stale_versions():
    staff = User.objects.get(username="staff")
    bad = [
        ({"stage": "feasibility", "kind": "condition", "title": "缺条件", "condition": ""}, "condition"),
        ({"stage": "feasibility", "kind": "document", "title": "多余条件", "condition": "location"}, "condition"),
        ({"stage": "post_evaluation", "kind": "document", "title": "最后阶段"}, "stage"),
        ({"stage": "feasibility", "kind": "document", "title": "类型", "project_types": ["rocket"]}, "project_types"),
        ({"stage": "feasibility", "kind": "document", "title": "  "}, "title"),
    ]
    count = GateRequirement.objects.count()
    for fields, field in bad:
        with pytest.raises(ApplicationError) as refused:
            services.requirement_create(actor=staff, **fields)
        assert field in refused.value.extra, (fields, refused.value.extra)
    assert GateRequirement.objects.count() == count

    line = services.requirement_create(actor=staff, stage="feasibility", kind="document", title="节能审查意见",
                                       project_types=["energy", "industry"])
    assert AuditEvent.objects.filter(content_type__model="gaterequirement", object_id=str(line.pk), action="create").exists()
    updated = services.requirement_update(actor=staff, requirement=line, version=1, title="节能审查批复")
    assert updated.version == 2
    with pytest.raises(ApplicationError) as stale:
        services.requirement_update(actor=staff, requirement=line, version=1, active=False)
    assert stale.value.extra == {"version": ["Someone else changed this since you opened it; reload and try again."]}
    event = AuditEvent.objects.filter(content_type__model="gaterequirement", object_id=str(line.pk), action="update").get()
    assert event.changes == {"title": ["节能审查意见", "节能审查批复"]}


def test_demo_seed_is_idempotent():
    from projects.gates import demo

    counts = (StageTransition.objects.count(), ProjectDocument.objects.count(), GateRequirement.objects.count(),
              GateConfirmation.objects.count())
    assert counts[0] > 0 and counts[1] > 0
    demo.seed()
    assert (StageTransition.objects.count(), ProjectDocument.objects.count(), GateRequirement.objects.count(),
            GateConfirmation.objects.count()) == counts


def test_demo_pdf_is_a_pdf_the_upload_check_accepts():
    from portal.core.uploads import validate_upload

    checked = validate_upload(pdf("示例.pdf", demo_pdf("示例")))
    assert checked.content_type == "application/pdf"
    body = demo_pdf("示例")
    assert body.startswith(b"%PDF-1.4") and body.rstrip().endswith(b"%%EOF")
    xref = int(body.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert body[xref:xref + 4] == b"xref"
