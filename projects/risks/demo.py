"""Demo risk registers: 6–7 realistic risks on every construction-phase demo project — social stability (征地拆迁
群众诉求, 施工扰民, 农民工工资), safety, funding, schedule, environment — some being mitigated, a few closed, two in
the extreme band; and the social-stability assessment of one planning project under feasibility review.
Created through the services. Idempotent: a project that has risks is left as it is."""

import datetime

from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from projects.models import ParticipantRole, Phase, Project, Risk, RiskStatus

from . import services

SOCIAL, LAND, ENV, SAFETY, TECH, FIN, SCHED = ("social_stability", "land", "environment", "safety", "technical",
                                              "financial", "schedule")
MITIGATING, CLOSED = RiskStatus.MITIGATING, RiskStatus.CLOSED

# key: (title, category, description, likelihood, impact, responsible (owner/contractor/supervisor), owner name,
#       mitigation)
RISKS = {
    "demolition": ("征地拆迁群众诉求集中", SOCIAL,
                   "沿线部分被征收户对补偿安置标准有异议，个别村组存在集体上访苗头，可能影响红线移交。",
                   3, 4, "owner", "张卫东（指挥部副指挥长）",
                   "落实“一户一策”，会同属地乡镇（街道）开展政策解读；设立矛盾调解室，信访台账每周研判；"
                   "补偿款专户管理、按期足额兑付。"),
    "resettlement": ("移民安置与社会稳定风险", SOCIAL,
                     "库区及输水线路涉及移民搬迁，安置点选址、生产安置方式尚未与群众充分协商。",
                     3, 4, "owner", "王海平（移民安置办主任）",
                     "编制社会稳定风险评估报告并经属地政府审核；开展入户调查和听证；安置方案公示不少于15日。"),
    "disturbance": ("施工扰民引发投诉", SOCIAL,
                    "夜间连续作业噪声、运输车辆扬尘影响周边居民小区和学校，12345热线已有投诉。",
                    4, 2, "contractor", "李建军（项目经理）",
                    "严格夜间施工审批，设置隔音屏障和雾炮机；渣土车密闭运输、错峰通行；现场公示投诉电话，24小时内回复。"),
    "wages": ("农民工工资支付纠纷", SOCIAL,
              "分包单位资金周转紧张，春节前存在欠薪引发聚集的风险。",
              2, 4, "contractor", "陈国强（劳务负责人）",
              "落实实名制管理和工资专用账户，按月足额代发；工资保证金足额缴存；建立欠薪应急周转机制。"),
    "pit": ("深基坑坍塌", SAFETY,
            "基坑开挖深度超过18米，邻近既有建筑和地下管线，软土地层变形控制难度大。",
            2, 5, "contractor", "周立新（总工程师）",
            "专项施工方案经专家论证；第三方监测每日报送，位移超预警值立即停工；应急物资和抢险队伍驻场。"),
    "formwork": ("高支模坍塌", SAFETY, "中庭及报告厅高大模板支撑体系搭设高度超过8米。",
                 2, 5, "contractor", "周立新（总工程师）",
                 "方案专家论证、搭设后验收挂牌；浇筑过程实时监测，监理旁站。"),
    "tunnel": ("隧道突涌水", SAFETY, "穿越富水断层破碎带，存在突泥涌水风险。",
               3, 5, "contractor", "吴海涛（隧道工区经理）",
               "超前地质预报与超前钻探相结合；配置大功率抽排水设备；严格执行“有疑必探、先探后掘”。"),
    "crane": ("起重机械倾覆", SAFETY, "现场塔吊、龙门吊数量多，交叉作业频繁。",
              2, 4, "supervisor", "冯建明（总监理工程师）",
              "起重机械安装验收和定期检测；安装智慧工地塔吊监控；大风天气停止吊装作业。"),
    "flood": ("汛期防洪度汛", SAFETY, "主汛期及台风影响期间，围堰和在建堤防存在漫顶、管涌风险。",
              3, 4, "owner", "郑国华（工程部经理）",
              "编制度汛方案并报水行政主管部门备案；汛前完成围堰加高加固；防汛物资和抢险队伍24小时值守。"),
    "bonds": ("专项债券资金到位滞后", FIN,
              "年度地方政府专项债券额度尚未全部下达，后续进度款支付存在缺口。",
              3, 4, "owner", "刘芳（计划财务部部长）",
              "提前做好债券项目储备和申报；会同财政部门按月对接资金调度；必要时申请银行配套融资。"),
    "prices": ("主要材料价格上涨导致投资超概算", FIN, "钢材、水泥、商品混凝土价格较概算编制期上涨明显。",
               3, 3, "owner", "刘芳（计划财务部部长）",
               "合同约定价格调整机制；大宗材料集中采购、锁定价格；动态开展投资控制分析。"),
    "utilities": ("管线迁改滞后影响主体工期", SCHED,
                  "燃气、电力、通信管线产权单位多，迁改方案审批和实施进度不可控。",
                  4, 3, "owner", "张卫东（指挥部副指挥长）",
                  "成立管线迁改专班，每周召开协调会；纳入问题清单闭环管理；必要时提请联合指挥部督办。"),
    "milestone": ("关键节点工期滞后", SCHED, "受前期手续和雨季影响，主体结构封顶节点可能推迟。",
                  3, 3, "contractor", "李建军（项目经理）",
                  "倒排工期、挂图作战；增加作业面和劳动力投入；每周对照进度计划纠偏。"),
    "dust": ("施工扬尘超标", ENV, "土方开挖和渣土外运阶段，扬尘在线监测多次接近限值。",
             3, 2, "contractor", "孙伟（安全环保部长）",
             "落实“六个百分百”；裸土覆盖、出入口车辆冲洗；扬尘在线监测超标自动联动喷淋。"),
    "spoil": ("弃渣场水土流失", ENV, "弃渣场位于山区沟谷，暴雨期间存在水土流失和滑坡隐患。",
              2, 3, "contractor", "孙伟（安全环保部长）",
              "按水土保持方案先拦后弃，修建挡渣墙和截排水沟；完工后及时复绿。"),
    "ecology": ("生态保护红线与饮用水水源保护", ENV, "工程邻近生态保护红线及饮用水水源保护区。",
                2, 4, "owner", "郑国华（工程部经理）",
                "严格施工红线管控，设置生态隔离围挡；施工废水处理达标后回用，禁止排入水源保护区。"),
    "land": ("建设用地报批未完成", LAND, "部分地块农用地转用和土地征收审批尚未获批，影响开工。",
             3, 4, "owner", "王海平（前期部部长）",
             "会同自然资源部门逐地块倒排报批计划；纳入重点项目用地保障清单；容缺受理先行开展前期工作。"),
}

