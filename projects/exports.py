from io import BytesIO

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook

from portal.core.exports import append_row


def projects_xlsx(projects) -> bytes:
    """The filtered project list as an Excel workbook (investment in 万元). Streams rows; no per-row queries
    beyond the caller's prefetch of regions."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Key projects"))
    header = [capfirst(h) for h in (
        _("project code"), _("project name"), _("type"), _("level"), _("phase"), _("stage"),
        _("total investment (10k yuan)"), _("owner"), _("regions"), _("planned start"), _("planned finish"),
        _("liaison officer"))]
    ws.append(header)
    for p in projects.iterator(chunk_size=500):
        append_row(ws, [
            p.code, p.name, str(p.get_project_type_display()), str(p.get_level_display()),
            str(p.get_phase_display()), str(p.get_stage_display()), float(p.total_investment_wan), p.owner.name,
            "、".join(r.name for r in p.regions.all()), p.planned_start, p.planned_finish,
            str(p.liaison_officer) if p.liaison_officer else "",
        ])
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()
