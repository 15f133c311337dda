"""The one deadline engine (portal.core.deadlines): working-day arithmetic, provisional dates, the escalation
ladder with one digest per person per day, a scan that survives a failing case and a kill, in a constant number
of queries."""

import datetime
import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals import deadlines as approval_deadlines
from approvals import services
from approvals.models import ApprovalCase, ApprovalStage, CaseState, Commitment, ItemReview
from portal.accounts.models import Organization, User
from portal.core import deadlines, workdays
from portal.core.models import Escalation
from portal.notifications.models import Notification
from projects.models import Project
from projects.models.feasibility import DUE_SOON_DAYS, FeasibilityOpinion

pytestmark = pytest.mark.django_db

TUESDAY = datetime.date(2025, 6, 10)  # a working day; Monday 9 June and Wednesday 11 June are too
LONG_AGO = datetime.datetime(2025, 5, 6, 10, 0, tzinfo=datetime.UTC)


# ------------------------------------------------------------------------------------------------ arithmetic
def test_due_dates_pauses_and_lights_count_working_days():
    start = datetime.date(2025, 9, 30)
    assert deadlines.due_date(start, 5) == datetime.date(2025, 10, 14)  # over National Day
    assert deadlines.Deadline(start, 5).due == datetime.date(2025, 10, 14)
    assert deadlines.due_date(start, 5, paused_workdays=1) == datetime.date(2025, 10, 15)
    paused, due = deadlines.resume(start=start, limit_workdays=5, paused_so_far=1,
                                   paused_since=datetime.date(2025, 10, 14), on=datetime.date(2025, 10, 16))
    assert (paused, due) == (3, datetime.date(2025, 10, 17))
    assert deadlines.light(TUESDAY, TUESDAY) == "amber"
    assert deadlines.light(TUESDAY, workdays.add_workdays(TUESDAY, 2)) == "amber"
    assert deadlines.light(TUESDAY, workdays.add_workdays(TUESDAY, 3)) == "green"
    assert deadlines.light(TUESDAY, TUESDAY - datetime.timedelta(days=1)) == "red"


def test_dates_beyond_the_official_calendar_are_provisional():
    first, last = workdays.calendar_years()
    assert not workdays.is_provisional(datetime.date(last, 12, 31))
    assert workdays.is_provisional(datetime.date(last + 1, 1, 4))
    assert workdays.is_provisional(datetime.date(first - 1, 6, 1))
    assert deadlines.Deadline(datetime.date(last, 12, 20), 30).provisional


def test_feasibility_due_soon_counts_working_days():
    friday = datetime.date(2025, 6, 13)
    o = FeasibilityOpinion(due_date=workdays.add_workdays(friday, DUE_SOON_DAYS), state="pending")
    assert o.due_date == datetime.date(2025, 6, 18)  # over the weekend: 6 calendar days, 3 working days
    assert (o.days_left(friday), o.light(friday)) == (DUE_SOON_DAYS, "amber")
    o.due_date = workdays.add_workdays(friday, DUE_SOON_DAYS + 1)
    assert (o.days_left(friday), o.light(friday)) == (DUE_SOON_DAYS + 1, "green")
    o.due_date = friday - datetime.timedelta(days=1)
    assert o.light(friday) == "red"


# --------------------------------------------------------------------------------------------------- the ladder
@pytest.fixture
def quiet():
    """No running item near its limit, no overdue commitment, no earlier escalation or notification."""
    far = workdays.add_workdays(services.today(), 30)
    ItemReview.objects.filter(state__in=["pending", "in_review"]).update(due_on=far)
    Commitment.objects.update(due_on=far)
    ApprovalCase.objects.filter(state=CaseState.SUBMITTED).update(state=CaseState.DRAFT)
    Notification.objects.all().delete()
    Escalation.objects.all().delete()


@pytest.fixture
def department():
    """A department whose one head is `head_of_dept`, with its own reviewers."""
    dept = Organization.objects.filter(kind="department", members__groups__name="department_reviewer").distinct().first()
    User.objects.filter(organization=dept).update(is_org_head=False)
    User.objects.create_user(username="head_of_dept", password="x", organization=dept, is_org_head=True,
                             email="head@example.org")
    return dept


def items_of(dept):
    from approvals.models import CatalogueItem

    return list(CatalogueItem.objects.filter(department=dept, is_active=True))


