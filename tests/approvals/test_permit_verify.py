"""The permit's verification code (issue 9): the public page /verify/<code>/ confirms the permit number, the
holder, the issue date and the stage — nothing else — without login; the PDF carries the code and the QR code of
the page's absolute address (settings.PORTAL_BASE_URL)."""

import re
import shutil
import subprocess
import urllib.parse

import pytest
import segno
from django.test import Client, override_settings
from django.utils import formats, translation

from approvals import permits, services
from approvals.demo import FORM, _upload_all
from approvals.models import ApprovalCase, ApprovalStage, CaseState
from portal.accounts.models import User
from projects.models import Project

pytestmark = pytest.mark.django_db

HANGWEN = "杭温高速铁路义乌至温州段"
ZHIJIANG = "之江交通建设投资有限公司"


@pytest.fixture
def permit() -> ApprovalCase:
    """The demo's completed case: its permit is issued and rendered."""
    return ApprovalCase.objects.select_related("project", "applicant").get(
        project__name=HANGWEN, stage=ApprovalStage.LAND_USE_PLANNING)


def text(response) -> str:
    """The visible text of a page (tags, styles and attributes dropped)."""
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_the_demo_permit_has_an_unguessable_code(permit):
    assert permit.state == CaseState.COMPLETED and permit.permit_number and permit.permit_pdf
    assert re.fullmatch(r"[A-Za-z0-9_-]{24}", permit.verification_code)
    codes = {permits.verification_code_new() for _ in range(200)}
    assert len(codes) == 200  # random, not derived from the case
    assert permit.permit_number not in permit.verification_code and str(permit.pk) != permit.verification_code


def test_verify_page_shows_the_four_facts_and_nothing_else_logged_out(permit):
    response = Client().get(f"/verify/{permit.verification_code}/")  # no login, default language (Chinese)
    assert response.status_code == 200
    assert "zh-hans" in response.content.decode()[:200]  # <html lang="zh-hans">
    with translation.override("zh-hans"):
        stage = permit.get_stage_display()
        issued = formats.date_format(permit.completed_on, "DATE_FORMAT")
    facts = {key: re.search(rf'data-testid="verify-{key}">([^<]*)<', response.content.decode()).group(1)
             for key in ("permit-number", "holder", "issued", "stage")}
    assert facts == {"permit-number": permit.permit_number, "holder": ZHIJIANG, "issued": issued, "stage": stage}
    page = text(response)
    assert issued.startswith(str(permit.completed_on.year)) and "年" in issued
    # Nothing of the case beyond those facts: not the project, its code or budget, the case, its documents or reviews.
    assert page.count("：") == 0 and len(re.findall(r"<dt>", response.content.decode())) == 4  # four facts, no more
    project, body = permit.project, response.content.decode()
    budget = f"{project.total_investment:,.2f}".rstrip("0").rstrip(".")
    for secret in [project.name, project.code, permit.number, FORM["contact"], FORM["phone"], FORM["scale"],
                   str(project.total_investment), budget,
                   *[d.original_name for d in permit.documents.all()],
                   *[r.department.name for r in permit.reviews.select_related("department")]]:
        assert secret not in body, secret
    assert "/approvals/" not in body and "/projects/" not in body and not re.search(rf"\b{permit.pk}\b", page)
    # Cheap to serve and to cache in front: no cookie, no session, Cache-Control set, not indexed.
    assert not response.cookies
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_the_case_page_links_to_the_verification_page(permit, client_for, owner):
    page = client_for(owner).get(f"/approvals/{permit.pk}/").content.decode()
    assert f'href="/verify/{permit.verification_code}/"' in page


def test_verify_page_works_for_a_logged_in_user_of_another_organisation_too(permit, client_for):
    other = User.objects.get(username="contractor")  # not of 之江交通: cannot open the case itself
    client = client_for(other)
    assert client.get(f"/approvals/{permit.pk}/").status_code == 404
    response = client.get(f"/verify/{permit.verification_code}/")
    assert response.status_code == 200 and permit.permit_number in response.content.decode()


