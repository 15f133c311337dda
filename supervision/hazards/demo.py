"""Demo hazards: general and major ones on 杭温高铁 (华东路桥 responsible) and on 浙水's 环湖大堤 project, in every
state, one major hazard on each side long overdue (so the deadline scan proposes accountability for it: the
accountability part's demo decides those proposals). Written through the services (workflow, audit, documents),
reported on past days. Idempotent: skipped when demo hazards exist."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from portal.accounts.models import User
from portal.core import policy
from portal.core.services import today
from projects.models import Project

from ..models import Hazard
from . import services

HANGWEN = "杭温高速铁路义乌至温州段"
LAKE_DYKE = "环湖大堤（浙江段）后续工程"
HUAXIA = "华东路桥建设集团有限公司"

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def _png(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


# (project, title, location, grade, criterion, days ago found, how far it went, description)
HAZARDS = [
    (HANGWEN, "2号塔吊起升高度限位器被拆除", "DK126+300 梁场2号塔吊", "major", "7.5", 40, "rectifying",
     "巡查发现2号塔吊起升高度限位器被违规拆除，仍在吊装作业。已责令立即停止该塔吊作业。"),
    (HANGWEN, "深基坑未按规定实施第三方监测", "义乌站站房基坑（深9.5m）", "major", "4.3", 2, "reported",
     "站房深基坑开挖至-9.5m，现场未见第三方监测单位监测记录。"),
    (HANGWEN, "临边防护栏杆缺失", "3号墩墩顶作业平台", "general", "", 8, "submitted",
     "墩顶作业平台东侧临边防护栏杆缺失约6米。"),
    (HANGWEN, "配电箱未做重复接地", "1号拌和站", "general", "", 20, "closed",
     "拌和站二级配电箱未做重复接地，箱门未上锁。"),
    (LAKE_DYKE, "脚手架连墙件整层缺失", "K3+200 排涝闸闸墩", "major", "6.2", 45, "rectifying",
     "闸墩外脚手架第4步连墙件整层缺失，架体有外倾迹象。"),
    (LAKE_DYKE, "施工便道未设警示标志", "K1+050 施工便道", "general", "", 3, "reported",
     "施工便道与村道交叉口未设置警示标志和限速牌。"),
]


def _unit(project: Project):
    units = services.units_of(project)
    if project.name == HANGWEN:
        return next(u for u in units if u.name == HUAXIA)
    return next((u for u in units if u.pk == project.owner_id), units[0])


@transaction.atomic
def seed() -> dict:
    if Hazard.objects.filter(title__in=[h[1] for h in HAZARDS]).exists():
        return {}
    staff = User.objects.get(username="staff")
    inspector = User.objects.filter(username="inspector").first()
    made = []
    for name, title, location, grade, criterion, ago, reach, description in HAZARDS:
        project = Project.objects.get(name=name)
        unit = _unit(project)
        reporter = inspector if inspector and services.may_report(inspector, project) else staff
        found_on = today() - datetime.timedelta(days=ago)
        hazard = services.hazard_report(actor=reporter, project=project, title=title, description=description,
                                        location=location, grade=grade, criterion=criterion, responsible=unit,
                                        found_on=found_on, work_stopped=grade == "major",
                                        photos=[_png("现场照片.png")], source="inspection")
        rectifier = User.objects.filter(organization=unit, is_active=True).order_by("pk").first()
        if reach != "reported":
            services.hazard_acknowledge(actor=rectifier, hazard=hazard)
        if reach in ("submitted", "closed"):
            services.hazard_submit(actor=rectifier, hazard=hazard, measures="已按要求整改完毕，附整改前后照片。",
                                   evidence=[_png("整改后照片.png")])
        if reach == "closed":
            verifier = reporter if policy.can(reporter, "verify", hazard) else staff
            services.hazard_close(actor=verifier, hazard=hazard, note="复查合格。")
        made.append(hazard)
    return {"hazards": len(made)}
