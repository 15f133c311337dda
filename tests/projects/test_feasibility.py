"""Feasibility review: bureau staff ask departments for their opinions by due dates; a department reviewer gives
the department's opinion once, from a queue and an opinion page that show what they need of the project; the
bureau concludes once every opinion is in; a daily task chases overdue opinions once each.

The project used is 衢州智造新城数字经济产业园 (feasibility stage, no demo review). Its owner is 钱塘城市建设投资集团;
`reviewer` (发改委) has been granted sight of it, `zrzy_reviewer` (自然资源厅) has not. Pages are read in English."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import DepartmentCode, Organization, OrganizationKind, User
from portal.audit.models import AuditEvent
from portal.core.errors import ApplicationError
from portal.core.schedule import PERIODIC_TASKS
from portal.notifications.models import Notification
from projects.feasibility import selectors, services
from projects.feasibility.tasks import notify_overdue_opinions
from projects.models import FeasibilityOpinion, FeasibilityReview, Project
from projects.models.feasibility import DUE_SOON_DAYS

pytestmark = pytest.mark.django_db

QUZHOU_PARK = "衢州智造新城数字经济产业园"


@pytest.fixture
def en(client_for):
    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def project(db) -> Project:
    return Project.objects.get(name=QUZHOU_PARK)


def dept(code: str) -> Organization:
    return Organization.objects.get(department_code=code)


@pytest.fixture
def fgw(db):
    return dept(DepartmentCode.DEVELOPMENT_REFORM)


@pytest.fixture
def zrzy(db):
    return dept(DepartmentCode.NATURAL_RESOURCES)


@pytest.fixture
def zrzy_reviewer(db):
    return User.objects.get(username="zrzy_reviewer")


@pytest.fixture
def owner_user(db, project):
    """A user of the project's owner organisation (who may manage the project, but not run reviews)."""
    user = User.objects.filter(organization=project.owner).first()
    if user is None:
        from portal.accounts import services as accounts

        user = accounts.user_create(actor=None, username="qiantang", full_name="钱塘用户", organization=project.owner,
                                    roles=["contractor"], email="qiantang@example.cn", password="x-Very-long-1")
    return user


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def open_review(staff, project, *departments, days=10, title="可研报告联合审查"):
    return services.review_open(actor=staff, project=project, title=title, description="请提出审查意见",
                                departments=[(d, in_days(days)) for d in departments])


def set_due(opinion, due):
    FeasibilityOpinion.objects.filter(pk=opinion.pk).update(due_date=due)


# --------------------------------------------------------------------------------------------- arithmetic
def test_days_left_and_light_follow_the_due_date():
    from portal.core.workdays import add_workdays

    today = datetime.date(2025, 6, 10)
    o = FeasibilityOpinion(due_date=today, state="pending")
    assert (o.days_left(today), o.light(today), o.is_overdue(today)) == (0, "amber", False)
    o.due_date = add_workdays(today, DUE_SOON_DAYS)  # working days: Friday 13 June
    assert (o.days_left(today), o.light(today)) == (DUE_SOON_DAYS, "amber")
    o.due_date = datetime.date(2025, 6, 15)  # Sunday: still 3 working days away
    assert (o.days_left(today), o.light(today)) == (DUE_SOON_DAYS, "amber")
    o.due_date = add_workdays(today, DUE_SOON_DAYS + 1)
    assert o.light(today) == "green"
    o.due_date = today - datetime.timedelta(days=2)
    assert (o.days_left(today), o.light(today), o.is_overdue(today)) == (-2, "red", True)
    o.state = "given"
    assert (o.days_left(today), o.light(today), o.is_overdue(today)) == (None, "", False)


