"""The permit PDF of a completed case (WeasyPrint; the CJK font family is set on html so the page footer
renders Chinese too)."""

import re
import secrets

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .models import ApprovalCase, CaseState

# A permit's verification code: 18 random bytes, URL-safe base64 (24 characters, 144 bits) — unguessable, so the
# public page needs no login. Codes of another shape are refused before the database is asked.
VERIFICATION_CODE_RE = re.compile(r"[A-Za-z0-9_-]{16,40}")


def verification_code_new() -> str:
    return secrets.token_urlsafe(18)


def verification_url(case: ApprovalCase) -> str:
    """The absolute address of the permit's public verification page (settings.PORTAL_BASE_URL)."""
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{reverse('verify:permit', args=[case.verification_code])}"


def verification_qr(url: str) -> str:
    """The QR code of `url` as an SVG data URI (error correction M: survives a worn or stamped print)."""
    return segno.make(url, error="m", boost_error=False).svg_data_uri(scale=4, border=2, dark="#000")


def permit_html(case: ApprovalCase) -> str:
    verify_url = verification_url(case) if case.verification_code else ""
    with translation.override("zh-hans"):
        return render_to_string("approvals/permit.html", {
            "case": case, "reviews": case.reviews.select_related("item", "department").order_by("item__order"),
            "issued": case.completed_on or timezone.localdate(),
            "verify_url": verify_url, "verify_qr": verification_qr(verify_url) if verify_url else "",
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