def open_cases(n, *, due, dept=None):
    """n more accepted cases on free project × stage pairs; their items (those of `dept` only, when given) due
    on `due`."""
    template = ApprovalCase.objects.exclude(applicant=None).first()
    taken = set(ApprovalCase.objects.values_list("project_id", "stage"))
    free = [(p, s) for p in Project.objects.order_by("pk") for s in ApprovalStage.values if (p.pk, s) not in taken]
    if dept is not None:
        stages = {i.stage for i in items_of(dept)}
        free = [(p, s) for p, s in free if s in stages]
    start = ApprovalCase.objects.count()
    numbers = [f"SPD{start + i:08d}" for i in range(n)]
    ApprovalCase.objects.bulk_create([
        ApprovalCase(number=numbers[i], project=p, stage=s, applicant=template.applicant,
                     created_by=template.created_by, state=CaseState.ACCEPTED, accepted_on=due)
        for i, (p, s) in enumerate(free[:n])
    ])
    reviews = [ItemReview(case=c, item=item, department_id=item.department_id, started_on=due, due_on=due)
               for c in ApprovalCase.objects.filter(number__in=numbers) for item in services.stage_items(c.stage)
               if dept is None or item.department_id == dept.pk]
    ItemReview.objects.bulk_create(reviews)
    return ItemReview.objects.filter(case__number__in=numbers)


def digests(day):
    return Notification.objects.filter(event_key__endswith=f":{day}", event_key__startswith="digest:")


def test_three_overdue_items_make_one_digest_for_the_head_once(quiet, department):
    monday = TUESDAY - datetime.timedelta(days=1)
    reviews = open_cases(3, due=monday, dept=department)
    assert reviews.count() >= 3
    head = User.objects.get(username="head_of_dept")

    first = deadlines.scan(on=TUESDAY)
    assert first["overdue"] == reviews.count() and first["leader"] == 0
    mine = head.notifications.get()
    assert mine.event_key == f"digest:{head.pk}:{TUESDAY}" and mine.level == "urgent"
    lines = [line for line in mine.body.splitlines() if line.startswith("·")]
    assert len(lines) == reviews.count()
    for r in reviews:
        assert any(f"/approvals/{r.case_id}/" in line and r.case.number in line for line in lines)
    # The department's reviewers are not told of the overdue items (their head is); no per-item notices at all.
    assert not Notification.objects.exclude(event_key__startswith="digest:").exists()
    assert not Notification.objects.filter(recipient__organization=department).exclude(recipient=head).exists()

    sent = Notification.objects.count()
    assert deadlines.scan(on=TUESDAY)["notifications"] == 0  # the same day again: nothing
    wednesday = TUESDAY + datetime.timedelta(days=1)
    assert deadlines.scan(on=wednesday)["notifications"] == 0  # the next day, no new rung: nothing
    assert Notification.objects.count() == sent and not digests(wednesday).exists()

    # Thursday: 3 working days overdue → the leaders, each in one digest listing every item.
    thursday = TUESDAY + datetime.timedelta(days=2)
    third = deadlines.scan(on=thursday)
    assert third["leader"] == reviews.count()
    leader = User.objects.get(username="leader")
    leader_digest = leader.notifications.get(event_key=f"digest:{leader.pk}:{thursday}")
    assert len([line for line in leader_digest.body.splitlines() if line.startswith("·")]) == reviews.count()
    assert not head.notifications.filter(event_key=f"digest:{head.pk}:{thursday}").exists()
    assert deadlines.scan(on=thursday)["notifications"] == 0


def test_near_items_go_to_the_reviewers_digest(quiet, department):
    open_cases(2, due=workdays.add_workdays(TUESDAY, 2), dept=department)
    result = deadlines.scan(on=TUESDAY)
    assert result["near"] >= 2 and result["overdue"] == 0
    reviewers = User.objects.filter(organization=department, groups__name="department_reviewer", is_active=True)
    assert reviewers.exists()
    for reviewer in reviewers:
        digest = reviewer.notifications.get(event_key=f"digest:{reviewer.pk}:{TUESDAY}")
        assert digest.level == "warning"