# ------------------------------------------------------------------------------------------------ opening
def test_staff_open_a_review_and_each_departments_reviewers_are_told(staff, project, fgw, zrzy):
    review = open_review(staff, project, fgw, zrzy)

    opinions = {o.department_id: o for o in review.opinions.all()}
    assert set(opinions) == {fgw.pk, zrzy.pk}
    assert all(o.state == "pending" and o.due_date == in_days(10) for o in opinions.values())
    told = set(Notification.objects.filter(event_key=f"feasibility-opinion:{opinions[fgw.pk].pk}:requested")
               .values_list("recipient__username", flat=True))
    assert told == {"reviewer", "fgw_head"}
    assert Notification.objects.filter(event_key=f"feasibility-opinion:{opinions[zrzy.pk].pk}:requested",
                                       recipient__username="zrzy_reviewer").exists()
    assert AuditEvent.objects.filter(object_id=str(review.pk), action="create",
                                     content_type__model="feasibilityreview").exists()


def test_the_page_opens_a_review_with_a_common_and_an_own_due_date(en, staff, project, fgw, zrzy):
    response = en(staff).post(reverse("projects:feasibility-review-create", args=[project.pk]), {
        "title": "可研联合审查", "description": "", "departments": [fgw.pk, zrzy.pk],
        "default_due": in_days(7).isoformat(), f"due_{zrzy.pk}": in_days(14).isoformat(),
    })
    review = FeasibilityReview.objects.get(project=project)
    assert response.status_code == 302 and response.url.endswith(f"#review-{review.pk}")
    dues = dict(review.opinions.values_list("department_id", "due_date"))
    assert dues == {fgw.pk: in_days(7), zrzy.pk: in_days(14)}

    page = en(staff).get(reverse("projects:feasibility", args=[project.pk]))
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="opinion-row"') == 2


