"""The demo province (浙江, fictitious organisations and projects with real division codes).

Used by `manage.py seed_demo` and by the tests, so the pages they check are the pages people see."""

import datetime
from decimal import Decimal

from django.db import transaction

from portal.accounts import services as accounts
from portal.accounts.models import CreditStanding, DepartmentCode, Organization, OrganizationKind, Role, User
from portal.accounts.validators import credit_code_check_char
from portal.core.models import Region
from portal.core.regions import regions_load

DEMO_PASSWORD = "keyprojects-demo-2024"  # noqa: S105  (documented demo logins, never in production data)

DEPARTMENTS = [
    ("浙江省发展和改革委员会", "省发改委", DepartmentCode.DEVELOPMENT_REFORM),
    ("浙江省财政厅", "省财政厅", DepartmentCode.FINANCE),
    ("浙江省自然资源厅", "省自然资源厅", DepartmentCode.NATURAL_RESOURCES),
    ("浙江省生态环境厅", "省生态环境厅", DepartmentCode.ECOLOGY_ENVIRONMENT),
    ("浙江省住房和城乡建设厅", "省住建厅", DepartmentCode.HOUSING_CONSTRUCTION),
    ("浙江省交通运输厅", "省交通运输厅", DepartmentCode.TRANSPORT),
    ("浙江省水利厅", "省水利厅", DepartmentCode.WATER_RESOURCES),
]

COMPANIES = [  # name, kind, region
    ("之江交通建设投资有限公司", OrganizationKind.OWNER, "330100"),
    ("钱塘城市建设投资集团有限公司", OrganizationKind.OWNER, "330100"),
    ("甬江轨道交通建设有限公司", OrganizationKind.OWNER, "330200"),
    ("浙水水利水电开发有限公司", OrganizationKind.OWNER, "330100"),
    ("瓯江城市发展集团有限公司", OrganizationKind.OWNER, "330300"),
    ("东海能源建设有限公司", OrganizationKind.OWNER, "330900"),
    ("华东路桥建设集团有限公司", OrganizationKind.CONTRACTOR, "330100"),
    ("浙中建工集团有限公司", OrganizationKind.CONTRACTOR, "330700"),
    ("海川隧道工程有限公司", OrganizationKind.CONTRACTOR, "330200"),
    ("鼎诚市政工程有限公司", OrganizationKind.CONTRACTOR, "330600"),
    ("江南水电工程局有限公司", OrganizationKind.CONTRACTOR, "331100"),
    ("正衡工程监理有限公司", OrganizationKind.SUPERVISOR, "330100"),
    ("浙诚工程咨询监理有限公司", OrganizationKind.SUPERVISOR, "330400"),
    ("之江交通规划设计研究院有限公司", OrganizationKind.DESIGNER, "330100"),
    ("东南市政工程设计院有限公司", OrganizationKind.DESIGNER, "330200"),
    ("浙地工程勘察院有限公司", OrganizationKind.SURVEYOR, "330500"),
    ("衡正工程检测有限公司", OrganizationKind.TESTING_AGENCY, "330100"),
    ("中测安全技术检测有限公司", OrganizationKind.TESTING_AGENCY, "331000"),
]

BUREAU = "浙江省重点工程建设管理局"

# username, full name, organisation, roles, title, head of organisation
USERS = [
    ("staff", "王建国", BUREAU, [Role.BUREAU_STAFF], "综合处科员", False),
    ("leader", "李明华", BUREAU, [Role.LEADER], "副局长", True),
    ("liaison", "刘晓东", BUREAU, [Role.LIAISON_OFFICER], "项目联络员", False),
    ("liaison2", "周敏", BUREAU, [Role.LIAISON_OFFICER], "项目联络员", False),
    ("reviewer", "陈思远", "浙江省发展和改革委员会", [Role.DEPARTMENT_REVIEWER], "投资处审查员", False),
    ("fgw_head", "何志强", "浙江省发展和改革委员会", [Role.DEPARTMENT_REVIEWER], "投资处处长", True),
    ("zrzy_reviewer", "林婉清", "浙江省自然资源厅", [Role.DEPARTMENT_REVIEWER], "用地审查员", False),
    ("sthj_reviewer", "郑立新", "浙江省生态环境厅", [Role.DEPARTMENT_REVIEWER], "环评审查员", False),
    ("czt_reviewer", "吴芳", "浙江省财政厅", [Role.DEPARTMENT_REVIEWER], "建设处审查员", False),
    ("contractor", "赵刚", "华东路桥建设集团有限公司", [Role.CONTRACTOR], "项目经理", False),
    ("owner", "钱立群", "之江交通建设投资有限公司", [Role.CONTRACTOR], "工程部经理", True),
    ("builder2", "孙海涛", "浙中建工集团有限公司", [Role.CONTRACTOR], "项目经理", False),
    ("supervisor", "冯建明", "正衡工程监理有限公司", [Role.CONTRACTOR], "总监理工程师", False),
    ("inspector", "孙立", "衡正工程检测有限公司", [Role.INSPECTOR], "检测工程师", False),
]

