"""Closure statistics (coordination/stats.py, the statistics page and its export): the definitions, who sees
which rows, bad filters, and a query count that does not grow with the issues."""

import datetime
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from coordination import services, stats
from coordination.models import IssueItem
from portal.accounts.models import Organization, OrganizationKind
from projects.models import Project

URL = reverse("coordination:statistics")
EXPORT = reverse("coordination:statistics-export")


@pytest.fixture
def clean(db):
    """The demo's issues voided (voided issues count nowhere), so the figures are exactly this test's."""
    IssueItem.objects.update(voided_at=timezone.now(), void_reason="test")


def _project(contractor):
    return Project.objects.filter(participants__organization=contractor.organization, voided_at__isnull=True).first()


def _raise(contractor, category="land", title="用地"):
    return services.issue_raise(actor=contractor, project=_project(contractor), title=title,
                                description="征地未完成", category=category)


def _answered(issue, staff, reviewer):
    services.issue_accept(actor=staff, issue=issue)
    services.issue_assign(actor=staff, issue=issue, department=reviewer.organization)
    services.issue_start(actor=reviewer, issue=issue)
    return services.issue_resolve(actor=reviewer, issue=issue, answer="已协调")


def _period():
    return stats.default_period(timezone.localdate())


def _other_department(reviewer) -> Organization:
    return Organization.objects.filter(kind=OrganizationKind.DEPARTMENT).exclude(pk=reviewer.organization_id).first()


@pytest.fixture
def loop(clean, staff, contractor, reviewer):
    """A: answered, sent back ("not solved"), answered again, confirmed — signed for in time.
    B: answered, waiting for the company — signed for after 500 working minutes.
    C: reported only (category financing). D: voided after being confirmed."""
    a = _answered(_raise(contractor), staff, reviewer)
    services.issue_verify(actor=contractor, issue=a, satisfied=False, comment="未解决")
    services.issue_resolve(actor=reviewer, issue=a, answer="已再次协调")
    services.issue_verify(actor=contractor, issue=a, satisfied=True)
    b = _answered(_raise(contractor), staff, reviewer)
    IssueItem.objects.filter(pk=b.pk).update(sign_minutes=500)
    c = _raise(contractor, category="financing", title="融资")
    d = _answered(_raise(contractor), staff, reviewer)
    services.issue_verify(actor=contractor, issue=d, satisfied=False, comment="不满意")
    IssueItem.objects.filter(pk=d.pk).update(voided_at=timezone.now(), void_reason="重复")
    return a, b, c


def test_definitions(loop, staff, reviewer):
    a, b, c = loop
    result = stats.closure_statistics(user=staff, date_from=_period()[0], date_to=_period()[1])
    total = result.total
    # reported A, B, C (D voided); responded: A and C? C is not signed for: only A.
    assert (total.reported, total.responded, total.solved) == (3, 1, 1)
    assert total.response_rate == pytest.approx(33.3) and total.resolution_rate == pytest.approx(33.3)
    # ratings: A's "not solved" and A's "solved" (D's are voided with it)
    assert (total.ratings, total.satisfied, total.satisfaction_rate) == (2, 1, 50.0)
    assert (total.confirmed, total.on_time, total.on_time_rate) == (1, 1, 100.0)
    assert total.avg_close_workdays == a.__class__.objects.get(pk=a.pk).close_workdays
    assert total.avg_answer_workdays == 0.0  # both answered the day they were reported
    assert total.median_sign is not None
    assert total.below_line
    dept = {r.department_id: r for r in result.departments}
    assert dept[reviewer.organization_id].reported == 2 and dept[reviewer.organization_id].below_line
    assert dept[None].reported == 1  # C, not assigned yet
    assert [r.department_id for r in result.failing_departments] == [reviewer.organization_id]
    cats = {r.category: r for r in result.categories}
    assert cats["land"].reported == 2 and cats["financing"].reported == 1 and cats["financing"].response_rate == 0
    assert len(result.months) == stats.TREND_MONTHS
    this_month = result.months[-1]
    assert this_month.month == timezone.localdate().replace(day=1)
    assert (this_month.reported, this_month.confirmed, this_month.ratings) == (3, 1, 2)
    assert sum(m.reported for m in result.months[:-1]) == 0


