"""Quality and safety oversight in the province-scale data (portal/core/scale.py, `manage.py seed_scale`; declared
as `Plugin.scale` / `Plugin.scale_counts` by SupervisionConfig): on every scale project that is being built (from
construction preparation to handover, about two thirds of DOMAIN.md's 3,000), what the parts would have recorded
over its works —

- 1–3 tender lots (标段) awarded to the project's contractors, each with its construction contract, and a
  supervision contract with the project's supervisor;
- 0–4 dangerous works (危大工程), about a quarter beyond a certain scale, in the state their dates reached;
- 2–4 inspection plans of key processes with their samples (30–40 % witnessed, 见证取样): most tested (about 6 %
  failed), the latest taken or at a testing agency drawn among the province's agencies; each failed sample has
  its rectification (整改), most closed after a passed re-inspection;
- about 25 hazards (隐患) found over the last year, 5 % major with a real criterion of the 2022 standard
  (`supervision.hazards.criteria`), most closed, the recent ones open in the state their deadline reached;
- accountability records (追责): a proposal for each open major hazard past its deadline, and confirmed measures
  for some units with repeated failures.

Rows are written with bulk_create in batches, without audit events (as coordination/scale.py), from the
province's random generator in a fixed order. Record numbers carry an "S" (scale) so they never meet the
services' own. Idempotent: nothing is written when the scale hazards exist. `seed_existing()` adds the rows to a
database that already holds the scale province (a kept bench database)."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from portal.accounts.models import Organization, OrganizationKind, Role, User

from .models import (
    AccountabilityRecord,
    AccountabilityState,
    Contract,
    ContractKind,
    DangerousWork,
    DangerousWorkKind,
    DangerousWorkState,
    ExpertReviewResult,
    Hazard,
    HazardGrade,
    HazardState,
    InspectionPlan,
    KeyProcess,
    LotState,
    MeasureKind,
    QualificationGrade,
    QualificationKind,
    Rectification,
    RectificationState,
    Sample,
    SampleState,
    TenderLot,
    Trigger,
)

BATCH = 2000
HAZARD_PREFIX = "YS"  # scale hazards: YS<year><serial>
BUILDING_STAGES = ("preparation", "under_construction", "completion_acceptance", "handover")
HAZARDS_PER_PROJECT = 25
MAJOR_SHARE = 0.05
FAIL_SHARE = 0.06
DAYS = 365

LOT_KIND = {"transport": QualificationKind.HIGHWAY, "water": QualificationKind.WATER,
            "energy": QualificationKind.BUILDING, "municipal": QualificationKind.MUNICIPAL,
            "social": QualificationKind.BUILDING, "industry": QualificationKind.BUILDING}
LOT_NAMES = ["土建施工", "路基桥梁", "隧道工程", "机电安装", "房建工程", "管网工程", "附属工程"]
HAZARD_TITLES = {  # title, location, dangerous-work kind the hazard is on (or None)
    "general": [("临边防护栏杆缺失", "基坑北侧", "excavation"), ("安全网破损未更换", "3#楼外架", "scaffold"),
                ("配电箱未上锁、无漏电保护", "生活区配电房", None), ("作业人员未系安全带", "桥墩高处作业面", None),
                ("脚手架连墙件间距过大", "主体外脚手架", "scaffold"), ("材料堆放超高", "钢筋加工场", None),
                ("消防器材过期", "办公区", None), ("动火作业无监护人", "钢结构焊接区", None),
                ("基坑周边堆载超限", "基坑东侧", "excavation"), ("塔吊限位器灵敏度不足", "1#塔吊", "lifting")],
    "major": [("基坑变形监测数据超控制值未停工", "车站深基坑", "excavation"),
              ("高支模未按专项方案搭设", "主线桥现浇箱梁支架", "formwork"),
              ("塔吊安全装置失效", "2#塔吊", "lifting"), ("特种作业人员无证上岗", "起重吊装作业区", "lifting")],
}
MAJOR_CRITERIA_BY_KIND = {"excavation": "4.", "formwork": "5.", "lifting": "7.", "scaffold": "6."}
WORK_NAMES = {"excavation": "深基坑工程", "formwork": "高大模板支撑体系", "lifting": "起重吊装工程",
              "scaffold": "悬挑脚手架工程", "underground": "隧道暗挖工程", "demolition": "既有结构拆除工程"}
PROCESSES = [KeyProcess.CONCRETE_STRENGTH, KeyProcess.REBAR, KeyProcess.PILE, KeyProcess.COMPACTION,
             KeyProcess.WELDING, KeyProcess.WATERPROOFING, KeyProcess.ASPHALT]
PROCESS_TITLES = {KeyProcess.CONCRETE_STRENGTH: "混凝土抗压强度检测", KeyProcess.REBAR: "钢筋及机械连接检测",
                  KeyProcess.PILE: "桩基完整性检测", KeyProcess.COMPACTION: "路基压实度检测",
                  KeyProcess.WELDING: "钢结构焊缝探伤", KeyProcess.WATERPROOFING: "防水材料及施工质量检测",
                  KeyProcess.ASPHALT: "沥青路面质量检测"}


def counts() -> dict:
    return {
        "tender_lots": TenderLot.objects.count(),
        "contracts": Contract.objects.count(),
        "dangerous_works": DangerousWork.objects.count(),
        "inspection_plans": InspectionPlan.objects.count(),
        "samples": Sample.objects.count(),
        "failed_samples": Sample.objects.filter(state=SampleState.FAILED).count(),
        "rectifications": Rectification.objects.count(),
        "hazards": Hazard.objects.count(),
        "open_hazards": Hazard.objects.exclude(state=HazardState.CLOSED).count(),
        "accountability_records": AccountabilityRecord.objects.count(),
    }


def seed(province) -> None:
    """The rows of the module's docstring on the province's building projects."""
    _seed(rng=province.rng, users_by_role=province.users_by_role, log=province.log)


def seed_existing(*, log: Callable[[str], None] = print, projects: int | None = None) -> dict:
    """The same rows, added to a database that already holds the scale province (nothing when it holds them);
    `projects`: at most that many building projects (tests)."""
    from portal.core.scale import SEED

    users_by_role: dict[str, list[User]] = defaultdict(list)
    for user in User.objects.filter(is_active=True).prefetch_related("groups").order_by("pk"):
        for group in user.groups.all():
            if group.name in Role.values:
                users_by_role[group.name].append(user)
    with transaction.atomic():
        _seed(rng=random.Random(SEED + 13), users_by_role=users_by_role, log=log, limit=projects)
    return counts()


def _criteria() -> list[str]:
    from .hazards.criteria import CRITERIA

    return [c.code for c in CRITERIA]


def _seed(*, rng: random.Random, users_by_role: dict[str, list[User]],  # noqa: C901, PLR0912, PLR0915
          log: Callable[[str], None], limit: int | None = None) -> None:
    from projects.models import Project, ProjectParticipant

    if Hazard.objects.filter(number__startswith=HAZARD_PREFIX).exists():
        log("supervision: already there")
        return
    projects = list(Project.objects.active().filter(stage__in=BUILDING_STAGES)
                    .values_list("pk", "owner_id", "project_type", "total_investment").order_by("pk"))
    if limit is not None:
        projects = projects[:limit]
    staff = [u.pk for u in users_by_role.get(Role.BUREAU_STAFF, [])] or list(
        User.objects.filter(is_superuser=True).values_list("pk", flat=True)[:1])
    if not projects or not staff:
        log("supervision: no building projects or no bureau staff; skipped")
        return
    inspectors = [u.pk for u in users_by_role.get(Role.INSPECTOR, [])] or staff
    company_users: dict[int, list[int]] = defaultdict(list)
    for user in users_by_role.get(Role.CONTRACTOR, []):
        if user.organization_id:
            company_users[user.organization_id].append(user.pk)
    agencies = list(Organization.objects.filter(kind=OrganizationKind.TESTING_AGENCY).values_list("pk", flat=True)
                    .order_by("pk"))
    roles: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for project_id, org_id, role in (ProjectParticipant.objects.active()
                                     .filter(project_id__in=[p[0] for p in projects])
                                     .values_list("project_id", "organization_id", "role").order_by("project_id", "pk")):
        roles[project_id][role].append(org_id)
    criteria = _criteria()
    today = timezone.localdate()
    now = timezone.now()

    def day_back(days: int) -> datetime.date:
        return today - datetime.timedelta(days=days)

    def moment(day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9 + rng.randint(0, 8),
                                                                                 rng.randint(0, 59))))

    # ------------------------------------------------------------------------------- lots and contracts
    lots: list[TenderLot] = []
    lot_meta: list[tuple[int, int, int]] = []  # project, owner, contractor of each lot (its contract)
    contracts: list[Contract] = []
    taken = set(TenderLot.objects.filter(project_id__in=[p[0] for p in projects]).values_list("project_id", "code"))
    for project_id, owner_id, ptype, investment in projects:
        builders = roles[project_id]["contractor"] or [owner_id]
        n = 0
        for builder in builders[: rng.randint(1, 3)]:
            n += 1
            while (project_id, f"SG-{n:02d}") in taken:  # a lot the demo recorded on the same project
                n += 1
            amount = (Decimal(investment or 10**8) * Decimal(rng.randint(15, 45)) / 100 / len(builders)).quantize(
                Decimal("0.01"))
            awarded = day_back(rng.randint(200, 900))
            lots.append(TenderLot(project_id=project_id, code=f"SG-{n:02d}", name=rng.choice(LOT_NAMES),
                                  estimated_amount=amount, required_kind=LOT_KIND.get(ptype, QualificationKind.BUILDING),
                                  required_grade=QualificationGrade.FIRST, bid_open_on=awarded - datetime.timedelta(
                                      days=20), state=LotState.AWARDED, awarded_to_id=builder,
                                  awarded_amount=amount * Decimal("0.96"), awarded_on=awarded,
                                  awarded_by_id=rng.choice(staff)))
            lot_meta.append((project_id, owner_id, builder))
    lots = TenderLot.objects.bulk_create(lots, batch_size=BATCH)
    for i, (lot, (project_id, owner_id, builder)) in enumerate(zip(lots, lot_meta, strict=True)):
        start = lot.awarded_on + datetime.timedelta(days=30)
        contracts.append(Contract(
            project_id=project_id, lot=lot, number=f"HTS{lot.awarded_on:%Y}{i + 1:06d}", title=f"{lot.name}施工合同",
            kind=ContractKind.CONSTRUCTION, employer_id=owner_id, contractor_id=builder, amount=lot.awarded_amount,
            start_on=start, finish_on=start + datetime.timedelta(days=rng.randint(540, 1460)),
            delay_penalty_per_day=Decimal(rng.choice([5000, 10000, 20000])), advance_share=Decimal(rng.choice(
                [0, 10, 20, 30])), signed_on=lot.awarded_on + datetime.timedelta(days=rng.randint(5, 25)),
            created_by_id=rng.choice(staff)))
    serial = len(contracts)
    for project_id, owner_id, _ptype, investment in projects:
        for supervisor in roles[project_id]["supervisor"][:1]:
            serial += 1
            signed = day_back(rng.randint(200, 900))
            contracts.append(Contract(
                project_id=project_id, number=f"HTS{signed:%Y}{serial:06d}", title="施工监理服务合同",
                kind=ContractKind.SUPERVISION, employer_id=owner_id, contractor_id=supervisor,
                amount=(Decimal(investment or 10**8) * Decimal("0.012")).quantize(Decimal("0.01")),
                start_on=signed, finish_on=signed + datetime.timedelta(days=1095), retention_share=Decimal(0),
                signed_on=signed, created_by_id=rng.choice(staff)))
    Contract.objects.bulk_create(contracts, batch_size=BATCH)
    log(f"supervision: {len(lots)} lots, {len(contracts)} contracts")

    # ---------------------------------------------------------------------------------------- dangerous works
    works: list[DangerousWork] = []
    kinds = [DangerousWorkKind.EXCAVATION, DangerousWorkKind.FORMWORK, DangerousWorkKind.LIFTING,
             DangerousWorkKind.SCAFFOLD, DangerousWorkKind.UNDERGROUND, DangerousWorkKind.DEMOLITION]
    for project_id, owner_id, _ptype, _inv in projects:
        builders = roles[project_id]["contractor"] or [owner_id]
        for _ in range(rng.choice([0, 1, 2, 2, 3, 4])):
            kind = rng.choice(kinds)
            large = rng.random() < 0.25
            start = day_back(rng.randint(-60, 500))
            state = (DangerousWorkState.REGISTERED if start > today + datetime.timedelta(days=30)
                     else DangerousWorkState.PLAN_READY if start > today
                     else DangerousWorkState.COMPLETED if start < day_back(300) else DangerousWorkState.IN_PROGRESS)
            params: dict = {}
            if kind == DangerousWorkKind.EXCAVATION:
                params = {"depth_m": Decimal(rng.randint(5, 9) if large else rng.randint(3, 4))}
            elif kind == DangerousWorkKind.FORMWORK:
                params = {"height_m": Decimal(rng.randint(8, 14) if large else rng.randint(5, 7)),
                          "span_m": Decimal(rng.randint(10, 25))}
            elif kind == DangerousWorkKind.LIFTING:
                params = {"lifting_kn": Decimal(rng.randint(1000, 3000) if large else rng.randint(300, 900))}
            works.append(DangerousWork(
                project_id=project_id, contractor_id=rng.choice(builders), kind=kind,
                name=f"{WORK_NAMES[kind]}{rng.randint(1, 9)}#", large_scale=large,
                criteria="超过一定规模" if large else "危大工程", planned_start=start,
                planned_finish=start + datetime.timedelta(days=rng.randint(60, 240)), state=state,
                plan_approved_at=moment(start - datetime.timedelta(days=15)) if state != DangerousWorkState.REGISTERED
                else None, plan_approved_by_id=rng.choice(staff) if state != DangerousWorkState.REGISTERED else None,
                expert_review_on=start - datetime.timedelta(days=20) if large and state != "registered" else None,
                expert_review_result=ExpertReviewResult.PASSED if large and state != "registered" else "",
                started_on=start if state in (DangerousWorkState.IN_PROGRESS, DangerousWorkState.COMPLETED) else None,
                completed_on=start + datetime.timedelta(days=200) if state == DangerousWorkState.COMPLETED else None,
                **params))
    works = DangerousWork.objects.bulk_create(works, batch_size=BATCH)
    works_of: dict[int, list[DangerousWork]] = defaultdict(list)
    for work in works:
        works_of[work.project_id].append(work)
    log(f"supervision: {len(works)} dangerous works")

    # ----------------------------------------------------------------------- inspection plans and samples
    plans: list[InspectionPlan] = []
    for project_id, owner_id, _ptype, _inv in projects:
        builders = roles[project_id]["contractor"] or [owner_id]
        for process in rng.sample(PROCESSES, rng.randint(2, 4)):
            plans.append(InspectionPlan(
                project_id=project_id, contractor_id=rng.choice(builders), process=process,
                title=PROCESS_TITLES[process], required_samples=rng.randint(6, 12),
                witness_share=rng.choice([30, 30, 40, 50]), standard="GB 50204-2015", created_by_id=rng.choice(staff)))
    plans = InspectionPlan.objects.bulk_create(plans, batch_size=BATCH)
    samples: list[Sample] = []
    for plan in plans:
        taken = rng.randint(plan.required_samples // 2, plan.required_samples)
        witnessed = max(1, -(-taken * plan.witness_share // 100))
        for k in range(taken):
            day = day_back(int(DAYS * k / taken) + rng.randint(0, 12))
            fresh = (today - day).days
            agency = rng.choice(agencies) if agencies else None
            state = (SampleState.TAKEN if fresh < 2 or agency is None else SampleState.ASSIGNED if fresh < 10
                     else SampleState.FAILED if rng.random() < FAIL_SHARE else SampleState.PASSED)
            tested = state in (SampleState.PASSED, SampleState.FAILED)
            samples.append(Sample(
                number=f"QS{day:%Y}{len(samples) + 1:07d}", plan=plan, location=f"{rng.randint(1, 40)}#部位",
                taken_on=day, taken_by_id=rng.choice(inspectors), witnessed=k < witnessed,
                witness_name="监理见证员" if k < witnessed else "", state=state,
                agency_id=agency if state != SampleState.TAKEN else None,
                agency_candidates=[agency] if agency and state != SampleState.TAKEN else [],
                assigned_at=moment(day) if state != SampleState.TAKEN else None,
                assigned_by_id=rng.choice(staff) if state != SampleState.TAKEN else None,
                values={"strength_mpa": round(rng.uniform(28, 45), 1)} if tested else {},
                conclusion=("合格" if state == SampleState.PASSED else "不合格：强度低于设计值") if tested else "",
                report_number=f"JC{day:%Y}{len(samples) + 1:07d}" if tested else "",
                tested_on=min(today, day + datetime.timedelta(days=rng.randint(3, 28))) if tested else None))
    samples = Sample.objects.bulk_create(samples, batch_size=BATCH)
    log(f"supervision: {len(plans)} inspection plans, {len(samples)} samples")

    rects: list[Rectification] = []
    retests: list[Sample] = []
    for sample in samples:
        if sample.state != SampleState.FAILED:
            continue
        due = sample.tested_on + datetime.timedelta(days=14)
        state = (RectificationState.CLOSED if due < day_back(20) else
                 rng.choice([RectificationState.OPEN, RectificationState.SUBMITTED]))
        rect = Rectification(
            number=f"ZS{sample.taken_on:%Y}{len(rects) + 1:06d}", sample=sample, project_id=sample.plan.project_id,
            responsible_id=sample.plan.contractor_id, requirement="对不合格部位返工处理，完成后重新取样检测。",
            due_on=due, state=state, rounds=1 if rng.random() < 0.9 else 2)
        if state != RectificationState.OPEN:
            rect.measures = "已凿除不合格混凝土并重新浇筑。"
            rect.submitted_at = moment(due - datetime.timedelta(days=3))
            rect.submitted_by_id = rng.choice(company_users.get(rect.responsible_id) or staff)
        if state == RectificationState.CLOSED:
            retest = Sample(number=f"QS{due:%Y}R{len(retests) + 1:06d}", plan=sample.plan, location=sample.location,
                            taken_on=due - datetime.timedelta(days=2), taken_by_id=rng.choice(inspectors),
                            witnessed=True, witness_name="监理见证员", retest_of=sample, state=SampleState.PASSED,
                            agency_id=sample.agency_id, assigned_at=moment(due - datetime.timedelta(days=2)),
                            conclusion="复检合格", report_number=f"JCR{len(retests) + 1:07d}", tested_on=due)
            retests.append(retest)
            rect.closed_at = moment(due)
            rect.closed_by_id = rng.choice(inspectors)
        rects.append(rect)
    retests = Sample.objects.bulk_create(retests, batch_size=BATCH)
    it = iter(retests)
    for rect in rects:
        if rect.state == RectificationState.CLOSED:
            rect.retest = next(it)
    Rectification.objects.bulk_create(rects, batch_size=BATCH)
    log(f"supervision: {len(rects)} rectifications, {len(retests)} re-inspections")

    # --------------------------------------------------------------------------------------------- hazards
    hazards: list[Hazard] = []
    for project_id, owner_id, _ptype, _inv in projects:
        builders = roles[project_id]["contractor"] or [owner_id]
        for _ in range(max(1, int(rng.gauss(HAZARDS_PER_PROJECT, 8)))):
            major = rng.random() < MAJOR_SHARE
            title, location, kind = rng.choice(HAZARD_TITLES["major" if major else "general"])
            found = day_back(int(DAYS * rng.random() ** 1.3))
            due = found + datetime.timedelta(days=21 if major else 7)
            age = (today - found).days
            if age > 40 or (age > 10 and rng.random() < 0.8):
                state = HazardState.CLOSED
            else:
                state = rng.choices([HazardState.REPORTED, HazardState.RECTIFYING, HazardState.SUBMITTED],
                                    weights=[2, 5, 3])[0]
            on = [w for w in works_of.get(project_id, []) if w.kind == kind]
            prefix = MAJOR_CRITERIA_BY_KIND.get(kind or "", "3.")
            hazard = Hazard(
                number=f"{HAZARD_PREFIX}{found:%Y}{len(hazards) + 1:07d}", project_id=project_id,
                dangerous_work_id=rng.choice(on).pk if on else None, title=title,
                description=f"{location}{title}，须按期整改。", location=location,
                grade=HazardGrade.MAJOR if major else HazardGrade.GENERAL,
                criterion=rng.choice([c for c in criteria if c.startswith(prefix)] or criteria) if major else "",
                responsible_id=rng.choice(builders), found_on=found, found_by_id=rng.choice(inspectors), due_on=due,
                work_stopped=major and state != HazardState.CLOSED, state=state, source="inspection",
                created_at=moment(found), updated_at=moment(found))
            if state in (HazardState.SUBMITTED, HazardState.CLOSED):
                hazard.measures = "已按要求整改完毕，附整改前后照片。"
                hazard.rectified_by_id = rng.choice(company_users.get(hazard.responsible_id) or staff)
                hazard.submitted_at = moment(min(due, today))
            if state == HazardState.CLOSED:
                hazard.closed_at = moment(min(due + datetime.timedelta(days=2), today))
                hazard.closed_by_id = rng.choice(inspectors)
                hazard.check_failures = 1 if rng.random() < 0.08 else 0
            hazards.append(hazard)
    hazards = Hazard.objects.bulk_create(hazards, batch_size=BATCH)
    log(f"supervision: {len(hazards)} hazards")

    # -------------------------------------------------------------------------------------- accountability
    records: list[AccountabilityRecord] = []
    for hazard in hazards:
        if hazard.grade == HazardGrade.MAJOR and hazard.state != HazardState.CLOSED and hazard.due_on < today:
            records.append(AccountabilityRecord(
                number=f"ZZS{len(records) + 1:06d}", organization_id=hazard.responsible_id,
                project_id=hazard.project_id, kind=MeasureKind.INTERVIEW, trigger=Trigger.MAJOR_HAZARD_OVERDUE,
                hazard=hazard, facts=f"重大事故隐患 {hazard.number} 逾期未整改。", state=AccountabilityState.PROPOSED))
    repeat = [s for s in samples if s.state == SampleState.FAILED]
    for sample in rng.sample(repeat, len(repeat) // 5):
        decided = sample.tested_on + datetime.timedelta(days=10)
        kind = rng.choice([MeasureKind.INTERVIEW, MeasureKind.NOTICE, MeasureKind.FINE])
        records.append(AccountabilityRecord(
            number=f"ZZS{len(records) + 1:06d}", organization_id=sample.plan.contractor_id,
            project_id=sample.plan.project_id, kind=kind, trigger=Trigger.REPEAT_FAILURE, sample=sample,
            facts=f"{sample.plan.title}检测不合格（{sample.number}）。",
            state=AccountabilityState.COMPLETED if decided < day_back(30) else AccountabilityState.CONFIRMED,
            decision_reason="检测不合格，予以追责。", decided_by_id=rng.choice(staff), decided_at=moment(decided),
            fine_amount=Decimal(rng.choice([20000, 50000, 100000])) if kind == MeasureKind.FINE else None,
            due_on=decided + datetime.timedelta(days=30),
            completion_note="已执行。" if decided < day_back(30) else "",
            completed_at=moment(decided + datetime.timedelta(days=20)) if decided < day_back(30) else None))
    AccountabilityRecord.objects.bulk_create(records, batch_size=BATCH)
    log(f"supervision: {len(records)} accountability records ({now:%Y-%m-%d})")
