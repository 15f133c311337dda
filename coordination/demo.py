"""Demo data of the coordination service: ~25 issue items over the demo projects in every state, two meetings (a
政企对接会 held, with minutes and three decisions, one of them turned into an issue; a 现场协调会 planned), the
liaison officer's service log, and last month's call-backs drawn with one recorded.

Everything is written through the services (workflow, audit, notifications), then the clocks are set back so the
issues look as they would have run: reported, signed for, assigned, answered and confirmed on past working days,
the measured figures (working minutes to sign, working days to answer and to close, on time) recomputed from those
moments exactly as the services compute them. Idempotent: skipped when the demo issues exist."""

import datetime
import random
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import Organization, User
from portal.audit.models import AuditEvent
from portal.core import workdays
from projects.models import Project

from . import clock, services
from .models import (
    CallBack,
    IssueCategory,
    IssueItem,
    IssueRating,
    IssueSource,
    IssueState,
    Meeting,
    MeetingKind,
    ServiceKind,
    ServiceLog,
)

# Projects (projects/demo.py)
HANGWEN = "杭温高速铁路义乌至温州段"  # owner 之江交通, contractor 华东路桥, liaison 刘晓东
WENZHOU_S3 = "温州市域铁路S3线一期工程"  # contractor 华东路桥, liaison 刘晓东
HUHANG = "湖杭高速公路二期工程"  # owner 之江交通, contractor 华东路桥
QUZHOU = "衢州机场迁建工程"  # owner 之江交通, contractor 浙中建工
MEISHAN = "宁波舟山港梅山港区二期工程"  # liaison 刘晓东
JINYI = "金义东市域轨道交通东阳线"  # owner 之江交通, contractor 华东路桥, inspector granted
HANGSHAOTAI = "杭绍台高速公路台州段"  # owner 之江交通, contractor 华东路桥
SEAWALL = "钱塘江海塘安澜工程（杭州段）"  # owner 浙水, liaison 刘晓东
LAKE_DYKE = "环湖大堤（浙江段）后续工程"  # owner 浙水
CORRIDOR = "杭州城西科创大走廊综合管廊"  # liaison 刘晓东

# Companies and departments
HUADONG = "华东路桥建设集团有限公司"
ZHIJIANG = "之江交通建设投资有限公司"
ZHESHUI = "浙水水利水电开发有限公司"
FGW = "浙江省发展和改革委员会"
ZRZY = "浙江省自然资源厅"
CZT = "浙江省财政厅"
ZJT = "浙江省住房和城乡建设厅"
JTT = "浙江省交通运输厅"


@dataclass
class Spec:
    """One demo issue: who raised it where, and how far it went. `n`: reported that many working days ago;
    `anchor`: "today", or "last" / "before" (the month before last): `n` then counts back from the last
    working day of that month to the day it was confirmed. Offsets are working days after the report."""

    project: str
    raiser: str
    category: str
    title: str
    description: str
    state: str
    n: int
    department: str | None = None
    company: str | None = None  # for a liaison officer's or an inspector's issue
    anchor: str = "today"
    resolve: int = 3
    answer: str = ""
    reopen: str = ""  # the unsatisfied company's reason: sent back once
    resolve_again: int = 0
    verify: int = 0
    close: bool = True
    decline: str = ""  # the department's reason: declined once (back to the bureau)
    sign_minutes: int = 40
    extra: dict = field(default_factory=dict)


