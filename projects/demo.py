"""The demo projects on the demo province (portal/core/demo.py), then the demo data of their lifecycle, part by
part. Each part's `seed()` is idempotent and returns counts for the seed_demo summary."""

import datetime
from decimal import Decimal
from importlib import import_module

from django.db import transaction

from portal.accounts.models import Organization, OrganizationKind, User
from portal.core.demo import COMPANIES
from portal.core.models import Region

from . import services
from .apps import PARTS
from .models import ParticipantRole, Project, ProjectLevel, ProjectType, Stage

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


def seed() -> dict:
    """The demo projects (`PROJECTS`), then each part's demo data on them."""
    result: dict = seed_projects()
    for part in PARTS:
        result.update(import_module(f"projects.{part}.demo").seed() or {})
    return result


@transaction.atomic
def seed_projects() -> dict:
    """The ~30 key projects of the demo province, with their participants and viewers. Idempotent: a project
    whose code exists is left as it is."""
    users = {u.username: u for u in User.objects.filter(username__in=["staff", "liaison", "liaison2", "reviewer",
                                                                         "inspector"])}
    staff = users["staff"]
    by_name = Organization.objects.in_bulk([name for name, _, _ in COMPANIES], field_name="name")
    companies = [by_name[name] for name, _, _ in COMPANIES]
    supervisors = [o for o in companies if o.kind == OrganizationKind.SUPERVISOR]
    designers = [o for o in companies if o.kind == OrganizationKind.DESIGNER]
    testers = [o for o in companies if o.kind == OrganizationKind.TESTING_AGENCY]
    created = 0
    for i, (name, ptype, level, stage, yi, region_codes, owner_i, contractor_i, year) in enumerate(PROJECTS, 1):
        code = f"{year - 2:04d}-{region_codes[0]}-{48 if ptype == 'transport' else 76:02d}-01-{i:06d}"
        if Project.objects.filter(code=code).exists():
            continue
        project = services.project_create(
            actor=staff, code=code, name=name, project_type=ProjectType(ptype), level=ProjectLevel(level),
            stage=Stage(stage), total_investment=Decimal(str(yi)) * Decimal("100000000"),
            planned_start=datetime.date(year, 3 + i % 6, 1), planned_finish=datetime.date(year + 3 + i % 3, 12, 31),
            owner=companies[owner_i], regions=list(Region.objects.filter(code__in=region_codes)),
            description=f"{name}是{'国家' if level == 'national' else '省市'}重点建设项目，由{companies[owner_i].name}负责建设。",
            liaison_officer=users["liaison"] if i % 3 == 1 else users["liaison2"] if i % 3 == 2 else None,
        )
        if stage not in ("proposal", "feasibility", "preliminary_design"):
            services.participant_add(actor=staff, project=project, organization=companies[contractor_i],
                                     role=ParticipantRole.CONTRACTOR, lot="一标段")
            services.participant_add(actor=staff, project=project, organization=supervisors[i % 2],
                                     role=ParticipantRole.SUPERVISOR)
            services.participant_add(actor=staff, project=project, organization=testers[i % 2],
                                     role=ParticipantRole.TESTING)
            if i % 2 == 0:
                services.project_grant_user(actor=staff, project=project, user=users["inspector"],
                                            reason="第三方检测任务分配")
        services.participant_add(actor=staff, project=project, organization=designers[i % 2],
                                 role=ParticipantRole.DESIGNER)
        if stage in ("feasibility", "preliminary_design", "proposal"):
            services.project_grant_user(actor=staff, project=project, user=users["reviewer"],
                                        reason="可行性研究多部门联合评审")
        created += 1
    return {"projects": Project.objects.count(), "projects_created": created}