@pytest.mark.parametrize(("due", "field_message"), [
    (-1, "The due date cannot be in the past."), (None, "This field is required."),
])
def test_a_due_date_in_the_past_or_missing_is_refused_naming_the_department(en, staff, project, fgw, zrzy, due,
                                                                            field_message):
    data = {"title": "可研联合审查", "departments": [fgw.pk, zrzy.pk], "default_due": in_days(5).isoformat(),
            f"due_{zrzy.pk}": in_days(due).isoformat() if due is not None else ""}
    if due is None:
        data["default_due"] = ""
        data[f"due_{fgw.pk}"] = in_days(5).isoformat()
    response = en(staff).post(reverse("projects:feasibility-review-create", args=[project.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors[f"due_{zrzy.pk}"] == [field_message]
    assert not FeasibilityReview.objects.filter(project=project).exists()

    api = en(staff).post(f"/api/v1/projects/{project.pk}/feasibility-reviews/", {
        "title": "可研", "departments": [{"department": zrzy.pk, "due_date": in_days(-1).isoformat()}]},
        content_type="application/json")
    assert api.status_code == 400
    assert api.json()["error"]["fields"] == {f"due_{zrzy.pk}": ["The due date cannot be in the past."]}
    assert not FeasibilityReview.objects.filter(project=project).exists()


def test_only_government_departments_can_be_asked(staff, project):
    company = Organization.objects.filter(kind=OrganizationKind.CONTRACTOR).first()
    with pytest.raises(ApplicationError) as exc:
        services.review_open(actor=staff, project=project, title="可研", departments=[(company, in_days(5))])
    assert "departments" in exc.value.extra
    with pytest.raises(ApplicationError) as exc:
        services.review_open(actor=staff, project=project, title="可研", departments=[])
    assert exc.value.extra == {"departments": ["Choose at least one department."]}
    assert not FeasibilityReview.objects.filter(project=project).exists()


# ------------------------------------------------------------------------------------------------ giving
def test_a_reviewer_gives_the_departments_opinion_once_from_the_page(en, staff, reviewer, project, fgw):
    review = open_review(staff, project, fgw)
    opinion = review.opinions.get()
    url = reverse("projects:feasibility-opinion", args=[opinion.pk])

    first = en(reviewer).post(url, {"conclusion": "agree", "opinion": "符合规划，同意。", "conditions": ""})
    assert first.status_code == 302
    second = en(reviewer).post(url, {"conclusion": "disagree", "opinion": "改变主意", "conditions": ""})
    assert second.status_code == 200
    assert "gave its opinion already" in second.content.decode()

    opinion.refresh_from_db()
    assert (opinion.state, opinion.conclusion, opinion.opinion, opinion.given_by) == (
        "given", "agree", "符合规划，同意。", reviewer)
    assert FeasibilityOpinion.objects.filter(review=review).count() == 1
    assert Notification.objects.filter(event_key=f"feasibility-opinion:{opinion.pk}:given",
                                       recipient=staff).exists()


def test_giving_twice_through_the_api_records_one_opinion(en, staff, reviewer, project, fgw):
    opinion = open_review(staff, project, fgw).opinions.get()
    url = f"/api/v1/feasibility-opinions/{opinion.pk}/give/"
    body = {"conclusion": "agree_with_conditions", "opinion": "原则同意", "conditions": "优化线位"}
    ok = en(reviewer).post(url, body, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["state"] == "given"
    again = User.objects.get(username="fgw_head")  # the department's other reviewer, a moment later
    refused = en(again).post(url, {**body, "conclusion": "disagree"}, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "already_given"
    opinion.refresh_from_db()
    assert (opinion.conclusion, opinion.conditions, opinion.given_by) == ("agree_with_conditions", "优化线位",
                                                                         reviewer)
    assert AuditEvent.objects.filter(content_type__model="feasibilityopinion", object_id=str(opinion.pk),
                                     action="transition").count() == 1


def test_agreeing_with_conditions_needs_the_conditions(en, staff, reviewer, project, fgw):
    opinion = open_review(staff, project, fgw).opinions.get()
    with pytest.raises(ApplicationError) as exc:
        services.opinion_give(actor=reviewer, opinion=opinion, conclusion="agree_with_conditions",
                              opinion_text="原则同意", conditions="  ")
    assert exc.value.extra == {"conditions": ["State the conditions of your agreement."]}

    page = en(reviewer).post(reverse("projects:feasibility-opinion", args=[opinion.pk]),
                             {"conclusion": "agree_with_conditions", "opinion": "原则同意", "conditions": ""})
    assert page.status_code == 200
    assert page.context["form"].errors["conditions"] == ["State the conditions of your agreement."]
    api = en(reviewer).post(f"/api/v1/feasibility-opinions/{opinion.pk}/give/",
                            {"conclusion": "agree_with_conditions", "opinion": "原则同意"},
                            content_type="application/json")
    assert api.status_code == 400 and list(api.json()["error"]["fields"]) == ["conditions"]
    opinion.refresh_from_db()
    assert opinion.state == "pending" and opinion.conclusion == ""


def test_a_reviewer_of_another_department_neither_sees_nor_gives_it(en, staff, zrzy_reviewer, project, fgw):
    opinion = open_review(staff, project, fgw).opinions.get()
    client = en(zrzy_reviewer)
    assert client.get(reverse("projects:feasibility-opinion", args=[opinion.pk])).status_code == 404
    assert client.post(reverse("projects:feasibility-opinion", args=[opinion.pk]),
                       {"conclusion": "agree", "opinion": "同意"}).status_code == 404
    assert client.get(f"/api/v1/feasibility-opinions/{opinion.pk}/").status_code == 404
    assert client.post(f"/api/v1/feasibility-opinions/{opinion.pk}/give/", {"conclusion": "agree", "opinion": "同意"},
                       content_type="application/json").status_code == 404
    assert opinion.pk not in [o["id"] for o in client.get("/api/v1/feasibility-opinions/").json()["results"]]
    opinion.refresh_from_db()
    assert opinion.state == "pending"


def test_a_user_who_sees_the_project_but_is_not_the_departments_reviewer_cannot_give(en, staff, leader, project,
                                                                                     fgw):
    opinion = open_review(staff, project, fgw).opinions.get()
    page = en(leader).get(reverse("projects:feasibility-opinion", args=[opinion.pk]))
    assert page.status_code == 200 and 'data-testid="opinion-form"' not in page.content.decode()
    assert en(leader).post(reverse("projects:feasibility-opinion", args=[opinion.pk]),
                           {"conclusion": "agree", "opinion": "同意"}).status_code == 403
    assert en(staff).post(f"/api/v1/feasibility-opinions/{opinion.pk}/give/",
                          {"conclusion": "agree", "opinion": "同意"}, content_type="application/json").status_code == 403
    opinion.refresh_from_db()
    assert opinion.state == "pending"


def test_the_opinion_page_shows_the_project_to_a_reviewer_who_cannot_see_the_project(en, staff, zrzy_reviewer,
                                                                                     project, zrzy):
    opinion = open_review(staff, project, zrzy).opinions.get()
    client = en(zrzy_reviewer)
    assert client.get(reverse("projects:feasibility", args=[project.pk])).status_code == 404
    assert client.get(reverse("projects:detail", args=[project.pk])).status_code == 404

    page = client.get(reverse("projects:feasibility-opinion", args=[opinion.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    for shown in (project.name, project.code, "Industry", project.owner.name, "可研报告联合审查", "请提出审查意见"):
        assert shown in html
    assert all(r.name in html for r in project.regions.all())
    assert 'data-testid="opinion-form"' in html

    detail = client.get(f"/api/v1/feasibility-opinions/{opinion.pk}/").json()
    assert detail["project"]["code"] == project.code and detail["may_give"] is True
    assert detail["project"]["region_codes"] == [r.code for r in project.regions.all()]


def test_the_queue_lists_pending_first_with_overdue_red_and_due_soon_amber(en, staff, zrzy_reviewer, project, zrzy):
    late = open_review(staff, project, zrzy, title="甲 逾期").opinions.get()
    soon = open_review(staff, project, zrzy, title="乙 将到期").opinions.get()
    later = open_review(staff, project, zrzy, days=20, title="丙 宽裕").opinions.get()
    done = open_review(staff, project, zrzy, title="丁 已给").opinions.get()
    set_due(late, in_days(-2))
    set_due(soon, in_days(1))
    services.opinion_give(actor=zrzy_reviewer, opinion=done, conclusion="agree", opinion_text="同意")

    page = en(zrzy_reviewer).get(reverse("projects:feasibility-queue") + "?show=all")
    rows = [(r.opinion.pk, r.light) for r in page.context["rows"]]
    mine = [row for row in rows if row[0] in {late.pk, soon.pk, later.pk, done.pk}]
    assert mine == [(late.pk, "red"), (soon.pk, "amber"), (later.pk, "green"), (done.pk, "")]
    html = page.content.decode()
    assert 'data-light="red" class="row-red"' in html and 'data-light="amber" class="row-amber"' in html

    pending = en(zrzy_reviewer).get(reverse("projects:feasibility-queue"))
    assert done.pk not in [r.opinion.pk for r in pending.context["rows"]]
    assert en(staff).get(reverse("projects:feasibility-queue")).status_code == 403


# ------------------------------------------------------------------------------------------ bureau moves
def test_staff_add_a_department_extend_a_due_date_and_conclude_when_every_opinion_is_in(
        en, staff, reviewer, zrzy_reviewer, owner_user, project, fgw, zrzy):
    review = open_review(staff, project, fgw)
    client = en(staff)
    added = client.post(reverse("projects:feasibility-review-add-department", args=[review.pk]),
                        {"department": zrzy.pk, "due_date": in_days(3).isoformat()})
    assert added.status_code == 302
    zrzy_opinion = review.opinions.get(department=zrzy)
    assert Notification.objects.filter(event_key=f"feasibility-opinion:{zrzy_opinion.pk}:requested",
                                       recipient=zrzy_reviewer).exists()

    extend_url = reverse("projects:feasibility-opinion-extend", args=[zrzy_opinion.pk])
    earlier = client.post(extend_url, {"due_date": in_days(2).isoformat(), "reason": "材料补充"})
    assert earlier.context["form"].errors["due_date"] == ["Choose a date after the current due date."]
    assert client.post(extend_url, {"due_date": in_days(9).isoformat(), "reason": ""}).status_code == 200
    assert client.post(extend_url, {"due_date": in_days(9).isoformat(), "reason": "等待补充水土保持方案"}).status_code == 302
    zrzy_opinion.refresh_from_db()
    assert zrzy_opinion.due_date == in_days(9)
    event = AuditEvent.objects.filter(content_type__model="feasibilityopinion", object_id=str(zrzy_opinion.pk),
                                      action="update").get()
    assert event.reason == "等待补充水土保持方案" and event.changes["due_date"] == [str(in_days(3)), str(in_days(9))]

    conclude_url = reverse("projects:feasibility-review-conclude", args=[review.pk])
    early = client.post(conclude_url, {"conclusion": "同意"})
    assert early.status_code == 200 and "Opinions are still awaited from" in early.content.decode()
    services.opinion_give(actor=reviewer, opinion=review.opinions.get(department=fgw), conclusion="agree",
                          opinion_text="同意")
    services.opinion_give(actor=zrzy_reviewer, opinion=zrzy_opinion, conclusion="agree_with_conditions",
                          opinion_text="原则同意", conditions="补划耕地")
    assert client.post(conclude_url, {"conclusion": "审查通过。"}).status_code == 302
    review.refresh_from_db()
    assert (review.state, review.conclusion, review.concluded_by) == ("concluded", "审查通过。", staff)
    assert Notification.objects.filter(event_key=f"feasibility-review:{review.pk}:concluded",
                                       recipient=owner_user).exists()
    assert selectors.opinions_all_favourable(project=project) is True

    page = client.get(reverse("projects:feasibility", args=[project.pk])).content.decode()
    assert 'data-testid="review-conclusion"' in page and "审查通过。" in page and "补划耕地" in page


def test_a_concluded_review_takes_no_more_opinions_and_a_voided_one_none_at_all(en, staff, reviewer, project, fgw,
                                                                               zrzy):
    review = open_review(staff, project, fgw, zrzy)
    with pytest.raises(ApplicationError):
        services.review_void(actor=staff, review=review, reason="")
    services.review_void(actor=staff, review=review, reason="可研报告重新编制")
    opinion = review.opinions.get(department=fgw)
    response = en(reviewer).post(f"/api/v1/feasibility-opinions/{opinion.pk}/give/",
                                 {"conclusion": "agree", "opinion": "同意"}, content_type="application/json")
    assert response.status_code == 409 and response.json()["error"]["message"] == "This review was voided."
    assert en(reviewer).get(reverse("projects:feasibility-opinion", args=[opinion.pk])).context["form"] is None
    assert Notification.objects.filter(event_key=f"feasibility-opinion:{opinion.pk}:withdrawn").exists()
    assert opinion.pk not in [o.pk for o in selectors.opinion_queue(user=reviewer, show="all")]


# ----------------------------------------------------------------------------------------------- access
def test_another_companys_user_gets_404_on_the_tab_and_the_api(en, staff, other_contractor, project, fgw):
    review = open_review(staff, project, fgw)
    client = en(other_contractor)
    assert client.get(reverse("projects:feasibility", args=[project.pk])).status_code == 404
    assert client.get(reverse("projects:feasibility-review-create", args=[project.pk])).status_code == 404
    assert client.get(reverse("projects:feasibility-review-conclude", args=[review.pk])).status_code == 404
    assert client.get(f"/api/v1/projects/{project.pk}/feasibility-reviews/").status_code == 404
    assert client.get(f"/api/v1/projects/{project.pk}/feasibility-reviews/{review.pk}/").status_code == 404
    assert client.post(f"/api/v1/projects/{project.pk}/feasibility-reviews/{review.pk}/void/", {"reason": "x"},
                       content_type="application/json").status_code == 404
    opinion = review.opinions.get()
    assert client.get(reverse("projects:feasibility-opinion", args=[opinion.pk])).status_code == 404


def test_the_owner_and_a_leader_read_but_only_bureau_staff_run_reviews(en, staff, leader, owner_user, project, fgw):
    review = open_review(staff, project, fgw)
    body = {"title": "再审", "departments": [{"department": fgw.pk, "due_date": in_days(5).isoformat()}]}
    for user in (owner_user, leader):
        client = en(user)
        tab = client.get(reverse("projects:feasibility", args=[project.pk]))
        assert tab.status_code == 200 and 'data-testid="review-create"' not in tab.content.decode()
        assert client.get(reverse("projects:feasibility-review-create", args=[project.pk])).status_code == 403
        assert client.post(reverse("projects:feasibility-review-void", args=[review.pk]),
                           {"reason": "x"}).status_code == 403
        assert client.post(f"/api/v1/projects/{project.pk}/feasibility-reviews/", body,
                           content_type="application/json").status_code == 403
        assert client.post(f"/api/v1/projects/{project.pk}/feasibility-reviews/{review.pk}/conclude/",
                           {"conclusion": "x"}, content_type="application/json").status_code == 403
        listed = client.get(f"/api/v1/projects/{project.pk}/feasibility-reviews/")
        assert listed.status_code == 200 and [r["id"] for r in listed.json()["results"]] == [review.pk]
    assert FeasibilityReview.objects.filter(project=project).count() == 1
    review.refresh_from_db()
    assert review.voided_at is None


def test_the_api_runs_a_review_from_opening_to_conclusion(en, staff, reviewer, project, fgw):
    client = en(staff)
    created = client.post(f"/api/v1/projects/{project.pk}/feasibility-reviews/", {
        "title": "可研审查", "description": "请审查",
        "departments": [{"department": fgw.pk, "due_date": in_days(6).isoformat()}]}, content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    from portal.core.workdays import signed_workdays

    assert body["state"] == "open" and body["opinions"][0]["days_left"] == signed_workdays(in_days(0), in_days(6))
    opinion_id = body["opinions"][0]["id"]
    queue = en(reviewer).get("/api/v1/feasibility-opinions/?state=pending").json()["results"]
    assert opinion_id in [o["id"] for o in queue]
    assert en(reviewer).get("/api/v1/feasibility-opinions/?state=bogus").json()["error"]["fields"] == {
        "state": ["Not a valid choice: bogus"]}
    en(reviewer).post(f"/api/v1/feasibility-opinions/{opinion_id}/give/", {"conclusion": "disagree", "opinion": "不符合"},
                      content_type="application/json")
    done = client.post(f"/api/v1/projects/{project.pk}/feasibility-reviews/{body['id']}/conclude/",
                       {"conclusion": "不予通过"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["state"] == "concluded"
    assert selectors.opinions_all_favourable(project=project) is False


# ------------------------------------------------------------------------------------------- the daily task
def test_the_daily_task_tells_each_overdue_opinions_reviewers_once(staff, project, fgw, zrzy):
    spec = PERIODIC_TASKS["feasibility overdue opinions"]
    assert (spec["task"], spec["every"]) == ("projects.feasibility.notify_overdue_opinions", 86400)
    review = open_review(staff, project, fgw, zrzy)
    late = review.opinions.get(department=fgw)
    set_due(late, in_days(-1))
    Notification.objects.filter(event_key__contains=":overdue:").delete()

    notify_overdue_opinions.apply()
    told = set(Notification.objects.filter(event_key=f"feasibility-opinion:{late.pk}:overdue:{in_days(-1)}")
               .values_list("recipient__username", flat=True))
    assert told == {"reviewer", "fgw_head"}
    on_time = review.opinions.get(department=zrzy)
    assert not Notification.objects.filter(event_key__startswith=f"feasibility-opinion:{on_time.pk}:overdue").exists()
    total = Notification.objects.count()

    result = notify_overdue_opinions.apply().get()
    assert result["notifications"] == 0 and Notification.objects.count() == total

    # Extended, then run out again: the new due date is told once more.
    services.opinion_extend_due(actor=staff, opinion=late, due_date=in_days(2), reason="延期")
    services.overdue_opinions_notify(on=in_days(3))
    key = f"feasibility-opinion:{late.pk}:overdue:{in_days(2)}"
    assert Notification.objects.filter(event_key=key).count() == 2
    assert services.overdue_opinions_notify(on=in_days(4))["notifications"] == 0


def test_the_overdue_scan_reads_a_constant_number_of_queries(staff, project, fgw, zrzy):
    def overdue_reviews(n):
        for i in range(n):
            review = open_review(staff, project, fgw, zrzy, title=f"审查{i}")
            FeasibilityOpinion.objects.filter(review=review).update(due_date=in_days(-3))

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            services.overdue_opinions_notify()
        return len(ctx.captured_queries)

    overdue_reviews(2)
    few = queries()
    overdue_reviews(6)
    Notification.objects.filter(event_key__contains=":overdue:").delete()
    assert queries() == few


# ---------------------------------------------------------------------------------------------- query counts
def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_pages_and_apis_read_a_constant_number_of_queries(en, staff, zrzy_reviewer, project, fgw, zrzy):
    def add(n):
        for i in range(n):
            review = open_review(staff, project, fgw, zrzy, title=f"审查{i}")
            services.opinion_give(actor=zrzy_reviewer, opinion=review.opinions.get(department=zrzy),
                                  conclusion="agree", opinion_text="同意")

    staff_client, reviewer_client = en(staff), en(zrzy_reviewer)
    urls = [(staff_client, reverse("projects:feasibility", args=[project.pk])),
            (staff_client, f"/api/v1/projects/{project.pk}/feasibility-reviews/"),
            (reviewer_client, reverse("projects:feasibility-queue") + "?show=all"),
            (reviewer_client, "/api/v1/feasibility-opinions/")]
    add(2)
    small = [_count(c, u) for c, u in urls]
    add(4)
    large = [_count(c, u) for c, u in urls]
    assert large == small


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")
def test_two_simultaneous_submissions_record_one_opinion(demo_db):
    """Two reviewers of one department submit at the same moment: one opinion, the other refused."""
    import threading

    from django.db import connections

    staff = User.objects.get(username="staff")
    project = Project.objects.get(name=QUZHOU_PARK)
    opinion = open_review(staff, project, dept(DepartmentCode.DEVELOPMENT_REFORM)).opinions.get()
    barrier, outcomes = threading.Barrier(2), []

    def give(username, verdict):
        try:
            barrier.wait()
            services.opinion_give(actor=User.objects.get(username=username), opinion=opinion, conclusion=verdict,
                                  opinion_text=verdict)
            outcomes.append("given")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=give, args=a) for a in (("reviewer", "agree"), ("fgw_head", "disagree"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["already_given", "given"]
    opinion.refresh_from_db()
    assert opinion.state == "given" and opinion.opinion == opinion.conclusion
    assert AuditEvent.objects.filter(content_type__model="feasibilityopinion", object_id=str(opinion.pk),
                                     action="transition").count() == 1


def test_the_demo_has_reviews_under_way_with_an_overdue_opinion_and_a_concluded_one():
    reviews = FeasibilityReview.objects.filter(project__stage__in=["feasibility", "preliminary_design"])
    assert reviews.filter(state="open").count() >= 2 and reviews.filter(state="concluded").count() >= 1
    today = timezone.localdate()
    opinions = FeasibilityOpinion.objects.filter(review__in=reviews)
    assert opinions.filter(state="pending", due_date__lt=today).exists()
    assert opinions.filter(state="given").exists()
    assert selectors.opinions_all_favourable(project=Project.objects.get(name="瓯江引水工程二期"))
