"""The demo province (浙江, fictitious organisations and their people, in real divisions), and on it each app's own
demo data — the projects, their lifecycle, the approval cases — as the app declares it (`Plugin.demo`).

Used by `manage.py seed_demo` and by the tests, so the pages they check are the pages people see."""

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

COMPANIES = [  # name, kind, region (the demo projects name their owner and contractor by index: projects/demo.py)
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
    # Every department a demo case or feasibility review reaches has a reviewer; 住建, which holds the overdue
    # item, also a head (the deadline scan escalates overdue items to the department head). 水利 and 交通 have one
    # reviewer each, who heads the department's review office and so receives its escalations too.
    ("zjt_reviewer", "黄志华", "浙江省住房和城乡建设厅", [Role.DEPARTMENT_REVIEWER], "建筑市场监管处审查员", False),
    ("zjt_head", "蒋卫东", "浙江省住房和城乡建设厅", [Role.DEPARTMENT_REVIEWER], "建筑市场监管处处长", True),
    ("slt_reviewer", "徐文涛", "浙江省水利厅", [Role.DEPARTMENT_REVIEWER], "水土保持处处长", True),
    ("jtt_reviewer", "方建伟", "浙江省交通运输厅", [Role.DEPARTMENT_REVIEWER], "建设管理处处长", True),
    # The owner (建设单位) of the water projects, applicant of the land-use case under review (approvals/demo.py).
    ("owner2", "沈国平", "浙水水利水电开发有限公司", [Role.CONTRACTOR], "工程部经理", True),
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
    """The foundation's demo province, then each app's own demo data (its declared `Plugin.demo`), in
    INSTALLED_APPS order. Idempotent."""
    from portal.core import plugins

    result = seed_demo()
    for seed in plugins.demo_seeders():
        result.update(seed() or {})
    return result


@transaction.atomic
def seed_demo() -> dict:
    """Create the demo province: regions, organisations, users (the apps add their records: `seed_all`).
    Idempotent: what exists is left as it is."""
    regions_load()
    province = Region.objects.get(code="330000")
    bureau = _org(BUREAU, OrganizationKind.BUREAU, 1, short_name="省重点办", region=province,
                  address="杭州市上城区省府路8号", contact_phone="0571-87050000")
    orgs = {BUREAU: bureau}
    for i, (name, short, code) in enumerate(DEPARTMENTS):
        orgs[name] = _org(name, OrganizationKind.DEPARTMENT, 10 + i, short_name=short, department_code=code,
                          region=province)
    for i, (name, kind, region) in enumerate(COMPANIES):
        orgs[name] = _org(name, kind, 100 + i, region=Region.objects.get(code=region),
                          contact_phone=f"0571-8{i:03d}{i:04d}"[:13])

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

    return {"organizations": Organization.objects.count(), "users": User.objects.count()}
