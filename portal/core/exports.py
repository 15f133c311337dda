"""What every Excel export shares: stored text is written as it can be, never refused.

openpyxl refuses a cell holding a control character other than tab, newline and carriage return (Excel cannot
store one); the inputs now refuse them too (portal.core.validators), but text stored before, or arriving by
another door (an import, the admin), must not make an export fail for good."""

from collections.abc import Callable, Iterable, Sequence
from io import BytesIO
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_MAX_ROWS = 10_000  # about 5 s of openpyxl on a 2-CPU server


def cell_value(value: Any) -> Any:
    """`value`, with the characters an Excel cell cannot hold taken out when it is text."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def append_row(ws, values) -> None:
    """`ws.append(values)` with every text value made writable (see `cell_value`); cells pass unchanged."""
    ws.append([cell_value(v) for v in values])


def xlsx_response(content: bytes, name: str) -> HttpResponse:
    """The workbook as a download named "<name>-<local time>.xlsx"."""
    response = HttpResponse(content, content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.xlsx"'
    return response


def table_xlsx(objects: Iterable, *, title: str, headers: Sequence[Any], row: Callable[[Any], Sequence[Any]],
               limit: int | None = None) -> bytes:
    """One sheet: the headers, then `row(obj)` for each of `objects` (a QuerySet is read in chunks, so give it
    its select_related), at most `limit` (`EXPORT_MAX_ROWS`) rows; the last row then says the rest was left out."""
    limit = EXPORT_MAX_ROWS if limit is None else limit
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.append([capfirst(str(h)) for h in headers])
    rows = objects[: limit + 1].iterator(chunk_size=1000) if hasattr(objects, "iterator") else iter(objects)
    for written, obj in enumerate(rows):
        if written == limit:
            ws.append([_("Only the first %(count)s rows are exported: narrow the filters to export the rest.")
                       % {"count": limit}])
            break
        append_row(ws, row(obj))
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()
