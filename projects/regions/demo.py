"""Demo data of this part, created by `projects.demo.seed()` after the demo province exists: a joint command for
each demo project that spans several cities, with members from each region, and its land acquisition and
utility relocation items (one blocked). Written through the services, so the rules hold for the demo too."""

import datetime
from decimal import Decimal

from django.db import transaction

from portal.accounts.models import Organization, User
from portal.core.models import Region

from ..models import CommandRole, JointCommand, Project, RegionWorkKind, RegionWorkStatus, WorkUnit
from . import services

LAND, UTILITY = RegionWorkKind.LAND_ACQUISITION, RegionWorkKind.UTILITY_RELOCATION
D = datetime.date
BUREAU = "浙江省重点工程建设管理局"

# project: (command name, established, lead region, office, note, members, items)
# member: (region, role, name, position, organisation name or None, username or None, phone)
# item: (region, kind, title, unit, planned, completed, status, blockers, responsible organisation or None, due)
COMMANDS = {
    "杭温高速铁路义乌至温州段": (
        "杭温高铁义乌至温州段工程建设联合指挥部", D(2022, 3, 18), "330700", "义乌市稠城街道工人北路1号",
        "由金华、温州两市分管副市长共同担任指挥长，沿线县（市、区）分管领导为成员，每月召开一次联席会议。",
        [
            ("330700", CommandRole.COMMANDER, "陈立群", "金华市人民政府副市长", None, None, "0579-82468001"),
            ("330300", CommandRole.COMMANDER, "黄志远", "温州市人民政府副市长", None, None, "0577-88960002"),
            ("330782", CommandRole.DEPUTY, "吴国平", "义乌市人民政府副市长", None, None, "0579-85520003"),
            ("330783", CommandRole.MEMBER, "楼晓峰", "东阳市交通运输局局长", None, None, "0579-86650004"),
            ("330324", CommandRole.MEMBER, "潘建华", "永嘉县人民政府副县长", None, None, "0577-67220005"),
            ("330700", CommandRole.MEMBER, "钱立群", "工程部经理", "之江交通建设投资有限公司", "owner", "13905710006"),
            ("330700", CommandRole.LIAISON, "刘晓东", "省重点办项目联络员", BUREAU, "liaison", "13805710007"),
        ],
        [
            ("330782", LAND, "义乌段永久用地征收", WorkUnit.MU, "1260", "1260", RegionWorkStatus.DONE, "", None,
             D(2023, 6, 30)),
            ("330783", LAND, "东阳段沿线房屋征收拆迁", WorkUnit.HOUSEHOLD, "186", "172", RegionWorkStatus.BLOCKED,
             "个别户诉求未达成一致，涉及安置房面积认定，已提请东阳市政府专题协调。", None, D(2026, 6, 30)),
            ("330727", UTILITY, "磐安段110kV电力线路迁改", WorkUnit.KILOMETRE, "12.6", "9.8",
             RegionWorkStatus.IN_PROGRESS, "", None, D(2026, 12, 31)),
            ("330324", LAND, "永嘉段临时用地", WorkUnit.MU, "420", "380", RegionWorkStatus.IN_PROGRESS, "", None,
             D(2026, 12, 31)),
            ("330302", UTILITY, "鹿城段通信管线迁改", WorkUnit.ITEM, "38", "38", RegionWorkStatus.DONE, "", None,
             D(2025, 10, 31)),
            ("330324", UTILITY, "永嘉段燃气管线迁改", WorkUnit.KILOMETRE, "3.2", "0", RegionWorkStatus.NOT_STARTED, "",
             None, D(2027, 3, 31)),
        ],
    ),
    "甬舟铁路金塘海底隧道工程": (
        "甬舟铁路工程建设联合指挥部", D(2023, 4, 26), "330200", "宁波市北仑区新碶街道明州路567号",
        "宁波、舟山两市联合组建，负责征地拆迁、管线迁改和跨海段施工协调。",
        [
            ("330200", CommandRole.COMMANDER, "林海生", "宁波市人民政府副市长", None, None, "0574-89180001"),
            ("330900", CommandRole.COMMANDER, "孙建军", "舟山市人民政府副市长", None, None, "0580-22280002"),
            ("330206", CommandRole.DEPUTY, "周海涛", "北仑区人民政府副区长", None, None, "0574-86780003"),
            ("330902", CommandRole.DEPUTY, "何斌", "定海区人民政府副区长", None, None, "0580-20320004"),
            ("330200", CommandRole.MEMBER, "叶敏", "工程管理部部长", "甬江轨道交通建设有限公司", None, "13905740005"),
            ("330200", CommandRole.LIAISON, "周敏", "省重点办项目联络员", BUREAU, "liaison2", "13805710006"),
        ],
        [
            ("330206", LAND, "北仑段永久用地征收", WorkUnit.MU, "860", "702", RegionWorkStatus.IN_PROGRESS, "",
             "甬江轨道交通建设有限公司", D(2026, 12, 31)),
            ("330211", LAND, "镇海段房屋拆迁", WorkUnit.HOUSEHOLD, "64", "64", RegionWorkStatus.DONE, "", None,
             D(2024, 12, 31)),
            ("330902", LAND, "金塘岛隧道出口段征地", WorkUnit.MU, "530", "410", RegionWorkStatus.IN_PROGRESS, "",
             None, D(2027, 3, 31)),
            ("330902", UTILITY, "金塘段10kV电力线路迁改", WorkUnit.KILOMETRE, "7.5", "7.5", RegionWorkStatus.DONE, "",
             None, D(2025, 6, 30)),
            ("330206", UTILITY, "北仑段通信光缆迁改", WorkUnit.ITEM, "22", "15", RegionWorkStatus.BLOCKED,
             "涉及国防光缆，迁改方案待相关部门审批，已发函商请加快办理。", None, D(2026, 9, 30)),
        ],
    ),
    "湖杭高速公路二期工程": (
        "湖杭高速公路工程建设联合指挥部", D(2020, 5, 12), "330100", "杭州市余杭区南苑街道迎宾路398号",
        "项目已进入竣工验收阶段，指挥部保留至交工验收完成。",
        [
            ("330100", CommandRole.COMMANDER, "郑国强", "杭州市人民政府副市长", None, None, "0571-85250001"),
            ("330500", CommandRole.COMMANDER, "沈卫东", "湖州市人民政府副市长", None, None, "0572-22390002"),
            ("330521", CommandRole.DEPUTY, "俞建明", "德清县人民政府副县长", None, None, "0572-84220003"),
            ("330110", CommandRole.DEPUTY, "金晓波", "余杭区人民政府副区长", None, None, "0571-86220004"),
            ("330100", CommandRole.LIAISON, "周敏", "省重点办项目联络员", BUREAU, "liaison2", "13805710006"),
        ],
        [
            ("330521", LAND, "德清段永久用地征收", WorkUnit.MU, "1850", "1850", RegionWorkStatus.DONE, "", None,
             D(2021, 6, 30)),
            ("330110", LAND, "余杭段房屋拆迁", WorkUnit.HOUSEHOLD, "312", "312", RegionWorkStatus.DONE, "", None,
             D(2021, 12, 31)),
            ("330112", UTILITY, "临安段电力线路迁改", WorkUnit.KILOMETRE, "18.4", "18.4", RegionWorkStatus.DONE, "",
             None, D(2021, 9, 30)),
            ("330523", UTILITY, "安吉段燃气管线迁改", WorkUnit.KILOMETRE, "2.6", "2.6", RegionWorkStatus.DONE, "",
             None, D(2021, 10, 31)),
        ],
    ),
    "浙西南水资源配置工程": (
        "浙西南水资源配置工程前期工作联合指挥部", D(2025, 9, 3), "331100", "丽水市莲都区花园路15号",
        "负责前期工作阶段的用地预审、移民安置规划和管线迁改方案协调。",
        [
            ("331100", CommandRole.COMMANDER, "方志诚", "丽水市人民政府副市长", None, None, "0578-21280001"),
            ("330800", CommandRole.DEPUTY, "毛建林", "衢州市人民政府副秘书长", None, None, "0570-30250002"),
            ("331122", CommandRole.MEMBER, "李卫星", "缙云县水利局局长", None, None, "0578-31230003"),
            ("330881", CommandRole.MEMBER, "徐红英", "江山市自然资源和规划局副局长", None, None, "0570-40230004"),
        ],
        [
            ("331102", LAND, "莲都段永久用地预审", WorkUnit.MU, "2400", "0", RegionWorkStatus.NOT_STARTED, "", None,
             D(2027, 6, 30)),
            ("330881", LAND, "江山段移民安置", WorkUnit.HOUSEHOLD, "540", "0", RegionWorkStatus.NOT_STARTED, "", None,
             D(2027, 12, 31)),
            ("331122", UTILITY, "缙云段电力线路迁改", WorkUnit.KILOMETRE, "22", "0", RegionWorkStatus.NOT_STARTED, "",
             None, D(2028, 3, 31)),
        ],
    ),
}


