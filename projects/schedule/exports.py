"""The schedule as an Excel workbook, in the one layout the import reads back (`COLUMNS`), and the blank template.

The column headers are a file format, not UI text: they are the same Chinese words in every language, so a file
exported in English imports unchanged."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from portal.core.exports import append_row

from ..models import ResponsibilityKind
from .selectors import ScheduleView

SHEET = "进度计划"
COL_WBS, COL_NAME, COL_MILESTONE = "WBS", "任务名称", "里程碑"
COL_PLANNED_START, COL_PLANNED_FINISH = "计划开始", "计划完成"
COL_ACTUAL_START, COL_ACTUAL_FINISH = "实际开始", "实际完成"
COL_PERCENT, COL_PREDECESSORS, COL_NOTE = "完成百分比", "前置任务", "备注"
RACI_COLUMNS = tuple(ResponsibilityKind.values)  # "R", "A", "C", "I"
REQUIRED_COLUMNS = (COL_WBS, COL_NAME, COL_MILESTONE, COL_PLANNED_START, COL_PLANNED_FINISH, COL_ACTUAL_START,
                    COL_ACTUAL_FINISH, COL_PERCENT, COL_PREDECESSORS, *RACI_COLUMNS)
OPTIONAL_COLUMNS = (COL_NOTE,)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
YES, NO = "是", "否"
WIDTHS = {COL_WBS: 10, COL_NAME: 32, COL_MILESTONE: 7, COL_PLANNED_START: 12, COL_PLANNED_FINISH: 12,
          COL_ACTUAL_START: 12, COL_ACTUAL_FINISH: 12, COL_PERCENT: 10, COL_PREDECESSORS: 16, "R": 22, "A": 22,
          "C": 22, "I": 22, COL_NOTE: 30}
DATE_FORMAT = "yyyy-mm-dd"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_HEAD_FONT = Font(bold=True, color="FFFFFF")
_HEAD_FILL = PatternFill("solid", fgColor="0B4A8B")


def _header(ws) -> None:
    ws.append(list(COLUMNS))
    for i, name in enumerate(COLUMNS, 1):
        cell = ws.cell(row=1, column=i)
        cell.font, cell.fill = _HEAD_FONT, _HEAD_FILL
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[get_column_letter(i)].width = WIDTHS.get(name, 12)
    # Text columns: typed into Excel, "1.10" would otherwise become the number 1.1.
    for name in (COL_WBS, COL_PREDECESSORS):
        ws.column_dimensions[get_column_letter(COLUMNS.index(name) + 1)].number_format = "@"
    ws.freeze_panes = "C2"
    milestone = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True)
    ws.add_data_validation(milestone)
    milestone.add(f"{get_column_letter(COLUMNS.index(COL_MILESTONE) + 1)}2:"
                  f"{get_column_letter(COLUMNS.index(COL_MILESTONE) + 1)}5000")


def _save(wb: Workbook) -> bytes:
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def schedule_xlsx(view: ScheduleView) -> bytes:
    """Sheet 进度计划: every active task in WBS order, importable as it is. Sheet 分析: the computed figures
    (float, flags, baseline, forecast, variance), for reading only — the import ignores it."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    _header(ws)
    date_columns = [COLUMNS.index(c) + 1 for c in (COL_PLANNED_START, COL_PLANNED_FINISH, COL_ACTUAL_START,
                                                   COL_ACTUAL_FINISH)]
    for row in view.rows:
        t = row.task
        append_row(ws, [t.wbs, t.name, YES if t.is_milestone else NO, t.planned_start, t.planned_finish, t.actual_start,
                   t.actual_finish, t.percent_complete, row.predecessors_text,
                   *(row.names(k) for k in RACI_COLUMNS), t.note])
        for col in date_columns:
            ws.cell(row=ws.max_row, column=col).number_format = DATE_FORMAT
        ws.cell(row=ws.max_row, column=2).alignment = Alignment(indent=t.level)

    info = wb.create_sheet("分析")
    info.append(["WBS", "任务名称", "总浮动(天)", "关键", "滞后", "关键滞后", "基线开始", "基线完成", "预测完成",
                 "进度偏差(天)"])
    for row in view.rows:
        a = row.analysis
        append_row(info, [row.task.wbs, row.task.name, a.float.total_float if a.float else None,
                     YES if a.critical else NO, YES if a.late else NO, YES if a.critical_late else NO,
                     row.baseline_start, row.baseline_finish, a.forecast_finish, a.variance_days])
        for col in (7, 8, 9):
            info.cell(row=info.max_row, column=col).number_format = DATE_FORMAT
    for i, width in enumerate([10, 32, 11, 7, 7, 9, 12, 12, 12, 12], 1):
        info.column_dimensions[get_column_letter(i)].width = width
    s = view.summary
    info.append([])
    info.append(["项目完成百分比(按计划工期加权)", s.percent_complete])
    info.append(["截至今日计划完成百分比", s.planned_percent])
    info.append(["预测完工", s.forecast_finish])
    append_row(info, ["基线", view.baseline.name if view.baseline else None])
    info.append(["计算日期", view.today])
    return _save(wb)


INSTRUCTIONS = [
    ("WBS", "工作分解结构编码，如 1、1.2、1.2.3，按文本填写（1.10 不要写成 1.1）；上级编码必须存在（本表或系统中）。"
            "按 WBS 新增或更新，表中没有的任务保持不变。"),
    ("任务名称", "必填，不超过 200 字。"),
    ("里程碑", "是 / 否。里程碑的计划完成等于计划开始（可留空），完成百分比只能是 0 或 100。"),
    ("计划开始 / 计划完成", "日期，如 2025-03-01；计划完成不早于计划开始。"),
    ("实际开始 / 实际完成", "日期，不晚于今天；有实际完成则完成百分比为 100，完成百分比为 100 则须填实际完成。"),
    ("完成百分比", "0–100 的整数；大于 0 须填实际开始。"),
    ("前置任务", "完成-开始关系：前置任务的 WBS，可带间隔天数，如 2.1, 3.2+5（3.2 完成 5 天后开始）；"
                 "本任务计划开始不得早于前置任务计划完成加间隔；不得形成循环。"),
    ("R / A / C / I", "负责 / 批准（每项任务至多一个单位）/ 咨询 / 知会 的参建单位全称，多个用顿号分隔；单位须参与本项目。"),
    ("备注", "可选。"),
]


def template_xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    _header(ws)
    notes = wb.create_sheet("填写说明")
    notes.append(["列", "说明"])
    for row in INSTRUCTIONS:
        notes.append(list(row))
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["B"].width = 110
    notes.append([])
    notes.append([_("The import checks the whole file first; if any row is wrong, nothing is imported.")])
    return _save(wb)
