"""Working-day arithmetic across National Day, Spring Festival and 调休 Saturdays (2025 official calendar:
国办发明电〔2024〕12号)."""

import datetime as dt

import pytest

from portal.core.workdays import add_workdays, calendar_covers, calendar_years, is_workday, workdays_between


def test_national_day_holiday_and_its_make_up_saturday():
    assert not is_workday(dt.date(2025, 10, 1))  # 国庆节
    assert not is_workday(dt.date(2025, 10, 8))  # 国庆中秋连休的最后一天
    assert is_workday(dt.date(2025, 9, 28))  # 调休上班的星期日
    assert is_workday(dt.date(2025, 10, 11))  # 调休上班的星期六
    # Tuesday 30 September + 5 working days skips 1–8 October: 9, 10, 11 (Saturday, make-up), 13, 14.
    assert add_workdays(dt.date(2025, 9, 30), 5) == dt.date(2025, 10, 14)


def test_spring_festival_2025():
    assert not is_workday(dt.date(2025, 1, 28))  # 除夕
    assert not is_workday(dt.date(2025, 2, 4))
    assert is_workday(dt.date(2025, 1, 26))  # 调休上班的星期日
    assert is_workday(dt.date(2025, 2, 8))  # 调休上班的星期六
    assert add_workdays(dt.date(2025, 1, 27), 1) == dt.date(2025, 2, 5)


def test_workdays_between_counts_after_start_up_to_end():
    assert workdays_between(dt.date(2025, 9, 30), dt.date(2025, 10, 14)) == 5
    assert workdays_between(dt.date(2025, 10, 14), dt.date(2025, 9, 30)) == 0
    assert workdays_between(dt.date(2025, 6, 2), dt.date(2025, 6, 2)) == 0


@pytest.mark.parametrize("days", [0, 1, 5, 20, 60])
def test_add_and_count_are_inverse(days):
    start = dt.date(2025, 9, 26)
    assert workdays_between(start, add_workdays(start, days)) == days


def test_years_beyond_the_calendar_fall_back_to_weekends_and_say_so():
    first, last = calendar_years()
    assert first <= 2025 <= last
    beyond = dt.date(last + 1, 1, 5)
    assert not calendar_covers(beyond)
    saturday = beyond + dt.timedelta(days=(5 - beyond.weekday()) % 7)
    assert not is_workday(saturday)
    assert is_workday(saturday + dt.timedelta(days=2))


def test_negative_days_are_refused():
    with pytest.raises(ValueError, match="must not be negative"):
        add_workdays(dt.date(2025, 1, 1), -1)


def test_counting_agrees_with_stepping_day_by_day_across_years():
    def stepped(a, b):
        n, day = 0, a
        while day < b:
            day += dt.timedelta(days=1)
            n += is_workday(day)
        return n

    for a, b in [(dt.date(1999, 12, 20), dt.date(2000, 1, 10)), (dt.date(2024, 12, 25), dt.date(2026, 2, 20)),
                 (dt.date(2026, 12, 1), dt.date(2027, 3, 1)), (dt.date(2025, 1, 1), dt.date(2025, 1, 1))]:
        assert workdays_between(a, b) == stepped(a, b)