SPECS = [
    # ------------------------------------------------------------------ waiting at the bureau's service window
    Spec(HANGWEN, "contractor", IssueCategory.APPROVAL, "临时用地审批办理缓慢",
         "义乌段3号梁场临时用地报批材料已于上月提交属地自然资源部门，至今未出具审批意见，梁场无法按期建设，"
         "影响T梁预制进度，请协调加快审批。", IssueState.REPORTED, 1),
    Spec(QUZHOU, "builder2", IssueCategory.LABOUR, "农民工工资专户开户受阻",
         "我公司在衢州当地银行开立农民工工资专用账户时，银行要求提供建设单位出具的资金拨付承诺函，"
         "建设单位尚未出具，导致专户无法开立，当月工资代发受影响。", IssueState.REPORTED, 1),
    Spec(SEAWALL, "liaison", IssueCategory.DEMOLITION, "海塘沿线征地拆迁进度滞后",
         "联络员走访发现：钱塘江海塘安澜工程上城段沿线尚有17户住户、3处企业厂房未完成签约，"
         "滞后计划两个月，制约堤身加固段施工。", IssueState.REPORTED, 1, company=ZHESHUI),
    # ------------------------------------------------------------------------------------------ signed for
    Spec(HUHANG, "owner", IssueCategory.FINANCING, "二期工程专项债资金拨付滞后",
         "本年度第二批地方政府专项债券资金1.2亿元已发行，但截至目前尚未拨付至项目资本金账户，"
         "工程款支付出现缺口，请协调财政部门加快拨付。", IssueState.ACCEPTED, 2),
    Spec(JINYI, "contractor", IssueCategory.UTILITIES, "站前路燃气管线迁改协调",
         "东阳线横店站前路段DN300中压燃气管线与车站主体结构冲突，燃气公司迁改方案迟迟未定，"
         "车站基坑开挖无法进行。", IssueState.ACCEPTED, 3, department=FGW,
         decline="燃气管线迁改不属我委职责，建议交省住建厅协调燃气企业办理。"),
    # ------------------------------------------------------------------------------------- at the department
    Spec(HANGWEN, "contractor", IssueCategory.LAND, "隧道弃渣场临时用地审批",
         "大罗山隧道出口弃渣场需临时用地约46亩，县自然资源局要求补充土地复垦方案，"
         "复垦方案编制单位已提交，请协调尽快审批。", IssueState.ASSIGNED, 2, department=ZRZY),
    Spec(QUZHOU, "builder2", IssueCategory.APPROVAL, "航站楼项目概算调整审批",
         "因钢材价格上涨及航站楼屋面方案优化，项目概算需调增约1.8亿元，调整申请已报送，"
         "请协调发改部门加快审核。", IssueState.ASSIGNED, 1, department=FGW),
    Spec(HUHANG, "owner", IssueCategory.APPROVAL, "交工验收备案材料退回",
         "二期工程交工验收备案材料被退回，要求补充质量鉴定报告原件，但质监站出具报告需两周，"
         "请协调容缺受理、先行备案。", IssueState.IN_PROGRESS, 3, department=JTT),
    Spec(WENZHOU_S3, "contractor", IssueCategory.LAND, "车辆段用地预审意见",
         "S3线桐岭车辆段用地预审申请已报送，涉及少量永久基本农田调整，请协调自然资源部门出具预审意见。",
         IssueState.IN_PROGRESS, 2, department=ZRZY),
    Spec(HANGWEN, "contractor", IssueCategory.LABOUR, "农民工工资专户资金未按月足额拨付",
         "建设单位近两个月人工费用拨付至农民工工资专户的金额不足应发工资的七成，"
         "存在欠薪风险，请住建部门督促落实工资专户按月足额拨付制度。", IssueState.IN_PROGRESS, 7,
         department=ZJT),
    Spec(QUZHOU, "owner", IssueCategory.DEMOLITION, "航站区红线内剩余房屋征收未完成",
         "航站区用地红线内仍有12户房屋未完成征收，影响航站楼桩基施工，已多次函请属地政府，进展缓慢。",
         IssueState.IN_PROGRESS, 22, department=ZRZY),
    Spec(JINYI, "contractor", IssueCategory.FINANCING, "沿线配套工程贷款审批",
         "东阳线沿线配套工程项目贷款3.5亿元，银行审批要求提供省级财政资金配套承诺，请协调财政部门出具。",
         IssueState.IN_PROGRESS, 9, department=CZT, resolve=5,
         answer="已与省财政厅预算处沟通，配套资金已列入明年预算草案，承诺函将在预算批复后出具。",
         reopen="银行仍未放款，要求补充的省级财政承诺函尚未出具，问题没有解决。"),
    # ----------------------------------------------------------------------- answered, waiting for the company
    Spec(HANGWEN, "contractor", IssueCategory.UTILITIES, "义乌段110kV高压线迁改方案协调",
         "义乌段DK56处110kV架空线路与桥梁上部结构净空不足，需迁改，供电公司要求重新走审批流程，请协调加快。",
         IssueState.RESOLVED, 8, department=ZJT, resolve=7,
         answer="已协调国网义乌供电公司，迁改方案已批复，计划下周两天停电完成迁改，请项目部做好配合。"),
    Spec(HUHANG, "contractor", IssueCategory.APPROVAL, "施工许可证变更（项目经理变更）",
         "因原项目经理调任，申请变更施工许可证载明的项目经理，住建部门要求重新提交全套材料，请协调简化办理。",
         IssueState.RESOLVED, 4, department=ZJT, resolve=3,
         answer="经核实，项目经理变更可按告知承诺制办理，只需提交变更申请和新任项目经理证书，已于当日办结。"),
    Spec(LAKE_DYKE, "owner2", IssueCategory.LAND, "堤防加固工程林地占用审批",
         "堤防加固涉及占用林地约12公顷，使用林地审核同意书办理进度缓慢，请协调。",
         IssueState.RESOLVED, 6, department=ZRZY, resolve=5,
         answer="使用林地审核材料已齐全，已进入审批程序，预计5个工作日内出具审核同意书。"),
    # ----------------------------------------------------------------------------- confirmed by the company
    Spec(HANGSHAOTAI, "owner", IssueCategory.OTHER, "服务区经营权移交协调",
         "台州段两处服务区建成后经营权移交交通集团的手续不明确，请协调明确移交程序。",
         IssueState.VERIFIED, 9, department=JTT, resolve=7, verify=8,
         answer="已明确由省交通集团按资产划转程序接收，移交协议范本已发送建设单位。"),
    Spec(WENZHOU_S3, "liaison", IssueCategory.LAND, "施工便道占用农田复垦协调",
         "联络员走访反映：施工便道临时占用农田约20亩，工期结束后复垦标准与村集体存在分歧。",
         IssueState.VERIFIED, 10, department=ZRZY, company=HUADONG, resolve=6, verify=8,
         answer="已组织县自然资源局、乡镇和村集体现场确认复垦标准，签订三方协议。"),
    # ------------------------------------------------------------------ closed last month (the call-back month)
    Spec(HANGWEN, "contractor", IssueCategory.APPROVAL, "隧道爆破作业许可延期",
         "大罗山隧道爆破作业许可即将到期，延期申请需多部门会签，请协调。",
         IssueState.CLOSED, 4, department=ZJT, anchor="last", resolve=3, verify=4,
         answer="已协调公安、住建部门联合会签，许可延期至明年6月。"),
    Spec(QUZHOU, "builder2", IssueCategory.LABOUR, "农民工实名制考勤平台对接",
         "项目实名制考勤系统与省建筑工人管理服务平台数据对接失败，影响工资核发。",
         IssueState.CLOSED, 7, department=ZJT, anchor="last", resolve=6, verify=7,
         answer="平台接口已更新，数据已补传，考勤记录正常。"),
    Spec(JINYI, "inspector", IssueCategory.OTHER, "桥梁支座质量问题协调更换",
         "第三方检测发现东阳江特大桥部分盆式支座竖向承载力不满足设计要求，需协调供应商更换。",
         IssueState.CLOSED, 9, department=JTT, company=HUADONG, anchor="last", resolve=8, verify=9,
         answer="已责令供应商更换不合格支座，复检合格。"),
    Spec(HUHANG, "owner", IssueCategory.FINANCING, "专项债资金到位证明出具",
         "申报下一批专项债需提供前期资金到位证明，财政部门出具时间较长。",
         IssueState.CLOSED, 9, department=CZT, anchor="last", resolve=4, verify=9,
         answer="已出具资金到位情况说明。",
         reopen="说明未加盖财政部门公章，银行不予认可。", resolve_again=7),
    # --------------------------------------------------------------------------- closed the month before last
    Spec(SEAWALL, "owner2", IssueCategory.DEMOLITION, "堤线征迁补偿标准争议",
         "海塘沿线部分住户对征迁补偿标准有异议，拒绝签约。",
         IssueState.CLOSED, 14, department=ZRZY, anchor="before", resolve=10, verify=14,
         answer="已由属地政府按程序组织听证，补偿标准维持，签约完成。"),
    Spec(HANGWEN, "liaison", IssueCategory.APPROVAL, "初步设计变更审批",
         "联络员走访反映：温州段线路局部调整需办理初步设计变更审批。",
         IssueState.CLOSED, 5, department=FGW, company=ZHIJIANG, anchor="before", resolve=4, verify=5,
         answer="初步设计变更已批复。"),
    Spec(QUZHOU, "owner", IssueCategory.APPROVAL, "机场迁建项目节能审查",
         "项目节能报告审查意见迟迟未出，影响初步设计批复。",
         IssueState.CLOSED, 4, department=FGW, anchor="before", resolve=3, verify=4,
         answer="节能审查意见已出具。"),
]

