"""Excel exports of the issue lists (the board, a department's queue, a company's issues): the same filtered,
visible list the page shows, streamed into a write-only workbook without a query per row, capped at
`EXPORT_MAX_ROWS` rows (the sheet then says so in its last row)."""

import datetime
from io import BytesIO

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook

from portal.core.exports import EXPORT_MAX_ROWS, append_row, xlsx_response  # noqa: F401  (the views' door)

from .selectors import issue_rows

LIGHT_WORDS = {"red": "Overdue", "amber": "Due within 2 working days", "green": "On time"}


def issues_xlsx(issues, *, title: str, today: datetime.date | None = None, limit: int | None = None) -> bytes:
    """The issues (a list selector's QuerySet, in its order) as a workbook: one row each, at most `limit`
    (`EXPORT_MAX_ROWS`)."""
    today = today or timezone.localdate()
    limit = EXPORT_MAX_ROWS if limit is None else limit
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.append([capfirst(h) for h in (
        _("issue number"), _("title"), _("project"), _("project code"), _("category"), _("source"),
        _("raising company"), _("responsible department"), _("state"), _("now with"), _("held since"),
        _("due on"), _("working days left"), _("deadline light"), _("reported"))])
    chunk: list = []

    def flush():
        for row in issue_rows(chunk, today):
            i = row.issue
            append_row(ws, [
                i.number, i.title, i.project.name, i.project.code, str(i.get_category_display()),
                str(i.get_source_display()), i.company.name, i.department.name if i.department_id else "",
                str(i.get_state_display()), row.holder, _local(i.held_since), i.due_on, row.left,
                _(LIGHT_WORDS[row.light]) if row.light else "", _local(i.created_at)])
        chunk.clear()

    for written, issue in enumerate(issues[: limit + 1].iterator(chunk_size=1000)):
        if written == limit:
            flush()
            ws.append([_("Only the first %(count)s rows are exported: narrow the filters to export the rest.")
                       % {"count": limit}])
            break
        chunk.append(issue)
        if len(chunk) >= 1000:
            flush()
    flush()
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _local(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