def test_an_item_climbing_from_near_to_overdue_is_in_the_heads_next_digest(quiet, department):
    reviews = open_cases(2, due=TUESDAY, dept=department)  # due today: near
    first = deadlines.scan(on=TUESDAY)
    assert first["near"] == reviews.count() and first["overdue"] == 0
    head = User.objects.get(username="head_of_dept")
    assert not head.notifications.exists()

    wednesday = TUESDAY + datetime.timedelta(days=1)  # now overdue: the row is raised, the head is told
    second = deadlines.scan(on=wednesday)
    assert (second["near"], second["overdue"], second["leader"]) == (0, reviews.count(), 0)
    digest = head.notifications.get(event_key=f"digest:{head.pk}:{wednesday}")
    assert all(f"/approvals/{r.case_id}/" in digest.body for r in reviews)
    assert not Notification.objects.filter(event_key__endswith=f":{wednesday}").exclude(recipient=head).exists()
    rows = Escalation.objects.filter(object_id__in=[r.pk for r in reviews])
    assert {(e.rung, e.previous_rung, e.digest_day) for e in rows} == {(2, 1, wednesday)}
    assert rows.count() == reviews.count()
    assert deadlines.scan(on=wednesday)["notifications"] == 0

    # A new due date (an extension) climbs the ladder afresh: near again, to the reviewers.
    later = workdays.add_workdays(wednesday, 1)
    ItemReview.objects.filter(pk__in=[r.pk for r in reviews]).update(due_on=later)
    third = deadlines.scan(on=wednesday + datetime.timedelta(days=1))
    assert third["near"] == reviews.count() and Escalation.objects.count() == 2 * reviews.count()


def test_a_digest_lists_the_earliest_items_and_counts_the_rest(quiet, department, monkeypatch):
    monkeypatch.setattr(deadlines, "DIGEST_LINES", 2)
    windows = deadlines.rung_windows(approval_deadlines.REVIEW_LADDER, TUESDAY)
    early = open_cases(2, due=windows["leader"][1] + datetime.timedelta(days=1), dept=department)  # not the leaders'
    late = open_cases(3, due=windows["overdue"][1], dept=department)
    result = deadlines.scan(on=TUESDAY)
    total = early.count() + late.count()
    assert result["overdue"] == total and result["leader"] == 0
    head = User.objects.get(username="head_of_dept")
    body = head.notifications.get().body
    lines = [line for line in body.splitlines() if line.startswith("·")]
    assert len(lines) == 2 and str(total) in body.splitlines()[0] and str(total - 2) in body.splitlines()[-1]
    for r in sorted(early, key=lambda r: r.pk)[:2]:  # the earliest due first, then by number
        assert any(f"/approvals/{r.case_id}/" in line for line in lines)


def test_a_failing_case_is_logged_and_skipped_and_the_rest_carries_on(quiet, department, monkeypatch, caplog):
    overdue = open_cases(3, due=TUESDAY - datetime.timedelta(days=1), dept=department)
    # Two other accepted cases wait at the window (not those of the overdue items: they stay open).
    waiting = list(ApprovalCase.objects.filter(state=CaseState.ACCEPTED).exclude(
        pk__in=overdue.values("case_id"))[:2])
    ApprovalCase.objects.filter(pk__in=[c.pk for c in waiting]).update(state=CaseState.SUBMITTED, submitted_at=LONG_AGO)
    accepted = []

    def accept(*, actor, case):
        if case.pk == waiting[0].pk:
            raise RuntimeError("broken case")
        accepted.append(case.pk)
        ApprovalCase.objects.filter(pk=case.pk).update(state=CaseState.ACCEPTED)

    monkeypatch.setattr(services, "case_accept", accept)
    monkeypatch.setattr(ApprovalCase, "correction_deadline_passed", lambda self, today=None: True)
    # A second, broken ladder: logged and skipped as well.
    broken = deadlines.EscalationLadder(
        name="test.broken", model=User, open_items=lambda day: 1 / 0, audience="organization_id",
        holders=lambda keys: {}, heads=lambda keys: {}, describe=lambda qs: {})
    monkeypatch.setitem(deadlines.LADDERS, "test.broken", broken)

    with caplog.at_level(logging.ERROR):
        result = deadlines.scan(on=TUESDAY)
    assert accepted == [waiting[1].pk] and result["deemed_accepted"] == 1
    assert result["overdue"] >= overdue.count() >= 3 and result["errors"] == 1
    head = User.objects.get(username="head_of_dept")
    assert head.notifications.filter(event_key=f"digest:{head.pk}:{TUESDAY}").exists()
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert f"case {waiting[0].pk}" in messages and "test.broken" in messages