MEETING_DECISIONS = [
    {"project": HANGWEN, "department": ZRZY, "category": IssueCategory.LAND,
     "text": "省自然资源厅牵头，10个工作日内完成杭温高铁永康段新增临时用地的审批。"},
    {"project": HANGWEN, "department": CZT, "category": IssueCategory.FINANCING,
     "text": "省财政厅会同建设单位梳理本年度省级资本金到位情况，月底前拨付第四季度资本金。"},
    {"project": QUZHOU, "department": JTT, "category": IssueCategory.OTHER,
     "text": "省交通运输厅协调民航部门，年内完成衢州机场校飞方案审查。"},
]

SERVICE_LOG = [
    (HANGWEN, ServiceKind.VISIT, 2, "华东路桥项目部 赵刚", "走访义乌段项目部，了解梁场临时用地和高压线迁改进展。",
     "督促企业通过网上问题清单提交临时用地诉求。"),
    (WENZHOU_S3, ServiceKind.CALL, 4, "华东路桥 赵刚", "电话了解车辆段用地预审材料准备情况。", ""),
    (SEAWALL, ServiceKind.VISIT, 1, "浙水水利 沈国平", "现场查看海塘沿线征迁情况，尚有17户未签约。",
     "代企业登记征地拆迁问题，交局服务窗口签收。"),
    (MEISHAN, ServiceKind.CALL, 6, "港区项目部", "回访港区二期运营情况，无新增困难。", ""),
    (CORRIDOR, ServiceKind.MEETING, 8, "钱塘城投、余杭区住建局", "参加区政府组织的管廊入廊管线单位协调会。",
     "跟踪电力、通信管线入廊协议签订进度。"),
]


