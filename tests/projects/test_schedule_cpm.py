"""The arithmetic and the rules of a schedule, without the database: critical path and float, forecast and
variance, late flags, the weighted % complete, predecessors as text, single-task rules, link dates and cycles."""

import datetime

import pytest

from projects.schedule import cpm, rules
from projects.schedule.cpm import PlannedTask
from projects.schedule.rules import Link, Predecessor, TaskValues


@pytest.fixture(autouse=True)
def english():
    """These tests read the English messages (the portal's second language)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client_for():
    """As the shared fixture, for a reader whose browser asks for English."""
    from django.test import Client

    def make(user):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client

    return make


D = datetime.date
TODAY = D(2025, 6, 1)


def task(key, start, finish, **kw):
    return PlannedTask(key=key, planned_start=start, planned_finish=finish, **kw)


# ------------------------------------------------------------------------------------------------- CPM
def test_critical_path_of_a_textbook_network():
    # A(10 d) → B(5 d) → D(0 d, milestone); A → C(2 d) → D.  B is the long branch; C has 3 days of float.
    tasks = [
        task("1", D(2025, 1, 1), D(2025, 1, 11)),
        task("2", D(2025, 1, 11), D(2025, 1, 16)),
        task("3", D(2025, 1, 11), D(2025, 1, 13)),
        task("4", D(2025, 1, 16), D(2025, 1, 16), is_milestone=True),
    ]
    links = [Link("1", "2"), Link("1", "3"), Link("2", "4"), Link("3", "4")]
    f = cpm.critical_path(tasks, links)
    assert {k for k, v in f.items() if v.critical} == {"1", "2", "4"}
    assert f["3"].total_float == 3
    assert (f["3"].earliest_start, f["3"].latest_start) == (D(2025, 1, 11), D(2025, 1, 14))
    assert f["4"].earliest_finish == D(2025, 1, 16)


def test_lag_and_lead_move_the_earliest_start_and_the_float():
    tasks = [task("1", D(2025, 1, 1), D(2025, 1, 11)), task("2", D(2025, 1, 20), D(2025, 1, 30)),
             task("3", D(2025, 1, 1), D(2025, 1, 5))]
    f = cpm.critical_path(tasks, [Link("1", "2", 5), Link("3", "2", -2)])
    assert f["2"].earliest_start == D(2025, 1, 16)  # 1 finishes on the 11th, plus 5 days lag
    # 3 may finish as late as 2's latest start minus its lead: the 18th, 13 days after it could
    assert f["1"].total_float == 0 and f["3"].total_float == 13


def test_a_task_without_predecessors_starts_at_its_planned_start():
    tasks = [task("1", D(2025, 3, 1), D(2025, 3, 10)), task("2", D(2025, 1, 1), D(2025, 1, 5))]
    f = cpm.critical_path(tasks, [])
    assert f["1"].earliest_start == D(2025, 3, 1) and f["1"].critical
    assert f["2"].total_float == (D(2025, 3, 10) - D(2025, 1, 5)).days


def test_summary_tasks_span_their_leaves_and_take_the_float_of_what_remains():
    tasks = [
        task("1", D(2025, 1, 1), D(2025, 2, 28)),
        task("1.1", D(2025, 1, 1), D(2025, 1, 31), percent_complete=100, actual_start=D(2025, 1, 1),
             actual_finish=D(2025, 1, 31)),
        task("1.2", D(2025, 1, 1), D(2025, 1, 10)),
        task("2", D(2025, 2, 1), D(2025, 2, 28)),
    ]
    # Without rolling up, the summary would be anchored at its own dates and be the only critical task.
    f = cpm.critical_path(tasks, [Link("1.1", "2"), Link("1.2", "2")])
    assert f["1.1"].critical and f["2"].critical and f["1.2"].total_float == 21
    assert f["1"].earliest_start == D(2025, 1, 1) and f["1"].earliest_finish == D(2025, 1, 31)
    assert f["1"].total_float == 21  # its critical part is finished; what remains (1.2) has 21 days


def test_a_link_to_a_summary_binds_each_of_its_leaves():
    tasks = [task("1", D(2025, 1, 1), D(2025, 1, 10)), task("2", D(2025, 1, 10), D(2025, 1, 31)),
             task("2.1", D(2025, 1, 10), D(2025, 1, 20)), task("2.2", D(2025, 1, 15), D(2025, 1, 31))]
    f = cpm.critical_path(tasks, [Link("1", "2")])
    assert f["2.2"].earliest_start == D(2025, 1, 10)  # held by 1 through its summary, not by its own date
    assert f["1"].critical and f["2.2"].critical and not f["2.1"].critical


def test_a_cycle_is_reported_with_its_path():
    tasks = [task(k, D(2025, 1, 1), D(2025, 1, 1), is_milestone=True) for k in ("1", "2", "3")]
    with pytest.raises(cpm.CycleError) as exc:
        cpm.critical_path(tasks, [Link("1", "2"), Link("2", "3"), Link("3", "2")])
    assert exc.value.cycle == ["2", "3", "2"]
    assert cpm.analyse(tasks, [Link("2", "3"), Link("3", "2")], TODAY).cycle == ["2", "3", "2"]


def test_empty_schedule():
    assert cpm.critical_path([], []) == {}
    result = cpm.analyse([], [], TODAY)
    assert result.percent_complete is None and result.forecast_finish is None and result.tasks == {}


# ------------------------------------------------------------------------------------------------- variance
@pytest.mark.parametrize(("kw", "expected"), [
    # finished: its actual finish
    ({"actual_start": D(2025, 5, 1), "actual_finish": D(2025, 5, 20), "percent_complete": 100}, D(2025, 5, 20)),
    # not started, planned start passed: starts today, keeps its 30 days
    ({}, D(2025, 7, 1)),
    # started late on 15 May: 30 days from then
    ({"actual_start": D(2025, 5, 15), "percent_complete": 10}, D(2025, 6, 14)),
    # started on time: the planned finish
    ({"actual_start": D(2025, 5, 10), "percent_complete": 50}, D(2025, 6, 9)),
])
def test_forecast_finish(kw, expected):
    t = task("1", D(2025, 5, 10), D(2025, 6, 9), **kw)
    assert cpm.forecast_finish(t, TODAY) == expected


def test_an_unfinished_task_past_its_finish_is_forecast_to_finish_today_at_the_earliest():
    t = task("1", D(2025, 4, 1), D(2025, 4, 30), actual_start=D(2025, 4, 1), percent_complete=80)
    assert cpm.forecast_finish(t, TODAY) == TODAY


def test_variance_against_the_baseline():
    late = task("1", D(2025, 5, 1), D(2025, 5, 31), actual_start=D(2025, 5, 1), actual_finish=D(2025, 6, 1),
                percent_complete=100, baseline_finish=D(2025, 5, 20))
    early = task("2", D(2025, 7, 1), D(2025, 7, 10), baseline_finish=D(2025, 7, 15))
    assert cpm.variance_days(late, TODAY) == 12
    assert cpm.variance_days(early, TODAY) == -5
    assert cpm.variance_days(task("3", D(2025, 7, 1), D(2025, 7, 10)), TODAY) is None


# ------------------------------------------------------------------------------------------------- late
@pytest.mark.parametrize(("kw", "late"), [
    ({"planned_start": D(2025, 5, 1), "planned_finish": D(2025, 5, 31), "actual_start": D(2025, 5, 1),
      "percent_complete": 90}, True),  # past its finish
    ({"planned_start": D(2025, 5, 1), "planned_finish": D(2025, 5, 31), "actual_start": D(2025, 5, 1),
      "actual_finish": D(2025, 5, 31), "percent_complete": 100}, False),  # finished
    ({"planned_start": D(2025, 5, 1), "planned_finish": D(2025, 7, 31), "actual_start": D(2025, 5, 10),
      "percent_complete": 10}, True),  # started later than planned
    ({"planned_start": D(2025, 5, 1), "planned_finish": D(2025, 7, 31)}, True),  # should have started
    ({"planned_start": D(2025, 5, 1), "planned_finish": D(2025, 7, 31), "actual_start": D(2025, 5, 1),
      "percent_complete": 5}, False),  # on its way
    ({"planned_start": D(2025, 6, 1), "planned_finish": D(2025, 7, 31)}, False),  # starts today
])
def test_late(kw, late):
    assert cpm.is_late(PlannedTask(key="1", **kw), TODAY) is late


def test_critical_late_items_and_status():
    tasks = [task("1", D(2025, 5, 1), D(2025, 5, 20), actual_start=D(2025, 5, 1), percent_complete=50),
             task("2", D(2025, 5, 20), D(2025, 6, 30)),
             task("3", D(2025, 5, 1), D(2025, 5, 5), actual_start=D(2025, 5, 3), percent_complete=40),
             task("4", D(2025, 6, 10), D(2025, 6, 12))]
    result = cpm.analyse(tasks, [Link("1", "2")], TODAY)
    status = {t.key: cpm.task_status(t, result.tasks[t.key]) for t in tasks}
    assert status == {"1": "critical_late", "2": "critical_late", "3": "late", "4": "on_track"}
    assert (result.late_count, result.critical_late_count) == (3, 2)


# ------------------------------------------------------------------------------------------------- % complete
def test_project_percent_is_weighted_by_planned_days_over_leaves():
    tasks = [
        task("1", D(2025, 1, 1), D(2025, 1, 30), percent_complete=10),  # summary: not counted
        task("1.1", D(2025, 1, 1), D(2025, 1, 10), percent_complete=100),  # 10 days
        task("1.2", D(2025, 1, 11), D(2025, 1, 30), percent_complete=25),  # 20 days
        task("2", D(2025, 1, 30), D(2025, 1, 30), is_milestone=True),  # weighs nothing
    ]
    assert cpm.weighted_percent(tasks) == pytest.approx(50.0)
    assert cpm.weighted_percent([task("1", D(2025, 1, 1), D(2025, 1, 1), is_milestone=True, percent_complete=100),
                                 task("2", D(2025, 1, 2), D(2025, 1, 2), is_milestone=True)]) == 50.0
    assert cpm.weighted_percent([]) is None


def test_planned_percent_by_today():
    t = task("1", D(2025, 5, 23), D(2025, 6, 1))  # ten days, today is the tenth
    assert cpm.planned_percent(t, TODAY) == 100.0
    assert cpm.planned_percent(t, D(2025, 5, 27)) == 50.0
    assert cpm.planned_percent(t, D(2025, 5, 1)) == 0.0


def test_project_forecast_and_variance():
    tasks = [task("1", D(2025, 5, 1), D(2025, 5, 20), actual_start=D(2025, 5, 1), percent_complete=50,
                  baseline_finish=D(2025, 5, 20)),
             task("2", D(2025, 5, 20), D(2025, 6, 30), baseline_finish=D(2025, 6, 25))]
    result = cpm.analyse(tasks, [Link("1", "2")], TODAY)
    # 2 cannot start before today: 41 days from today
    assert result.forecast_finish == D(2025, 7, 12)
    assert result.baseline_finish == D(2025, 6, 25) and result.variance_days == 17


# ------------------------------------------------------------------------------------------------- rules
def test_parse_and_format_predecessors():
    assert rules.parse_predecessors("2.1, 3.2+5，4-3、 1.10 + 2d") == [
        Predecessor("2.1"), Predecessor("3.2", 5), Predecessor("4", -3), Predecessor("1.10", 2)]
    assert rules.parse_predecessors("") == []
    assert rules.format_predecessors([Predecessor("10"), Predecessor("2.1", 3), Predecessor("4", -1)]) == "2.1+3, 4-1, 10"
    for bad in ("2.1 x", "a", "1..2", "1+99999"):
        with pytest.raises(ValueError, match=r"2\.1 x|a|1\.\.2|1\+99999"):
            rules.parse_predecessors(bad)
    with pytest.raises(ValueError, match="twice"):
        rules.parse_predecessors("1, 1+2")


def test_wbs_helpers():
    assert rules.wbs_parent("1.2.3") == "1.2" and rules.wbs_parent("1") is None
    assert rules.wbs_sort_key("1.10.2") == "001.010.002"
    assert sorted(["1.10", "1.9", "10", "2"], key=rules.wbs_sort_key) == ["1.9", "1.10", "2", "10"]
    assert rules.missing_parents(["1", "1.1", "2.1", "3.1.1"]) == {"2.1": "2", "3.1.1": "3.1"}


def values(**kw):
    base = {"wbs": "1.2", "name": "路基土石方", "planned_start": D(2025, 5, 1), "planned_finish": D(2025, 5, 31)}
    return TaskValues(**{**base, **kw})


@pytest.mark.parametrize(("kw", "field"), [
    ({"wbs": "1.a"}, "wbs"),
    ({"name": "  "}, "name"),
    ({"planned_finish": D(2025, 4, 1)}, "planned_finish"),
    ({"is_milestone": True}, "planned_finish"),  # a milestone is a single day
    ({"percent_complete": 101}, "percent_complete"),
    ({"percent_complete": -1}, "percent_complete"),
    ({"is_milestone": True, "planned_finish": D(2025, 5, 1), "percent_complete": 50, "actual_start": D(2025, 5, 1)},
     "percent_complete"),
    ({"actual_start": D(2025, 5, 1), "actual_finish": D(2025, 5, 20), "percent_complete": 90}, "percent_complete"),
    ({"actual_start": D(2025, 5, 1), "percent_complete": 100}, "actual_finish"),
    ({"percent_complete": 30}, "actual_start"),
    ({"actual_finish": D(2025, 5, 20), "percent_complete": 100}, "actual_start"),
    ({"actual_start": D(2025, 5, 21), "actual_finish": D(2025, 5, 20), "percent_complete": 100}, "actual_finish"),
    ({"actual_start": D(2025, 6, 2), "percent_complete": 1}, "actual_start"),  # in the future
])
def test_task_problems_name_the_field(kw, field):
    assert field in rules.task_problems(values(**kw), today=TODAY)


def test_a_good_task_has_no_problems():
    assert rules.task_problems(values(), today=TODAY) == {}
    assert rules.task_problems(values(actual_start=D(2025, 5, 1), actual_finish=D(2025, 5, 31),
                                      percent_complete=100), today=TODAY) == {}


def test_milestone_defaults():
    assert rules.milestone_defaults(is_milestone=True, planned_start=D(2025, 1, 1), planned_finish=None,
                                    actual_start=None, actual_finish=D(2025, 1, 3)) == (
        D(2025, 1, 1), D(2025, 1, 3), D(2025, 1, 3))


def test_link_violations_name_both_sides():
    planned = {"1": (D(2025, 1, 1), D(2025, 1, 31)), "2": (D(2025, 2, 3), D(2025, 2, 28))}
    assert rules.link_violations(planned, [Link("1", "2", 3)]) == []
    [v] = rules.link_violations(planned, [Link("1", "2", 5)])
    assert v.earliest == D(2025, 2, 5)
    assert "1" in v.message_for_successor() and "2025-02-05" in v.message_for_successor()
    assert "2" in v.message_for_predecessor() and "2025-01-29" in v.message_for_predecessor()


def test_find_cycle():
    assert rules.find_cycle([Link("1", "2"), Link("2", "3")]) is None
    assert rules.find_cycle([Link("1", "2"), Link("2", "3"), Link("3", "1")]) == ["1", "2", "3", "1"]
    # through a summary: 2 waits for summary 1, whose sub-task 1.1 waits for 2
    links = [Link("1", "2"), Link("2", "1.1")]
    assert rules.find_cycle(links) is None
    assert rules.find_cycle(rules.expand_links(links, ["1", "1.1", "1.2", "2"])) == ["1.1", "2", "1.1"]
