"""Demo data of materials and third-party inspection, through the services: on 杭温高铁 (之江交通's, built by
华东路桥) deliveries, two plans and their samples — passed ones, one awaiting 衡正's result (the inspector's work) and
a failed one whose rectification is open (华东路桥's work); on 环湖大堤 (浙水水利's, another organisation) a plan with
a failed sample under rectification. Both testing agencies are given a valid testing qualification when they hold
none (the draw needs eligible agencies). Idempotent: nothing is added once 杭温 has a plan."""

import datetime
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from portal.accounts.models import Organization, OrganizationKind, User
from portal.core.services import today
from projects.bim import selectors as bim_selectors
from projects.models import Project

from ..models import InspectionPlan, KeyProcess, Qualification, QualificationGrade, QualificationKind, Sample
from . import services

HANGWEN = "杭温高速铁路义乌至温州段"
OTHER = "环湖大堤（浙江段）后续工程"
AIRPORT = "衢州机场迁建工程"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class _Toward(random.Random):
    """The demo's draw lands on the agency whose login the demo shows (衡正, the `inspector`) when it is
    eligible — the draw is still recorded among every candidate."""

    def __init__(self, agency_id: int):
        super().__init__(0)
        self.agency_id = agency_id

    def choice(self, seq):
        return self.agency_id if self.agency_id in seq else seq[0]


def _qualify(agencies: list[Organization]) -> None:
    on = today()
    for i, agency in enumerate(agencies, 1):
        if not Qualification.objects.filter(organization=agency, kind=QualificationKind.TESTING,
                                            voided_at__isnull=True, expires_on__gte=on).exists():
            Qualification.objects.create(organization=agency, kind=QualificationKind.TESTING,
                                         grade=QualificationGrade.FIRST, certificate_number=f"浙建检字第{2024000 + i}号",
                                         issuer="浙江省住房和城乡建设厅", issued_on=datetime.date(2024, 3, 1),
                                         expires_on=datetime.date(on.year + 3, 2, 28))


def _report(number: str) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(f"检测报告{number}.pdf", PDF, content_type="application/pdf")]


def _result(actor: User, sample: Sample, *, passed: bool, value: str, conclusion: str = "", days_ago: int = 1):
    return services.sample_record_result(
        actor=actor, sample=sample, passed=passed, report=_report(sample.number),
        report_number=f"JC-{sample.number[-6:]}", tested_on=max(sample.taken_on, today() - datetime.timedelta(days_ago)),
        values={"实测值": value}, conclusion=conclusion)


def _sample(actor: User, plan: InspectionPlan, location: str, days_ago: int, witness: str = "", delivery=None,
            elements: tuple[str, ...] = ()):
    return services.sample_take(actor=actor, plan=plan, location=location, elements=",".join(elements),
                                taken_on=today() - datetime.timedelta(days=days_ago), witnessed=bool(witness),
                                witness_name=witness, delivery=delivery)