def _back(day: datetime.date, n: int) -> datetime.date:
    """The working day `n` working days before `day` (n = 0: `day` itself, or the working day before it)."""
    while not workdays.is_workday(day):
        day -= datetime.timedelta(days=1)
    for _ in range(n):
        day -= datetime.timedelta(days=1)
        while not workdays.is_workday(day):
            day -= datetime.timedelta(days=1)
    return day


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _report_day(spec: Spec, today: datetime.date) -> datetime.date:
    if spec.anchor == "today":
        return _back(today, spec.n)
    month = services.previous_month(today)
    if spec.anchor == "before":
        month = services.previous_month(month)
    confirmed = _back(month + datetime.timedelta(days=32 - (month + datetime.timedelta(days=32)).day), 3)
    return _back(confirmed, spec.verify)


class _Clock:
    """The moments of one demo issue's steps, in the order its audit events were written."""

    def __init__(self, start: datetime.date, index: int):
        self.start = start
        self.created = _at(start, 9 + index % 3, (index * 13) % 60)
        self.moments: list[datetime.datetime] = [self.created]
        self.now = timezone.now() - datetime.timedelta(minutes=5)

    def day(self, offset: int, hour: int, minute: int = 0) -> datetime.datetime:
        moment = _at(workdays.add_workdays(self.start, offset), hour, minute)
        return min(moment, self.now)

    def step(self, moment: datetime.datetime) -> datetime.datetime:
        moment = max(moment, self.moments[-1] + datetime.timedelta(minutes=1))
        self.moments.append(moment)
        return moment