class Killed(BaseException):
    """The worker killed mid-scan (not an error the scan would catch)."""


def test_a_scan_killed_halfway_and_rerun_sends_everything_exactly_once(quiet, department, monkeypatch):
    reviews = open_cases(2, due=TUESDAY - datetime.timedelta(days=1), dept=department)
    near = open_cases(2, due=TUESDAY, dept=department)
    waiting = list(ApprovalCase.objects.filter(pk__in=near.values("case_id")))
    ApprovalCase.objects.filter(pk__in=[c.pk for c in waiting]).update(state=CaseState.SUBMITTED, submitted_at=LONG_AGO)
    calls = []

    def accept(*, actor, case):  # the second case kills the worker the first time
        calls.append(case.pk)
        if len(calls) == 2:
            raise Killed
        ApprovalCase.objects.filter(pk=case.pk).update(state=CaseState.ACCEPTED)

    monkeypatch.setattr(services, "case_accept", accept)
    monkeypatch.setattr(ApprovalCase, "correction_deadline_passed",
                        lambda self, today=None: self.state == CaseState.SUBMITTED)
    with pytest.raises(Killed):
        deadlines.scan(on=TUESDAY)
    assert ApprovalCase.objects.filter(pk__in=[c.pk for c in waiting], state=CaseState.ACCEPTED).count() == 1

    # Killed again, this time after the items were recorded, while the digests are written.
    real = deadlines._send_digests

    def send_then_die(*args, **kwargs):
        real(*args, **kwargs)
        raise Killed

    monkeypatch.setattr(deadlines, "_send_digests", send_then_die)
    with pytest.raises(Killed):
        deadlines.scan(on=TUESDAY)
    assert not Escalation.objects.exists() and not Notification.objects.exists()

    monkeypatch.setattr(deadlines, "_send_digests", real)
    done = deadlines.scan(on=TUESDAY)
    assert ApprovalCase.objects.filter(pk__in=[c.pk for c in waiting], state=CaseState.ACCEPTED).count() == 2
    assert done["overdue"] == reviews.count() and done["near"] == near.count()
    head = User.objects.get(username="head_of_dept")
    assert head.notifications.count() == 1
    reviewer = User.objects.filter(organization=department, groups__name="department_reviewer").first()
    assert reviewer.notifications.count() == 1
    body = reviewer.notifications.get().body
    assert all(f"/approvals/{r.case_id}/" in body for r in near)
    assert deadlines.scan(on=TUESDAY)["notifications"] == 0
    assert Escalation.objects.count() == reviews.count() + near.count()


def test_query_count_is_the_same_for_n_and_3n_cases(quiet):
    day = services.today()
    due = day - datetime.timedelta(days=10)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            deadlines.scan(on=day)
        return len(ctx.captured_queries)

    open_cases(5, due=due)
    first_small = queries()
    steady_small = queries()
    Notification.objects.all().delete()
    Escalation.objects.all().delete()
    open_cases(10, due=due)
    first_large = queries()
    steady_large = queries()
    assert (first_small, steady_small) == (first_large, steady_large)


def test_the_approvals_ladder_is_registered():
    assert deadlines.LADDERS.get("approvals.item_review") is approval_deadlines.REVIEW_LADDER
    assert approval_deadlines.REVIEW_LADDER in deadlines.ladders()


# ------------------------------------------------------------------------------------ provisional due dates
def test_a_due_date_beyond_the_calendar_is_marked_provisional(client_for, staff):
    review = ItemReview.objects.filter(state__in=["pending", "in_review"]).first()
    client = client_for(staff)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    last = workdays.calendar_years()[1]
    for due, provisional in ((datetime.date(last + 1, 3, 2), True), (datetime.date(last, 3, 2), False)):
        ItemReview.objects.filter(pk=review.pk).update(due_on=due)
        page = client.get(review.get_absolute_url())
        assert page.status_code == 200
        html = page.content.decode()
        assert (f'{due:%Y-%m-%d} <abbr class="provisional"' in html) is provisional
        assert ('data-testid="due-provisional"' in html) is provisional
        case = client.get(f"/api/v1/approvals/cases/{review.case_id}/")
        if case.status_code == 200:
            mine = [r for r in case.json()["reviews"] if r["id"] == review.pk]
            assert mine and mine[0]["due_provisional"] is provisional
        else:
            pytest.fail(f"case API answered {case.status_code}")
