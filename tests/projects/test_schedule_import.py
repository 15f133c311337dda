"""The schedule as Excel: the export reads back as it was written (a round trip changes nothing), a good file
creates and updates tasks, their links and responsibilities in one go, and a bad one — wrong columns, broken
rows, dates before a predecessor, cycles, unknown organisations, not a workbook at all — is refused with every
problem named by row and column, and nothing of it is written.

Files are built with openpyxl in the tests. The project is a new one of 之江交通 (`owner`) with 华东路桥 taking
part; 浙中建工 exists but does not take part."""

import datetime
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from projects.models import Project, ScheduleTask, TaskDependency, TaskResponsibility
from projects.schedule import exports, imports, selectors, services
from projects.schedule.imports import ScheduleImportError
from projects.services import participant_add, project_create

pytestmark = pytest.mark.django_db

@pytest.fixture
def client_for():
    """As the shared fixture, for a reader whose browser asks for English."""
    from django.test import Client

    def make(user):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client

    return make



@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield

D = datetime.date
HEADER = list(exports.COLUMNS)
ZHIJIANG, HUADONG, ZHEZHONG = "之江交通建设投资有限公司", "华东路桥建设集团有限公司", "浙中建工集团有限公司"


@pytest.fixture
def owner(db) -> User:
    return User.objects.get(username="owner")


@pytest.fixture
def project(staff, owner, contractor_org) -> Project:
    project = project_create(
        actor=staff, code="2025-330100-48-01-990002", name="测试国道改建工程", project_type="transport",
        level="provincial", total_investment="100000000", owner=owner.organization,
        planned_start=D(2024, 1, 1), planned_finish=D(2026, 12, 31),
    )
    participant_add(actor=staff, project=project, organization=contractor_org, role="contractor")
    return project


def row(wbs, name, start, finish, *, milestone="否", actual_start=None, actual_finish=None, percent=0, preds="",
        r="", a=ZHIJIANG, c="", i="", note=""):
    return [wbs, name, milestone, start, finish, actual_start, actual_finish, percent, preds, r, a, c, i, note]


GOOD = [
    row("1", "征地拆迁", D(2024, 1, 1), D(2024, 6, 30), actual_start=D(2024, 1, 2), actual_finish=D(2024, 7, 5),
        percent=100, r=ZHIJIANG),
    row("2", "路基工程", D(2024, 7, 1), D(2024, 12, 31), preds="1", r=HUADONG, i="之江交通建设投资有限公司"),
    row("2.1", "路基土石方", D(2024, 7, 1), D(2024, 10, 31), preds="1", r=HUADONG, c=ZHIJIANG),
    row("2.2", "防护及排水", D(2024, 9, 1), D(2024, 12, 31), preds="2.1-60", r=HUADONG),
    row("3", "交工验收", D(2025, 1, 10), None, milestone="是", preds="2+10"),
]


def xlsx(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = exports.SHEET
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def state(project):
    """Everything an import may write, to prove a refused one wrote nothing."""
    tasks = list(ScheduleTask.objects.filter(project=project).order_by("pk").values_list(
        "wbs", "name", "planned_start", "planned_finish", "percent_complete", "version", "voided_at"))
    links = list(TaskDependency.objects.filter(successor__project=project).order_by("pk").values_list(
        "predecessor_id", "successor_id", "lag_days"))
    cells = list(TaskResponsibility.objects.filter(task__project=project).order_by("pk").values_list(
        "task_id", "organization_id", "kind"))
    return tasks, links, cells, AuditEvent.objects.count()


def refused(project, owner, data) -> list[tuple[int, str]]:
    before = state(project)
    with pytest.raises(ScheduleImportError) as exc:
        imports.schedule_import(actor=owner, project=project, data=data)
    assert state(project) == before
    return [(p.row, p.column) for p in exc.value.problems]


# ------------------------------------------------------------------------------------------------- good files
def test_a_good_file_creates_the_schedule_with_links_and_responsibilities(project, owner, contractor_org):
    result = imports.schedule_import(actor=owner, project=project, data=xlsx(GOOD), filename="计划.xlsx")
    assert (result.created, result.updated, result.unchanged) == (5, 0, 0)
    view = selectors.schedule_view(project=project, with_responsibilities=True)
    rows = {r.task.wbs: r for r in view.rows}
    assert list(rows) == ["1", "2", "2.1", "2.2", "3"]
    assert rows["3"].task.is_milestone and rows["3"].task.planned_finish == D(2025, 1, 10)
    assert rows["2.2"].predecessors_text == "2.1-60" and rows["3"].predecessors_text == "2+10"
    assert rows["1"].task.percent_complete == 100 and rows["1"].task.actual_finish == D(2024, 7, 5)
    assert rows["2.1"].responsible == HUADONG and rows["2.1"].accountable == ZHIJIANG
    assert rows["2.1"].consulted == ZHIJIANG
    assert AuditEvent.objects.filter(object_id=str(project.pk), reason="计划.xlsx").exists()


def test_export_then_import_is_a_no_op(project, owner):
    imports.schedule_import(actor=owner, project=project, data=xlsx(GOOD))
    services.baseline_create(actor=owner, project=project, name="基线")
    exported = exports.schedule_xlsx(selectors.schedule_view(project=project, with_responsibilities=True))
    before = state(project)
    result = imports.schedule_import(actor=owner, project=project, data=exported)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 5)
    assert state(project) == before  # no version moved, no event written


