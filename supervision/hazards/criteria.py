"""The criteria of a major accident hazard (重大事故隐患): 房屋市政工程生产安全重大事故隐患判定标准（2022版）,
issued by the Ministry of Housing and Urban-Rural Development with 建质规〔2022〕2号.

A hazard is major when it meets one of these clauses; the clause's code is stored with the hazard
(`Hazard.criterion`), so "major" is a judgement against the standard, recorded. Codes are "<article>.<item>"
(第三条第（一）项 → "3.1").

The clause texts below were transcribed from secondary copies of the standard, in its own words (they are quoted,
not translated: the published Chinese text is what a site and a court read), and condensed in places; check them
against the published text before relying on a code or a wording. Articles 14 and 15 (processes, equipment and
materials banned for their danger; other serious breaches with a real danger of mass casualties) are the
standard's catch-all clauses."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Criterion:
    code: str
    category: str  # the article's subject (一 key of CATEGORIES)
    text: str  # the clause, in the standard's words

    @property
    def category_label(self) -> str:
        return str(CATEGORIES[self.category])

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


CATEGORIES = {
    "management": _("Construction safety management"),  # 第三条 施工安全管理
    "excavation": _("Foundation pits"),  # 第四条 基坑工程
    "formwork": _("Formwork"),  # 第五条 模板工程
    "scaffolding": _("Scaffolding"),  # 第六条 脚手架工程
    "lifting": _("Cranes and lifting"),  # 第七条 起重机械及吊装工程
    "gondola": _("Suspended work platforms (gondolas)"),  # 第八条 高处作业吊篮
    "height": _("Work at height"),  # 第九条 高处作业
    "electricity": _("Temporary power"),  # 第十条 施工临时用电
    "confined": _("Confined spaces"),  # 第十一条 有限空间作业
    "demolition": _("Demolition"),  # 第十二条 拆除工程
    "tunnelling": _("Mined tunnelling"),  # 第十三条 暗挖工程
    "other": _("Dangerous processes and other serious breaches"),  # 第十四、十五条
}

CRITERIA: tuple[Criterion, ...] = (
    # 第三条 施工安全管理
    Criterion("3.1", "management", "建筑施工企业未取得安全生产许可证擅自从事建筑施工活动"),
    Criterion("3.2", "management", "施工单位的主要负责人、项目负责人、专职安全生产管理人员未取得安全生产考核合格证书从事相关工作"),
    Criterion("3.3", "management", "建筑施工特种作业人员未取得特种作业人员操作资格证书上岗作业"),
    Criterion("3.4", "management", "危险性较大的分部分项工程未编制、未审核专项施工方案，或未按规定组织专家对“超过一定规模的危险性"
                                   "较大的分部分项工程范围”的专项施工方案进行论证"),
    # 第四条 基坑工程
    Criterion("4.1", "excavation", "对因基坑工程施工可能造成损害的毗邻重要建筑物、构筑物和地下管线等，未采取专项防护措施"),
    Criterion("4.2", "excavation", "基坑土方超挖且未采取有效措施"),
    Criterion("4.3", "excavation", "深基坑施工未进行第三方监测"),
    Criterion("4.4", "excavation", "有基坑坍塌风险预兆（支护结构或周边建筑物变形值超过设计变形控制值；基坑侧壁出现大量漏水、流土；"
                                   "基坑底部出现管涌；桩间土流失孔洞深度超过桩径）之一，且未及时处理"),
    # 第五条 模板工程
    Criterion("5.1", "formwork", "模板工程的地基基础承载力和变形不满足设计要求"),
    Criterion("5.2", "formwork", "模板支架承受的施工荷载超过设计值"),
    Criterion("5.3", "formwork", "模板支架拆除及滑模、爬模爬升时，混凝土强度未达到设计或规范要求"),
    # 第六条 脚手架工程
    Criterion("6.1", "scaffolding", "脚手架工程的地基基础承载力和变形不满足设计要求"),
    Criterion("6.2", "scaffolding", "未设置连墙件或连墙件整层缺失"),
    Criterion("6.3", "scaffolding", "附着式升降脚手架未经验收合格即投入使用"),
    Criterion("6.4", "scaffolding", "附着式升降脚手架的防倾覆、防坠落或同步升降控制装置不符合设计要求、失效、被人为拆除破坏"),
    Criterion("6.5", "scaffolding", "附着式升降脚手架使用过程中架体悬臂高度大于架体高度的2/5或大于6米"),
    # 第七条 起重机械及吊装工程
    Criterion("7.1", "lifting", "塔式起重机、施工升降机、物料提升机等起重机械设备未经验收合格即投入使用，或未按规定办理使用登记"),
    Criterion("7.2", "lifting", "塔式起重机独立起升高度、附着间距和最高附着以上的最大悬高及垂直度不符合规范要求"),
    Criterion("7.3", "lifting", "施工升降机附着间距和最高附着以上的最大悬高及垂直度不符合规范要求"),
    Criterion("7.4", "lifting", "起重机械安装、拆卸、顶升加节以及附着前未对结构件、顶升机构和附着装置以及高强度螺栓、销轴、定位板等"
                                "连接件及安全装置进行检查"),
    Criterion("7.5", "lifting", "建筑起重机械的安全装置不齐全、失效或者被违规拆除、破坏"),
    Criterion("7.6", "lifting", "施工升降机防坠安全器超过定期检验有效期，标准节连接螺栓缺失或失效"),
    Criterion("7.7", "lifting", "建筑起重机械的地基基础承载力和变形不满足设计要求"),
    # 第八条 高处作业吊篮
    Criterion("8.1", "gondola", "吊篮未经安装验收合格即投入使用"),
    Criterion("8.2", "gondola", "吊篮悬挂机构前支架支撑在女儿墙或建筑物外挑檐边缘等非承重结构上，或配重件重量不足"),
    Criterion("8.3", "gondola", "吊篮安全锁失效或超过标定期限使用"),
    Criterion("8.4", "gondola", "吊篮内作业人员未将安全带用安全锁扣挂置在独立设置的专用安全绳上"),
    # 第九条 高处作业
    Criterion("9.1", "height", "钢结构、网架安装用支撑结构地基基础承载力和变形不满足设计要求，钢结构、网架安装用支撑结构超过设计"
                               "承载力或未按设计要求设置防倾覆装置"),
    Criterion("9.2", "height", "单榀钢桁架（屋架）安装时未采取防失稳措施"),
    Criterion("9.3", "height", "悬挑式操作平台的搁置点、拉结点、支撑点未设置在稳定的主体结构上，且未做可靠连接"),
    # 第十条 施工临时用电
    Criterion("10", "electricity", "特殊作业环境（隧道、人防工程，高温、有导电灰尘、比较潮湿等作业环境）照明未按规定使用安全电压"),
    # 第十一条 有限空间作业
    Criterion("11", "confined", "有限空间作业未履行“作业审批制度”，未对施工人员进行专项安全教育培训，未执行“先通风、再检测、"
                                "后作业”原则；有限空间作业时现场未有专人负责监护工作"),
    # 第十二条 拆除工程
    Criterion("12", "demolition", "拆除施工作业顺序不符合规范和施工方案要求"),
    # 第十三条 暗挖工程
    Criterion("13.1", "tunnelling", "作业面带水施工未采取相关措施，或地下水控制措施失效且继续施工"),
    Criterion("13.2", "tunnelling", "施工时出现涌水、涌沙、局部坍塌，支护结构扭曲变形或出现裂缝，且有不断增大趋势，未及时采取措施"),
    # 第十四条、第十五条
    Criterion("14", "other", "使用危害程度较大、可能导致群死群伤或造成重大经济损失的施工工艺、设备和材料"),
    Criterion("15", "other", "其他严重违反房屋市政工程安全生产法律法规、部门规章及强制性标准，且存在危害程度较大、可能导致群死群伤"
                             "或造成重大经济损失的现实危险"),
)

BY_CODE: dict[str, Criterion] = {c.code: c for c in CRITERIA}


def criterion(code: str) -> Criterion | None:
    return BY_CODE.get((code or "").strip())


def choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for a select: [(category label, [(code, "code text"), …]), …]."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for c in CRITERIA:
        groups.setdefault(c.category, []).append((c.code, f"{c.code} {c.text}"))
    return [(str(CATEGORIES[key]), items) for key, items in groups.items()]
