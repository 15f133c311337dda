"""The projects of the province-scale data (portal/core/scale.py, `manage.py seed_scale`): 3,000 active projects
on the scale province's organisations with ~6 participants each and the group grants `participant_add` would make,
liaison officers and assigned reviewers/inspectors with the user grants `project_assign_liaison_officer` /
`project_grant_user` would make, one audit event per write, and their lifecycle data (locations, schedules,
monthly progress). Declared as `Plugin.scale` / `Plugin.scale_counts` by ProjectsConfig.

Written with bulk_create in batches; deterministic, as it draws from the province's one random generator in a
fixed order."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from portal.accounts.models import Organization, OrganizationKind, Role, User
from portal.audit.models import AuditAction, AuditEvent
from portal.core.scale import ANCHOR, BATCH, Province, short_name

from .models import (
    LiaisonAssignment,
    MonthlyProgress,
    ParticipantRole,
    Project,
    ProjectGroupObjectPermission,
    ProjectParticipant,
    ProjectUserObjectPermission,
    ScheduleTask,
)
from .models.schedule import wbs_sort_key

# Projects of the bench contractor's organisation and of the bench liaison officer.
BENCH_CONTRACTOR_PROJECTS = 320
BENCH_LIAISON_PROJECTS = 120

# ---------------------------------------------------------------------------------------------- name material
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


def counts() -> dict:
    return {
        "projects": Project.objects.active().count(),
        "project_locations": Project.objects.filter(location__isnull=False).count(),
        "schedule_tasks": ScheduleTask.objects.count(),
        "monthly_progress": MonthlyProgress.objects.count(),
        "participants": ProjectParticipant.objects.active().count(),
        "group_object_permissions": ProjectGroupObjectPermission.objects.count(),
        "user_object_permissions": ProjectUserObjectPermission.objects.count(),
    }


def seed(province: Province) -> None:  # noqa: C901
    """`province.projects` projects, their participants and grants, then their lifecycle data."""
    rng, projects, log, pick = province.rng, province.projects, province.log, province.pick
    cities, counties, city_of = province.cities, province.counties, province.city_of
    users_by_role, bench, bench_org = province.users_by_role, province.bench, province.bench_org

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
        name = _project_name(rng, ptype, short_name(city.name), short_name(county.name), short_name(other.name))
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
    assignments: list[LiaisonAssignment] = []

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
            assignments.append(LiaisonAssignment(project=project, officer=officer, started_at=when, assigned_by=actor,
                                                 created_at=when, updated_at=when))
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
    LiaisonAssignment.objects.bulk_create(assignments, batch_size=BATCH)
    AuditEvent.objects.bulk_create(events, batch_size=BATCH)
    log(f"{len(participants)} participants, {len(gperms)} group grants, {len(uperms)} user grants, "
        f"{len(events)} audit events")
    _seed_lifecycle(new_projects, rng, log)


# Zhejiang's extent, for scattering project locations (longitude, latitude).
ZJ_LON, ZJ_LAT = (118.1, 122.4), (27.2, 30.9)
TASK_NAMES = ["征地拆迁", "施工图设计", "施工准备", "路基工程", "桥梁工程", "隧道工程", "主体结构", "附属工程",
              "设备安装", "竣工验收"]


def _seed_lifecycle(projects: list, rng: random.Random, log: Callable[[str], None]) -> None:
    """A location for nine projects in ten (a route for transport and water works, a point otherwise), a
    ten-task schedule for every project past planning, and monthly progress for those under construction:
    the data the map, schedule and progress pages read at DOMAIN scale."""
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
