"""The default checklist of every stage gate (what a project must show to leave a stage), seeded on every install
by `gate_catalogue_seed()` after migrate and kept afterwards by bureau staff on the configuration page.

Each default line has a stable key: seeding creates only the keys that are missing, so a line staff edited or
deactivated stays as they left it."""

from django.db import transaction

from ..models import GateCondition, GateRequirement, ProjectType, RequirementKind, Stage

C, D, K = RequirementKind.CONDITION, RequirementKind.DOCUMENT, RequirementKind.CONFIRMATION

# stage left → [(key, kind, title, condition, project types (empty: every type), guidance)]
DEFAULT_CHECKLIST: dict[str, list[tuple[str, str, str, str, list[str], str]]] = {
    Stage.PROPOSAL: [
        ("proposal.approval", D, "项目建议书批复", "", [], "上传发展改革部门对项目建议书的批复文件。"),
    ],
    Stage.FEASIBILITY: [
        ("feasibility.approval", D, "可行性研究报告批复（核准）", "", [],
         "上传可研报告批复或项目核准文件。"),
        ("feasibility.opinions", C, "各部门可研审查意见齐全且无反对意见", GateCondition.FEASIBILITY_OPINIONS, [],
         "以最近一轮可行性研究审查为准。"),
        ("feasibility.social_stability", C, "已开展社会稳定风险评估", GateCondition.SOCIAL_STABILITY_ASSESSED, [],
         "风险台账中至少登记一项社会稳定类风险及其评估。"),
        ("feasibility.no_extreme_risks", C, "无未关闭的极高风险（评分≥20）", GateCondition.NO_EXTREME_RISKS, [],
         "极高风险须降级或关闭后方可进入初步设计。"),
    ],
    Stage.PRELIMINARY_DESIGN: [
        ("design.approval", D, "初步设计批复", "", [], "上传初步设计及概算批复文件。"),
        ("design.land_use", C, "立项用地规划许可阶段办结", GateCondition.APPROVAL_LAND_USE, [], ""),
        ("design.engineering", C, "工程建设许可阶段办结", GateCondition.APPROVAL_ENGINEERING, [], ""),
    ],
    Stage.PREPARATION: [
        ("preparation.permit", C, "施工许可阶段办结", GateCondition.APPROVAL_CONSTRUCTION, [], ""),
        ("preparation.baseline", C, "进度计划基线已保存", GateCondition.SCHEDULE_BASELINE, [],
         "开工前保存进度计划基线，作为进度偏差的比较基准。"),
        ("preparation.location", C, "项目位置已在地图上标注", GateCondition.LOCATION, [], ""),
        ("preparation.drawings", K, "施工图审查合格", "", [], "局工作人员核对施工图审查合格书后确认。"),
    ],
    Stage.UNDER_CONSTRUCTION: [
        ("construction.tasks", C, "进度计划任务全部完成", GateCondition.TASKS_COMPLETE, [], ""),
        ("construction.physical", C, "月报形象进度达到100%", GateCondition.PHYSICAL_PROGRESS_COMPLETE, [], ""),
        ("construction.region_work", C, "征地拆迁和管线迁改事项全部完成", GateCondition.REGION_WORK_DONE, [], ""),
    ],
    Stage.COMPLETION_ACCEPTANCE: [
        ("acceptance.approval", C, "竣工验收阶段审批办结", GateCondition.APPROVAL_COMPLETION, [], ""),
        ("acceptance.filing", D, "竣工验收备案表", "", [], "上传住建部门出具的竣工验收备案表。"),
        ("acceptance.handover_inspection", D, "交工验收报告", "", [ProjectType.TRANSPORT],
         "公路、铁路等交通项目先行交工验收。"),
        ("acceptance.impoundment", D, "蓄水验收鉴定书", "", [ProjectType.WATER, ProjectType.ENERGY],
         "水库、抽水蓄能等项目下闸蓄水前的阶段验收。"),
    ],
    Stage.HANDOVER: [
        ("handover.done", K, "移交手续完成", "", [], "建设单位与运营管理单位签订移交接收书后，由局工作人员确认。"),
    ],
    Stage.OPERATING: [
        ("operating.evaluation", D, "后评价报告", "", [], "项目运营满一至两年后编制的后评价报告。"),
    ],
}


def gate_catalogue_seed(using: str = "default") -> int:
    """Create the default checklist lines that do not exist yet (idempotent). Returns the number created."""
    with transaction.atomic(using=using):
        return _seed(using)


def _seed(using: str) -> int:
    rows = GateRequirement.objects.using(using)
    existing = set(rows.exclude(key="").values_list("key", flat=True))
    missing = [
        GateRequirement(key=key, stage=stage, kind=kind, title=title, condition=condition,
                        project_types=[str(t) for t in types], order=(order + 1) * 10, guidance=guidance)
        for stage, lines in DEFAULT_CHECKLIST.items()
        for order, (key, kind, title, condition, types, guidance) in enumerate(lines)
        if key not in existing
    ]
    rows.bulk_create(missing)
    return len(missing)


def seed_after_migrate(sender=None, using="default", **kwargs) -> None:
    """post_migrate receiver: a fresh install (or a flushed test database) has the default checklist."""
    from django.db import connections

    if GateRequirement._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated to a point before the gates existed
    gate_catalogue_seed(using)