def test_filters_and_period(loop, staff, reviewer):
    by_category = stats.closure_statistics(user=staff, date_from=_period()[0], date_to=_period()[1],
                                           category="financing")
    assert by_category.total.reported == 1 and by_category.total.ratings == 0
    by_dept = stats.closure_statistics(user=staff, date_from=_period()[0], date_to=_period()[1],
                                       department=reviewer.organization)
    assert by_dept.total.reported == 2 and [r.department_id for r in by_dept.departments] == [
        reviewer.organization_id]
    last_year = timezone.localdate() - datetime.timedelta(days=400)
    old = stats.closure_statistics(user=staff, date_from=last_year, date_to=last_year + datetime.timedelta(days=30))
    assert old.total.reported == 0 and old.total.response_rate is None and old.departments == []
    with pytest.raises(ValueError, match="before"):
        stats.closure_statistics(user=staff, date_from=timezone.localdate(), date_to=last_year)
    with pytest.raises(ValueError, match="category"):
        stats.closure_statistics(user=staff, date_from=last_year, date_to=timezone.localdate(), category="nope")


def test_who_sees_what(loop, staff, leader, reviewer, contractor, liaison, inspector, owner):
    f, t = _period()
    assert stats.closure_statistics(user=leader, date_from=f, date_to=t).total.reported == 3
    own = stats.closure_statistics(user=reviewer, date_from=f, date_to=t)
    assert own.own_department_only and own.total.reported == 2
    assert [r.department_id for r in own.departments] == [reviewer.organization_id]
    # A reviewer asking for another department gets nothing of it.
    other = stats.closure_statistics(user=reviewer, date_from=f, date_to=t, department=_other_department(reviewer))
    assert other.total.reported == 0
    for user in (contractor, liaison, inspector, owner):
        with pytest.raises(PermissionDenied):
            stats.closure_statistics(user=user, date_from=f, date_to=t)


def test_reviewer_of_another_department_sees_none_of_it(clean, staff, contractor, reviewer, client_for):
    """Issues of the reviewer's department only: another department's issue is not counted, and asking for that
    department by its id is refused with the field named."""
    other = _other_department(reviewer)
    issue = _raise(contractor)
    services.issue_accept(actor=staff, issue=issue)
    services.issue_assign(actor=staff, issue=issue, department=other)
    page = client_for(reviewer).get(URL)
    assert page.status_code == 200
    assert page.context["stats"].total.reported == 0
    assert other.name not in page.content.decode()
    refused = client_for(reviewer).get(URL, {"department": other.pk})
    assert refused.status_code == 400 and refused.context["stats"] is None
    assert "Department" in refused.content.decode() or "部门" in refused.content.decode()


def test_page(loop, staff, client_for, reviewer):
    page = client_for(staff).get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    for testid in ("department-statistics", "category-statistics", "trend-chart", "month-statistics",
                   "statistics-definitions", "below-line", "figures-as-of", "failing-departments"):
        assert f'data-testid="{testid}"' in html
    assert reviewer.organization.name in html
    assert "<script" not in html.split("</header>")[-1].split("<footer")[0]


def test_page_in_english(loop, staff, en):
    html = en(staff).get(URL).content.decode()
    assert "Response rate" in html and "Satisfaction rate" in html and "Below 85%" in html


@pytest.mark.parametrize(("query", "field"), [
    ({"date_from": "2026-13"}, "date_from"), ({"date_to": "abc"}, "date_to"),
    ({"date_from": "2026-05", "date_to": "2026-02"}, "date_to"), ({"date_from": "2019-01", "date_to": "2026-01"},
                                                                  "date_from"),
    ({"category": "weather"}, "category"), ({"department": "999999"}, "department"),
    ({"department": "x"}, "department"),
])
def test_bad_filters_name_the_field(clean, staff, client_for, query, field):
    response = client_for(staff).get(URL, query)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert 'data-testid="filter-error"' in response.content.decode()
    assert client_for(staff).get(EXPORT, query).status_code == 400