@pytest.mark.parametrize("code", [
    "A" * 24,                                        # the right shape, no such permit
    "short",                                         # too short to be a code: refused before the database
    "x" * 41,                                        # too long
    "abc.def~ghi!jkl$mno*pqr+stu",                   # odd characters
    "' OR 1=1 --aaaaaaaaaaaaaaaa",
])
def test_unknown_code_is_a_chinese_404_page(permit, code, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = Client().get(f"/verify/{urllib.parse.quote(code, safe='%')}/")
    assert response.status_code == 404
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body and 'data-testid="verify-result"' in body
    assert permit.permit_number not in body and ZHIJIANG not in body


def test_a_case_that_is_not_completed_or_is_voided_does_not_verify(permit):
    url = f"/verify/{permit.verification_code}/"
    ApprovalCase.objects.filter(pk=permit.pk).update(voided_at=permit.updated_at)
    assert Client().get(url).status_code == 404
    ApprovalCase.objects.filter(pk=permit.pk).update(voided_at=None, state=CaseState.HALTED)
    assert Client().get(url).status_code == 404


def test_the_verify_page_answers_get_and_head_only(permit):
    url = f"/verify/{permit.verification_code}/"
    assert Client().head(url).status_code == 200
    assert Client().post(url).status_code == 405


@override_settings(PORTAL_BASE_URL="https://portal.example.gov.cn/")
def test_the_permit_carries_the_code_and_the_qr_code_of_the_absolute_verify_url(permit):
    url = f"https://portal.example.gov.cn/verify/{permit.verification_code}/"
    assert permits.verification_url(permit) == url
    html = permits.permit_html(permit)
    assert url in html and permit.verification_code in html
    # The QR code is an SVG image that encodes exactly the URL: decode its modules and compare with the URL's.
    data_uri = re.search(r'<img src="(data:image/svg\+xml[^"]+)"', html).group(1)
    assert data_uri == segno.make(url, error="m", boost_error=False).svg_data_uri(scale=4, border=2, dark="#000")
    assert _modules(data_uri) == _matrix(segno.make(url, error="m", boost_error=False))
    assert _modules(data_uri) != _matrix(segno.make(url.replace("https", "http"), error="m", boost_error=False))


def _matrix(qr) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(row) for row in qr.matrix)


def _modules(data_uri: str, border: int = 2) -> tuple[tuple[int, ...], ...]:
    """Read the QR code's dark modules back from the SVG path (M/m moves, h dark runs) into segno's matrix form."""
    svg = urllib.parse.unquote(data_uri.split(",", 1)[1])
    path = re.search(r"\bd='([^']+)'", svg).group(1)
    width = int(re.search(r"width='(\d+)'", svg).group(1)) // 4 - 2 * border
    dark: set[tuple[int, int]] = set()
    x = y = 0.0
    for op, args in re.findall(r"([MmHh])([-\d. ]+)", path):
        numbers = [float(n) for n in args.split()]
        if op in "Mm":
            x, y = (numbers[0], numbers[1]) if op == "M" else (x + numbers[0], y + numbers[1])
        else:
            dark.update((int(y) - border, int(x) + i - border) for i in range(int(numbers[0])))
            x += numbers[0]
    return tuple(tuple(int((r, c) in dark) for c in range(width)) for r in range(width))


@override_settings(PORTAL_BASE_URL="https://portal.example.gov.cn")
def test_a_newly_completed_case_gets_a_code_and_a_pdf_with_it(owner, staff, tmp_path, django_capture_on_commit_callbacks):
    project = Project.objects.get(name="湖杭高速公路二期工程")
    case = services.case_create(actor=owner, project=project, stage=ApprovalStage.LAND_USE_PLANNING, form_data=FORM)
    _upload_all(case, owner)
    services.case_submit(actor=owner, case=case)
    services.case_accept(actor=staff, case=case)
    with django_capture_on_commit_callbacks(execute=True):
        for review in case.reviews.select_related("item", "department"):
            reviewer = User.objects.filter(organization_id=review.department_id,
                                           groups__name="department_reviewer").first() or staff
            services.review_decide(actor=reviewer, review=review, decision="approve", opinion="同意。")
    case.refresh_from_db()
    assert case.state == CaseState.COMPLETED and len(case.verification_code) == 24 and case.permit_pdf
    others = ApprovalCase.objects.exclude(pk=case.pk).exclude(verification_code="")
    assert case.verification_code not in set(others.values_list("verification_code", flat=True))
    pdf = tmp_path / "permit.pdf"
    with case.permit_pdf.open("rb") as f:
        pdf.write_bytes(f.read())
    pdftotext = shutil.which("pdftotext")  # poppler-utils (SETUP-NOTES: installed with WeasyPrint's packages)
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    printed = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True,  # noqa: S603
                             check=True).stdout
    assert case.verification_code in printed.replace("\n", "") and "portal.example.gov.cn/verify/" in printed
    assert Client().get(f"/verify/{case.verification_code}/").status_code == 200


def test_a_typed_code_goes_to_its_page_and_a_malformed_one_is_refused_on_the_form(permit):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    form = client.get("/verify/")
    assert form.status_code == 200 and 'name="code"' in form.content.decode()
    typed = client.get("/verify/", {"code": f"  {permit.verification_code} "})
    assert typed.status_code == 302 and typed["Location"] == f"/verify/{permit.verification_code}/"
    for bad, message in [("abc", "A verification code is 16 to 40 letters"), ("", "This field is required."),
                         ("<script>alert(1)</script>xxxxxxxx", "A verification code is 16 to 40 letters")]:
        refused = client.get("/verify/", {"code": bad})
        body = refused.content.decode()
        assert refused.status_code == 400 and 'class="field has-error"' in body and message in body, bad
        assert 'for="id_code"' in body and "<script>alert" not in body