def test_the_export_has_the_documented_columns_and_an_analysis_sheet(project, owner):
    imports.schedule_import(actor=owner, project=project, data=xlsx(GOOD))
    wb = load_workbook(BytesIO(exports.schedule_xlsx(selectors.schedule_view(project=project,
                                                                            with_responsibilities=True))))
    ws = wb[exports.SHEET]
    assert [c.value for c in ws[1]] == ["WBS", "任务名称", "里程碑", "计划开始", "计划完成", "实际开始", "实际完成",
                                        "完成百分比", "前置任务", "R", "A", "C", "I", "备注"]
    values = [c.value.date() if isinstance(c.value, datetime.datetime) else c.value for c in ws[4]]
    assert values[:9] == ["2.1", "路基土石方", "否", D(2024, 7, 1), D(2024, 10, 31), None, None, 0, "1"]
    assert "分析" in wb.sheetnames


def test_an_import_updates_by_wbs_and_leaves_other_tasks_alone(project, owner):
    imports.schedule_import(actor=owner, project=project, data=xlsx(GOOD))
    kept = ScheduleTask.objects.get(project=project, wbs="1")
    changed = [row("2.1", "路基土石方（含软基）", D(2024, 7, 1), D(2024, 10, 20), preds="1", r=HUADONG, c=ZHIJIANG),
               row("2.2", "防护及排水", D(2024, 9, 1), D(2024, 12, 31), preds="2.1-60", r=HUADONG)]
    result = imports.schedule_import(actor=owner, project=project, data=xlsx(changed))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    task = ScheduleTask.objects.get(project=project, wbs="2.1")
    assert (task.name, task.planned_finish, task.version) == ("路基土石方（含软基）", D(2024, 10, 20), 2)
    assert ScheduleTask.objects.get(pk=kept.pk).version == kept.version


