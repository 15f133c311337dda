"""Demo data of contracts: on 杭温高速铁路 (之江交通's) the construction contract of lot SG-01 with 华东路桥 (with
its signed text in two versions) and the supervision contract of lot JL-01; on 钱塘江海塘安澜工程 (浙水水利's,
another organisation) the contract of its lot SG-01. Idempotent."""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from portal.accounts.models import User
from projects.models import Project

from ..models import Contract, TenderLot
from . import services

# project, lot, number, title, kind, signed, months, advance %, retention %, delay penalty per day, documents
CONTRACTS = [
    ("杭温高速铁路义乌至温州段", "SG-01", "HWTL-SG01-2023-001", "杭温铁路义乌至东阳段土建施工合同", "construction",
     datetime.date(2023, 3, 18), 48, "10", "3", "50000.00", [("合同正本", "首次签订"), ("合同正本", "补充协议一：工期调整")]),
    ("杭温高速铁路义乌至温州段", "JL-01", "HWTL-JL01-2023-001", "杭温铁路全线施工监理合同", "supervision",
     datetime.date(2023, 2, 10), 50, "0", "3", "2000.00", [("合同正本", "首次签订")]),
    ("钱塘江海塘安澜工程（杭州段）", "SG-01", "QTJ-HT-SG01-2022-001", "钱塘江海塘加固主体工程施工合同", "construction",
     datetime.date(2022, 9, 1), 40, "20", "3", "30000.00", [("合同正本", "首次签订")]),
]


def _document(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("合同.pdf", b"%PDF-1.4\n% demo contract\n" + text.encode(), "application/pdf")


@transaction.atomic
def seed() -> dict:
    staff = User.objects.get(username="staff")
    for project_name, code, number, title, kind, signed, months, advance, retention, penalty, docs in CONTRACTS:
        if Contract.objects.filter(number=number).exists():
            continue
        project = Project.objects.get(name=project_name)
        lot = TenderLot.objects.get(project=project, code=code, voided_at__isnull=True)
        contract = services.contract_create(
            actor=staff, project=project, lot=lot, contractor=lot.awarded_to, number=number, title=title,
            kind=kind, amount=lot.awarded_amount, signed_on=signed, start_on=signed + datetime.timedelta(days=14),
            finish_on=signed + datetime.timedelta(days=30 * months), quality_standard="good",
            delay_penalty_per_day=Decimal(penalty), delay_penalty_cap="10",
            quality_penalty_clause="单位工程一次验收不合格的，按合同价的0.5%扣罚；质量事故按相关规定追责。",
            advance_share=advance, retention_share=retention, payment_share="80", defects_months=24)
        for doc_title, note in docs:
            services.contract_document_add(actor=staff, contract=contract, title=doc_title,
                                           upload=_document(note), note=note)
    return {"contracts": Contract.objects.filter(voided_at__isnull=True).count()}