def test_period_filter_on_page(loop, staff, client_for):
    month = timezone.localdate().strftime("%Y-%m")
    page = client_for(staff).get(URL, {"date_from": month, "date_to": month, "category": "land"})
    assert page.status_code == 200
    result = page.context["stats"]
    assert result.date_from == timezone.localdate().replace(day=1) and result.total.reported == 2


@pytest.mark.django_db  # the users come from getfixturevalue: marked, so it runs before any flush
@pytest.mark.parametrize("who", ["contractor", "liaison", "inspector", "owner", "other_contractor"])
def test_forbidden_roles(who, request, client_for):
    user = request.getfixturevalue(who)
    assert client_for(user).get(URL).status_code == 403
    assert client_for(user).get(EXPORT).status_code == 403


def test_anonymous_is_sent_to_login(client):
    assert client.get(URL).status_code == 302


def test_export(loop, staff, client_for, reviewer):
    response = client_for(staff).get(EXPORT, {"category": "land"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(BytesIO(response.content))
    assert len(wb.sheetnames) == 3
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    dept_row = next(r for r in rows if r[0] == reviewer.organization.name)
    assert dept_row[2] == 2 and dept_row[1]  # reported, marked below the line
    assert len(list(wb.worksheets[2].iter_rows(values_only=True))) == 1 + stats.TREND_MONTHS


def test_cached_result_says_when(loop, staff):
    f, t = _period()
    first = stats.closure_statistics_cached(user=staff, date_from=f, date_to=t)
    assert first.as_of is not None
    with CaptureQueriesContext(connection) as ctx:
        again = stats.closure_statistics_cached(user=staff, date_from=f, date_to=t)
    assert again.as_of == first.as_of and again.total.reported == 3
    assert not [q for q in ctx.captured_queries if "coordination_issue" in q["sql"]]


def _page_queries(client) -> int:
    from django.core.cache import cache

    cache.clear()  # the figures computed, not read from the cache
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow(clean, staff, contractor, reviewer, client_for):
    client = client_for(staff)
    _answered(_raise(contractor), staff, reviewer)
    few = _page_queries(client)
    for n in range(4):
        issue = _answered(_raise(contractor, category="labour" if n % 2 else "land"), staff, reviewer)
        services.issue_verify(actor=contractor, issue=issue, satisfied=bool(n % 2), comment="未解决")
    assert _page_queries(client) == few
    reviewer_client = client_for(reviewer)
    assert _page_queries(reviewer_client) == _page_queries(reviewer_client)


def test_median():
    assert stats._median([]) is None
    assert stats._median([(10, 1)]) == 10
    assert stats._median([(10, 1), (20, 1)]) == 15
    assert stats._median([(5, 2), (7, 1), (100, 1)]) == 6
    assert stats._median([(1, 3), (9, 1)]) == 1


def test_cached_tables_are_not_shared_between_scopes_or_languages(loop, staff, reviewer, contractor, client_for, en):
    """The rendered tables are cached per result (scope, filters, computation time) and language."""
    other = _other_department(reviewer)
    issue = _raise(contractor)
    services.issue_accept(actor=staff, issue=issue)
    services.issue_assign(actor=staff, issue=issue, department=other)
    assert other.name in client_for(staff).get(URL).content.decode()
    mine = client_for(reviewer).get(URL).content.decode()
    assert other.name not in mine and reviewer.organization.name in mine
    assert "Response rate" in en(staff).get(URL).content.decode()
    chosen = client_for(staff).get(URL, {"category": "land", "department": reviewer.organization_id})
    html = chosen.content.decode()
    assert f'<option value="{reviewer.organization_id}" selected>' in html and '<option value="land" selected>' in html

