"""The seeded catalogue of the four reform stages (工程建设项目审批制度改革): items, their departments, statutory
time limits in working days and required documents (core or not). Editable afterwards by bureau staff."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.accounts.models import DepartmentCode, Organization, User
from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create, diff, snapshot
from portal.core.errors import ApplicationError

from .models import ApprovalStage, CatalogueItem, RequiredDocument

D = DepartmentCode
# stage → [(code, item, department, limit, [(document, core)])]
CATALOGUE = {
    ApprovalStage.LAND_USE_PLANNING: [
        ("LY01", "项目审批（核准）", D.DEVELOPMENT_REFORM, 20, [("项目申请报告", True), ("可行性研究报告", True),
                                                     ("社会稳定风险评估报告", False)]),
        ("LY02", "用地预审与选址意见书", D.NATURAL_RESOURCES, 20, [("建设项目用地预审申请表", True),
                                                         ("项目选址论证报告", True), ("勘测定界图", False)]),
        ("LY03", "建设用地规划许可证", D.NATURAL_RESOURCES, 10, [("建设用地规划许可申请表", True),
                                                       ("国有土地使用权出让合同", False)]),
        ("LY04", "节能审查", D.DEVELOPMENT_REFORM, 10, [("节能报告", True)]),
        ("LY05", "环境影响评价审批", D.ECOLOGY_ENVIRONMENT, 30, [("环境影响报告书", True),
                                                      ("公众参与说明", False)]),
    ],
    ApprovalStage.ENGINEERING_PLANNING: [
        ("GC01", "建设工程规划许可证", D.NATURAL_RESOURCES, 15, [("建设工程设计方案", True),
                                                       ("建设工程规划许可申请表", True)]),
        ("GC02", "初步设计审批", D.HOUSING_CONSTRUCTION, 20, [("初步设计文件", True), ("设计概算书", True)]),
        ("GC03", "水土保持方案审批", D.WATER_RESOURCES, 15, [("水土保持方案报告书", True),
                                                    ("技术评审意见", False)]),
        ("GC04", "公路建设项目设计审批", D.TRANSPORT, 20, [("施工图设计文件", True)]),
    ],
    ApprovalStage.CONSTRUCTION_PERMIT: [
        ("SG01", "建筑工程施工许可证", D.HOUSING_CONSTRUCTION, 7, [("施工合同", True), ("监理合同", True),
                                                          ("施工图审查合格书", True), ("资金到位证明", False)]),
        ("SG02", "质量安全监督登记", D.HOUSING_CONSTRUCTION, 5, [("质量安全监督登记表", True),
                                                         ("安全生产措施方案", False)]),
        ("SG03", "建设资金落实审查", D.FINANCE, 10, [("资金来源说明", True), ("银行资信证明", False)]),
    ],
    ApprovalStage.COMPLETION_ACCEPTANCE: [
        ("JG01", "规划条件核实", D.NATURAL_RESOURCES, 10, [("竣工测量报告", True)]),
        ("JG02", "消防验收", D.HOUSING_CONSTRUCTION, 10, [("消防验收申请表", True), ("消防设施检测报告", True)]),
        ("JG03", "竣工环境保护验收备案", D.ECOLOGY_ENVIRONMENT, 10, [("竣工环保验收报告", True)]),
        ("JG04", "竣工验收备案", D.HOUSING_CONSTRUCTION, 5, [("竣工验收报告", True), ("工程质量保修书", False)]),
    ],
}


@transaction.atomic
def catalogue_seed() -> int:
    """Create the catalogue items that do not exist yet (idempotent). Returns the number of items."""
    departments = {o.department_code: o for o in Organization.objects.exclude(department_code="")}
    for stage, items in CATALOGUE.items():
        for order, (code, name, dept, limit, docs) in enumerate(items):
            if dept not in departments:
                continue
            item, created = CatalogueItem.objects.get_or_create(
                code=code, defaults={"stage": stage, "name": name, "department": departments[dept],
                                     "time_limit_days": limit, "order": order},
            )
            if created:
                RequiredDocument.objects.bulk_create([
                    RequiredDocument(item=item, name=doc, is_core=core, order=i) for i, (doc, core) in enumerate(docs)
                ])
    return CatalogueItem.objects.count()


ITEM_EDITABLE = ("name", "time_limit_days", "is_active")


def _validate(obj) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise ApplicationError(_("Please correct the errors below."), exc.message_dict) from exc


@transaction.atomic
def catalogue_item_update(*, actor: User, item: CatalogueItem, **fields) -> CatalogueItem:
    """Bureau staff change an item's name, time limit or use. Running reviews keep the due date they started
    with; the new limit applies to cases accepted from now on."""
    unknown = set(fields) - set(ITEM_EDITABLE)
    if unknown:
        raise TypeError(f"unknown catalogue item fields: {sorted(unknown)}")
    item = CatalogueItem.objects.select_for_update().get(pk=item.pk)
    before = snapshot(item, ITEM_EDITABLE)
    for key, value in fields.items():
        setattr(item, key, value)
    _validate(item)
    changes = diff(before, snapshot(item, ITEM_EDITABLE))
    if changes:
        item.save(update_fields=[*changes, "updated_at"])
        audit_record(actor=actor, obj=item, action=AuditAction.UPDATE, changes=changes)
    return item


@transaction.atomic
def required_document_add(*, actor: User, item: CatalogueItem, name: str, is_core: bool) -> RequiredDocument:
    name = (name or "").strip()
    if item.documents.filter(name=name, is_active=True).exists():
        raise ApplicationError(_("This item already requires “%(doc)s”.") % {"doc": name},
                               {"name": [_("This document is already required.")]})
    last = item.documents.order_by("-order").values_list("order", flat=True).first()
    doc = RequiredDocument(item=item, name=name, is_core=is_core, order=(last or 0) + 1)
    _validate(doc)
    doc.save()
    audit_record_create(actor=actor, obj=doc)
    audit_record(actor=actor, obj=item, action=AuditAction.UPDATE,
                 changes={"documents": [None, f"{name}（{_('core') if is_core else _('non-core')}）"]})
    return doc