@transaction.atomic
def seed() -> dict:
    staff = User.objects.filter(username="staff").first()
    created = 0
    for project_name, (name, established, lead, office, note, members, items) in COMMANDS.items():
        project = Project.objects.filter(name=project_name).first()
        if project is None or JointCommand.objects.filter(project=project).exists():
            continue
        services.joint_command_save(actor=staff, project=project, name=name, established_on=established,
                                    lead_region=Region.objects.get(code=lead), office=office, note=note)
        for region, role, person, position, org, username, phone in members:
            services.member_add(
                actor=staff, project=project, region=Region.objects.get(code=region), role=role, name=person,
                position=position, organization=Organization.objects.filter(name=org).first() if org else None,
                user=User.objects.filter(username=username).first() if username else None, phone=phone)
        for region, kind, title, unit, planned, completed, status, blockers, org, due in items:
            services.region_work_create(
                actor=staff, project=project, region=Region.objects.get(code=region), kind=kind, title=title,
                unit=unit, planned_quantity=Decimal(planned), completed_quantity=Decimal(completed), status=status,
                blockers=blockers, due_date=due,
                responsible_organization=Organization.objects.filter(name=org).first() if org else project.owner)
        created += 1
    return {"joint_commands": JointCommand.objects.count(), "joint_commands_created": created}
