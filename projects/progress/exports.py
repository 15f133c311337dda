"""The monthly table of one project as an Excel workbook (amounts in 万元, rates in per cent)."""

from decimal import Decimal
from io import BytesIO

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook

from portal.core.exports import append_row

from .figures import TEN_THOUSAND
from .selectors import REPORT_STATE_LABELS, ProgressTable


def _wan(value: Decimal | None) -> float | None:
    return None if value is None else float((value / TEN_THOUSAND).quantize(Decimal("0.01")))


def _pct(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def monthly_xlsx(project, table: ProgressTable) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Monthly progress"))
    append_row(ws, [project.name, project.code])
    ws.append([capfirst(_("total investment (10k yuan)")), _wan(project.total_investment)])
    ws.append([])
    ws.append([capfirst(h) for h in (
        _("month"), _("planned investment (10k yuan)"), _("cumulative planned (10k yuan)"),
        _("investment completed (10k yuan)"), _("cumulative completed (10k yuan)"), _("investment completion rate (%)"),
        _("plan attainment (%)"), _("month on month (%)"), _("physical progress (%)"), _("report"), _("note"))])
    for line in table.lines:
        f = line.figures
        append_row(ws, [
            f"{f.month:%Y-%m}", _wan(f.planned), _wan(f.cumulative_planned), _wan(f.completed),
            _wan(f.cumulative_completed), _pct(f.completion_rate), _pct(f.attainment), _pct(f.month_on_month),
            _pct(f.physical), str(REPORT_STATE_LABELS[f.state]), line.row.note if line.row else "",
        ])
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()