# name, type, level, stage, investment (亿元), regions, owner index, contractor index, start year
PROJECTS = [
    ("杭温高速铁路义乌至温州段", "transport", "national", "under_construction", 498.6, ["330700", "330300"], 0, 6, 2022),
    ("甬舟铁路金塘海底隧道工程", "transport", "national", "under_construction", 270.5, ["330200", "330900"], 2, 8, 2023),
    ("杭州地铁十二号线一期工程", "transport", "provincial", "under_construction", 312.0, ["330100"], 1, 8, 2021),
    ("温州市域铁路S3线一期工程", "transport", "provincial", "preparation", 187.3, ["330300"], 4, 6, 2025),
    ("湖杭高速公路二期工程", "transport", "provincial", "completion_acceptance", 96.4, ["330500", "330100"], 0, 6, 2020),
    ("衢州机场迁建工程", "transport", "provincial", "under_construction", 42.8, ["330800"], 0, 7, 2023),
    ("宁波舟山港梅山港区二期工程", "transport", "national", "operating", 85.2, ["330200"], 2, 9, 2018),
    ("金义东市域轨道交通东阳线", "transport", "provincial", "operating", 158.0, ["330700"], 0, 6, 2018),
    ("杭绍台高速公路台州段", "transport", "provincial", "post_evaluation", 112.6, ["331000"], 0, 6, 2017),
    ("钱塘江海塘安澜工程（杭州段）", "water", "provincial", "under_construction", 68.9, ["330100"], 3, 10, 2022),
    ("浙西南水资源配置工程", "water", "provincial", "feasibility", 156.4, ["331100", "330800"], 3, 10, 2027),
    ("环湖大堤（浙江段）后续工程", "water", "national", "preparation", 28.3, ["330500"], 3, 10, 2025),
    ("瓯江引水工程二期", "water", "municipal", "preliminary_design", 35.6, ["330300"], 4, 10, 2026),
    ("丽水缙云抽水蓄能电站", "energy", "national", "under_construction", 108.0, ["331100"], 5, 10, 2022),
    ("舟山绿色石化基地配套码头", "energy", "provincial", "handover", 64.5, ["330900"], 5, 9, 2019),
    ("宁海抽水蓄能电站送出工程", "energy", "provincial", "proposal", 22.1, ["330200"], 5, 7, 2027),
    ("杭州城西科创大走廊综合管廊", "municipal", "municipal", "under_construction", 46.2, ["330100"], 1, 9, 2023),
    ("温州瓯江口新区市政道路网", "municipal", "municipal", "preparation", 38.7, ["330300"], 4, 9, 2025),
    ("绍兴市城市快速路网二期", "municipal", "municipal", "completion_acceptance", 57.3, ["330600"], 1, 9, 2021),
    ("嘉兴南湖大道智慧化改造", "municipal", "municipal", "feasibility", 12.8, ["330400"], 1, 9, 2026),
    ("浙江大学医学院附属第一医院余杭院区二期", "social", "provincial", "under_construction", 39.5, ["330100"], 1, 7, 2023),
    ("金华市中心医院新院区", "social", "municipal", "preliminary_design", 32.4, ["330700"], 1, 7, 2026),
    ("台州市第一人民医院新院区", "social", "municipal", "preparation", 28.9, ["331000"], 1, 7, 2025),
    ("宁波西枢纽保障性租赁住房", "social", "municipal", "under_construction", 24.6, ["330200"], 2, 7, 2024),
    ("丽水学院新校区一期", "social", "municipal", "proposal", 18.2, ["331100"], 1, 7, 2027),
    ("杭州亚运场馆赛后综合利用改造", "social", "municipal", "operating", 9.6, ["330100"], 1, 7, 2022),
    ("宁波前湾新区新能源汽车零部件产业园", "industry", "provincial", "under_construction", 75.0, ["330200"], 2, 7, 2024),
    ("衢州智造新城数字经济产业园", "industry", "municipal", "feasibility", 26.3, ["330800"], 1, 7, 2026),
    ("湖州长兴新能源电池材料基地", "industry", "provincial", "preliminary_design", 52.0, ["330500"], 5, 7, 2026),
    ("舟山国际粮油产业园二期", "industry", "municipal", "handover", 15.4, ["330900"], 5, 9, 2020),
]


def demo_credit_code(n: int) -> str:
    first17 = f"91330{n % 10:01d}00MA2{n:07d}"[:17]
    return first17 + credit_code_check_char(first17)


def _org(name: str, kind: str, n: int, **extra) -> Organization:
    org = Organization.objects.filter(name=name).first()
    if org is None:
        org = accounts.organization_create(actor=None, name=name, kind=kind, credit_code=demo_credit_code(n), **extra)
    return org


