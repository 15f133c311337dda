"""The call-back (回访) pages: a month's drawn issues with the share drawn against those closed, the draw of a
finished month (once: a second draw adds nothing), recording a call, the export; who may do what. Pages are read
in English (the `en` client). The months used are long past, so the demo's own call-backs never meet them."""

import datetime
import math
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from coordination import services
from coordination.models import CallBack, CallBackState, IssueItem, IssueRating, RatingKind
from portal.accounts.models import User
from projects.models import Project

pytestmark = pytest.mark.django_db

LIST = reverse("coordination:callback-list")
DRAW = reverse("coordination:callback-draw")
EXPORT = reverse("coordination:callback-export")
MONTH = datetime.date(2024, 2, 1)


def _closed_in(month: datetime.date, n: int, actor) -> list[IssueItem]:
    """`n` issues raised by the contractor and confirmed solved (then closed) in `month`."""
    project = Project.objects.active().filter(participants__organization=actor.organization).order_by("pk").first()
    issues = [services.issue_raise(actor=actor, project=project, title=f"回访样本{month:%Y%m}-{i}",
                                   description="资金拨付滞后", category="financing") for i in range(n)]
    when = timezone.make_aware(datetime.datetime.combine(month + datetime.timedelta(days=9), datetime.time(10)))
    IssueItem.objects.filter(pk__in=[i.pk for i in issues]).update(state="closed", verified_at=when, closed_at=when)
    return issues


def _month_param(month: datetime.date) -> str:
    return f"{month:%Y-%m}"


def test_the_month_shows_closed_and_drawn(en, staff, contractor):
    _closed_in(MONTH, 12, contractor)
    response = en(staff).get(LIST, {"month": _month_param(MONTH)})
    assert response.status_code == 200
    figures = response.context["figures"]
    assert (figures.closed, figures.drawn, figures.share, figures.needed) == (12, 0, 0.0, 2)
    assert not figures.meets_promise and response.context["may_draw"]
    assert 'data-testid="callback-draw"' in response.content.decode()


def test_draw_once_and_a_second_draw_adds_nothing(en, staff, contractor):
    issues = _closed_in(MONTH, 12, contractor)
    response = en(staff).post(DRAW, {"month": _month_param(MONTH)}, follow=True)
    drawn = CallBack.objects.filter(month=MONTH)
    assert drawn.count() == math.ceil(12 * 10 / 100) == 2
    assert set(drawn.values_list("issue_id", flat=True)) <= {i.pk for i in issues}
    html = response.content.decode()
    assert "2 issues were drawn for a call-back." in html
    figures = response.context["figures"]
    assert figures.drawn == 2 and figures.share == 16.7 and figures.meets_promise
    assert response.context["page"].paginator.count == 2
    response = en(staff).post(DRAW, {"month": _month_param(MONTH)}, follow=True)
    html = response.content.decode()
    assert "This month was drawn already: a second draw adds nothing." in html
    assert 'data-testid="callback-draw"' not in html and 'data-testid="drawn-already"' in html
    assert CallBack.objects.filter(month=MONTH).count() == 2


def test_a_month_without_closed_issues_draws_nothing(en, staff):
    response = en(staff).post(DRAW, {"month": "2023-07"}, follow=True)
    assert "No issue was closed in this month: nothing to draw." in response.content.decode()
    assert not CallBack.objects.filter(month=datetime.date(2023, 7, 1)).exists()


def test_only_a_finished_month_is_drawn(en, staff, contractor):
    this_month = timezone.localdate().replace(day=1)
    _closed_in(this_month, 2, contractor)
    before = CallBack.objects.count()
    response = en(staff).post(DRAW, {"month": _month_param(this_month)}, follow=True)
    assert "Month: only a finished month can be drawn." in response.content.decode()
    response = en(staff).post(DRAW, {"month": "2024-13"}, follow=True)
    assert "Month: choose a month as YYYY-MM." in response.content.decode()
    assert CallBack.objects.count() == before
    page = en(staff).get(LIST, {"month": _month_param(this_month)})
    assert not page.context["may_draw"] and 'data-testid="callback-draw"' not in page.content.decode()


def test_a_bad_month_shows_the_last_finished_one(en, staff):
    response = en(staff).get(LIST, {"month": "last"})
    assert response.status_code == 200
    assert response.context["month"] == services.previous_month(timezone.localdate())


