"""History panels read in Chinese: every label in words (no English, no raw keys of an application form), times
in China time to the minute, money in 万元 with thousands separators; a risk's description is not called 项目简介,
the monthly table's completed column is not 已办结, and the schedule pages say 进度计划 as their tab does."""

import datetime
import re
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from approvals.models import ApprovalCase, CaseState
from approvals.services import case_update_form
from portal.audit.models import AuditEvent
from portal.audit.services import audit_record
from portal.core.models import Region
from projects.models import Risk
from projects.progress.figures import month_add, month_start
from projects.progress.services import progress_report
from projects.risks.services import risk_update
from projects.services import project_create, project_update

pytestmark = pytest.mark.django_db

RAW_FORM_KEYS = ("scale", "land_area", "location", "contact", "phone")
ENGLISH_LABELS = ("Project", "Version", "Reported by", "Review", "Requested by", "Created by")
MOMENT = datetime.datetime(2026, 12, 3, 12, 14, 33, 123456, tzinfo=datetime.UTC)  # 20:14 in China


def render_history(obj) -> str:
    with translation.override("zh-hans"):
        return Template("{% load portal %}{% history_for obj %}").render(Context({"obj": obj}))


def labels(html: str) -> list[str]:
    return re.findall(r'<span class="field">(.*?)</span>', html)


def assert_readable(html: str) -> None:
    found = labels(html)
    assert found, "no change was rendered"
    english = [label for label in found if re.search(r"[A-Za-z]", label.replace("SHA-256", ""))]
    assert not english, english
    for word in ENGLISH_LABELS:
        assert f">{word}<" not in html
    text = re.sub(r"<[^>]+>", " ", html)  # what the reader sees (a <time datetime=…> attribute may be exact)
    assert not re.search(r"\d{2}:\d{2}:\d{2}", text), "a time with seconds or microseconds"
    assert "+00:00" not in text


@pytest.fixture
def project(staff, owner):
    start = month_add(month_start(timezone.localdate()), -3)
    return project_create(
        actor=staff, code="2026-330100-48-01-900881", name="历史记录测试工程", project_type="transport",
        level="provincial", stage="under_construction", total_investment=Decimal("9640000000.00"),
        planned_start=start, planned_finish=month_add(start, 36), owner=owner.organization,
        regions=[Region.objects.get(code="330100")],
    )


def test_a_projects_history_reads_in_chinese_with_money_in_wan_and_china_time(client_for, staff, project):
    project_update(actor=staff, project=project, total_investment=Decimal("9650000000.00"),
                   description="新增东延段")
    stamped = audit_record(actor=staff, obj=project, action="update",
                           changes={"voided_at": [None, MOMENT], "planned_finish": [None, datetime.date(2030, 6, 30)]})
    AuditEvent.objects.filter(pk=stamped.pk).update(created_at=MOMENT)

    client = client_for(staff)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    html = client.get(f"/projects/{project.pk}/history/").content.decode()
    assert_readable(html)
    assert "964,000.00 万元" in html and "965,000.00 万元" in html
    assert "9640000000" not in html
    assert "总投资" in labels(html) and "总投资（元）" not in html
    assert "重点项目" not in labels(html)  # the project's own history does not repeat it
    assert "2026-12-03 20:14</time>" in html  # the event's time
    assert "：2026-12-03 20:14</li>" in html  # a recorded time value
    assert "2030-06-30" in html
    assert "项目简介" in labels(html)  # the project's own description keeps its name


def test_a_monthly_report_reads_in_chinese(client_for, owner, project):
    month = month_start(project.planned_start)
    progress_report(actor=owner, project=project, month=month, completed_investment=Decimal("123456789.00"),
                    physical_progress=Decimal("2"), note="开工")
    client = client_for(owner)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    html = client.get(f"/projects/{project.pk}/progress/").content.decode()
    history = html[html.index('id="progress-history"'):]
    assert_readable(history)
    assert "12,345.68 万元" in history
    assert "填报人" in labels(history) and "完成投资" in labels(history)
    assert "版本" not in labels(history) and "重点项目" in labels(history)
    table = html[html.index('id="months"'):html.index('id="progress-history"')]
    assert "已办结" not in table and ">完成</th>" in table


def test_a_risks_description_is_not_called_the_project_description(staff):
    risk = Risk.objects.filter(voided_at__isnull=True).order_by("pk").first()
    risk_update(actor=staff, risk=risk, version=risk.version, description="夜间施工噪声投诉增多")
    html = render_history(risk)
    assert_readable(html)
    assert "风险描述" in labels(html) and "项目简介" not in html


def test_an_approval_cases_form_renders_per_key_with_labels(owner):
    case = ApprovalCase.objects.filter(state=CaseState.DRAFT, created_by=owner).order_by("pk").first()
    assert case is not None and case.form_data
    case_update_form(actor=owner, case=case, form_data={**case.form_data, "scale": "双向六车道，全长 50 公里",
                                                         "phone": "0571-87050001"})
    created = AuditEvent.objects.filter(object_id=str(case.pk), content_type__model="approvalcase",
                                        action="create").first()
    if created is None or "form_data" not in created.changes:  # the demo may not have recorded a form yet
        audit_record(actor=owner, obj=case, action="update", changes={"form_data": [None, case.form_data]})
    html = render_history(case)
    assert_readable(html)
    for key in RAW_FORM_KEYS:
        assert not re.search(rf"\b{key}\b", html), key
    found = labels(html)
    assert "建设规模" in found and "联系电话" in found
    assert any(label.startswith("申请表 · ") for label in found)


def test_schedule_pages_say_the_tabs_word(client_for, staff, project):
    client = client_for(staff)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    html = client.get(f"/projects/{project.pk}/schedule/").content.decode()
    assert "执行周期" not in html and "进度计划" in html
