"""Demo data of the dangerous-works register: on 杭温高速铁路 (之江交通's, built by 华东路桥) a 6 m station pit
beyond a certain scale, expert-reviewed, approved and under way; a high formwork support waiting for its expert
review; a non-conventional steel-box-girder lift waiting for the bureau's approval. On 环湖大堤 (浙水's, another
organisation) a sluice foundation pit of 5.5 m with its review passed, a formwork support and a lifting.

Written through the services (classification, documents, workflow, audit). Idempotent: skipped when the demo's
works exist."""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from portal.accounts.models import Organization, User
from portal.core.services import today
from projects.models import Project

from ..models import DangerousWork, ExpertReviewResult, Purpose
from . import services

HANGWEN = "杭温高速铁路义乌至温州段"
LAKE_DYKE = "环湖大堤（浙江段）后续工程"
HUADONG = "华东路桥建设集团有限公司"
JIANGNAN = "江南水电工程局有限公司"
EXPERTS = ("陈建华 浙江大学建筑工程学院 教授\n刘卫东 浙江省建筑科学设计研究院 教授级高工\n"
           "黄志明 中铁第四勘察设计院 高级工程师\n吴海涛 浙江省交通规划设计研究院 教授级高工\n"
           "徐立新 华东勘测设计研究院 高级工程师")


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf")


def _work(actor, project, contractor, files=(), **values) -> DangerousWork:
    return services.dangerous_work_register(
        actor=actor, project=project, contractor=contractor,
        files={Purpose.SPECIAL_PLAN: [_pdf(f) for f in files]}, **values)


def seed() -> dict:
    hangwen = Project.objects.filter(name=HANGWEN).first()
    dyke = Project.objects.filter(name=LAKE_DYKE).first()
    if hangwen is None or dyke is None or DangerousWork.objects.filter(project=hangwen).exists():
        return {}
    staff, contractor, owner2 = (User.objects.get(username=n) for n in ("staff", "contractor", "owner2"))
    huadong, jiangnan = Organization.objects.get(name=HUADONG), Organization.objects.get(name=JIANGNAN)
    day = today()

    pit = _work(contractor, hangwen, huadong, ["义乌南站深基坑专项施工方案.pdf"], kind="excavation",
                name="义乌南站2#深基坑开挖及支护", location="DK12+350 义乌南站站房", depth_m=Decimal("6.00"),
                planned_start=day - datetime.timedelta(days=40), planned_finish=day + datetime.timedelta(days=80))
    pit = services.dangerous_work_record_review(
        actor=contractor, work=pit, reviewed_on=day - datetime.timedelta(days=30), result=ExpertReviewResult.PASSED,
        experts=EXPERTS, files=[_pdf("深基坑专项方案专家论证意见.pdf")])
    services.dangerous_work_attach(actor=contractor, work=pit, purpose=Purpose.MONITORING_PLAN,
                                   files=[_pdf("基坑变形监测方案.pdf")])
    pit = services.dangerous_work_move(actor=staff, work=pit, name="approve_plan")
    services.dangerous_work_move(actor=contractor, work=pit, name="start")

    _work(contractor, hangwen, huadong, ["现浇箱梁高支模专项方案.pdf"], kind="formwork",
          name="永康特大桥现浇箱梁满堂支架", location="DK48+120～DK48+210", height_m=Decimal("9.50"),
          span_m=Decimal("12.00"), area_load_kn_m2=Decimal("12.50"),
          planned_start=day + datetime.timedelta(days=20))
    _work(contractor, hangwen, huadong, ["钢箱梁吊装专项方案.pdf"], kind="lifting",
          name="跨金温铁路钢箱梁双机抬吊", location="DK30+560", lifting_kn=Decimal("80"),
          unconventional_lifting=True, planned_start=day + datetime.timedelta(days=10))

    sluice = _work(owner2, dyke, jiangnan, ["节制闸基坑专项方案.pdf"], kind="excavation",
                   name="长兜港节制闸闸室基坑", location="长兜港口门", depth_m=Decimal("5.50"),
                   planned_start=day + datetime.timedelta(days=15))
    services.dangerous_work_record_review(
        actor=owner2, work=sluice, reviewed_on=day - datetime.timedelta(days=5),
        result=ExpertReviewResult.PASSED_WITH_CHANGES, experts=EXPERTS, files=[_pdf("闸室基坑专家论证意见.pdf")])
    _work(owner2, dyke, jiangnan, [], kind="formwork", name="闸墩模板支撑体系", height_m=Decimal("6.00"))
    _work(owner2, dyke, jiangnan, [], kind="lifting", name="闸门启闭机吊装", lifting_kn=Decimal("160"))
    return {"dangerous_works": DangerousWork.objects.count()}