def _raise(spec: Spec, users: dict, projects: dict, orgs: dict) -> IssueItem:
    actor = users[spec.raiser]
    return services.issue_raise(actor=actor, project=projects[spec.project], title=spec.title,
                                description=spec.description, category=spec.category,
                                company=orgs.get(spec.company) if spec.company else None,
                                source=(IssueSource.LIAISON if spec.raiser == "liaison" else
                                        IssueSource.INSPECTION if spec.raiser == "inspector" else None))


ORDER = [IssueState.REPORTED, IssueState.ACCEPTED, IssueState.ASSIGNED, IssueState.IN_PROGRESS,
         IssueState.RESOLVED, IssueState.VERIFIED, IssueState.CLOSED]


def _walk(issue: IssueItem, spec: Spec, index: int, today: datetime.date, users: dict, orgs: dict) -> None:
    """Take the issue to its demo state through the services, then set its clocks back."""
    staff = users["staff"]
    target = ORDER.index(IssueState(spec.state))
    clk = _Clock(_report_day(spec, today), index)
    stamps: dict = {}
    ratings: list[datetime.datetime] = []
    if target >= 1 or spec.decline:
        issue = services.issue_accept(actor=staff, issue=issue)
        stamps["accepted_at"] = clk.step(clk.created + datetime.timedelta(minutes=spec.sign_minutes + index % 4 * 7))
    department = orgs.get(spec.department) if spec.department else None
    if spec.decline and department is not None:
        issue = services.issue_assign(actor=staff, issue=issue, department=department)
        stamps["assigned_at"] = clk.step(clk.day(0, 14, 20))  # the service keeps it after a decline
        issue = services.issue_decline(actor=_reviewer(users, department), issue=issue, reason=spec.decline)
        clk.step(clk.day(1, 10, 5))
    elif target >= 2 and department is not None:
        issue = services.issue_assign(actor=staff, issue=issue, department=department)
        stamps["assigned_at"] = clk.step(clk.day(0, 14, 20))
    reviewer = _reviewer(users, department) if department is not None else None
    if target >= 3 and reviewer is not None:
        issue = services.issue_start(actor=reviewer, issue=issue)
        clk.step(clk.day(1, 10, 0))
        if spec.answer or target >= 4:
            issue = services.issue_resolve(actor=reviewer, issue=issue, answer=spec.answer or "已协调办理。")
            stamps["first_answer_at"] = stamps["resolved_at"] = clk.step(clk.day(spec.resolve, 15, 30))
        if spec.reopen:
            raiser = _verifier(users, issue)
            issue = services.issue_verify(actor=raiser, issue=issue, satisfied=False, comment=spec.reopen)
            ratings.append(clk.step(clk.day(spec.resolve + 1, 10, 15)))
            if spec.resolve_again:
                issue = services.issue_resolve(actor=reviewer, issue=issue, answer=spec.answer + "（已补充加盖公章的正式文件）")
                stamps["resolved_at"] = clk.step(clk.day(spec.resolve_again, 16, 0))
    if target >= 5:
        issue = services.issue_verify(actor=_verifier(users, issue), issue=issue, satisfied=True,
                                      comment="问题已解决，感谢协调。")
        stamps["verified_at"] = clk.step(clk.day(spec.verify, 10, 30))
        ratings.append(stamps["verified_at"])
    if target >= 6:
        issue = services.issue_close(actor=staff, issue=issue)
        stamps["closed_at"] = clk.step(clk.day(spec.verify, 16, 10))
    _set_back(issue, spec, clk, stamps, ratings)


