"""A province at the scale of DOMAIN.md, on top of the demo: for the benchmark harness (`bench/`), never for tests.

3,000 active projects, 20,000 participating organisations (each with its group), 10,000 users, ~6 participants per
project with the group grants `participant_add` would make, liaison officers and assigned reviewers/inspectors with
the user grants `project_assign_liaison_officer` / `project_grant_user` would make, and one audit event per write.
Rows are written with bulk_create in batches, so the whole province takes well under a minute on PostgreSQL.

Deterministic (one fixed random seed, fixed timestamps) and idempotent: if the bench users exist, nothing is
written. The four bench logins share `BENCH_PASSWORD`; every generated user has an unusable password.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import translation

from portal.accounts import services as accounts
from portal.accounts.models import Organization, OrganizationKind, Role, User
from portal.audit.models import AuditAction, AuditEvent
from portal.core.demo import BUREAU, DEPARTMENTS, seed_demo
from portal.core.models import Region

SEED = 20240917
BENCH_PASSWORD = "keyprojects-bench-2024"  # noqa: S105  (bench logins on a throwaway database)
BENCH_USERS = ("bench_admin", "bench_leader", "bench_contractor", "bench_liaison")
BENCH_ORG = "浙江之江路桥建设集团有限公司"
BENCH_CONTRACTOR_PROJECTS = 320
BENCH_LIAISON_PROJECTS = 120
# Every generated timestamp is counted back from here, so two runs write the same rows.
ANCHOR = datetime.datetime(2025, 6, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
BATCH = 2000

# ---------------------------------------------------------------------------------------------- name material
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红兰建国文辉宇鹏飞斌浩凯健俊帆亮成志新海波峰林晨"
             "雪梅琳丹婷慧晓东立群思远婉清海涛建明晓峰振华永康德胜嘉怡子涵雨欣梓轩浩然一鸣佳琪欣怡")
BRANDS = [
    "恒信", "华兴", "宏达", "正泰", "鼎盛", "中天", "广厦", "东方", "天成", "新世纪", "鸿运", "金诚", "海天", "瑞丰",
    "永安", "盛达", "安邦", "联合", "汇通", "兴业", "嘉禾", "长城", "振华", "宝业", "宏润", "大地", "通达", "中诚",
    "恒基", "钱江", "之江", "瓯越", "甬城", "越州", "婺城", "丽山", "衢江", "舟海", "禾城", "湖山", "天台", "雁荡",
    "四明", "会稽", "天目", "莫干", "千岛", "楠溪", "普陀", "南湖", "新安", "富春", "明州", "东阳", "青田", "龙泉",
    "信达", "百川", "万科", "中建", "华东", "江南", "浙建", "华川", "远大", "金盾", "宏泰", "众城", "卓越", "同创",
    "立信", "建元", "坤和", "博远", "明远", "诚信", "精工", "方圆", "华航", "锦程", "晟达", "润丰", "启明", "越秀",
]
KIND_TRADES = {
    OrganizationKind.OWNER: ["交通投资集团", "城市建设投资集团", "水务集团", "能源集团", "城市发展集团", "轨道交通集团",
                             "产业投资发展", "国有资本运营", "新区开发建设", "文旅投资集团", "港航投资", "水利投资"],
    OrganizationKind.CONTRACTOR: ["建设工程", "路桥工程", "市政工程", "建工集团", "水利水电工程", "隧道工程",
                                  "机电安装工程", "交通工程", "园林建设", "钢结构工程", "港航工程", "电力建设"],
    OrganizationKind.SUPERVISOR: ["工程监理", "工程咨询监理", "建设监理", "项目管理咨询", "工程管理咨询"],
    OrganizationKind.DESIGNER: ["规划设计研究院", "建筑设计院", "市政工程设计院", "交通规划设计院", "水利水电勘测设计院",
                                "电力设计院"],
    OrganizationKind.SURVEYOR: ["工程勘察院", "岩土工程勘察", "地质勘查", "测绘工程", "勘测规划"],
    OrganizationKind.TESTING_AGENCY: ["工程检测", "建设工程质量检测", "公路工程试验检测", "安全技术检测",
                                      "材料检测中心"],
}
SUFFIXES = ["有限公司", "有限公司", "股份有限公司", "有限责任公司"]
# How many of the 20,000 organisations are of each kind (per 20).
KIND_SHARE = [
    (OrganizationKind.OWNER, 2), (OrganizationKind.CONTRACTOR, 9), (OrganizationKind.SUPERVISOR, 3),
    (OrganizationKind.DESIGNER, 2), (OrganizationKind.SURVEYOR, 2), (OrganizationKind.TESTING_AGENCY, 2),
]
AREA_CODES = {"3301": "0571", "3302": "0574", "3303": "0577", "3304": "0573", "3305": "0572", "3306": "0575",
              "3307": "0579", "3308": "0570", "3309": "0580", "3310": "0576", "3311": "0578"}
PLACES = ["东湖", "南岸", "西溪", "北塘", "金沙", "银湖", "青山", "白鹭", "云栖", "望江", "凤凰", "龙湾", "滨海",
          "临江", "新城", "高铁新城", "未来科技城", "湾区", "江东", "城北", "城南", "双溪", "梅溪", "清江", "翠屏"]
RIVERS = ["钱塘江", "瓯江", "曹娥江", "甬江", "椒江", "飞云江", "苕溪", "浦阳江", "鳌江", "灵江", "东阳江", "衢江"]
ORDINALS = ["一", "二", "三", "四", "五"]

# Stage mix of an active portfolio, and the model's STAGE_PHASE planning stages.
STAGE_WEIGHTS = [("proposal", 5), ("feasibility", 8), ("preliminary_design", 10), ("preparation", 12),
                 ("under_construction", 40), ("completion_acceptance", 10), ("handover", 5), ("operating", 7),
                 ("post_evaluation", 3)]
PLANNING = {"proposal", "feasibility", "preliminary_design"}
TYPE_WEIGHTS = [("transport", 30), ("water", 15), ("energy", 12), ("municipal", 20), ("social", 13), ("industry", 10)]
TYPE_INDUSTRY_CODE = {"transport": 48, "water": 76, "energy": 44, "municipal": 78, "social": 83, "industry": 36}
LEVEL_WEIGHTS = [("national", 8), ("provincial", 37), ("municipal", 55)]


def _short(name: str) -> str:
    """杭州市 → 杭州, 萧山区 → 萧山 (two-character names keep their suffix: 普陀区 → 普陀, 江北区 → 江北)."""
    for suffix in ("自治县", "市", "区", "县"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _project_name(rng: random.Random, ptype: str, city: str, county: str, other_city: str) -> str:
    place, river, n = rng.choice(PLACES), rng.choice(RIVERS), rng.randint(1, 9)
    phase = f"（{rng.choice(ORDINALS)}期）" if rng.random() < 0.4 else ""
    options = {
        "transport": [f"{city}至{other_city}高速公路{county}段", f"{city}地铁{n + 3}号线{phase or '一期'}工程",
                      f"{city}市域铁路S{n}线工程", f"{county}{river}大桥工程", f"{county}国道G{100 + n * 13}改建工程",
                      f"{city}{place}综合交通枢纽", f"{county}{place}互通立交改造工程", f"{city}港{place}港区工程"],
        "water": [f"{county}{river}流域综合治理工程", f"{county}{place}水库扩建工程", f"{city}海塘安澜工程（{county}段）",
                  f"{county}城乡供水一体化工程", f"{county}{river}防洪排涝工程"],
        "energy": [f"{county}抽水蓄能电站", f"{county}{n * 100}兆瓦海上风电项目", f"{city}500千伏{place}输变电工程",
                   f"{county}{place}光伏发电项目", f"{city}天然气管网{county}支线"],
        "municipal": [f"{county}{place}大道改造工程", f"{city}{place}综合管廊工程", f"{county}污水处理厂提标改造工程",
                      f"{city}{place}片区有机更新", f"{county}{place}公园及配套道路工程"],
        "social": [f"{city}第{ORDINALS[n % 5]}人民医院{place}院区", f"{county}{place}中学新建工程",
                   f"{city}{place}保障性租赁住房", f"{county}体育中心", f"{city}{place}养老服务中心"],
        "industry": [f"{county}{place}产业园", f"{city}{place}智能制造基地", f"{county}{place}数字经济产业园",
                     f"{city}{place}新材料产业基地"],
    }[ptype]
    return f"{rng.choice(options)}{phase}"[:200]


def _person(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _weights(n: int) -> list[float]:
    """Cumulative Zipf-like weights: a few firms take part in many projects, most in one or two."""
    total, out = 0.0, []
    for i in range(n):
        total += 1.0 / (i + 8) ** 0.9
        out.append(total)
    return out


class _Log:
    def __init__(self, out: Callable[[str], None] | None):
        self.out, self.t0 = out, time.monotonic()

    def __call__(self, msg: str) -> None:
        if self.out:
            self.out(f"[{time.monotonic() - self.t0:6.1f}s] {msg}")


def scale_counts() -> dict:
    from projects.models import (
        MonthlyProgress,
        Project,
        ProjectGroupObjectPermission,
        ProjectParticipant,
        ProjectUserObjectPermission,
        ScheduleTask,
    )

    return {
        "projects": Project.objects.active().count(),
        "project_locations": Project.objects.filter(location__isnull=False).count(),
        "schedule_tasks": ScheduleTask.objects.count(),
        "monthly_progress": MonthlyProgress.objects.count(),
        "organizations": Organization.objects.count(),
        "groups": Group.objects.count(),
        "users": User.objects.count(),
        "participants": ProjectParticipant.objects.active().count(),
        "group_object_permissions": ProjectGroupObjectPermission.objects.count(),
        "user_object_permissions": ProjectUserObjectPermission.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "regions": Region.objects.count(),
    }


def seed_scale(*, projects: int = 3000, organizations: int = 20000, users: int = 10000,
               log: Callable[[str], None] | None = None) -> dict:
    """Create the scale province on top of the demo. Returns the table counts and whether anything was written."""
    seed_demo()
    if User.objects.filter(username__in=BENCH_USERS).exists():
        return {**scale_counts(), "created": False}
    with translation.override("zh-hans"), transaction.atomic():
        _seed(projects=projects, organizations=organizations, users=users, log=_Log(log))
    return {**scale_counts(), "created": True}


def _seed(*, projects: int, organizations: int, users: int, log: _Log) -> None:  # noqa: C901
    from projects.models import (
        ParticipantRole,
        Project,
        ProjectGroupObjectPermission,
        ProjectParticipant,
        ProjectUserObjectPermission,
    )

    rng = random.Random(SEED)
    zj = list(Region.objects.filter(code__startswith="33").exclude(code="330000").order_by("code"))
    cities = [r for r in zj if r.level == Region.Level.PREFECTURE]
    counties = [r for r in zj if r.level == Region.Level.COUNTY]
    city_of = {r.code: r for r in cities}
    name_prefixes = ["浙江", "浙江省"] + [_short(r.name) for r in cities] + [_short(r.name) for r in counties]

    # ------------------------------------------------------------------------ organisations, each with its group
    bureau = Organization.objects.get(name=BUREAU)
    departments = list(Organization.objects.filter(name__in=[d[0] for d in DEPARTMENTS]).order_by("pk"))
    bench_org = accounts.organization_create(
        actor=None, name=BENCH_ORG, kind=OrganizationKind.CONTRACTOR, region=Region.objects.get(code="330100"),
        contact_phone="0571-88990000", address="杭州市滨江区江南大道1000号",
    )
    taken = set(Organization.objects.values_list("name", flat=True))
    kinds: list[str] = []
    for kind, share in KIND_SHARE:
        kinds += [kind] * (organizations * share // 20)
    kinds += [OrganizationKind.CONTRACTOR] * (organizations - len(kinds))
    new_orgs: list[Organization] = []
    for kind in kinds:
        while True:
            trade = rng.choice(KIND_TRADES[kind])
            suffix = "有限公司" if trade.endswith(("集团", "院", "中心")) else rng.choice(SUFFIXES)
            name = f"{rng.choice(name_prefixes)}{rng.choice(BRANDS)}{trade}{suffix}"
            if name not in taken:
                break
        taken.add(name)
        region = rng.choice(counties)
        phone = f"{AREA_CODES.get(region.code[:4], '0571')}-{rng.randint(80000000, 89999999)}"
        new_orgs.append(Organization(name=name, kind=kind, region=region, contact_phone=phone))
    groups = Group.objects.bulk_create([Group(name=f"org:{o.name}"[:150]) for o in new_orgs], batch_size=BATCH)
    for org, group in zip(new_orgs, groups, strict=True):
        org.group = group
    new_orgs = Organization.objects.bulk_create(new_orgs, batch_size=BATCH)
    log(f"{len(new_orgs)} organisations and their groups")

    by_kind: dict[str, list[Organization]] = {k: [] for k, _ in KIND_SHARE}
    for org in new_orgs:
        by_kind[org.kind].append(org)
    cum = {k: _weights(len(v)) for k, v in by_kind.items()}

    def pick(kind: str, exclude: set[int] = frozenset()) -> Organization:
        while True:
            org = rng.choices(by_kind[kind], cum_weights=cum[kind])[0]
            if org.pk not in exclude:
                return org

    # ---------------------------------------------------------------------------------------------------- users
    role_group = {g.name: g.pk for g in Group.objects.filter(name__in=Role.values)}
    plan: list[tuple[Organization, str, str]] = []  # organisation, role, title
    plan += [(bureau, Role.LEADER, "副局长")] * 8
    plan += [(bureau, Role.BUREAU_STAFF, rng.choice(["综合处科员", "计划处科员", "质量安全处科员", "投资处科员"]))
             for _ in range(60)]
    plan += [(bureau, Role.LIAISON_OFFICER, "项目联络员")] * 40
    plan += [(rng.choice(departments), Role.DEPARTMENT_REVIEWER, "审查员") for _ in range(300)]
    plan += [(pick(OrganizationKind.TESTING_AGENCY), Role.INSPECTOR, "检测工程师") for _ in range(400)]
    plan += [(bench_org, Role.CONTRACTOR, "项目经理")] * 30
    company_titles = ["项目经理", "技术负责人", "安全员", "质检员", "资料员", "总监理工程师", "监理工程师", "设计负责人",
                      "工程部经理", "造价工程师"]
    company_kinds = [k for k, _ in KIND_SHARE]
    while len(plan) < users:
        kind = rng.choices(company_kinds, weights=[s for _, s in KIND_SHARE])[0]
        plan.append((pick(kind), Role.CONTRACTOR, rng.choice(company_titles)))
    new_users = []
    for n, (org, _role, title) in enumerate(plan, 1):
        joined = ANCHOR - datetime.timedelta(days=rng.randint(0, 1500), minutes=rng.randint(0, 1440))
        new_users.append(User(
            username=f"u{n:05d}", full_name=_person(rng), organization=org, title=title,
            email=f"u{n:05d}@users.keyprojects.example.cn", password=make_password(None), date_joined=joined,
            is_org_head=rng.random() < 0.03, phone=f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}",
        ))
    new_users = User.objects.bulk_create(new_users, batch_size=BATCH)
    memberships = []
    for user, (org, role, _title) in zip(new_users, plan, strict=True):
        memberships.append(User.groups.through(user_id=user.pk, group_id=role_group[role]))
        memberships.append(User.groups.through(user_id=user.pk, group_id=org.group_id))
    User.groups.through.objects.bulk_create(memberships, batch_size=BATCH * 2)
    users_by_role: dict[str, list[User]] = {}
    for user, (_org, role, _title) in zip(new_users, plan, strict=True):
        users_by_role.setdefault(role, []).append(user)
    log(f"{len(new_users)} users, {len(memberships)} group memberships")

    # ------------------------------------------------------------------------------------------------ bench users
    if not User.objects.filter(username="bench_admin").exists():
        User.objects.create_superuser("bench_admin", "bench_admin@keyprojects.example.gov.cn", BENCH_PASSWORD,
                                      full_name="压测管理员", organization=bureau)
    bench = {"bench_admin": User.objects.get(username="bench_admin")}
    for username, full_name, org, role, title in [
        ("bench_leader", "压测领导", bureau, Role.LEADER, "局长"),
        ("bench_contractor", "压测施工员", bench_org, Role.CONTRACTOR, "项目经理"),
        ("bench_liaison", "压测联络员", bureau, Role.LIAISON_OFFICER, "项目联络员"),
    ]:
        bench[username] = accounts.user_create(
            actor=None, username=username, full_name=full_name, organization=org, roles=[role], title=title,
            email=f"{username}@keyprojects.example.gov.cn", password=BENCH_PASSWORD,
        )
    log("bench users")

    # ------------------------------------------------------------------------------------------------- projects
    new_projects, project_regions = [], []
    for i in range(projects):
        ptype = rng.choices([t for t, _ in TYPE_WEIGHTS], weights=[w for _, w in TYPE_WEIGHTS])[0]
        level = rng.choices([lv for lv, _ in LEVEL_WEIGHTS], weights=[w for _, w in LEVEL_WEIGHTS])[0]
        stage = rng.choices([s for s, _ in STAGE_WEIGHTS], weights=[w for _, w in STAGE_WEIGHTS])[0]
        county = rng.choice(counties)
        city = city_of[county.code[:4] + "00"]
        other = rng.choice([c for c in cities if c.pk != city.pk])
        start_year = rng.randint(2019, 2027)
        start = datetime.date(start_year, rng.randint(1, 12), 1)
        created = ANCHOR - datetime.timedelta(days=rng.randint(0, 5 * 365), seconds=rng.randint(0, 86399))
        yi = Decimal(str(round(min(800.0, max(1.0, rng.lognormvariate(3.0, 1.1))), 2)))
        owner = pick(OrganizationKind.OWNER)
        name = _project_name(rng, ptype, _short(city.name), _short(county.name), _short(other.name))
        tier = {"national": "国家", "provincial": "省"}.get(level, "市")
        new_projects.append(Project(
            code=f"{start_year - 2:04d}-{county.code}-{TYPE_INDUSTRY_CODE[ptype]:02d}-01-{500001 + i:06d}",
            name=name, project_type=ptype, level=level, stage=stage, total_investment=yi * Decimal("100000000"),
            planned_start=start, planned_finish=datetime.date(start_year + rng.randint(2, 6), 12, 31),
            owner=owner, description=f"{name}是{tier}重点建设项目，由{owner.name}负责建设。",
            created_at=created, updated_at=created,
        ))
        regions = [county] + ([rng.choice(counties)] if rng.random() < 0.25 else [])
        project_regions.append({r.pk for r in regions})
    new_projects = Project.objects.bulk_create(new_projects, batch_size=BATCH)
    Project.regions.through.objects.bulk_create(
        [Project.regions.through(project_id=p.pk, region_id=code)
         for p, codes in zip(new_projects, project_regions, strict=True) for code in sorted(codes)],
        batch_size=BATCH * 2,
    )
    log(f"{len(new_projects)} projects")

    # ------------------------------------------- participants, group grants (as participant_add), user grants
    view_project = Permission.objects.get(codename="view_project", content_type__app_label="projects")
    project_ct = ContentType.objects.get_for_model(Project)
    staff_pool = users_by_role[Role.BUREAU_STAFF]
    in_construction = [p for p in new_projects if p.stage not in PLANNING]
    bench_contracts = {p.pk for p in rng.sample(in_construction, min(BENCH_CONTRACTOR_PROJECTS, len(in_construction)))}
    bench_liaison_projects = {p.pk for p in rng.sample(new_projects, min(BENCH_LIAISON_PROJECTS, len(new_projects)))}
    liaisons = users_by_role[Role.LIAISON_OFFICER]
    reviewers, inspectors = users_by_role[Role.DEPARTMENT_REVIEWER], users_by_role[Role.INSPECTOR]
    participants, gperms, uperms, events = [], [], [], []

    def event(project, at, action, changes, actor, reason=""):
        events.append(AuditEvent(content_type=project_ct, object_id=str(project.pk), object_repr=project.name[:200],
                                 action=action, actor=actor, changes=changes, reason=reason, created_at=at))

    for project in new_projects:
        at = project.created_at
        actor = rng.choice(staff_pool)
        event(project, at, AuditAction.CREATE, {"code": [None, project.code], "name": [None, project.name],
                                                "stage": [None, project.stage], "owner": [None, project.owner_id]},
              actor)
        roles: list[tuple[str, Organization, str]] = [(ParticipantRole.OWNER, project.owner, "")]
        if project.stage in PLANNING:
            roles.append((ParticipantRole.DESIGNER, pick(OrganizationKind.DESIGNER), ""))
            if rng.random() < 0.9:
                roles.append((ParticipantRole.SURVEYOR, pick(OrganizationKind.SURVEYOR), ""))
            if rng.random() < 0.5:  # 全过程工程咨询
                roles.append((ParticipantRole.SUPERVISOR, pick(OrganizationKind.SUPERVISOR), ""))
        else:
            lots = rng.choices([1, 2, 3], weights=[30, 35, 35])[0]
            used: set[int] = set()
            for lot in range(lots):
                org = bench_org if lot == 0 and project.pk in bench_contracts else pick(OrganizationKind.CONTRACTOR, used)
                used.add(org.pk)
                roles.append((ParticipantRole.CONTRACTOR, org, f"{ORDINALS[lot]}标段"))
            roles.append((ParticipantRole.SUPERVISOR, pick(OrganizationKind.SUPERVISOR), ""))
            roles.append((ParticipantRole.DESIGNER, pick(OrganizationKind.DESIGNER), ""))
            roles.append((ParticipantRole.TESTING, pick(OrganizationKind.TESTING_AGENCY), ""))
            if rng.random() < 0.6:
                roles.append((ParticipantRole.SURVEYOR, pick(OrganizationKind.SURVEYOR), ""))
        granted: set[int] = set()
        for n, (role, org, lot) in enumerate(roles, 1):
            when = at + datetime.timedelta(minutes=n)
            participants.append(ProjectParticipant(project=project, organization=org, role=role, lot=lot,
                                                   created_at=when, updated_at=when))
            if org.group_id not in granted:  # assign_perm is idempotent per (group, permission, object)
                granted.add(org.group_id)
                gperms.append(ProjectGroupObjectPermission(group_id=org.group_id, permission=view_project,
                                                           content_object=project))
            label = str(ParticipantRole(role).label)
            event(project, when, AuditAction.GRANT, {"participants": [None, f"{org.name} · {label}"]}, actor)
        # liaison officer (as project_assign_liaison_officer), then reviewers/inspectors (as project_grant_user)
        officer = (bench["bench_liaison"] if project.pk in bench_liaison_projects
                   else rng.choice(liaisons) if rng.random() < 0.9 else None)
        viewers: list[tuple[User, str]] = []
        if project.stage in PLANNING:
            viewers += [(u, "可行性研究多部门联合评审") for u in rng.sample(reviewers, rng.randint(1, 2))]
        elif rng.random() < 0.5:
            viewers.append((rng.choice(inspectors), "第三方检测任务分配"))
        when = at + datetime.timedelta(minutes=len(roles) + 1)
        if officer is not None:
            project.liaison_officer = officer
            uperms.append(ProjectUserObjectPermission(user=officer, permission=view_project, content_object=project))
            event(project, when, AuditAction.UPDATE, {"liaison_officer": [None, str(officer)]}, actor)
        for viewer, reason in viewers:
            uperms.append(ProjectUserObjectPermission(user=viewer, permission=view_project, content_object=project))
            event(project, when, AuditAction.GRANT, {"viewer": [None, str(viewer)]}, actor, reason)

    Project.objects.bulk_update([p for p in new_projects if p.liaison_officer_id], ["liaison_officer"],
                                batch_size=BATCH)
    ProjectParticipant.objects.bulk_create(participants, batch_size=BATCH)
    ProjectGroupObjectPermission.objects.bulk_create(gperms, batch_size=BATCH)
    ProjectUserObjectPermission.objects.bulk_create(uperms, batch_size=BATCH)
    AuditEvent.objects.bulk_create(events, batch_size=BATCH)
    log(f"{len(participants)} participants, {len(gperms)} group grants, {len(uperms)} user grants, "
        f"{len(events)} audit events")
    _seed_lifecycle(new_projects, rng, log)


# Zhejiang's extent, for scattering project locations (longitude, latitude).
ZJ_LON, ZJ_LAT = (118.1, 122.4), (27.2, 30.9)
TASK_NAMES = ["征地拆迁", "施工图设计", "施工准备", "路基工程", "桥梁工程", "隧道工程", "主体结构", "附属工程",
              "设备安装", "竣工验收"]


def _seed_lifecycle(projects: list, rng: random.Random, log: _Log) -> None:
    """A location for nine projects in ten (a route for transport and water works, a point otherwise), a
    ten-task schedule for every project past planning, and monthly progress for those under construction:
    the data the map, schedule and progress pages read at DOMAIN scale."""
    from projects.models import MonthlyProgress, Project, ScheduleTask
    from projects.models.schedule import wbs_sort_key

    located = []
    for project in projects:
        if rng.random() < 0.1:
            continue
        lon, lat = rng.uniform(*ZJ_LON), rng.uniform(*ZJ_LAT)
        if project.project_type in ("transport", "water"):
            line = [[round(lon, 6), round(lat, 6)]]
            for _ in range(rng.randint(8, 40)):
                lon, lat = lon + rng.uniform(-0.02, 0.03), lat + rng.uniform(-0.02, 0.02)
                line.append([round(lon, 6), round(lat, 6)])
            project.location = {"type": "LineString", "coordinates": line}
        else:
            project.location = {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}
        located.append(project)
    Project.objects.bulk_update(located, ["location"], batch_size=BATCH)
    tasks, months = [], []
    today = ANCHOR.date()
    for project in projects:
        if project.stage in PLANNING:
            continue
        start = project.planned_start
        span = max((project.planned_finish - start).days, 30)
        for n, name in enumerate(TASK_NAMES, 1):
            t0 = start + datetime.timedelta(days=span * (n - 1) // 12)
            t1 = start + datetime.timedelta(days=span * (n + 2) // 12)
            done = 100 if t1 < today and rng.random() < 0.8 else (rng.randint(0, 90) if t0 < today else 0)
            tasks.append(ScheduleTask(
                project=project, wbs=str(n), sort_key=wbs_sort_key(str(n)), name=name, planned_start=t0,
                planned_finish=t1, actual_start=t0 if done else None, actual_finish=t1 if done == 100 else None,
                percent_complete=done, is_milestone=False,
            ))
        if project.stage == "under_construction":
            total = project.total_investment
            month = datetime.date(start.year, start.month, 1)
            n_months = max(span // 30, 1)
            cumulative = 0
            while month <= today.replace(day=1) and len(months) < 200_000:
                plan = (total / n_months).quantize(Decimal("0.01"))
                completed = (plan * Decimal(str(round(rng.uniform(0.6, 1.2), 2)))).quantize(Decimal("0.01"))
                cumulative = min(100, cumulative + round(100 / n_months * rng.uniform(0.6, 1.2), 2))
                months.append(MonthlyProgress(project=project, month=month, planned_investment=plan,
                                              completed_investment=completed, physical_progress=Decimal(str(round(cumulative, 2)))))
                month = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    ScheduleTask.objects.bulk_create(tasks, batch_size=BATCH)
    MonthlyProgress.objects.bulk_create(months, batch_size=BATCH)
    log(f"{len(located)} project locations, {len(tasks)} schedule tasks, {len(months)} monthly reports")
