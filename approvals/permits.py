"""The permit PDF of a completed case (WeasyPrint; the CJK font family is set on html so the page footer
renders Chinese too)."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import ApprovalCase, CaseState


def permit_html(case: ApprovalCase) -> str:
    with translation.override("zh-hans"):
        return render_to_string("approvals/permit.html", {
            "case": case, "reviews": case.reviews.select_related("item", "department").order_by("item__order"),
            "issued": timezone.localdate(),
        })


def permit_render(*, case_id: int) -> bool:
    """Render and store the permit once; a retry after success does nothing."""
    from weasyprint import HTML

    with transaction.atomic():
        case = ApprovalCase.objects.select_for_update().select_related("project", "applicant").get(pk=case_id)
        if case.state != CaseState.COMPLETED or case.permit_pdf:
            return False
        pdf = HTML(string=permit_html(case)).write_pdf()
        case.permit_pdf.save(f"{case.permit_number}.pdf", ContentFile(pdf), save=False)
        case.save(update_fields=["permit_pdf", "updated_at"])
    return True
