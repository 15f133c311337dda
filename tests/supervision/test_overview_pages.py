"""The overview pages: a project's quality & safety page and an inspector's work list (with its export), their
access (another organisation's project is a 404, the work list is an inspector's) and their constant query
count as the records grow."""

import hashlib
import importlib.util
import io
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from portal.accounts.models import OrganizationKind, User
from portal.core import policy
from projects.models import Project


def _factory():
    """tests/supervision/test_overview_factory.py (the tests run in importlib mode: no package, no sys.path entry)."""
    if "overview_factory" not in sys.modules:
        spec = importlib.util.spec_from_file_location("overview_factory",
                                                      Path(__file__).with_name("test_overview_factory.py"))
        sys.modules["overview_factory"] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules["overview_factory"]


f = _factory()
accountability, dangerous_work, hazard, plan, rectification, sample = (
    f.accountability, f.dangerous_work, f.hazard, f.plan, f.rectification, f.sample)

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(owner):
    """杭温: the owner's project the demo records the most on."""
    return Project.objects.filter(owner=owner.organization).order_by("pk").first()


@pytest.fixture
def hidden_project(owner, contractor, inspector):
    """A project of another organisation that none of the side-A users nor the inspector sees."""
    seen = set()
    for user in (owner, contractor, inspector):
        seen |= set(policy.visible(user, Project).values_list("pk", flat=True))
    return Project.objects.exclude(pk__in=seen).order_by("pk").first()


@pytest.fixture
def inspector_project(inspector):
    return policy.visible(inspector, Project.objects.active()).order_by("pk").first()


@pytest.fixture
def agency(inspector):
    return inspector.organization


@pytest.fixture
def other_agency(agency):
    from portal.accounts import services as accounts

    return accounts.organization_create(actor=None, name="另一家工程检测有限公司", kind=OrganizationKind.TESTING_AGENCY)


def _page(client, project):
    return client.get(reverse("supervision:project-quality", args=[project.pk]))


# ------------------------------------------------------------------------------------- a project's page
def test_project_page_shows_the_figures(client_for, owner, staff, contractor_org, project):
    today_hazard = hazard(project, by=staff, responsible=contractor_org, grade="major")
    hazard(project, by=staff, responsible=contractor_org, due_in=-2)  # overdue
    hazard(project, by=staff, responsible=contractor_org, state="closed")  # not open
    p = plan(project, by=staff, contractor=contractor_org)
    for state in ("passed", "passed", "passed", "failed", "taken"):
        last = sample(p, by=staff, state=state)
    rect = rectification(last, responsible=contractor_org, due_in=-1)
    dangerous_work(project, contractor=contractor_org, large=True)
    proposal = accountability(project, organization=contractor_org)

    response = _page(client_for(owner), project)
    as_staff = _page(client_for(staff), project).context["q"]

    assert response.status_code == 200
    q = response.context["q"]
    assert q.hazards["major"] >= 1 and q.hazards["general"] >= 1 and q.hazards_overdue >= 1
    assert today_hazard in q.open_hazards and q.open_hazards[0].grade == "major"  # major first
    assert (q.passed, q.tested) >= (3, 4)
    assert rect in q.rectifications and q.rectifications_overdue >= 1
    assert q.dangerous_counts["large"] >= 1
    # A proposal is the bureau's deliberation (the accountability part's policy): staff see it, the owner not.
    assert proposal not in q.accountability and proposal in as_staff.accountability
    assert as_staff.accountability_proposed >= 1
    html = response.content.decode()
    assert today_hazard.number in html and rect.number in html and 'data-testid="major-hazard-notice"' in html
    assert 'aria-current="page"' in html and 'data-testid="quality-subtabs"' in html


def test_project_page_pass_rate(staff, contractor_org, project):
    from supervision.overview import selectors

    p = plan(project, by=staff, contractor=contractor_org)
    before = selectors.project_quality(user=staff, project=project, today=p.created_at.date())
    for state in ("passed", "failed"):
        sample(p, by=staff, state=state)
    after = selectors.project_quality(user=staff, project=project, today=p.created_at.date())
    assert (after.passed - before.passed, after.tested - before.tested) == (1, 2)
    assert after.pass_rate == round(100 * after.passed / after.tested, 1)


def test_project_page_empty_states(client_for, staff):
    bare = (Project.objects.active().filter(hazards__isnull=True, rectifications__isnull=True,
                                            dangerous_works__isnull=True, accountability_records__isnull=True,
                                            inspection_plans__isnull=True).order_by("pk").first())
    assert bare is not None, "the demo has a project without quality & safety records"

    response = _page(client_for(staff), bare)

    assert response.status_code == 200
    q = response.context["q"]
    assert q.pass_rate is None and q.open_hazard_total == 0 and q.rectifications_open == 0
    html = response.content.decode()
    assert html.count('class="empty"') == 4
    assert 'data-testid="quality-pass-rate">—<' in html


