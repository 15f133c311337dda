"""The public verification page of a permit: /verify/<code>/, the address in the QR code printed on the PDF.

No login: the code is 144 random bits, so holding it is the permission (like a capability URL), and the page
shows exactly four facts — the permit number, the holder (the applicant organisation), the issue date and the
stage — never the case, its project, budget, documents or reviews. It is cheap to serve many times and easy to
rate-limit in front: a code of the wrong shape is refused before the database is asked, a lookup is one indexed
query of four columns, the page touches no session and sets no cookie, and answers carry Cache-Control, so a
reverse proxy can cache the hits and throttle /verify/ by address."""

from django import forms
from django.core.validators import RegexValidator
from django.http import HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from .models import ApprovalCase, CaseState
from .permits import VERIFICATION_CODE_RE


class VerifyForm(forms.Form):
    """The code printed under the QR code, for whoever cannot scan it."""

    code = forms.CharField(
        label=_("Verification code"), max_length=40, strip=True,
        help_text=_("Printed under the QR code at the bottom of the permit."),
        validators=[RegexValidator(VERIFICATION_CODE_RE, _("A verification code is 16 to 40 letters, digits, “-” "
                                                            "or “_”, as printed under the QR code."))],
    )


def _page(template: str, context: dict, status: int) -> HttpResponse:
    # No request in the context: no context processor runs, so nothing reads the session or the user.
    response = HttpResponse(render_to_string(template, context), status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_safe
def verify_index(request) -> HttpResponse:
    """/verify/: type the code; a valid one goes to its page, a malformed one is refused on the form."""
    form = VerifyForm(request.GET if "code" in request.GET else None)
    if form.is_valid():
        return HttpResponseRedirect(reverse("verify:permit", args=[form.cleaned_data["code"]]))
    return _page("approvals/verify/index.html", {"form": form}, status=400 if form.is_bound else 200)


@require_safe
@cache_control(public=True, max_age=300)
def permit_verify(request, code: str) -> HttpResponse:
    permit = None
    if VERIFICATION_CODE_RE.fullmatch(code):  # else no query at all
        permit = (ApprovalCase.objects.active().filter(verification_code=code, state=CaseState.COMPLETED)
                  .values("permit_number", "applicant__name", "completed_on", "stage").first())
    if permit is None:
        return _page("approvals/verify/unknown.html", {}, status=404)
    stage = ApprovalCase(stage=permit["stage"]).get_stage_display()
    return _page("approvals/verify/permit.html", {
        "permit_number": permit["permit_number"], "holder": permit["applicant__name"],
        "issued_on": permit["completed_on"], "stage": stage,
    }, status=200)