def seed_all() -> dict:
    """The foundation's demo province, then each app's own demo data (`<app>/demo.py: seed()`), in
    INSTALLED_APPS order. Idempotent."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    result = seed_demo()
    for config in apps.get_app_configs():
        if config.name.startswith(("django.", "portal.")) or find_spec(f"{config.name}.demo") is None:
            continue
        result.update(import_module(f"{config.name}.demo").seed() or {})
    return result


@transaction.atomic
def seed_demo() -> dict:
    """Create the demo province. Idempotent: what exists is left as it is."""
    from projects import services as projects
    from projects.models import ParticipantRole, Project, ProjectLevel, ProjectType, Stage

    regions_load()
    province = Region.objects.get(code="330000")
    bureau = _org(BUREAU, OrganizationKind.BUREAU, 1, short_name="省重点办", region=province,
                  address="杭州市上城区省府路8号", contact_phone="0571-87050000")
    orgs = {BUREAU: bureau}
    for i, (name, short, code) in enumerate(DEPARTMENTS):
        orgs[name] = _org(name, OrganizationKind.DEPARTMENT, 10 + i, short_name=short, department_code=code,
                          region=province)
    companies = []
    for i, (name, kind, region) in enumerate(COMPANIES):
        org = _org(name, kind, 100 + i, region=Region.objects.get(code=region),
                   contact_phone=f"0571-8{i:03d}{i:04d}"[:13])
        orgs[name] = org
        companies.append(org)

    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@keyprojects.example.gov.cn", DEMO_PASSWORD,
                                      full_name="系统管理员", organization=bureau)
    users = {}
    for username, full_name, org_name, roles, title, head in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = accounts.user_create(
                actor=None, username=username, full_name=full_name, organization=orgs[org_name], roles=roles,
                email=f"{username}@keyprojects.example.gov.cn", password=DEMO_PASSWORD, title=title,
                is_org_head=head,
            )
        users[username] = user
    staff = users["staff"]

    for name, standing, reason in [
        ("海川隧道工程有限公司", CreditStanding.WARNED, "2025年度第三方抽检两次不合格，约谈提醒"),
        ("鼎诚市政工程有限公司", CreditStanding.DISHONEST, "拖欠农民工工资被列入失信名单（2025年）"),
    ]:
        if orgs[name].credit_history.count() == 0:
            accounts.organization_set_credit_standing(actor=staff, organization=orgs[name], standing=standing,
                                                      reason=reason)

    supervisors = [o for o in companies if o.kind == OrganizationKind.SUPERVISOR]
    designers = [o for o in companies if o.kind == OrganizationKind.DESIGNER]
    testers = [o for o in companies if o.kind == OrganizationKind.TESTING_AGENCY]
    created = 0
    for i, (name, ptype, level, stage, yi, region_codes, owner_i, contractor_i, year) in enumerate(PROJECTS, 1):
        code = f"{year - 2:04d}-{region_codes[0]}-{48 if ptype == 'transport' else 76:02d}-01-{i:06d}"
        if Project.objects.filter(code=code).exists():
            continue
        project = projects.project_create(
            actor=staff, code=code, name=name, project_type=ProjectType(ptype), level=ProjectLevel(level),
            stage=Stage(stage), total_investment=Decimal(str(yi)) * Decimal("100000000"),
            planned_start=datetime.date(year, 3 + i % 6, 1), planned_finish=datetime.date(year + 3 + i % 3, 12, 31),
            owner=companies[owner_i], regions=list(Region.objects.filter(code__in=region_codes)),
            description=f"{name}是{'国家' if level == 'national' else '省市'}重点建设项目，由{companies[owner_i].name}负责建设。",
            liaison_officer=users["liaison"] if i % 3 == 1 else users["liaison2"] if i % 3 == 2 else None,
        )
        if stage not in ("proposal", "feasibility", "preliminary_design"):
            projects.participant_add(actor=staff, project=project, organization=companies[contractor_i],
                                     role=ParticipantRole.CONTRACTOR, lot="一标段")
            projects.participant_add(actor=staff, project=project, organization=supervisors[i % 2],
                                     role=ParticipantRole.SUPERVISOR)
            projects.participant_add(actor=staff, project=project, organization=testers[i % 2],
                                     role=ParticipantRole.TESTING)
            if i % 2 == 0:
                projects.project_grant_user(actor=staff, project=project, user=users["inspector"],
                                            reason="第三方检测任务分配")
        projects.participant_add(actor=staff, project=project, organization=designers[i % 2],
                                 role=ParticipantRole.DESIGNER)
        if stage in ("feasibility", "preliminary_design", "proposal"):
            projects.project_grant_user(actor=staff, project=project, user=users["reviewer"],
                                        reason="可行性研究多部门联合评审")
        created += 1
    return {"organizations": Organization.objects.count(), "users": User.objects.count(),
            "projects": Project.objects.count(), "projects_created": created}
