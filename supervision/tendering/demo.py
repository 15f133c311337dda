"""Demo data of tendering: qualifications of the demo companies (one of 华东路桥's expiring within 60 days, so the
expiring list and the reminders have something), key people's certificates, and lots with bids and awards on
杭温高速铁路 (之江交通's) and on 钱塘江海塘安澜工程 (浙水水利's, another organisation). Idempotent."""

import datetime

from django.db import transaction

from portal.accounts.models import Organization, User
from portal.core.services import today
from projects.models import Project

from ..models import Bid, LotState, PersonCertificate, Qualification, TenderLot
from . import services

# organisation, kind, grade, certificate number, days until expiry
QUALIFICATIONS = [
    ("华东路桥建设集团有限公司", "railway", "first", "D133010001", 900),
    ("华东路桥建设集团有限公司", "highway", "special", "D133010002", 1200),
    ("华东路桥建设集团有限公司", "municipal", "first", "D133010003", 45),  # expiring within 60 days
    ("浙中建工集团有限公司", "building", "first", "D133070001", 700),
    ("浙中建工集团有限公司", "railway", "second", "D133070002", 600),
    ("海川隧道工程有限公司", "bridge_tunnel", "first", "D233020001", 800),
    ("鼎诚市政工程有限公司", "municipal", "second", "D333060001", 500),
    ("江南水电工程局有限公司", "water", "first", "D133110001", 1000),
    ("正衡工程监理有限公司", "supervision", "first", "E133010001", 750),
    ("浙诚工程咨询监理有限公司", "supervision", "second", "E233040001", 20),  # expiring within 60 days
    ("衡正工程检测有限公司", "testing", "first", "F133010001", 650),
]
# organisation, holder, kind, grade, number, days until expiry
CERTIFICATES = [
    ("华东路桥建设集团有限公司", "陈建国", "constructor", "一级 铁路工程", "浙133201500001", 800),
    ("华东路桥建设集团有限公司", "陈建国", "safety_b", "", "浙建安B（2021）0100001", 400),
    ("华东路桥建设集团有限公司", "刘安", "safety_c", "", "浙建安C（2021）0200001", 25),  # expiring
    ("浙中建工集团有限公司", "孙海涛", "constructor", "一级 建筑工程", "浙133201600002", 700),
    ("浙中建工集团有限公司", "吴静", "safety_c", "", "浙建安C（2022）0200002", 300),
    ("江南水电工程局有限公司", "周立", "constructor", "一级 水利水电工程", "浙133201700003", 900),
    ("江南水电工程局有限公司", "郑和", "safety_c", "", "浙建安C（2023）0200003", 500),
]


def _org(name: str) -> Organization:
    return Organization.objects.get(name=name)


def _cert(number: str) -> PersonCertificate | None:
    return PersonCertificate.objects.filter(certificate_number=number, voided_at__isnull=True).first()


def _lot(staff: User, project: Project, code: str, name: str, amount: str, kind: str, grade: str,
         bids: list[tuple[str, str, str | None, str | None]], award: str | None) -> TenderLot:
    lot = TenderLot.objects.filter(project=project, code=code, voided_at__isnull=True).first()
    if lot is None:
        lot = services.lot_create(actor=staff, project=project, code=code, name=name, estimated_amount=amount,
                                  required_kind=kind, required_grade=grade,
                                  scope=f"{name}的土建、安装及附属工程。", bid_open_on=today() - datetime.timedelta(days=120))
    for org_name, bid_amount, manager, safety in bids:
        org = _org(org_name)
        if not Bid.objects.filter(lot=lot, organization=org).exists():
            services.bid_add(actor=staff, lot=lot, organization=org, amount=bid_amount,
                             project_manager=_cert(manager) if manager else None,
                             safety_officer=_cert(safety) if safety else None)
    if award and lot.state == LotState.OPEN:
        bid = Bid.objects.get(lot=lot, organization__name=award)
        lot = services.lot_award(actor=staff, lot=lot, bid=bid)
    return lot


@transaction.atomic
def seed() -> dict:
    staff = User.objects.get(username="staff")
    on = today()
    for org_name, kind, grade, number, days in QUALIFICATIONS:
        if not Qualification.objects.filter(kind=kind, certificate_number=number, voided_at__isnull=True).exists():
            services.qualification_create(actor=staff, organization=_org(org_name), kind=kind, grade=grade,
                                          certificate_number=number, issuer="浙江省住房和城乡建设厅",
                                          issued_on=on - datetime.timedelta(days=3 * 365),
                                          expires_on=on + datetime.timedelta(days=days))
    for org_name, holder, kind, grade, number, days in CERTIFICATES:
        if _cert(number) is None:
            services.certificate_create(actor=staff, organization=_org(org_name), person_name=holder, kind=kind,
                                        grade=grade, certificate_number=number,
                                        expires_on=on + datetime.timedelta(days=days))
    hangwen = Project.objects.get(name="杭温高速铁路义乌至温州段")
    seawall = Project.objects.get(name="钱塘江海塘安澜工程（杭州段）")
    _lot(staff, hangwen, "SG-01", "义乌至东阳段土建施工", "3860000000.00", "railway", "first",
         [("华东路桥建设集团有限公司", "3712500000.00", "浙133201500001", "浙建安C（2021）0200001"),
          ("浙中建工集团有限公司", "3698000000.00", "浙133201600002", "浙建安C（2022）0200002")],
         award="华东路桥建设集团有限公司")
    _lot(staff, hangwen, "SG-02", "东阳至永康段土建施工", "2950000000.00", "railway", "second",
         [("浙中建工集团有限公司", "2890000000.00", "浙133201600002", None),
          ("鼎诚市政工程有限公司", "2760000000.00", None, None)], award=None)
    _lot(staff, hangwen, "JL-01", "全线施工监理", "86000000.00", "supervision", "first",
         [("正衡工程监理有限公司", "82300000.00", None, None)], award="正衡工程监理有限公司")
    _lot(staff, seawall, "SG-01", "海塘加固主体工程", "1680000000.00", "water", "first",
         [("江南水电工程局有限公司", "1625000000.00", "浙133201700003", "浙建安C（2023）0200003")],
         award="江南水电工程局有限公司")
    return {"qualifications": Qualification.objects.filter(voided_at__isnull=True).count(),
            "personal certificates": PersonCertificate.objects.filter(voided_at__isnull=True).count(),
            "tender lots": TenderLot.objects.filter(voided_at__isnull=True).count()}
