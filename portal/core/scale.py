"""A province at the scale of DOMAIN.md, on top of the demo: for the benchmark harness (`bench/`), never for tests.

20,000 participating organisations (each with its group), 10,000 users and the bench logins are made here; each
app adds its rows on them (`Plugin.scale`, given a `Province`, in INSTALLED_APPS order) — projects/scale.py the
3,000 active projects with ~6 participants each, their grants, audit events and lifecycle data. Rows are written
with bulk_create in batches, so the whole province takes well under a minute on PostgreSQL.

Deterministic (one fixed random seed, fixed timestamps) and idempotent: if the bench users exist, nothing is
written. The four bench logins share `BENCH_PASSWORD`; every generated user has an unusable password.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import translation

from portal.accounts import services as accounts
from portal.accounts.models import Organization, OrganizationKind, Role, User
from portal.audit.models import AuditEvent
from portal.core import plugins
from portal.core.demo import BUREAU, DEPARTMENTS, seed_demo
from portal.core.models import Region

SEED = 20240917
BENCH_PASSWORD = "keyprojects-bench-2024"  # noqa: S105  (bench logins on a throwaway database)
BENCH_USERS = ("bench_admin", "bench_leader", "bench_contractor", "bench_liaison")
BENCH_ORG = "浙江之江路桥建设集团有限公司"
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


def short_name(name: str) -> str:
    """杭州市 → 杭州, 萧山区 → 萧山 (two-character names keep their suffix: 普陀区 → 普陀, 江北区 → 江北)."""
    for suffix in ("自治县", "市", "区", "县"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


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
    """The table counts of the province: the foundation's and those each app declares (`Plugin.scale_counts`)."""
    counts = {
        "organizations": Organization.objects.count(),
        "groups": Group.objects.count(),
        "users": User.objects.count(),
    }
    for count in plugins.scale_counters():
        counts.update(count())
    return {**counts, "audit_events": AuditEvent.objects.count(), "regions": Region.objects.count()}


def seed_scale(*, projects: int = 3000, organizations: int = 20000, users: int = 10000,
               log: Callable[[str], None] | None = None) -> dict:
    """Create the scale province on top of the demo. Returns the table counts and whether anything was written."""
    seed_demo()
    for demo, _scale in plugins.scale_seeders():  # the demo data each app's scale data stands on (its projects)
        if demo is not None:
            demo()
    if User.objects.filter(username__in=BENCH_USERS).exists():
        return {**scale_counts(), "created": False}
    with translation.override("zh-hans"), transaction.atomic():
        _seed(projects=projects, organizations=organizations, users=users, log=_Log(log))
    return {**scale_counts(), "created": True}


@dataclass(frozen=True)
class Province:
    """What an app's scale seeder (`Plugin.scale`) builds on: the random generator to draw from (in a fixed order,
    so the data is deterministic), how many projects to create, the regions, and the organisations and users made
    here. `pick(kind, exclude)` draws an organisation of `kind` (a few firms take part in many projects, most in
    one or two)."""

    rng: random.Random
    projects: int
    cities: list[Region]
    counties: list[Region]
    city_of: dict[str, Region]
    bench_org: Organization
    bench: dict[str, User]
    users_by_role: dict[str, list[User]]
    pick: Callable[..., Organization]
    log: Callable[[str], None]


def _seed(*, projects: int, organizations: int, users: int, log: _Log) -> None:
    rng = random.Random(SEED)
    zj = list(Region.objects.filter(code__startswith="33").exclude(code="330000").order_by("code"))
    cities = [r for r in zj if r.level == Region.Level.PREFECTURE]
    counties = [r for r in zj if r.level == Region.Level.COUNTY]
    city_of = {r.code: r for r in cities}
    name_prefixes = ["浙江", "浙江省"] + [short_name(r.name) for r in cities + counties]

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

    # ------------------------------------------------------------------ each app's rows (Plugin.scale), in order
    province = Province(
        rng=rng, projects=projects, cities=cities, counties=counties, city_of=city_of, bench_org=bench_org,
        bench=bench, users_by_role=users_by_role, pick=pick, log=log,
    )
    for _demo, seed in plugins.scale_seeders():
        seed(province)
