"""Demo data of the stage gates, created by `projects.demo.seed()` after the demo province exists: the default
checklist, the recorded moves of each demo project through the stages before its current one, and checklists
partly met by uploaded documents and staff confirmations (one project ready to move, others blocked).
Idempotent: skipped once any transition exists."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User

from ..models import (
    STAGE_ORDER,
    GateRequirement,
    Project,
    ProjectDocument,
    Stage,
    StageTransition,
)
from . import services
from .catalogue import gate_catalogue_seed

# Why each stage was entered, as the bureau recorded it.
REASONS = {
    Stage.FEASIBILITY: "项目建议书已获省发展改革委批复，转入可行性研究阶段。",
    Stage.PRELIMINARY_DESIGN: "可行性研究报告已批复，各部门审查意见均为同意，转入初步设计。",
    Stage.PREPARATION: "初步设计及概算已批复，用地、规划许可办结，转入开工准备。",
    Stage.UNDER_CONSTRUCTION: "施工许可证已核发，施工图审查合格，进度计划基线已保存，正式开工。",
    Stage.COMPLETION_ACCEPTANCE: "主体工程完工，形象进度100%，征迁和管线迁改全部完成，转入竣工验收。",
    Stage.HANDOVER: "竣工验收备案完成，转入移交阶段。",
    Stage.OPERATING: "移交接收手续办理完毕，项目投入运营。",
    Stage.POST_EVALUATION: "运营满两年，启动项目后评价。",
}

# When each stage was entered: months after the project's planned start or finish (negative: before it).
ENTERED = {
    Stage.FEASIBILITY: ("start", -30), Stage.PRELIMINARY_DESIGN: ("start", -20), Stage.PREPARATION: ("start", -9),
    Stage.UNDER_CONSTRUCTION: ("start", 0), Stage.COMPLETION_ACCEPTANCE: ("finish", -3),
    Stage.HANDOVER: ("finish", 2), Stage.OPERATING: ("finish", 5), Stage.POST_EVALUATION: ("finish", 26),
}


def demo_pdf(title: str) -> bytes:
    """A small, valid one-page PDF (hand-written objects and cross-reference table). Its text is ASCII: the
    title goes into the document information, where any reader shows it."""
    info_title = title.encode("utf-16-be").hex().upper()
    stream = b"BT /F1 14 Tf 72 760 Td (Key Projects Construction Management Bureau - demo document) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title <FEFF" + info_title.encode() + b"> /Producer (keyprojects demo) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def demo_upload(title: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{title}.pdf", demo_pdf(title), content_type="application/pdf")


def _months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    return datetime.date(day.year + month // 12, month % 12 + 1, 1)


def _history(project: Project, staff: User, requirements: list[GateRequirement], now: datetime.datetime) -> int:
    """Record the moves of a project registered in a later stage through every stage before it."""
    reached = STAGE_ORDER.index(project.stage)
    created = 0
    latest = now - datetime.timedelta(days=20 * reached)
    for i in range(1, reached + 1):
        target, source = STAGE_ORDER[i], STAGE_ORDER[i - 1]
        anchor, months = ENTERED[target]
        base = project.planned_start if anchor == "start" else project.planned_finish
        day = _months(base, months) if base else None
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0))) if day else latest
        moment = min(moment, now - datetime.timedelta(days=20 * (reached - i) + 5))
        checklist = [
            {"requirement": r.pk, "title": r.title, "kind": r.kind, "condition": r.condition, "met": True,
             "detail": "已满足（纸质材料已归档）", "documents": [], "confirmation": None}
            for r in requirements if r.stage == source and r.applies_to(project)
        ]
        StageTransition.objects.create(project=project, from_stage=source, to_stage=target, actor=staff,
                                       reason=REASONS[target], checklist=checklist, created_at=moment)
        created += 1
    return created


@transaction.atomic
def seed() -> dict:
    gate_catalogue_seed()
    if StageTransition.objects.exists():
        return {"stage_transitions": StageTransition.objects.count()}
    staff = User.objects.get(username="staff")
    owner = User.objects.get(username="owner")  # 钱立群 of 之江交通建设投资有限公司, owner of several projects
    requirements = list(GateRequirement.objects.filter(active=True))
    now = timezone.now()
    transitions = 0
    for project in Project.objects.active().order_by("id"):
        transitions += _history(project, staff, requirements, now)

    def line(key: str) -> GateRequirement:
        return GateRequirement.objects.get(key=key)

    def project(name: str) -> Project:
        return Project.objects.get(name=name)

    # Ready to move: 宁海抽水蓄能电站送出工程 has its proposal approved (the only line of that gate).
    services.document_upload(actor=staff, project=project("宁海抽水蓄能电站送出工程"), requirement=line("proposal.approval"),
                             upload=demo_upload("浙发改能源〔2025〕118号 项目建议书批复"))
    # Feasibility: the approval of the study is uploaded; the opinions and risks come from their parts.
    services.document_upload(actor=staff, project=project("浙西南水资源配置工程"), requirement=line("feasibility.approval"),
                             upload=demo_upload("浙发改农经〔2025〕76号 可行性研究报告批复"))
    # Construction preparation: the drawings passed review, confirmed by the bureau.
    services.confirmation_give(actor=staff, project=project("温州市域铁路S3线一期工程"), requirement=line("preparation.drawings"),
                               note="施工图审查合格书编号：温审〔2025〕S3-017，已核对原件。")
    # Completion acceptance of a transport project: the handover inspection report is in, the filing is not.
    huhang = project("湖杭高速公路二期工程")
    services.document_upload(actor=owner, project=huhang, requirement=line("acceptance.handover_inspection"),
                             upload=demo_upload("湖杭高速公路二期工程交工验收报告"))
    services.document_upload(actor=owner, project=huhang, title="质量监督报告",
                             upload=demo_upload("湖杭高速公路二期工程质量监督报告"))
    # In operation: a post-evaluation report uploaded by mistake, then voided.
    jinyi = project("金义东市域轨道交通东阳线")
    draft = services.document_upload(actor=owner, project=jinyi, requirement=line("operating.evaluation"),
                                     upload=demo_upload("金义东线后评价报告（征求意见稿）"))
    services.document_void(actor=owner, document=draft, reason="上传的是征求意见稿，正式稿印发后重新上传。")
    # Earlier gates of 杭温高铁, with their approvals on file.
    hangwen = project("杭温高速铁路义乌至温州段")
    for key, title in (("proposal.approval", "杭温高铁项目建议书批复"), ("feasibility.approval", "杭温高铁可行性研究报告批复"),
                       ("design.approval", "杭温高铁初步设计批复")):
        services.document_upload(actor=owner, project=hangwen, requirement=line(key), upload=demo_upload(title))
    return {"stage_transitions": transitions, "project_documents": ProjectDocument.objects.count(),
            "gate_requirements": GateRequirement.objects.count()}
