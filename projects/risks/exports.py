from io import BytesIO

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from portal.core.exports import append_row
from projects.models import RiskCategory, RiskStatus
from projects.models.risks import RiskBand

BAND_FILLS = {"low": "C6EFCE", "medium": "FFEB9C", "high": "F8CBAD", "extreme": "FF7C80"}


def risks_xlsx(risks) -> bytes:
    """The filtered risk list as an Excel workbook, worst first, the score cell coloured by band. Reads the
    rows in chunks; no query per row (the caller's queryset joins the project and the organisation)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Risks"))
    header = [capfirst(str(h)) for h in (
        _("project code"), _("project name"), _("title"), _("category"), _("likelihood"), _("impact"), _("score"),
        _("band"), _("status"), _("responsible organisation"), _("risk owner"), _("mitigation"), _("next review"),
        _("closed at"), _("closing note"), pgettext("risk", "description"))]
    bold = Font(bold=True)
    ws.append([_cell(ws, h, font=bold) for h in header])
    categories, statuses, bands = dict(RiskCategory.choices), dict(RiskStatus.choices), dict(RiskBand.choices)
    for r in risks.iterator(chunk_size=500):
        score = r.likelihood * r.impact
        band = r.band
        append_row(ws, [
            r.project.code, r.project.name, r.title, str(categories.get(r.category, r.category)), r.likelihood,
            r.impact, _cell(ws, score, fill=PatternFill("solid", fgColor=BAND_FILLS[band])), str(bands[band]),
            str(statuses.get(r.status, r.status)), r.owner_organization.name if r.owner_organization else "",
            r.owner_name, r.mitigation, r.review_date,
            timezone.localtime(r.closed_at).replace(tzinfo=None) if r.closed_at else None, r.close_note,
            r.description,
        ])
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(ws, value, **style):
    cell = WriteOnlyCell(ws, value=value)
    for key, val in style.items():
        setattr(cell, key, val)
    return cell