BY_TYPE = {
    "transport": ["demolition", "disturbance", "tunnel", "bonds", "utilities", "spoil", "wages"],
    "water": ["demolition", "flood", "ecology", "bonds", "milestone", "disturbance"],
    "energy": ["demolition", "tunnel", "ecology", "prices", "milestone", "crane"],
    "municipal": ["disturbance", "utilities", "pit", "dust", "bonds", "wages"],
    "social": ["disturbance", "formwork", "prices", "milestone", "dust", "wages", "crane"],
    "industry": ["demolition", "bonds", "milestone", "dust", "crane", "disturbance"],
}

# (project, risk key): (likelihood, impact, status) overriding the template — the demo's worst and settled risks.
OVERRIDES = {
    ("甬舟铁路金塘海底隧道工程", "tunnel"): (4, 5, MITIGATING),
    ("杭州地铁十二号线一期工程", "pit"): (4, 5, RiskStatus.OPEN),
    ("杭温高速铁路义乌至温州段", "demolition"): (4, 4, MITIGATING),
    ("丽水缙云抽水蓄能电站", "tunnel"): (3, 5, MITIGATING),
    ("钱塘江海塘安澜工程（杭州段）", "flood"): (4, 4, MITIGATING),
    ("宁波西枢纽保障性租赁住房", "wages"): (3, 4, RiskStatus.OPEN),
}
EXTRA = {  # project: risk keys added to its type's list
    "杭州地铁十二号线一期工程": ["pit"],
    "温州市域铁路S3线一期工程": ["land"],
    "环湖大堤（浙江段）后续工程": ["land"],
}
TUNNELLING = ("铁路", "隧道", "地铁", "抽水蓄能")  # the projects whose works include tunnels
PLANNING = {"浙西南水资源配置工程": ["resettlement"]}

CLOSING_NOTE = "主体工程已完工，夜间施工结束，周边居民投诉已全部办结回访。"


def _responsible(project: Project, who: str):
    if who == "owner":
        return project.owner
    role = ParticipantRole.CONTRACTOR if who == "contractor" else ParticipantRole.SUPERVISOR
    p = project.participants.active().filter(role=role).select_related("organization").first()
    return p.organization if p else project.owner


def _seed_project(project: Project, keys: list[str], actor: User, today: datetime.date) -> int:
    for n, key in enumerate(keys):
        title, category, description, likelihood, impact, who, owner_name, mitigation = RISKS[key]
        likelihood, impact, status = OVERRIDES.get((project.name, key), (likelihood, impact, RiskStatus.OPEN))
        if status == RiskStatus.OPEN and n % 3 == 1:
            status = MITIGATING
        risk = services.risk_create(
            actor=actor, project=project, title=title, category=category, description=description,
            likelihood=likelihood, impact=impact, owner_organization=_responsible(project, who),
            owner_name=owner_name, mitigation=mitigation, status=status,
            review_date=today + datetime.timedelta(days=(n * 9 + project.pk) % 45 - 5),
        )
        if key == "disturbance" and project.stage == "completion_acceptance":
            services.risk_close(actor=actor, risk=risk, close_note=CLOSING_NOTE)
    return len(keys)


@transaction.atomic
def seed() -> dict:
    staff = User.objects.get(username="staff")
    today = timezone.localdate()
    created = 0
    for project in Project.objects.active().in_phase(Phase.CONSTRUCTION).select_related("owner").order_by("pk"):
        if Risk.objects.filter(project=project).exists():
            continue
        keys = BY_TYPE[project.project_type] + EXTRA.get(project.name, [])
        if "tunnel" in keys and not any(w in project.name for w in TUNNELLING):
            keys[keys.index("tunnel")] = next(k for k in ("crane", "milestone", "dust") if k not in keys)
        created += _seed_project(project, keys, staff, today)
    for name, keys in PLANNING.items():
        project = Project.objects.filter(name=name).select_related("owner").first()
        if project is not None and not Risk.objects.filter(project=project).exists():
            created += _seed_project(project, keys, staff, today)
    return {"risks": Risk.objects.count(), "risks_created": created}
