"""Demo accountability records: the rules' proposals for the overdue major hazards of the hazards demo (杭温高铁's
塔吊 and 浙水's 脚手架) confirmed by bureau staff, one more proposal by hand waiting for a decision, and one
dismissed. Idempotent: the rules propose once per hazard; the hand-made records are skipped when they exist."""

import datetime
from decimal import Decimal

from django.db import transaction

from portal.accounts.models import Organization, User
from portal.core.services import today
from projects.models import Project

from ..models import AccountabilityRecord, Hazard, HazardGrade, MeasureKind, Trigger
from . import rules, services

HUAXIA = "华东路桥建设集团有限公司"
HANGWEN = "杭温高速铁路义乌至温州段"


@transaction.atomic
def seed() -> dict:
    if AccountabilityRecord.objects.filter(trigger=Trigger.MANUAL, facts__startswith="【演示】").exists():
        return {}
    staff = User.objects.get(username="staff")
    confirmed = 0
    overdue = Hazard.objects.filter(grade=HazardGrade.MAJOR, due_on__lt=today(), state__in=(
        "reported", "rectifying", "submitted_for_check"), voided_at__isnull=True).order_by("pk")
    for hazard in overdue:
        record = rules.propose_for_overdue_major_hazard(hazard)
        if record is None or record.state != "proposed":
            continue
        services.record_confirm(actor=staff, record=record, kind=MeasureKind.INTERVIEW,
                                reason="重大事故隐患逾期未整改，约谈施工单位项目负责人及企业分管安全负责人。",
                                due_on=today() + datetime.timedelta(days=7))
        confirmed += 1
    unit = Organization.objects.get(name=HUAXIA)
    project = Project.objects.get(name=HANGWEN)
    services.record_create(actor=staff, organization=unit, project=project, kind=MeasureKind.NOTICE,
                           facts="【演示】月度安全检查连续两次发现同类临边防护问题，拟全省通报。")
    dismissed = services.record_create(actor=staff, organization=unit, project=project, kind=MeasureKind.FINE,
                                       fine_amount=Decimal("20000"), facts="【演示】夜间施工噪声超标被投诉。")
    services.record_dismiss(actor=staff, record=dismissed, reason="经核实系相邻工地噪声，不予追责。")
    return {"accountability_records": AccountabilityRecord.objects.count(), "confirmed": confirmed}