def test_another_organisation_gets_404(client_for, owner, contractor, hidden_project, project):
    assert _page(client_for(owner), hidden_project).status_code == 404
    assert _page(client_for(contractor), hidden_project).status_code == 404
    owner2 = User.objects.get(username="owner2")
    if not policy.can(owner2, "view", project):
        assert _page(client_for(owner2), project).status_code == 404


def test_project_page_anonymous_goes_to_login(client, project):
    response = _page(client, project)
    assert response.status_code == 302 and "login" in response["Location"]


def _grow_project(project, staff, contractor_org, n):
    p = plan(project, by=staff, contractor=contractor_org)
    for i in range(n):
        hazard(project, by=staff, responsible=contractor_org, grade="major" if i % 3 == 0 else "general",
               due_in=i - n // 2)
        s = sample(p, by=staff, state="failed")
        rectification(s, responsible=contractor_org, due_in=i - n // 2)
        dangerous_work(project, contractor=contractor_org, large=i % 2 == 0)
        accountability(project, organization=contractor_org)


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["owner", "staff", "inspector"])
def test_project_page_query_count_is_constant(client_for, staff, contractor_org, project, who):
    user = User.objects.get(username=who)
    if not policy.can(user, "view", project):
        project = policy.visible(user, Project.objects.active()).order_by("pk").first()
    client = client_for(user)
    url = reverse("supervision:project-quality", args=[project.pk])
    _grow_project(project, staff, contractor_org, 3)
    _count(client, url)  # warm the caches (content types, permissions)
    small = _count(client, url)
    _grow_project(project, staff, contractor_org, 25)
    assert _count(client, url) == small


# -------------------------------------------------------------------------------------- an inspector's work
def _work(client, **params):
    return client.get(reverse("supervision:my-work"), params)


def test_my_work_lists_the_agency_samples_and_the_checks(client_for, staff, inspector, agency, other_agency,
                                                         contractor_org, inspector_project, hidden_project):
    p = plan(inspector_project, by=staff, contractor=contractor_org)
    mine = sample(p, by=staff, agency=agency)
    theirs = sample(p, by=staff, agency=other_agency)
    done = sample(p, by=staff, state="passed", agency=agency)
    submitted = rectification(sample(p, by=staff, state="failed"), responsible=contractor_org, state="submitted")
    still_open = rectification(sample(p, by=staff, state="failed"), responsible=contractor_org)
    to_check = hazard(inspector_project, by=staff, responsible=contractor_org, state="submitted_for_check")
    rectifying = hazard(inspector_project, by=staff, responsible=contractor_org, state="rectifying")
    hp = plan(hidden_project, by=staff, contractor=contractor_org)
    hidden_rect = rectification(sample(hp, by=staff, state="failed"), responsible=contractor_org, state="submitted")
    hidden_hazard = hazard(hidden_project, by=staff, responsible=contractor_org, state="submitted_for_check")
    client = client_for(inspector)

    samples = list(_work(client).context["page"].object_list)
    rects = list(_work(client, tab="rectifications").context["page"].object_list)
    hazards = list(_work(client, tab="hazards").context["page"].object_list)

    assert mine in samples and theirs not in samples and done not in samples
    assert submitted in rects and still_open not in rects and hidden_rect not in rects
    assert to_check in hazards and rectifying not in hazards and hidden_hazard not in hazards
    counts = _work(client).context["counts"]
    assert counts == {"samples": len(samples), "rectifications": len(rects), "hazards": len(hazards)}


def test_my_work_search_and_overdue_filter(client_for, staff, inspector, contractor_org, inspector_project):
    late = hazard(inspector_project, by=staff, responsible=contractor_org, state="submitted_for_check", due_in=-3)
    late.title = "塔吊限位器失效"
    late.save()
    on_time = hazard(inspector_project, by=staff, responsible=contractor_org, state="submitted_for_check", due_in=3)
    client = client_for(inspector)

    found = list(_work(client, tab="hazards", q="限位器").context["page"].object_list)
    overdue = list(_work(client, tab="hazards", overdue="on").context["page"].object_list)
    by_number = list(_work(client, tab="hazards", q=on_time.number).context["page"].object_list)

    assert late in found and on_time not in found
    assert late in overdue and on_time not in overdue
    assert by_number == [on_time]


def test_my_work_on_one_project(client_for, staff, inspector, contractor_org, inspector_project, project):
    here = hazard(inspector_project, by=staff, responsible=contractor_org, state="submitted_for_check")
    page = _page(client_for(inspector), inspector_project).content.decode()
    assert f"?tab=hazards&amp;project={inspector_project.pk}" in page

    rows = list(_work(client_for(inspector), tab="hazards", project=inspector_project.pk).context["page"].object_list)
    elsewhere = list(_work(client_for(inspector), tab="hazards", project=inspector_project.pk + 100000)
                     .context["page"].object_list)

    assert here in rows and all(h.project_id == inspector_project.pk for h in rows)
    assert elsewhere == []


def test_my_work_bad_filter_names_the_field_and_filters_nothing(client_for, inspector):
    response = _work(client_for(inspector), tab="hazards", project="x")
    assert response.status_code == 200
    assert "project" in response.context["form"].errors


def test_my_work_unknown_tab_falls_back_to_samples(client_for, inspector):
    assert _work(client_for(inspector), tab="nonsense").context["tab"] == "samples"


def test_my_work_empty_state(client_for, inspector):
    response = _work(client_for(inspector), tab="hazards", q="没有这样的隐患")
    assert 'class="empty"' in response.content.decode()


@pytest.mark.parametrize("username", ["owner", "contractor", "staff", "leader", "reviewer", "liaison"])
def test_my_work_is_an_inspectors(client_for, username):
    client = client_for(User.objects.get(username=username))
    assert _work(client).status_code == 403
    assert client.get(reverse("supervision:my-work-export")).status_code == 403


def test_my_work_export(client_for, staff, inspector, agency, contractor_org, inspector_project):
    p = plan(inspector_project, by=staff, contractor=contractor_org)
    mine = sample(p, by=staff, agency=agency)
    to_check = hazard(inspector_project, by=staff, responsible=contractor_org, state="submitted_for_check")
    client = client_for(inspector)

    response = client.get(reverse("supervision:my-work-export"), {"tab": "samples"})
    hazards = client.get(reverse("supervision:my-work-export"), {"tab": "hazards", "q": to_check.number})

    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert mine.number in [r[0] for r in rows[1:]]
    hazard_rows = list(load_workbook(io.BytesIO(hazards.content)).active.values)
    assert [r[0] for r in hazard_rows[1:]] == [to_check.number]


def _grow_work(project, staff, agency, contractor_org, n):
    p = plan(project, by=staff, contractor=contractor_org)
    for _ in range(n):
        sample(p, by=staff, agency=agency)
        rectification(sample(p, by=staff, state="failed"), responsible=contractor_org, state="submitted")
        hazard(project, by=staff, responsible=contractor_org, state="submitted_for_check")


@pytest.mark.parametrize("tab", ["samples", "rectifications", "hazards"])
def test_my_work_query_count_is_constant(client_for, staff, inspector, agency, contractor_org, inspector_project,
                                         tab):
    client = client_for(inspector)
    url = reverse("supervision:my-work") + f"?tab={tab}"
    _grow_work(inspector_project, staff, agency, contractor_org, 3)
    _count(client, url)
    small = _count(client, url)
    _grow_work(inspector_project, staff, agency, contractor_org, 30)
    assert _count(client, url) == small


# ------------------------------------------------------------------------------------------ the hazard board
def test_hazard_board_query_count_is_constant(client_for, staff, contractor_org, project):
    from django.urls import NoReverseMatch

    try:
        url = reverse("supervision:hazard-board")
    except NoReverseMatch:
        pytest.skip("the hazards part has no board page (supervision:hazard-board) yet")
    client = client_for(staff)
    for _ in range(3):
        hazard(project, by=staff, responsible=contractor_org)
    _count(client, url)
    small = _count(client, url)
    for i in range(30):
        hazard(project, by=staff, responsible=contractor_org, grade="major" if i % 4 == 0 else "general")
    assert _count(client, url) == small


# ---------------------------------------------------------------------------------------- the document page
def _document_on(owner_name: str):
    from django.contrib.contenttypes.models import ContentType

    from supervision.models import Document, Hazard, InspectionPlan

    for model in (Hazard, InspectionPlan):
        ids = model.objects.filter(project__owner__name=owner_name).values("pk")
        doc = Document.objects.filter(target_type=ContentType.objects.get_for_model(model), target_id__in=ids).first()
        if doc is not None:
            return doc
    return None


def test_demo_documents_on_each_side_are_downloaded_by_who_sees_their_record(client_for, owner):
    owner2 = User.objects.get(username="owner2")
    own, other = _document_on("之江交通建设投资有限公司"), _document_on("浙水水利水电开发有限公司")
    assert own is not None and other is not None
    url = lambda doc: reverse("supervision:document", args=[doc.pk])  # noqa: E731

    assert policy.can(owner, "view", own.target)
    response = client_for(owner).get(url(own))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200 and hashlib.sha256(body).hexdigest() == own.sha256
    assert client_for(owner).get(url(other)).status_code == 404
    assert client_for(owner2).get(url(own)).status_code == 404
    assert client_for(owner2).get(url(other)).status_code == 200