@transaction.atomic
def seed() -> dict:
    hangwen = Project.objects.filter(name=HANGWEN).first()
    other = Project.objects.filter(name=OTHER).first()
    if hangwen is None or other is None or InspectionPlan.objects.filter(project=hangwen).exists():
        return {"inspection_samples": Sample.objects.count()}
    users = {u.username: u for u in User.objects.filter(username__in=["staff", "contractor", "inspector", "admin"])}
    staff, contractor, inspector, admin = (users[n] for n in ("staff", "contractor", "inspector", "admin"))
    agencies = list(Organization.objects.filter(kind=OrganizationKind.TESTING_AGENCY).order_by("pk"))
    _qualify(agencies)
    hengzheng = inspector.organization
    others = [a for a in agencies if a.pk != hengzheng.pk]
    to_hengzheng, to_other = _Toward(hengzheng.pk), _Toward(others[0].pk if others else hengzheng.pk)

    # 杭温: 华东路桥's deliveries, the concrete and the rebar plans
    builder = services.project_contractors(hangwen)[0]
    concrete = services.delivery_record(
        actor=contractor, project=hangwen, kind="concrete", specification="C50 桥墩混凝土", supplier="义乌华建商品混凝土有限公司",
        batch_number="HJ2025-1108", quantity="860.000", unit="m³", certificate_number="HJ-QC-20251108",
        delivered_on=today() - datetime.timedelta(days=12))
    rebar = services.delivery_record(
        actor=contractor, project=hangwen, kind="rebar", specification="HRB400E Φ25", supplier="沙钢集团有限公司",
        batch_number="SG25B0931", quantity="126.400", unit="t", certificate_number="SG-ZB-778812",
        delivered_on=today() - datetime.timedelta(days=15))
    services.delivery_record(
        actor=contractor, project=hangwen, kind="cement", specification="P·O 42.5", supplier="浙江红狮水泥股份有限公司",
        batch_number="HS251020", quantity="300.000", unit="t", certificate_number="HS-2510-0456",
        delivered_on=today() - datetime.timedelta(days=20))
    strength = services.plan_create(actor=staff, project=hangwen, contractor=builder,
                                    process=KeyProcess.CONCRETE_STRENGTH, title="义乌段桥墩C50混凝土强度检测",
                                    required_samples=10, standard="GB/T 50107-2010")
    bars = services.plan_create(actor=staff, project=hangwen, contractor=builder, process=KeyProcess.REBAR,
                                title="HRB400E钢筋力学性能及机械连接检测", required_samples=6, standard="GB/T 1499.2")
    s1 = _sample(staff, strength, "DK12+300 3号墩 墩身", 9, "冯建明", concrete)
    s2 = _sample(staff, strength, "DK12+340 4号墩 墩身", 8, "冯建明", concrete)
    s3 = _sample(staff, strength, "DK12+380 5号墩 承台", 6, "冯建明", concrete)
    s4 = _sample(staff, strength, "DK12+420 6号墩 墩身", 3, "", concrete)
    _sample(staff, strength, "DK12+460 7号墩 墩身", 1, "", concrete)
    r1 = _sample(staff, bars, "DK12+300 3号墩 钢筋笼", 10, "冯建明", rebar)
    for s in (s1, s2, s4, r1):
        services.sample_assign(actor=staff, sample=s, rng=to_hengzheng)
    services.sample_assign(actor=staff, sample=s3, rng=to_hengzheng)
    _result(inspector, Sample.objects.get(pk=s1.pk), passed=True, value="58.6 MPa", days_ago=2)
    _result(inspector, Sample.objects.get(pk=r1.pk), passed=True, value="屈服强度 455 MPa", days_ago=5)
    _result(inspector, Sample.objects.get(pk=s3.pk), passed=False, value="41.2 MPa", days_ago=1,
            conclusion="28天标养试件抗压强度41.2MPa，低于设计强度C50，判定不合格：钻芯复核并对5号墩承台进行加固处理。")
    # s2 and s4 wait for 衡正's result (the inspector's work)

    # 环湖大堤 (浙水水利's): a compaction plan whose failed sample is under rectification
    dyke_builder = services.project_contractors(other)[0]
    services.delivery_record(
        actor=staff, project=other, contractor=dyke_builder, kind="aggregate", specification="5-31.5mm 碎石",
        supplier="湖州长兴砂石有限公司", batch_number="CX251101", quantity="2400.000", unit="t",
        certificate_number="CX-JY-1101", delivered_on=today() - datetime.timedelta(days=9))
    compaction = services.plan_create(actor=staff, project=other, contractor=dyke_builder,
                                      process=KeyProcess.COMPACTION, title="堤身填筑压实度检测", required_samples=8,
                                      standard="SL 677-2014")
    d1 = _sample(staff, compaction, "K3+200 堤身第12层", 7, "周卫国")
    d2 = _sample(staff, compaction, "K3+450 堤身第12层", 5, "周卫国")
    for s in (d1, d2):
        services.sample_assign(actor=staff, sample=s, rng=to_other)
    _result(admin, Sample.objects.get(pk=d1.pk), passed=True, value="压实度 96.1%", days_ago=3)
    _result(admin, Sample.objects.get(pk=d2.pk), passed=False, value="压实度 91.3%", days_ago=2,
            conclusion="压实度91.3%，低于设计要求94%：翻松重新碾压。")
    _airport_columns(staff, inspector, to_hengzheng)
    return {"inspection_samples": Sample.objects.count(), "inspection_plans": InspectionPlan.objects.count()}


def _airport_columns(staff: User, inspector: User, rng) -> None:
    """衢州机场: concrete samples of the terminal's columns, each naming the columns of its BIM model it was taken
    from (Sample.elements), so the model viewer colours them passed, failed and waiting. Nothing when the airport
    has no read model (the projects demo makes one)."""
    airport = Project.objects.filter(name=AIRPORT).first()
    model = bim_selectors.current_model(airport) if airport else None
    contractors = services.project_contractors(airport) if airport else []
    if model is None or not contractors:
        return
    by_storey = [list(bim_selectors.elements(model, ifc_class="IfcColumn", storey=storey["global_id"])
                      .values_list("global_id", flat=True)[:2]) for storey in bim_selectors.storeys(model)[:3]]
    if len(by_storey) < 3 or not all(by_storey):
        return
    plan = services.plan_create(actor=staff, project=airport, contractor=contractors[0],
                                process=KeyProcess.CONCRETE_STRENGTH, title="航站楼框架柱C40混凝土强度检测",
                                required_samples=6, standard="GB/T 50107-2010")
    passed = _sample(staff, plan, "航站楼1层 框架柱", 12, "冯建明", elements=tuple(by_storey[0]))
    failed = _sample(staff, plan, "航站楼2层 框架柱", 8, "冯建明", elements=tuple(by_storey[1]))
    waiting = _sample(staff, plan, "航站楼3层 框架柱", 2, "", elements=tuple(by_storey[2]))
    for sample in (passed, failed, waiting):
        services.sample_assign(actor=staff, sample=sample, rng=rng)
    _result(inspector, Sample.objects.get(pk=passed.pk), passed=True, value="46.3 MPa", days_ago=5)
    _result(inspector, Sample.objects.get(pk=failed.pk), passed=False, value="33.8 MPa", days_ago=2,
            conclusion="28天标养试件抗压强度33.8MPa，低于设计强度C40，判定不合格：钻芯复核。")
