"""Working days on the Chinese official calendar (法定节假日 and 调休 make-up workdays), from the maintained
`chinesecalendar` package. Outside the years the package covers, only weekends are treated as rest days and
`calendar_covers()` says so and `is_provisional()` marks such a date, so the UI can say a due date is provisional
instead of silently counting wrong. Every deadline of the portal counts on this one calendar (see deadlines.py)."""

import datetime
from functools import lru_cache

import chinese_calendar
from chinese_calendar import constants


@lru_cache(maxsize=1)
def calendar_years() -> tuple[int, int]:
    """(first, last) year with official holiday data."""
    years = {d.year for d in constants.holidays}
    return min(years), max(years)


def calendar_covers(day: datetime.date) -> bool:
    first, last = calendar_years()
    return first <= day.year <= last


def is_provisional(day: datetime.date) -> bool:
    """True when `day` lies outside the years the official calendar covers: a date counted to or from it counts
    weekends only, so it may move once the State Council publishes that year's holidays."""
    return not calendar_covers(day)


@lru_cache(maxsize=8192)
def is_workday(day: datetime.date) -> bool:
    if calendar_covers(day):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def add_workdays(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start` (start itself not counted). add_workdays(d, 0) is d."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    remaining = days
    while remaining:
        day += datetime.timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day


@lru_cache(maxsize=256)
def _year_counts(year: int) -> tuple[int, ...]:
    """counts[i] = working days from 1 January up to and including day i+1 of `year`."""
    counts, total = [], 0
    day = datetime.date(year, 1, 1)
    while day.year == year:
        total += is_workday(day)
        counts.append(total)
        day += datetime.timedelta(days=1)
    return tuple(counts)


@lru_cache(maxsize=256)
def _before_year(year: int) -> int:
    """Working days from 1 January 2000 up to the end of the year before `year` (negative before 2000)."""
    if year == 2000:
        return 0
    if year > 2000:
        return _before_year(year - 1) + _year_counts(year - 1)[-1]
    return _before_year(year + 1) - _year_counts(year)[-1]


def _ordinal(day: datetime.date) -> int:
    return _before_year(day.year) + _year_counts(day.year)[day.timetuple().tm_yday - 1]


def workdays_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start). Constant time: cumulative
    counts per year (the escalation scan asks this for every due item)."""
    if end <= start:
        return 0
    return _ordinal(end) - _ordinal(start)


def signed_workdays(start: datetime.date, end: datetime.date) -> int:
    """workdays_between, negative when `end` is before `start` (days left, or days overdue)."""
    return workdays_between(start, end) if end >= start else -workdays_between(end, start)