@pytest.mark.parametrize("username", ["leader", "contractor", "liaison", "reviewer", "owner"])
def test_only_bureau_staff_draw(client_for, username, contractor):
    _closed_in(MONTH, 3, contractor)
    response = client_for(User.objects.get(username=username)).post(DRAW, {"month": _month_param(MONTH)})
    assert response.status_code == 403 and not CallBack.objects.filter(month=MONTH).exists()


@pytest.mark.parametrize("username", ["contractor", "liaison", "reviewer", "owner", "inspector"])
def test_the_call_backs_are_the_bureaus(client_for, username, staff, contractor):
    _closed_in(MONTH, 3, contractor)
    services.callbacks_draw(month=MONTH)
    callback = CallBack.objects.filter(month=MONTH).first()
    client = client_for(User.objects.get(username=username))
    assert client.get(LIST).status_code == 403
    assert client.get(EXPORT).status_code == 403
    url = reverse("coordination:callback-record", args=[callback.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reached": "yes", "contact": "x", "answer": "y", "satisfied": "yes"}).status_code == 404
    callback.refresh_from_db()
    assert callback.state == CallBackState.DUE


def test_record_a_call(en, staff, leader, contractor):
    _closed_in(MONTH, 3, contractor)
    services.callbacks_draw(month=MONTH)
    callback = CallBack.objects.filter(month=MONTH).first()
    url = reverse("coordination:callback-record", args=[callback.pk])
    assert en(leader).get(url).status_code == 200 and not en(leader).get(url).context["may_record"]
    assert en(leader).post(url, {"reached": "yes"}).status_code == 403
    assert en(staff).get(url).context["may_record"]
    response = en(staff).post(url, {"reached": "yes", "contact": "", "answer": "已解决", "satisfied": "yes"})
    assert response.status_code == 400 and response.context["form"].errors["contact"] == [
        "This field is required."]
    response = en(staff).post(url, {"reached": "yes", "contact": "财务部李经理", "answer": "资金已到位"})
    assert response.status_code == 400 and "satisfied" in response.context["form"].errors
    callback.refresh_from_db()
    assert callback.state == CallBackState.DUE and not IssueRating.objects.filter(issue=callback.issue).exists()
    response = en(staff).post(url, {"reached": "yes", "contact": "财务部李经理", "answer": "资金已到位",
                                    "satisfied": "yes"})
    assert response.status_code == 302 and response["Location"] == f"{LIST}?month={_month_param(MONTH)}"
    callback.refresh_from_db()
    assert (callback.state, callback.contact, callback.satisfied, callback.called_by) == (
        CallBackState.DONE, "财务部李经理", True, staff)
    rating = IssueRating.objects.get(issue=callback.issue)
    assert rating.kind == RatingKind.CALLBACK and rating.satisfied
    response = en(staff).post(url, {"reached": "no"})  # twice: refused, nothing changed
    assert response.status_code == 400
    assert "This call-back is recorded already." in response.content.decode()
    callback.refresh_from_db()
    assert callback.state == CallBackState.DONE


def test_an_unreachable_company(en, staff, contractor):
    _closed_in(MONTH, 1, contractor)
    services.callbacks_draw(month=MONTH)
    callback = CallBack.objects.get(month=MONTH)
    url = reverse("coordination:callback-record", args=[callback.pk])
    assert en(staff).post(url, {"reached": "no", "answer": "电话无人接听"}).status_code == 302
    callback.refresh_from_db()
    assert callback.state == CallBackState.UNREACHABLE and callback.satisfied is None


def test_list_and_export_cost_the_same_queries_for_more_rows(client_for, staff, contractor):
    small_month, big_month = datetime.date(2024, 3, 1), datetime.date(2024, 4, 1)
    _closed_in(small_month, 3, contractor)
    _closed_in(big_month, 6, contractor)
    services.callbacks_draw(month=small_month, share=100)
    services.callbacks_draw(month=big_month, share=100)
    client = client_for(staff)

    def measure(url, month):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"month": _month_param(month)})
        assert response.status_code == 200
        return len(queries), response

    small, page = measure(LIST, small_month)
    big, big_page = measure(LIST, big_month)
    assert (page.context["page"].paginator.count, big_page.context["page"].paginator.count) == (3, 6)
    assert small == big
    small_x, _ = measure(EXPORT, small_month)
    big_x, export = measure(EXPORT, big_month)
    assert small_x == big_x
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 7 and rows[1][0] == "2024-04" and rows[1][2].startswith("回访样本202404")
