"""Working time of the service window: the working minutes between two moments, on the official working-day
calendar (portal.core.workdays) and the office hours below — what "sign for a new issue within 2 working hours"
is measured in. An issue reported on Friday evening and signed for on Monday at 09:30 took 30 working minutes."""

import datetime

from django.conf import settings
from django.utils import timezone

from portal.core import workdays

# Office hours of a Chinese government office (Asia/Shanghai): morning and afternoon, lunch in between.
OFFICE_HOURS = ((datetime.time(9, 0), datetime.time(12, 0)), (datetime.time(13, 30), datetime.time(17, 30)))


def office_hours() -> tuple[tuple[datetime.time, datetime.time], ...]:
    return getattr(settings, "COORDINATION_OFFICE_HOURS", OFFICE_HOURS)


def working_minutes(start: datetime.datetime, end: datetime.datetime) -> int:
    """Whole working minutes from `start` to `end` (aware datetimes; 0 when end is not after start)."""
    if end <= start:
        return 0
    start, end = timezone.localtime(start), timezone.localtime(end)
    tz = start.tzinfo
    total = 0.0
    day = start.date()
    last = end.date()
    # Whole working days in between count a full office day each: no loop over a long gap minute by minute.
    while day <= last:
        if workdays.is_workday(day):
            for begin, finish in office_hours():
                lo = max(start, datetime.datetime.combine(day, begin, tz))
                hi = min(end, datetime.datetime.combine(day, finish, tz))
                if hi > lo:
                    total += (hi - lo).total_seconds() / 60
        day += datetime.timedelta(days=1)
    return int(total)
