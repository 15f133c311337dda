"""Monthly progress through the services, pages and API: the owner reports month by month, the bureau and the
owner set the year's plan all at once or not at all, refused input names its field or month and changes nothing,
corrections carry the version lock and a reason, who may see and do what, the reminder task, the Excel export,
the province-wide overview, and query budgets that do not grow with the rows."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import load_workbook

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.celery import app
from portal.core.errors import ApplicationError
from portal.core.models import Region
from portal.core.schedule import PERIODIC_TASKS
from portal.notifications.models import Notification
from projects.models import MonthlyProgress, Project
from projects.progress import selectors, services
from projects.progress.figures import ReportState, month_add, month_start, report_due
from projects.progress.tasks import remind_unreported
from projects.services import participant_add, project_create

pytestmark = pytest.mark.django_db

@pytest.fixture
def client_for():
    """As the shared fixture, for a reader whose browser asks for English."""
    from django.test import Client

    def make(user):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client

    return make


JSON = "application/json"
TOTAL = Decimal("1000000000.00")  # 10 亿元
CONFLICT = "Someone else changed this since you opened it; reload and try again."


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def owner(db):
    """钱立群 of 之江交通建设投资有限公司, the owner organisation (建设单位) of the test project."""
    return User.objects.get(username="owner")


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def start(today):
    return month_add(month_start(today), -6)


_codes = iter(range(990001, 999999))


def make_project(staff, owner, *, start, contractor_org=None, liaison=None, name="测试铁路工程", total=TOTAL):
    project = project_create(
        actor=staff, code=f"2025-330700-48-01-{next(_codes):06d}", name=name, project_type="transport",
        level="provincial", stage="under_construction", total_investment=total, planned_start=start,
        planned_finish=month_add(start, 36), owner=owner.organization,
        regions=list(Region.objects.filter(code__in=["330700", "330300"])), liaison_officer=liaison,
    )
    if contractor_org is not None:
        participant_add(actor=staff, project=project, organization=contractor_org, role="contractor")
    return project


@pytest.fixture
def project(staff, owner, start, contractor_org, liaison):
    return make_project(staff, owner, start=start, contractor_org=contractor_org, liaison=liaison)


@pytest.fixture
def api(client_for):
    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def report(project, actor, month, completed="1000000", physical="1", **extra):
    return services.progress_report(actor=actor, project=project, month=month, completed_investment=Decimal(completed),
                                    physical_progress=Decimal(physical), **extra)


def refused(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        call()
    return info.value


def state(project):
    """Everything a refused write must leave as it was."""
    rows = list(MonthlyProgress.objects.filter(project=project).order_by("month").values_list(
        "month", "planned_investment", "completed_investment", "physical_progress", "note", "version"))
    events = AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(MonthlyProgress)).count()
    return rows, events


def error(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]


# ------------------------------------------------------------------------------------------------ reports
def test_the_owner_reports_month_by_month_and_the_figures_follow(project, owner, start):
    services.progress_plan_set(actor=owner, project=project, plans={
        start: "20000000", month_add(start, 1): "30000000", month_add(start, 2): "50000000"})
    report(project, owner, start, completed="18000000", physical="2.5", note="桩基施工")
    row = report(project, owner, month_add(start, 1), completed="33000000", physical="5")
    assert row.reported_by == owner and row.reported_at is not None
    assert row.planned_investment == Decimal("30000000.00") and row.version == 2  # the plan row, now reported

    table = selectors.progress_table(project=project)
    summary = table.summary
    assert summary.latest_month == month_add(start, 1)
    assert summary.cumulative_completed == Decimal("51000000.00")
    assert summary.cumulative_planned == Decimal("50000000.00")
    assert summary.completion_rate == Decimal("5.10")  # 5100 万 of 10 亿
    assert summary.attainment == Decimal("102.00")
    assert summary.physical_progress == Decimal("5.00")
    assert table.next_month == month_add(start, 2)
    created = AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(MonthlyProgress),
                                        object_id=str(row.pk), action="update").get()
    assert created.changes["completed_investment"] == [None, "33000000.00"]


def test_months_are_reported_in_order_from_the_planned_start(project, owner, start):
    before = state(project)
    e = refused(lambda: report(project, owner, month_add(start, 1)))
    expected = f"Months are reported in order: report {start:%Y-%m} first."
    assert e.extra == {"month": [expected]} and e.message == expected
    e = refused(lambda: report(project, owner, month_add(start, -1)))
    assert e.extra["month"] == [f"{month_add(start, -1):%Y-%m} is before the planned start month {start:%Y-%m}."]
    assert state(project) == before

    report(project, owner, start)
    e = refused(lambda: report(project, owner, month_add(start, 2)))
    assert e.extra["month"] == [f"Months are reported in order: report {month_add(start, 1):%Y-%m} first."]


def test_a_month_that_has_not_begun_cannot_be_reported(staff, owner, today):
    project = make_project(staff, owner, start=month_start(today))
    report(project, owner, month_start(today))  # the current month may be reported
    e = refused(lambda: report(project, owner, month_add(month_start(today), 1)))
    assert e.extra == {"month": [f"{month_add(month_start(today), 1):%Y-%m} has not begun yet."]}


def test_physical_progress_cannot_go_down_and_nothing_is_saved(project, owner, start):
    report(project, owner, start, physical="12.5")
    before = state(project)
    e = refused(lambda: report(project, owner, month_add(start, 1), physical="12.49"))
    assert e.message == "Cumulative physical progress cannot go down."
    assert e.extra == {"physical_progress": [
        f"Cumulative physical progress cannot be lower than 12.50% reported for {start:%Y-%m}."]}
    assert state(project) == before


def test_negative_or_non_numbers_are_refused_naming_the_field(project, owner, start):
    before = state(project)
    e = refused(lambda: services.progress_report(actor=owner, project=project, month=start,
                                                 completed_investment="-5", physical_progress="abc"))
    assert e.extra == {"completed_investment": ["The amount cannot be negative."],
                       "physical_progress": ["Enter a number."]}
    e = refused(lambda: report(project, owner, start, physical="100.01"))
    assert e.extra == {"physical_progress": ["Physical progress is a percentage from 0 to 100."]}
    assert state(project) == before


def test_cumulative_completed_investment_cannot_exceed_the_total(staff, owner, start):
    project = make_project(staff, owner, start=start, total=Decimal("100000000"))  # 1 亿
    report(project, owner, start, completed="60000000")
    before = state(project)
    e = refused(lambda: report(project, owner, month_add(start, 1), completed="40000000.01"))
    assert e.extra == {"completed_investment": [
        "Cumulative completed investment would be 10,000.00 (10k yuan), more than the project's total investment "
        "of 10,000.00 (10k yuan)."]}
    assert state(project) == before
    report(project, owner, month_add(start, 1), completed="40000000")  # exactly the total is fine


def test_a_reported_month_is_corrected_not_reported_again(project, owner, start):
    report(project, owner, start)
    e = refused(lambda: report(project, owner, start))
    assert e.extra == {"month": [f"{start:%Y-%m} is already reported."]}
    assert e.code == "invalid_transition"


def test_a_correction_needs_a_reason_and_the_version_and_is_audited(project, owner, staff, start):
    row = report(project, owner, start, completed="1000000", physical="3")
    report(project, owner, month_add(start, 1), completed="2000000", physical="6")
    kwargs = {"project": project, "month": start, "note": "更正", "completed_investment": Decimal("1500000"),
              "physical_progress": Decimal("4")}
    e = refused(lambda: services.progress_correct(actor=staff, version=row.version, reason=" ", **kwargs))
    assert e.extra == {"reason": ["This field is required."]}

    services.progress_correct(actor=staff, version=row.version, reason="财务决算调整", **kwargs)
    before = state(project)
    e = refused(lambda: services.progress_correct(actor=owner, version=row.version, reason="晚了一步",
                                                  **{**kwargs, "physical_progress": Decimal("5")}))
    assert e.extra == {"version": [CONFLICT]} and e.code == "stale"
    assert state(project) == before

    row.refresh_from_db()
    assert (row.completed_investment, row.physical_progress, row.version) == (Decimal("1500000.00"), Decimal("4.00"), 2)
    event = AuditEvent.objects.filter(object_id=str(row.pk), reason="财务决算调整").get()
    assert event.actor == staff
    assert event.changes["completed_investment"] == ["1000000.00", "1500000.00"]


def test_a_correction_keeps_progress_between_its_neighbours_and_the_total(staff, owner, start):
    project = make_project(staff, owner, start=start, total=Decimal("10000000"))
    first = report(project, owner, start, completed="3000000", physical="10")
    report(project, owner, month_add(start, 1), completed="5000000", physical="20")
    third = report(project, owner, month_add(start, 2), completed="1000000", physical="30")
    before = state(project)
    e = refused(lambda: services.progress_correct(actor=owner, project=project, month=start, version=first.version,
                                                  completed_investment="3000000", physical_progress="20.01",
                                                  note="", reason="核对"))
    assert e.extra == {"physical_progress": [
        f"Cumulative physical progress cannot be higher than 20.00% reported for the later month "
        f"{month_add(start, 1):%Y-%m}."]}
    e = refused(lambda: services.progress_correct(actor=owner, project=project, month=month_add(start, 2),
                                                  version=third.version, completed_investment="2000000.01",
                                                  physical_progress="30", note="", reason="核对"))
    assert list(e.extra) == ["completed_investment"]
    assert state(project) == before


# ------------------------------------------------------------------------------------------------ the plan
def test_the_year_plan_is_saved_all_at_once_or_not_at_all(project, owner, start):
    year = start.year
    plans = {datetime.date(year, m, 1): str(m * 1000000) for m in range(1, 13)}
    plans[datetime.date(year, 3, 1)] = "-1"
    plans[datetime.date(year, 7, 1)] = "一百万"
    before = state(project)
    e = refused(lambda: services.progress_plan_set(actor=owner, project=project, plans=plans))
    assert e.message == f"Nothing was saved. Check the planned investment of: {year}-03、{year}-07."
    assert e.extra == {f"{year}-03": [f"{year}-03: The amount cannot be negative."],
                       f"{year}-07": [f"{year}-07: Enter a number."]}
    assert state(project) == before

    plans[datetime.date(year, 3, 1)], plans[datetime.date(year, 7, 1)] = "3000000", "0"
    changed = services.progress_plan_set(actor=owner, project=project, plans=plans)
    assert len(changed) == 11  # July's 0 needs no row
    assert MonthlyProgress.objects.get(project=project, month=datetime.date(year, 12, 1)).planned_investment == \
        Decimal("12000000.00")


def test_a_stale_plan_is_refused(project, owner, staff, start):
    services.progress_plan_set(actor=owner, project=project, plans={start: "1000000"})
    shown = {start: 1, month_add(start, 1): 0}
    services.progress_plan_set(actor=staff, project=project, plans={start: "2000000"}, versions={start: 1})
    e = refused(lambda: services.progress_plan_set(actor=owner, project=project, versions=shown,
                                                   plans={start: "1500000", month_add(start, 1): "1"}))
    assert e.extra == {"version": [CONFLICT]}
    assert MonthlyProgress.objects.get(project=project, month=start).planned_investment == Decimal("2000000.00")
    assert not MonthlyProgress.objects.filter(project=project, month=month_add(start, 1)).exists()


# ------------------------------------------------------------------------------------------------ pages
def test_the_tab_shows_figures_chart_table_and_missing_months(project, owner, client_for, start, today):
    services.progress_plan_set(actor=owner, project=project, plans={start: "20000000", month_add(start, 1): "20000000"})
    report(project, owner, start, completed="10000000", physical="2")
    html = client_for(owner).get(f"/projects/{project.pk}/progress/").content.decode()
    assert 'data-testid="completion-rate">1.00%' in html
    assert 'data-testid="attainment">50.00%' in html
    assert "<svg" in html and "<title id=\"progress-chart-title\">" in html
    assert f'data-month="{start:%Y-%m}"' in html
    # five owed months are unreported; the oldest are past the 10th of their next month
    table = selectors.progress_table(project=project)
    assert [f.month for f in table.missing] == [month_add(start, i) for i in range(1, 6)]
    assert table.missing[0].state == ReportState.LATE
    assert 'data-testid="missing-months"' in html and f"{month_add(start, 1):%Y-%m} · Late" in html
    assert f'href="/projects/{project.pk}/progress/report/"' in html


def test_a_late_month_of_the_demo_is_flagged():
    project = Project.objects.get(name="衢州机场迁建工程")
    last = month_add(month_start(timezone.localdate()), -1)
    table = selectors.progress_table(project=project)
    assert [f.month for f in table.missing] == [last]
    expected = ReportState.LATE if timezone.localdate() > report_due(last) else ReportState.DUE
    assert table.missing[0].state == expected


def test_the_owner_reports_through_the_page_and_a_negative_amount_is_shown_on_the_form(project, owner, client_for,
                                                                                      start):
    client = client_for(owner)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = f"/projects/{project.pk}/progress/report/"
    assert f'value="{start:%Y-%m}"' in client.get(url).content.decode()
    before = state(project)
    response = client.post(url, {"month": f"{start:%Y-%m}", "completed_investment": "-3", "physical_progress": "2",
                                 "version": "0"})
    assert response.status_code == 200
    assert "Investment completed in the month (10k yuan) cannot be negative." in response.content.decode()
    assert state(project) == before
    response = client.post(url, {"month": f"{start:%Y-%m}", "completed_investment": "1234.5678",
                                 "physical_progress": "2", "note": "开工", "version": "0"})
    assert response.status_code == 302
    row = MonthlyProgress.objects.get(project=project, month=start)
    assert row.completed_investment == Decimal("12345678.00")  # typed in 万元


def test_the_plan_page_refuses_a_bad_month_and_names_it(project, owner, client_for, start):
    client = client_for(owner)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = f"/projects/{project.pk}/progress/plan/?year={start.year}"
    client.get(url)
    data = {f"{start.year}-{m:02d}": "100" for m in range(1, 13)} | {"stamp": ""}
    data[f"{start.year}-05"] = "-1"
    data[f"{start.year}-09"] = "abc"
    before = state(project)
    html = client.post(url, data).content.decode()
    assert f"Nothing was saved. Check the planned investment of: {start.year}-05、{start.year}-09." in html
    assert f"{start.year}-05 cannot be negative." in html
    assert f"{start.year}-09: enter a number in 10k yuan, for example 12.5 (= 125,000 yuan)." in html
    assert state(project) == before
    data[f"{start.year}-05"], data[f"{start.year}-09"] = "150", ""
    assert client.post(url, data).status_code == 302
    assert MonthlyProgress.objects.filter(project=project, month__year=start.year).count() == 11
    assert MonthlyProgress.objects.get(project=project, month=datetime.date(start.year, 5, 1)).planned_investment \
        == Decimal("1500000.00")
    # the same stale form again: the rows it was based on have changed since
    data[f"{start.year}-05"] = "160"
    html = client.post(url, data).content.decode()
    assert CONFLICT in html
    assert MonthlyProgress.objects.get(project=project, month=datetime.date(start.year, 5, 1)).planned_investment \
        == Decimal("1500000.00")


def test_two_people_correcting_the_same_month_the_second_is_refused(project, owner, staff, client_for, start):
    row = report(project, owner, start, completed="1000000", physical="3")
    url = f"/projects/{project.pk}/progress/{start.year}-{start.month}/correct/"
    first, second = client_for(owner), client_for(staff)
    second.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert f'name="version" value="{row.version}"' in first.get(url).content.decode()
    second.get(url)
    form = {"completed_investment": "150", "physical_progress": "3", "note": "", "version": row.version,
            "reason": "复核"}
    assert first.post(url, form).status_code == 302
    response = second.post(url, form | {"completed_investment": "170"})
    assert response.status_code == 200 and CONFLICT in response.content.decode()
    row.refresh_from_db()
    assert row.completed_investment == Decimal("1500000.00")


def test_excel_export_of_the_monthly_table(project, owner, client_for, start):
    services.progress_plan_set(actor=owner, project=project, plans={start: "20000000"})
    report(project, owner, start, completed="12345600", physical="2", note="开工")
    response = client_for(owner).get(f"/projects/{project.pk}/progress/?export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    line = next(r for r in rows if r[0] == f"{start:%Y-%m}")
    assert line[1:7] == (2000.0, 2000.0, 1234.56, 1234.56, 1.23, 61.73)
    assert line[8] == 2.0 and line[10] == "开工"


# ------------------------------------------------------------------------------------------------ API
def test_api_reports_plans_and_corrects(project, owner, api, start):
    client = api(owner)
    base = f"/api/v1/projects/{project.pk}/monthly-progress/"
    r = client.post(f"{base}plan/", {"plans": [{"month": f"{start:%Y-%m}", "planned_investment": "20000000",
                                                "version": 0}]}, content_type=JSON)
    assert r.status_code == 200, r.content
    r = client.post(f"{base}report/", {"month": f"{start:%Y-%m}", "completed_investment": "10000000",
                                       "physical_progress": "2.5", "version": 1}, content_type=JSON)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["summary"]["completion_rate"] == "1.00" and body["summary"]["plan_attainment"] == "50.00"
    month = next(m for m in body["months"] if m["month"] == f"{start:%Y-%m}")
    assert month["state"] == "reported" and month["version"] == 2
    r = client.post(f"{base}correct/", {"month": f"{start:%Y-%m}", "completed_investment": "12000000",
                                        "physical_progress": "2.5", "version": 2, "reason": "更正"}, content_type=JSON)
    assert r.status_code == 200, r.content
    assert r.json()["summary"]["cumulative_completed"] == "12000000.00"
    r = client.post(f"{base}correct/", {"month": f"{start:%Y-%m}", "completed_investment": "13000000",
                                        "physical_progress": "2.5", "version": 2, "reason": "再更正"}, content_type=JSON)
    assert error(r, 409) == {"code": "stale", "message": CONFLICT, "fields": {"version": [CONFLICT]}}
    r = client.get(f"{base}plan/{start.year}/")
    assert r.json()["plans"][0] == {"month": f"{start:%Y-%m}", "planned_investment": "20000000.00", "version": 3}


def test_api_refuses_bad_input_naming_the_field_or_month_and_saves_nothing(project, owner, api, start):
    client = api(owner)
    base = f"/api/v1/projects/{project.pk}/monthly-progress/"
    before = state(project)
    e = error(client.post(f"{base}report/", {"month": f"{start:%Y-%m}", "completed_investment": "-1",
                                             "physical_progress": "2"}, content_type=JSON))
    assert set(e["fields"]) == {"completed_investment"}
    e = error(client.post(f"{base}report/", {"month": "2026-13", "completed_investment": "1",
                                             "physical_progress": "2"}, content_type=JSON))
    assert e["fields"] == {"month": ["Write the month as YYYY-MM, e.g. 2026-03."]}
    e = error(client.post(f"{base}plan/", {"plans": [
        {"month": f"{start:%Y-%m}", "planned_investment": "100"},
        {"month": f"{month_add(start, 1):%Y-%m}", "planned_investment": "-100"},
        {"month": f"{month_add(start, 2):%Y-%m}", "planned_investment": "lots"}]}, content_type=JSON))
    assert set(e["fields"]) == {f"{month_add(start, 1):%Y-%m}", f"{month_add(start, 2):%Y-%m}"}
    e = error(client.post(f"{base}plan/", {"plans": [{"month": f"{start:%Y-%m}", "planned_investment": "1"},
                                                     {"month": f"{start:%Y-%m}", "planned_investment": "2"}]},
                          content_type=JSON))
    assert e["fields"] == {"plans": ["Each month may appear once."]}
    assert state(project) == before


# ------------------------------------------------------------------------------------------------ who may
def test_another_organisations_contractor_gets_404_everywhere(project, other_contractor, client_for, api, start):
    client, json_client = client_for(other_contractor), api(other_contractor)
    for url in (f"/projects/{project.pk}/progress/", f"/projects/{project.pk}/progress/plan/",
                f"/projects/{project.pk}/progress/report/", f"/projects/{project.pk}/progress/?export=xlsx"):
        assert client.get(url).status_code == 404, url
    base = f"/api/v1/projects/{project.pk}/monthly-progress/"
    assert json_client.get(base).status_code == 404
    r = json_client.post(f"{base}report/", {"month": f"{start:%Y-%m}", "completed_investment": "1",
                                            "physical_progress": "1"}, content_type=JSON)
    assert r.status_code == 404
    assert not MonthlyProgress.objects.filter(project=project).exists()


@pytest.mark.parametrize("username", ["contractor", "leader", "liaison"])
def test_participants_leaders_and_the_liaison_officer_read_but_cannot_report(project, username, client_for, api,
                                                                            start):
    user = User.objects.get(username=username)
    client = client_for(user)
    html = client.get(f"/projects/{project.pk}/progress/").content.decode()
    assert 'data-testid="progress-summary"' in html and 'data-testid="report-link"' not in html
    assert client.get(f"/projects/{project.pk}/progress/report/").status_code == 403
    assert client.post(f"/projects/{project.pk}/progress/plan/", {}).status_code == 403
    r = api(user).post(f"/api/v1/projects/{project.pk}/monthly-progress/report/",
                       {"month": f"{start:%Y-%m}", "completed_investment": "1", "physical_progress": "1"},
                       content_type=JSON)
    assert r.status_code == 403
    assert api(user).get(f"/api/v1/projects/{project.pk}/monthly-progress/").status_code == 200
    assert not MonthlyProgress.objects.filter(project=project).exists()


def test_bureau_staff_may_report_for_the_owner(project, staff, start):
    assert report(project, staff, start).reported_by == staff


# ------------------------------------------------------------------------------------------------ overview
def test_the_overview_shows_what_the_user_may_see(api, staff, contractor, other_contractor, client_for):
    late = api(staff).get("/projects/progress/?late=1")
    assert [p.name for p in late.context["page"].object_list] == ["衢州机场迁建工程"]
    assert "Last month missing" in late.content.decode()
    contractor_page = client_for(contractor).get("/projects/progress/")
    names = {p.name for p in contractor_page.context["page"].object_list}
    visible = set(Project.objects.filter(participants__organization=contractor.organization).values_list(
        "name", flat=True))
    assert names and names <= visible
    assert "衢州机场迁建工程" not in {p.name for p in client_for(other_contractor).get(
        "/projects/progress/?q=杭温").context["page"].object_list}


def test_the_overview_figures_match_the_project_tab(client_for, leader):
    project = Project.objects.get(name="杭温高速铁路义乌至温州段")
    page = client_for(leader).get("/projects/progress/", {"q": "杭温"}).context["page"]
    row = next(p for p in page.object_list if p.pk == project.pk)
    summary = selectors.progress_table(project=project).summary
    assert (row.completion_rate, row.attainment, row.latest_physical) == (
        summary.completion_rate, summary.attainment, summary.physical_progress)
    assert row.cumulative_completed == summary.cumulative_completed


def test_the_overview_sorts_the_most_behind_first(client_for, staff):
    page = client_for(staff).get("/projects/progress/", {"progress_sort": "behind"}).context["page"]
    attainments = [p.attainment for p in page.object_list if p.attainment is not None]
    assert attainments == sorted(attainments)


# ------------------------------------------------------------------------------------------------ reminders
def test_the_reminder_tells_owners_once_and_the_liaison_officer_when_late(project, owner, liaison, start, today):
    for i in range(5):  # every owed month but the last one
        report(project, owner, month_add(start, i), physical=str(i))
    last = month_add(month_start(today), -1)
    before_due = report_due(last) - datetime.timedelta(days=3)
    after_due = report_due(last) + datetime.timedelta(days=1)

    services.progress_remind_unreported(today=before_due)
    services.progress_remind_unreported(today=before_due)  # twice, as a retried task would
    due = Notification.objects.filter(event_key=f"progress:{project.pk}:{last:%Y-%m}:due")
    assert {n.recipient for n in due} == set(project.owner.members.filter(is_active=True))
    assert owner in {n.recipient for n in due} and due.count() == project.owner.members.filter(is_active=True).count()

    services.progress_remind_unreported(today=after_due)
    late = Notification.objects.filter(event_key=f"progress:{project.pk}:{last:%Y-%m}:late")
    assert liaison in {n.recipient for n in late} and owner in {n.recipient for n in late}
    assert all(n.level == "warning" for n in late)

    report(project, owner, last, physical="9")
    assert not Notification.objects.filter(event_key__startswith=f"progress:{project.pk}:{month_add(last, 1):%Y-%m}")
    assert project not in selectors.projects_missing_month(month=last)


def test_the_reminder_is_a_scheduled_celery_task():
    assert PERIODIC_TASKS["monthly progress reminders"]["task"] == "projects.progress.remind_unreported"
    assert "projects.progress.remind_unreported" in app.tasks
    first = remind_unreported.delay().get()  # the demo's 衢州机场 has not reported last month
    again = remind_unreported.delay().get()
    assert first >= 1 and again == 0


# ------------------------------------------------------------------------------------------------ query budgets
def add_months(project, owner, start, n):
    existing = MonthlyProgress.objects.filter(project=project).count()
    MonthlyProgress.objects.bulk_create([
        MonthlyProgress(project=project, month=month_add(start, existing + i), planned_investment=Decimal("1000"),
                        completed_investment=Decimal("900"), physical_progress=Decimal(existing + i),
                        reported_by=owner, reported_at=timezone.now()) for i in range(n)])


def count(client, url, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_progress_tab_and_api_query_counts_do_not_grow_with_months(staff, owner, client_for, today):
    start = month_add(month_start(today), -40)
    project = make_project(staff, owner, start=start)
    client = client_for(owner)
    urls = [f"/projects/{project.pk}/progress/", f"/api/v1/projects/{project.pk}/monthly-progress/"]
    add_months(project, owner, start, 4)
    services.progress_plan_set(actor=owner, project=project, plans={start: "2000"})  # one audited change
    client.get(urls[0])
    few = [count(client, u) for u in urls]
    add_months(project, owner, start, 12)
    many = [count(client, u) for u in urls]
    assert many == few


@pytest.mark.parametrize("username", ["staff", "contractor"])
def test_overview_query_count_does_not_grow_with_projects(username, staff, owner, contractor_org, client_for, start):
    client = client_for(User.objects.get(username=username))
    client.get("/projects/progress/")
    few = count(client, "/projects/progress/")
    for i in range(30):
        project = make_project(staff, owner, start=start, contractor_org=contractor_org, name=f"加量项目{i}")
        add_months(project, owner, start, 2)
    many = count(client, "/projects/progress/")
    assert many == few
