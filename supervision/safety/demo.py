"""Demo data of the safety records: on 杭温高速铁路 (之江交通's, built by 华东路桥) and on 环湖大堤 (浙水's, another
organisation) a responsibility roster, a training and an emergency drill, and an incident — reported through the
service, so the accountability rules propose what it calls for. Idempotent: skipped when the roster exists."""

import datetime
from decimal import Decimal

from django.utils import timezone

from portal.accounts.models import Organization, User
from projects.models import Project

from ..models import SafetyResponsibility
from . import services

HANGWEN = "杭温高速铁路义乌至温州段"
LAKE_DYKE = "环湖大堤（浙江段）后续工程"


def _roster(actor, project, lines) -> None:
    since = timezone.localdate() - datetime.timedelta(days=200)
    for org, role, name, user, duties, phone in lines:
        services.responsibility_add(actor=actor, project=project, organization=org, role=role, person_name=name,
                                    user=user, duties=duties, phone=phone, since=since)


def seed() -> dict:
    hangwen = Project.objects.filter(name=HANGWEN).first()
    dyke = Project.objects.filter(name=LAKE_DYKE).first()
    if hangwen is None or dyke is None or SafetyResponsibility.objects.filter(project=hangwen).exists():
        return {}
    owner, contractor, owner2 = (User.objects.get(username=n) for n in ("owner", "contractor", "owner2"))
    zhijiang = Organization.objects.get(name="之江交通建设投资有限公司")
    huadong = Organization.objects.get(name="华东路桥建设集团有限公司")
    zheshui = Organization.objects.get(name="浙水水利水电开发有限公司")
    jiangnan = Organization.objects.get(name="江南水电工程局有限公司")
    today = timezone.localdate()

    _roster(owner, hangwen, [
        (zhijiang, "principal", "钱立群", owner, "建设单位安全生产第一责任人，组织落实各参建单位安全生产责任。",
         "0571-87001234"),
        (huadong, "project_manager", "赵刚", contractor, "施工项目安全生产第一责任人，组织危大工程专项方案实施。",
         "13905710001"),
        (huadong, "safety_officer", "周海平", None, "专职安全员：每日巡查，隐患排查与整改闭环，危大工程旁站。",
         "13905710002"),
        (huadong, "team_leader", "马国强", None, "钢筋班组长：班前安全讲话，班组安全技术交底。", ""),
    ])
    services.training_record(
        actor=contractor, project=hangwen, organization=huadong, kind="induction", topic="新进场工人三级安全教育",
        held_on=today - datetime.timedelta(days=20), place="义乌南站项目部会议室", trainer="周海平",
        hours=Decimal("8"), attendees=[contractor], other_attendees="王小二\n李大山\n张建军\n刘文斌\n陈小龙",
        summary="讲解项目安全管理制度、深基坑和高处作业风险，考试全部合格。")
    services.training_record(
        actor=contractor, project=hangwen, organization=huadong, kind="drill", topic="深基坑坍塌应急救援演练",
        held_on=today - datetime.timedelta(days=8), place="义乌南站2#基坑", trainer="赵刚", hours=Decimal("2"),
        attendees=[contractor, owner], other_attendees="周海平\n马国强\n应急抢险队（12人）",
        summary="模拟基坑局部坍塌、人员被困；报警、疏散、抢险、救护各环节衔接顺畅，用时18分钟。")
    services.incident_report(
        actor=contractor, project=hangwen, responsible=huadong,
        occurred_at=timezone.now() - datetime.timedelta(days=12, hours=3), location="永康特大桥12#墩",
        grade="general", deaths=0, serious_injuries=1, direct_loss=Decimal("180000"),
        description="钢筋工在墩身作业平台搭设时未系挂安全带，从4米高处坠落，右腿骨折。",
        measures="立即送医；停止该作业面施工，全面检查作业平台防护和安全带使用。")

    _roster(owner2, dyke, [
        (zheshui, "principal", "沈国平", owner2, "建设单位安全生产第一责任人。", "0571-86005678"),
        (jiangnan, "safety_officer", "胡志勇", None, "专职安全员：闸室基坑和围堰日常巡查。", "13857100003"),
    ])
    services.training_record(
        actor=owner2, project=dyke, organization=jiangnan, kind="briefing", topic="闸室基坑开挖安全技术交底",
        held_on=today - datetime.timedelta(days=3), trainer="胡志勇", attendees=[owner2],
        other_attendees="挖机班组（6人）")
    services.training_record(
        actor=owner2, project=dyke, organization=zheshui, kind="drill", topic="汛期围堰防洪应急演练",
        held_on=today - datetime.timedelta(days=1), attendees=[owner2], other_attendees="抢险队（20人）")
    services.incident_report(
        actor=owner2, project=dyke, responsible=jiangnan,
        occurred_at=timezone.now() - datetime.timedelta(days=2), location="长兜港围堰",
        grade="general", deaths=0, serious_injuries=0, direct_loss=Decimal("60000"),
        description="围堰局部渗漏导致基坑少量进水，一台水泵被淹损坏，无人员伤亡。",
        measures="抢堵渗漏点，增设两台排水泵，加密围堰观测。")
    return {"safety_incidents": 2}
