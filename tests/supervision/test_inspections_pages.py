"""The inspection pages on the demo: the project's plans and deliveries (with export), a plan with its witness
share, a sample's draw and result forms (a result without its report refused on the form, nothing changed), a
rectification's moves, the bureau's board with its pass rate, the rectification list and the agency's samples —
each list at a constant number of queries as it grows, and another organisation's user answered 404."""

import importlib.util
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.core.services import today
from supervision.models import InspectionPlan, Rectification, RectificationState, Sample, SampleState


def _helpers():
    path = Path(__file__).with_name("test_inspections_services.py")
    spec = importlib.util.spec_from_file_location("inspection_service_tests", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


h = _helpers()
pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def owner2(db):
    from portal.accounts.models import User

    return User.objects.get(username="owner2")


def _demo_failed():
    return Rectification.objects.get(project__name=h.HANGWEN, state=RectificationState.OPEN)


def test_the_demo_has_both_sides_and_the_inspectors_work():
    assert Sample.objects.filter(plan__project__name=h.HANGWEN, state=SampleState.ASSIGNED,
                                 agency__name=h.HENGZHENG).count() == 2
    assert Rectification.objects.filter(project__name="环湖大堤（浙江段）后续工程").count() == 1
    assert _demo_failed().sample.state == SampleState.FAILED


def test_project_pages_show_plans_witness_share_and_deliveries(client_for, contractor, owner2):
    project = h.hangwen()
    page = client_for(contractor).get(reverse("supervision:project-inspections", args=[project.pk]))
    assert page.status_code == 200
    assert "义乌段桥墩C50混凝土强度检测" in page.content.decode()
    plan = InspectionPlan.objects.get(project=project, process="concrete_strength")
    progress = client_for(contractor).get(plan.get_absolute_url()).context["progress"]
    assert (progress.taken, progress.witnessed, progress.witnessed_percent, progress.witness_met) == (5, 3, 30, True)
    deliveries = client_for(contractor).get(reverse("supervision:inspection-deliveries", args=[project.pk]))
    assert "HRB400E Φ25" in deliveries.content.decode()
    export = client_for(contractor).get(reverse("supervision:inspection-deliveries", args=[project.pk]),
                                        {"export": "xlsx"})
    assert export["Content-Type"] == XLSX
    for name, args in (("supervision:project-inspections", [project.pk]), ("supervision:plan-detail", [plan.pk]),
                       ("supervision:sample-detail", [plan.samples.first().pk]),
                       ("supervision:rectification-detail", [_demo_failed().pk])):
        assert client_for(owner2).get(reverse(name, args=args)).status_code == 404


def test_a_result_without_its_report_is_refused_on_the_form(client_for, inspector):
    sample = Sample.objects.filter(state=SampleState.ASSIGNED, agency__name=h.HENGZHENG).first()
    url = reverse("supervision:inspection-sample-result", args=[sample.pk])
    answer = client_for(inspector).post(url, {"passed": "fail", "tested_on": today().isoformat(),
                                              "report_number": "R-9", "conclusion": "不合格"})
    assert answer.status_code == 200
    assert answer.context["form"].errors["report"] == [_("Attach at least one file.")]
    sample.refresh_from_db()
    assert sample.state == SampleState.ASSIGNED
    answer = client_for(inspector).post(url, {"passed": "fail", "tested_on": today().isoformat(),
                                              "report_number": "R-9", "conclusion": "强度不足",
                                              "values": "抗压强度 = 38.1", "report": h.pdf()})
    assert answer.status_code == 302
    sample.refresh_from_db()
    assert sample.state == SampleState.FAILED and sample.values == {"抗压强度": "38.1"}
    assert Rectification.objects.filter(sample=sample, state=RectificationState.OPEN).exists()


def test_the_contractor_submits_and_staff_closes_after_the_retest(client_for, contractor, staff, inspector):
    rect = _demo_failed()
    move = reverse("supervision:inspection-rectification-move", args=[rect.pk, "submit"])
    assert client_for(contractor).post(move, {"measures": "", "version": rect.version}).status_code == 200
    assert client_for(contractor).post(move, {"measures": "钻芯复核后加固", "version": rect.version}).status_code == 302
    rect.refresh_from_db()
    assert rect.state == RectificationState.SUBMITTED
    verify = reverse("supervision:inspection-rectification-move", args=[rect.pk, "verify"])
    assert client_for(contractor).post(verify).status_code == 403
    page = client_for(staff).get(rect.get_absolute_url()).content.decode()
    assert _("No re-inspection sample has been taken yet.") in page
    take = reverse("supervision:inspection-sample-create", args=[rect.sample.plan_id]) + f"?retest_of={rect.sample_id}"
    answer = client_for(staff).post(take, {"location": "5号墩承台", "taken_on": today().isoformat()})
    assert answer.status_code == 302
    retest = Sample.objects.get(retest_of=rect.sample)
    h.record(inspector, h.assign_to(staff, retest, h.Organization.objects.get(name=h.HENGZHENG)), passed=True)
    assert client_for(staff).post(verify).status_code == 302
    rect.refresh_from_db()
    assert rect.state == RectificationState.CLOSED


def test_the_board_is_the_bureaus_with_its_pass_rate_and_export(client_for, staff, contractor):
    url = reverse("supervision:inspection-board")
    assert client_for(contractor).get(url).status_code == 403
    page = client_for(staff).get(url, {"process": "concrete_strength"})
    assert page.status_code == 200 and page.context["figures"]["rate"] == 50
    assert client_for(staff).get(url, {"export": "xlsx"})["Content-Type"] == XLSX


def test_the_agency_sees_only_its_samples(client_for, inspector, contractor):
    url = reverse("supervision:inspection-agency-samples")
    assert client_for(contractor).get(url).status_code == 403
    page = client_for(inspector).get(url)
    numbers = {s.number for s in page.context["page"].object_list}
    assert numbers == set(Sample.objects.filter(agency__name=h.HENGZHENG).values_list("number", flat=True))


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_lists_keep_their_query_count_as_they_grow(client_for, staff, inspector):
    project = h.hangwen()
    plan = InspectionPlan.objects.get(project=project, process="rebar")
    client = client_for(staff)
    urls = [reverse("supervision:inspection-board"), reverse("supervision:inspection-rectifications"),
            reverse("supervision:plan-detail", args=[plan.pk]),
            reverse("supervision:inspection-deliveries", args=[project.pk]),
            reverse("supervision:project-inspections", args=[project.pk])]
    [_count(client, u) for u in urls]  # warm: the caller's permissions are read once, then cached
    before = [_count(client, u) for u in urls]
    h.qualify_agencies()
    for i in range(4):
        sample = h.take(staff, plan)
        h.record(inspector, h.assign_to(staff, sample, h.Organization.objects.get(name=h.HENGZHENG)), passed=i % 2 == 0)
        h.services.delivery_record(actor=staff, project=project, contractor=h.contractor_org(), kind="cement",
                                   specification="P·O 42.5", supplier="红狮", batch_number=f"B{i}", quantity="10",
                                   unit="t", certificate_number=f"C{i}", delivered_on=today(),
                                   certificates=[h.pdf()])
    assert [_count(client, u) for u in urls] == before


def test_home_cards_of_the_inspector_and_the_contractor(client_for, inspector, contractor, staff):
    card = client_for(inspector).get(reverse("home")).context["inspection_inspector"]
    assert card["to_test"] == Sample.objects.filter(agency__name=h.HENGZHENG, state=SampleState.ASSIGNED).count()
    assert client_for(contractor).get(reverse("home")).context["inspection_contractor"] == {"open": 1, "overdue": 0}
    assert "inspections-card" not in client_for(staff).get(reverse("home")).content.decode()