def _reviewer(users: dict, department: Organization) -> User:
    return next(u for u in users["_reviewers"] if u.organization_id == department.pk)


def _verifier(users: dict, issue: IssueItem) -> User:
    return next(u for u in users["_company_users"] if u.organization_id == issue.company_id)


def _set_back(issue: IssueItem, spec: Spec, clk: _Clock, stamps: dict, ratings: list) -> None:
    """The issue's moments moved to the past, the measured figures recomputed as the services compute them."""
    created = clk.created
    local = timezone.localtime
    limit, due = services.default_due(spec.category, clk.start)
    values = {"created_at": created, "updated_at": clk.moments[-1], "held_since": clk.moments[-1],
              "limit_workdays": limit, "due_on": due}
    for name in ("accepted_at", "assigned_at", "first_answer_at", "resolved_at", "verified_at", "closed_at"):
        if name in stamps:
            values[name] = stamps[name]
    if stamps.get("accepted_at"):
        values["sign_minutes"] = clock.working_minutes(created, stamps["accepted_at"])
    if stamps.get("first_answer_at"):
        values["answer_workdays"] = workdays.workdays_between(local(created).date(),
                                                              local(stamps["first_answer_at"]).date())
    if stamps.get("verified_at"):
        verified = local(stamps["verified_at"]).date()
        values["close_workdays"] = workdays.workdays_between(local(created).date(), verified)
        values["on_time"] = verified <= due
    IssueItem.objects.filter(pk=issue.pk).update(**values)
    MOMENTS[issue.pk] = (list(clk.moments), list(ratings))


# issue id → (the moments of its audit events in order, the moments of its ratings in order): applied together
MOMENTS: dict[int, tuple[list, list]] = {}


def _apply_moments() -> None:
    """The audit events and ratings of the demo issues moved to their moments, in two UPDATEs."""
    ct = ContentType.objects.get_for_model(IssueItem)
    events: dict[str, list[AuditEvent]] = {}
    for event in AuditEvent.objects.filter(content_type=ct, object_id__in=[str(pk) for pk in MOMENTS]).order_by(
            "pk").only("pk", "object_id", "created_at"):
        events.setdefault(event.object_id, []).append(event)
    ratings: dict[int, list[IssueRating]] = {}
    for rating in IssueRating.objects.filter(issue_id__in=list(MOMENTS)).order_by("pk").only(
            "pk", "issue_id", "created_at", "updated_at"):
        ratings.setdefault(rating.issue_id, []).append(rating)
    changed_events, changed_ratings = [], []
    for pk, (moments, rated) in MOMENTS.items():
        for event, moment in zip(events.get(str(pk), []), moments, strict=False):
            event.created_at = moment
            changed_events.append(event)
        for rating, moment in zip(ratings.get(pk, []), rated, strict=False):
            rating.created_at = rating.updated_at = moment
            changed_ratings.append(rating)
    AuditEvent.objects.bulk_update(changed_events, ["created_at"], batch_size=500)
    IssueRating.objects.bulk_update(changed_ratings, ["created_at", "updated_at"], batch_size=500)
    MOMENTS.clear()


@transaction.atomic
def seed() -> dict:
    if not IssueItem.objects.exists() and not Meeting.objects.exists():
        MOMENTS.clear()
        _seed()
    return {"issue_items": IssueItem.objects.count(), "meetings": Meeting.objects.count(),
            "service_log": ServiceLog.objects.count(), "callbacks": CallBack.objects.count()}


