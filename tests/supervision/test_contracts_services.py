"""Contracts: the terms' rules, recording and changing one, completing and terminating it, versioned documents,
and the terms funding reads through the selectors."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.accounts.models import Organization, User
from portal.audit.models import AuditEvent
from portal.core.errors import ApplicationError
from projects.models import Project
from supervision.contracts import selectors, services
from supervision.models import Contract, ContractState, LotState, TenderLot

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 3, 1)


@pytest.fixture
def project():
    return Project.objects.get(name="杭温高速铁路义乌至温州段")


@pytest.fixture
def builder():
    return Organization.objects.get(name="华东路桥建设集团有限公司")


def terms(**changes):
    base = {"number": "HT-TEST-001", "title": "试验合同", "kind": "construction", "amount": "12345678.90",
            "start_on": START, "finish_on": START + datetime.timedelta(days=700), "signed_on": START,
            "quality_standard": "pass", "delay_penalty_per_day": "5000", "delay_penalty_cap": "10",
            "advance_share": "10", "retention_share": "3", "payment_share": "80", "defects_months": 12}
    return {**base, **changes}


def test_the_owner_records_a_contract_that_funding_reads(project, owner, builder):
    contract = services.contract_create(actor=owner, project=project, contractor=builder, **terms())
    assert contract.employer == project.owner and contract.state == ContractState.SIGNED
    assert contract.amount == Decimal("12345678.90")
    read = selectors.contract_terms(contract_id=contract.pk)
    assert read.advance_amount == Decimal("1234567.89") and read.retention_amount == Decimal("370370.37")
    assert contract in selectors.project_contracts(project_id=project.pk)
    assert AuditEvent.objects.filter(content_type__model="contract", object_id=str(contract.pk),
                                     action="create").exists()


@pytest.mark.parametrize(("field", "value"), [
    ("retention_share", "3.5"), ("amount", "-100"), ("amount", "100.123"), ("amount", "0"),
    ("advance_share", "5"), ("advance_share", "31"), ("payment_share", "50"), ("amount", "abc"),
    ("finish_on", START - datetime.timedelta(days=1)),
])
def test_bad_terms_are_refused_naming_the_field(project, owner, builder, field, value):
    before = Contract.objects.count()
    with pytest.raises(ApplicationError) as refused:
        services.contract_create(actor=owner, project=project, contractor=builder, **terms(**{field: value}))
    assert list(refused.value.extra) == [field]
    assert Contract.objects.count() == before


def test_a_contract_on_a_lot_is_with_the_unit_awarded(project, owner, builder):
    lot = TenderLot.objects.create(project=project, code="T-HT-1", name="x", estimated_amount=1, required_kind="railway",
                                   required_grade="first")
    with pytest.raises(ApplicationError) as open_lot:
        services.contract_create(actor=owner, project=project, contractor=builder, lot=lot, **terms())
    assert "lot" in open_lot.value.extra
    other = Organization.objects.get(name="浙中建工集团有限公司")
    TenderLot.objects.filter(pk=lot.pk).update(state=LotState.AWARDED, awarded_to=other)
    lot.refresh_from_db()
    with pytest.raises(ApplicationError) as wrong_unit:
        services.contract_create(actor=owner, project=project, contractor=builder, lot=lot, **terms())
    assert "lot" in wrong_unit.value.extra
    contract = services.contract_create(actor=owner, project=project, contractor=other, lot=lot, **terms())
    assert contract.lot == lot
    assert fsm_refusal(lot, owner) == "A contract is signed on this lot: terminate the contract first."


def fsm_refusal(lot, user):
    from django.utils import translation

    from portal.core import fsm

    with translation.override("en"):
        return fsm.workflow_of(lot).refusal(lot, "cancel", user).message


def test_update_complete_and_terminate(project, owner, builder, contractor):
    contract = services.contract_create(actor=owner, project=project, contractor=builder, **terms())
    with pytest.raises(ApplicationError) as bad:
        services.contract_update(actor=owner, contract=contract, version=1, retention_share="4")
    assert list(bad.value.extra) == ["retention_share"]
    changed = services.contract_update(actor=owner, contract=contract, version=1, amount="13000000.00")
    assert changed.amount == Decimal("13000000.00") and changed.version == 2
    with pytest.raises(ApplicationError) as stale:
        services.contract_update(actor=owner, contract=contract, version=1, amount="1")
    assert stale.value.code == "stale"
    with pytest.raises(ApplicationError) as forbidden:
        services.contract_complete(actor=contractor, contract=contract)
    assert forbidden.value.code == "forbidden"
    with pytest.raises(ApplicationError) as no_reason:
        services.contract_terminate(actor=owner, contract=contract, reason="")
    assert "reason" in no_reason.value.extra
    done = services.contract_complete(actor=owner, contract=contract, version=2)
    assert done.state == ContractState.COMPLETED
    with pytest.raises(ApplicationError) as again:
        services.contract_terminate(actor=owner, contract=contract, reason="x")
    assert again.value.code == "invalid_transition"


def test_documents_are_versioned_by_title(project, owner, builder):
    contract = services.contract_create(actor=owner, project=project, contractor=builder, **terms())

    def upload(text):
        return SimpleUploadedFile("合同.pdf", b"%PDF-1.4\n" + text, content_type="application/pdf")

    first = services.contract_document_add(actor=owner, contract=contract, title="合同正本", upload=upload(b"a"))
    second = services.contract_document_add(actor=owner, contract=contract, title="合同正本", upload=upload(b"b"),
                                            note="补充协议一")
    annex = services.contract_document_add(actor=owner, contract=contract, title="附件", upload=upload(b"c"))
    assert (first.version, second.version, annex.version) == (1, 2, 1)
    assert [d.version for d in selectors.contract_documents(contract=contract) if d.title == "合同正本"] == [2, 1]
    with pytest.raises(ApplicationError) as no_file:
        services.contract_document_add(actor=owner, contract=contract, title="x", upload=None)
    assert "file" in no_file.value.extra


def test_another_organisation_may_not_record_a_contract(project, builder):
    owner2 = User.objects.get(username="owner2")
    with pytest.raises(ApplicationError) as refused:
        services.contract_create(actor=owner2, project=project, contractor=builder, **terms())
    assert refused.value.code == "forbidden"