def test_the_import_page_and_the_template(client_for, owner, project):
    client = client_for(owner)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    template = client.get(reverse("projects:schedule-template", args=[project.pk]))
    assert template["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert [c.value for c in load_workbook(BytesIO(template.content))[exports.SHEET][1]] == HEADER
    url = reverse("projects:schedule-import", args=[project.pk])
    upload = BytesIO(xlsx(GOOD))
    upload.name = "schedule.xlsx"
    response = client.post(url, {"file": upload})
    assert response.status_code == 302 and ScheduleTask.objects.filter(project=project).count() == 5

    bad = BytesIO(xlsx([row("9.1", "缺上级", D(2025, 1, 1), D(2025, 2, 1))]))
    bad.name = "bad.xlsx"
    response = client.post(url, {"file": bad})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="import-problem" data-row="2" data-column="WBS"' in html
    assert "Its parent task 9 is neither in the file nor in the schedule." in html


def test_the_api_import_and_export(client_for, owner, project):
    client = client_for(owner)
    upload = BytesIO(xlsx(GOOD))
    upload.name = "schedule.xlsx"
    response = client.post(f"/api/v1/projects/{project.pk}/schedule/import/", {"file": upload})
    assert response.status_code == 200 and response.json() == {"created": 5, "updated": 0, "unchanged": 0}
    exported = client.get(f"/api/v1/projects/{project.pk}/schedule.xlsx")
    assert exported.status_code == 200 and exported["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert "attachment" in exported["Content-Disposition"]
    assert load_workbook(BytesIO(exported.content))[exports.SHEET].max_row == 6

    bad = BytesIO(xlsx([row("1", "征地拆迁", D(2024, 1, 1), D(2024, 6, 30), percent=120)]))
    bad.name = "bad.xlsx"
    error = client.post(f"/api/v1/projects/{project.pk}/schedule/import/", {"file": bad}).json()["error"]
    assert error["code"] == "import_refused"
    assert error["fields"]["file"] == ["Row 2, column “完成百分比”: 120 is outside 0–100."]
    missing = client.get("/api/v1/projects/999999/schedule.xlsx")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


# ------------------------------------------------------------------------------------------------- bad files
def test_wrong_header_columns_are_named(project, owner):
    header = [h for h in HEADER if h not in ("计划完成", "R")] + ["负责人"]
    assert refused(project, owner, xlsx([], header=header)) == [(1, "计划完成"), (1, "R"), (1, "负责人")]
    duplicate = [*HEADER, "WBS"]
    assert refused(project, owner, xlsx(GOOD, header=duplicate)) == [(1, "WBS")]


def test_every_broken_row_is_reported_with_its_row_and_column(project, owner):
    rows = [
        row("1", "征地拆迁", D(2024, 1, 1), D(2024, 6, 30)),  # row 2: fine
        row("1.x", "坏编码", D(2024, 1, 1), D(2024, 6, 30)),  # row 3
        row("2", "", "2024-13-01", D(2024, 6, 30)),  # row 4: no name, bad date
        row("3", "百分比", D(2024, 1, 1), D(2024, 6, 30), percent=-5),  # row 5
        row("4", "里程碑", D(2024, 1, 1), D(2024, 6, 30), milestone="也许"),  # row 6
        row("5", "前置不存在", D(2024, 7, 1), D(2024, 9, 30), preds="99"),  # row 7
        row("6", "早于前置", D(2024, 6, 1), D(2024, 9, 30), preds="1+5"),  # row 8: before 1 finishes + 5
        row("1", "重复编码", D(2024, 1, 1), D(2024, 6, 30)),  # row 9
        row("7", "未知单位", D(2024, 7, 1), D(2024, 9, 30), r="不存在的公司"),  # row 10
        row("8", "未参建单位", D(2024, 7, 1), D(2024, 9, 30), r=ZHEZHONG),  # row 11
        row("9", "两个A", D(2024, 7, 1), D(2024, 9, 30), a=f"{ZHIJIANG}、{HUADONG}"),  # row 12
        row("10", "完成却无日期", D(2024, 1, 1), D(2024, 3, 1), percent=100),  # row 13
        row("11", "未来实际", D(2024, 1, 1), D(2024, 3, 1), actual_start=timezone.localdate() + datetime.timedelta(days=3),
            percent=10),  # row 14
        row("12", "前置写法", D(2024, 1, 1), D(2024, 3, 1), preds="1 after"),  # row 15
    ]
    problems = refused(project, owner, xlsx(rows))
    assert problems == [
        (3, "WBS"), (4, "任务名称"), (4, "计划开始"), (5, "完成百分比"), (6, "里程碑"), (7, "前置任务"),
        (8, "计划开始"), (9, "WBS"), (10, "R"), (11, "R"), (12, "A"), (13, "实际开始"), (13, "实际完成"), (14, "实际开始"),
        (15, "前置任务"),
    ]


def test_problem_messages_are_clear(project, owner):
    rows = [row("1", "征地拆迁", D(2024, 1, 1), D(2024, 6, 30)),
            row("2", "早于前置", D(2024, 6, 1), D(2024, 9, 30), preds="1+5"),
            row("3", "未参建单位", D(2024, 7, 1), D(2024, 9, 30), r=ZHEZHONG)]
    with pytest.raises(ScheduleImportError) as exc:
        imports.schedule_import(actor=owner, project=project, data=xlsx(rows))
    assert [str(p) for p in exc.value.problems] == [
        "Row 3, column “计划开始”: Starts 2024-06-01, before its predecessor 1 finishes (2024-06-30) plus 5 days "
        "lag: start on or after 2024-07-05.",
        f"Row 4, column “R”: {ZHEZHONG} does not take part in this project.",
    ]
    assert exc.value.message == "The file has 2 problems; nothing was imported."


def test_a_cycle_and_a_date_before_a_stored_predecessor_are_refused(project, owner):
    imports.schedule_import(actor=owner, project=project, data=xlsx(GOOD))
    cycle = [row("1", "征地拆迁", D(2024, 1, 1), D(2024, 6, 30), actual_start=D(2024, 1, 2),
                 actual_finish=D(2024, 7, 5), percent=100, preds="3-400", r=ZHIJIANG)]
    problems = refused(project, owner, xlsx(cycle))
    assert problems == [(2, "前置任务")]
    # moving a stored predecessor's finish past its stored successor's start is caught on the predecessor's row
    later = [row("2.1", "路基土石方", D(2024, 7, 1), D(2024, 12, 1), preds="1", r=HUADONG, c=ZHIJIANG)]
    assert refused(project, owner, xlsx(later)) == [(2, "计划完成")]


def test_files_that_are_not_usable_are_refused(project, owner, settings):
    assert refused(project, owner, b"%PDF-1.4 not a workbook") == [(0, "")]
    assert refused(project, owner, b"PK\x03\x04 broken zip") == [(0, "")]
    assert refused(project, owner, xlsx([])) == [(0, "")]  # no rows
    with pytest.raises(ScheduleImportError, match="larger than 2 MB"):
        imports.schedule_import(actor=owner, project=project, data=b"PK\x03\x04" + b"0" * imports.MAX_BYTES)


def test_too_many_rows_are_refused(project, owner, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    rows = [row(str(n), f"任务{n}", D(2024, 1, 1), D(2024, 1, 31)) for n in range(1, 5)]
    with pytest.raises(ScheduleImportError, match="at most 3 tasks"):
        imports.schedule_import(actor=owner, project=project, data=xlsx(rows))
    assert not ScheduleTask.objects.filter(project=project).exists()


def test_cells_in_other_shapes_are_read(project, owner):
    """Dates typed as text, a WBS typed as a number, a percent cell formatted as %, 是/否 alternatives."""
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append([1, "征地拆迁", "N", "2024/1/1", "2024年6月30日", "2024-01-02", None, 0.5, None, None, ZHIJIANG, None,
               None, None])
    ws.cell(row=2, column=8).number_format = "0%"
    ws.append(["1.1", "房屋征收", "", D(2024, 1, 1), D(2024, 3, 31), None, None, None, "", "", "", "", "", ""])
    buf = BytesIO()
    wb.save(buf)
    imports.schedule_import(actor=owner, project=project, data=buf.getvalue())
    task = ScheduleTask.objects.get(project=project, wbs="1")
    assert (task.planned_start, task.planned_finish, task.percent_complete, task.is_milestone) == (
        D(2024, 1, 1), D(2024, 6, 30), 50, False)


def test_an_import_needs_manage(client_for, contractor, project):
    upload = BytesIO(xlsx(GOOD))
    upload.name = "schedule.xlsx"
    response = client_for(contractor).post(reverse("projects:schedule-import", args=[project.pk]), {"file": upload})
    assert response.status_code == 403 and not ScheduleTask.objects.filter(project=project).exists()


def test_responsibilities_of_an_organisation_that_left_survive_a_round_trip(project, owner, staff, contractor_org):
    imports.schedule_import(actor=owner, project=project, data=xlsx(GOOD))
    from projects.models import ProjectParticipant
    from projects.services import participant_remove

    participant = ProjectParticipant.objects.active().get(project=project, organization=contractor_org)
    participant_remove(actor=staff, participant=participant, reason="合同终止")
    exported = exports.schedule_xlsx(selectors.schedule_view(project=project, with_responsibilities=True))
    result = imports.schedule_import(actor=owner, project=project, data=exported)
    assert result.updated == 0
    # but it cannot be given new work
    new = [row("4", "新任务", D(2025, 2, 1), D(2025, 3, 1), r=HUADONG)]
    assert refused(project, owner, xlsx(new)) == [(2, "R")]