def _seed() -> None:
    today = timezone.localdate()
    names = ["staff", "leader", "liaison", "contractor", "owner", "owner2", "builder2", "inspector", "reviewer",
             "zrzy_reviewer", "czt_reviewer", "zjt_reviewer", "jtt_reviewer"]
    users: dict = User.objects.select_related("organization").in_bulk(names, field_name="username")
    if len(users) < len(names):
        return  # not the demo province
    users["_reviewers"] = [users[n] for n in names if n.endswith("reviewer")]
    users["_company_users"] = [users[n] for n in ("contractor", "owner", "owner2", "builder2")]
    project_names = {s.project for s in SPECS} | {d["project"] for d in MEETING_DECISIONS} | {
        s[0] for s in SERVICE_LOG} | {JINYI}
    projects = {p.name: p for p in Project.objects.filter(name__in=project_names, voided_at__isnull=True)}
    orgs = Organization.objects.in_bulk([HUADONG, ZHIJIANG, ZHESHUI, FGW, ZRZY, CZT, ZJT, JTT], field_name="name")
    if len(projects) < len(project_names) or len(orgs) < 8:
        return
    for index, spec in enumerate(SPECS):
        issue = _raise(spec, users, projects, orgs)
        _walk(issue, spec, index, today, users, orgs)
    _seed_meetings(today, users, projects, orgs)
    _seed_dyke_meeting(today, users, projects, orgs)
    _seed_attachments(users, projects)
    _apply_moments()
    _seed_service_log(today, users, projects)
    _seed_callbacks(today, users)


def _seed_meetings(today: datetime.date, users: dict, projects: dict, orgs: dict) -> None:
    staff = users["staff"]
    held = _back(today, 8)
    meeting = services.meeting_create(actor=staff, data={
        "kind": MeetingKind.MATCHMAKING, "title": "杭温高铁、衢州机场项目政企对接会", "held_at": _at(held, 9, 30),
        "place": "省重点办三楼会议室", "projects": [projects[HANGWEN], projects[QUZHOU]],
        "organizations": [orgs[ZHIJIANG], orgs[HUADONG], orgs[ZRZY], orgs[CZT], orgs[JTT]],
        "attendees": [staff, users["liaison"], users["contractor"], users["owner"], users["zrzy_reviewer"],
                      users["czt_reviewer"], users["jtt_reviewer"]],
        "other_attendees": "衢州市人民政府 副秘书长\n义乌市自然资源和规划局 局长",
        "agenda": "一、建设单位汇报项目推进中的困难问题\n二、相关部门逐项回应\n三、明确责任单位和办结时限"})
    decisions = [{**d, "project": projects[d["project"]], "department": orgs[d["department"]]}
                 for d in MEETING_DECISIONS]
    meeting = services.meeting_record_minutes(
        actor=staff, meeting=meeting, decisions=decisions,
        minutes="会议听取了之江交通、华东路桥关于杭温高铁临时用地、资本金到位和衢州机场校飞工作的汇报，"
                "省自然资源厅、省财政厅、省交通运输厅逐项作了回应。会议明确了以下事项，由局服务窗口纳入问题清单跟踪办理。")
    Meeting.objects.filter(pk=meeting.pk).update(created_at=_at(_back(held, 3), 16, 0), updated_at=_at(held, 17, 0))
    first = meeting.decisions.order_by("order")[0]
    issue = services.decision_to_issue(actor=staff, decision=first)
    issue = services.issue_accept(actor=staff, issue=issue)
    issue = services.issue_assign(actor=staff, issue=issue, department=orgs[ZRZY])
    spec = Spec(HANGWEN, "staff", IssueCategory.LAND, issue.title, issue.description, IssueState.ASSIGNED, 0)
    clk = _Clock(held, 1)
    clk.created = _at(held, 15, 10)
    clk.moments = [clk.created]
    stamps = {"accepted_at": clk.step(_at(held, 15, 40)), "assigned_at": clk.step(_at(held, 16, 20))}
    _set_back(issue, spec, clk, stamps, [])

    site_day = workdays.add_workdays(today, 3)
    services.meeting_create(actor=staff, data={
        "kind": MeetingKind.SITE, "title": "金义东东阳线横店站管线迁改现场协调会", "held_at": _at(site_day, 14, 30),
        "place": "东阳线横店站项目部", "projects": [projects[JINYI]],
        "organizations": [orgs[ZHIJIANG], orgs[HUADONG], orgs[ZJT]],
        "attendees": [staff, users["contractor"], users["zjt_reviewer"]],
        "other_attendees": "东阳市燃气有限公司\n横店镇人民政府",
        "agenda": "一、察看站前路燃气管线现场\n二、确定迁改方案和时间节点"})


