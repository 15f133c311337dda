"""The Excel exports of the inspection lists (portal.core.exports)."""

from django.utils.translation import gettext as _

from portal.core.exports import table_xlsx, xlsx_response


def deliveries_xlsx(deliveries):
    return xlsx_response(table_xlsx(
        deliveries, title=_("Material deliveries"),
        headers=[_("project"), _("receiving contractor"), _("material"), _("specification"), _("supplier"),
                 _("batch number"), _("quantity"), _("unit"), _("certificate number"), _("delivered on")],
        row=lambda d: [d.project.name, d.contractor.name, d.get_kind_display(), d.specification, d.supplier,
                       d.batch_number, d.quantity, d.unit, d.certificate_number, d.delivered_on]),
        "deliveries")


def samples_xlsx(samples, name: str = "samples"):
    return xlsx_response(table_xlsx(
        samples, title=_("Samples and results"),
        headers=[_("sample number"), _("project"), _("key process"), _("contractor inspected"),
                 _("part / location sampled"), _("taken on"), _("witnessed (见证取样)"), _("re-inspection of"),
                 _("testing agency"), _("state"), _("report number"), _("tested on"), _("conclusion")],
        row=lambda s: [s.number, s.plan.project.name, s.plan.get_process_display(), s.plan.contractor.name,
                       s.location, s.taken_on, _("yes") if s.witnessed else _("no"),
                       s.retest_of.number if s.retest_of_id else "", s.agency.name if s.agency_id else "",
                       s.get_state_display(), s.report_number, s.tested_on, s.conclusion]),
        name)


def rectifications_xlsx(rectifications):
    return xlsx_response(table_xlsx(
        rectifications, title=_("Rectifications"),
        headers=[_("rectification number"), _("project"), _("failed sample"), _("responsible unit"),
                 _("what must be done"), _("due on"), _("state"), _("rounds"), _("re-inspection sample")],
        row=lambda r: [r.number, r.project.name, r.sample.number, r.responsible.name, r.requirement, r.due_on,
                       r.get_state_display(), r.rounds, r.retest.number if r.retest_id else ""]),
        "rectifications")