def _seed_dyke_meeting(today: datetime.date, users: dict, projects: dict, orgs: dict) -> None:
    """A site meeting of 浙水's dyke project, which neither 之江交通 nor 华东路桥 attended."""
    staff = users["staff"]
    held = _back(today, 4)
    meeting = services.meeting_create(actor=staff, data={
        "kind": MeetingKind.SITE, "title": "环湖大堤后续工程林地占用现场协调会", "held_at": _at(held, 14, 0),
        "place": "环湖大堤长兴段项目部", "projects": [projects[LAKE_DYKE]],
        "organizations": [orgs[ZHESHUI], orgs[ZRZY]], "attendees": [staff, users["owner2"], users["zrzy_reviewer"]],
        "agenda": "一、察看堤防加固段林地现状\n二、明确林地占用审批材料和时限"})
    services.meeting_record_minutes(
        actor=staff, meeting=meeting, minutes="会议察看了堤防加固段现场，省自然资源厅对林地占用审批材料作了现场指导。",
        decisions=[{"text": "浙水水利一周内补齐林地可行性报告，省自然资源厅收件后5个工作日内办结。",
                    "project": projects[LAKE_DYKE], "department": orgs[ZRZY], "category": IssueCategory.LAND}])
    Meeting.objects.filter(pk=meeting.pk).update(created_at=_at(_back(held, 2), 10, 0), updated_at=_at(held, 17, 0))


# The smallest well-formed PDF: a photo or a letter stands for itself in the demo.
_DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
             b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _seed_attachments(users: dict, projects: dict) -> None:
    """A letter on one open issue of 华东路桥's and one of 浙水's."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    for username, project, name in (("contractor", HANGWEN, "临时用地申请函.pdf"),
                                    ("owner2", LAKE_DYKE, "林地占用情况说明.pdf")):
        user = users[username]
        issue = (IssueItem.objects.filter(project=projects[project], company_id=user.organization_id,
                                          state__in=[IssueState.REPORTED, IssueState.ACCEPTED, IssueState.ASSIGNED,
                                                     IssueState.IN_PROGRESS, IssueState.RESOLVED])
                 .order_by("pk").first())
        if issue is not None:
            services.attachment_add(actor=user, issue=issue,
                                    upload=SimpleUploadedFile(name, _DEMO_PDF, content_type="application/pdf"))


def _seed_service_log(today: datetime.date, users: dict, projects: dict) -> None:
    liaison = users["liaison"]
    for project, kind, back, contacts, summary, follow_up in SERVICE_LOG:
        if projects[project].liaison_officer_id != liaison.pk:
            continue
        services.servicelog_add(actor=liaison, project=projects[project], kind=kind,
                                occurred_on=_back(today, back), contacts=contacts, summary=summary,
                                follow_up=follow_up)


def _seed_callbacks(today: datetime.date, users: dict) -> None:
    drawn = services.callbacks_draw(month=services.previous_month(today), rng=random.Random(20240601))  # noqa: S311
    if drawn:
        services.callback_record(actor=users["staff"], callback=drawn[0], reached=True, contact="赵刚（项目经理）",
                                 answer="问题已彻底解决，对办理速度满意。", satisfied=True)
