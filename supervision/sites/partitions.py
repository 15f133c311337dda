"""The readings table's day partitions on PostgreSQL (declarative range partitioning on `ts`, UTC days):
`supervision_reading_pYYYYMMDD` holds [day 00:00 UTC, next day 00:00 UTC). `maintain()` — a periodic task —
creates the partitions of the days ahead and drops whole partitions older than the retention period; nothing is
deleted row by row. On SQLite (the demo) the table is a plain one and `maintain()` deletes the old rows."""

import datetime
import re

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

TABLE = "supervision_reading"
NAME = re.compile(rf"^{TABLE}_p(\d{{8}})$")


def is_partitioned() -> bool:
    return connection.vendor == "postgresql"


def name_of(day: datetime.date) -> str:
    return f"{TABLE}_p{day:%Y%m%d}"


def create_partitioned_table(cursor) -> None:
    """The table itself (migration 0003 on PostgreSQL): its primary key holds the partition key, as PostgreSQL
    requires."""
    cursor.execute(f"""
        CREATE TABLE {TABLE} (
            device_id bigint NOT NULL,
            ts timestamp with time zone NOT NULL,
            metric smallint NOT NULL,
            value double precision NOT NULL,
            PRIMARY KEY (device_id, ts, metric)
        ) PARTITION BY RANGE (ts)""")


def existing() -> list[datetime.date]:
    """The days that have a partition, oldest first."""
    if not is_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute("""SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                          JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s""", [TABLE])
        names = [row[0] for row in cursor.fetchall()]
    days = []
    for name in names:
        match = NAME.match(name)
        if match:
            days.append(datetime.datetime.strptime(match.group(1), "%Y%m%d").date())  # noqa: DTZ007
    return sorted(days)


def ensure(first: datetime.date, last: datetime.date, cursor=None) -> list[str]:
    """Create the partitions of the days first…last that are missing; returns the names created."""
    if not is_partitioned():
        return []
    have = set(existing()) if cursor is None else set()
    created = []
    day = first
    own = cursor is None
    cursor = cursor or connection.cursor()
    try:
        while day <= last:
            if day not in have:
                start = datetime.datetime.combine(day, datetime.time(), datetime.UTC)
                end = start + datetime.timedelta(days=1)
                cursor.execute(f"CREATE TABLE IF NOT EXISTS {name_of(day)} PARTITION OF {TABLE} "
                               f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')")
                created.append(name_of(day))
            day += datetime.timedelta(days=1)
    finally:
        if own:
            cursor.close()
    return created


_known: set[datetime.date] = set()  # days this process has seen a partition for


def cover(days: set[datetime.date]) -> None:
    """Make sure each of `days` has its partition before readings are written (the periodic task makes them
    ahead; this covers a fresh database or a late task). Asks the database only for a day this process has not
    seen yet."""
    if not is_partitioned() or days <= _known:
        return
    _known.update(existing())
    missing = days - _known
    if missing:
        ensure(min(missing), max(missing))
        _known.update(existing())


def maintain(now: datetime.datetime | None = None) -> dict:
    """Partitions for the days back to the oldest accepted reading and SITE_PARTITIONS_AHEAD_DAYS ahead; drop
    those wholly older than SITE_READING_RETENTION_DAYS. Returns what it did."""
    now = now or timezone.now()
    today = now.astimezone(datetime.UTC).date()
    cutoff = today - datetime.timedelta(days=settings.SITE_READING_RETENTION_DAYS)
    if not is_partitioned():
        from ..models import Reading

        deleted, _ = Reading.objects.filter(
            ts__lt=datetime.datetime.combine(cutoff, datetime.time(), datetime.UTC)).delete()
        return {"created": [], "dropped": [], "deleted": deleted}
    back = max(1, settings.SITE_INGEST_MAX_AGE_HOURS // 24 + 1)
    created = ensure(max(cutoff, today - datetime.timedelta(days=back)),
                     today + datetime.timedelta(days=settings.SITE_PARTITIONS_AHEAD_DAYS))
    dropped = []
    for day in existing():
        if day < cutoff:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {name_of(day)}")
            dropped.append(name_of(day))
            _known.discard(day)
    return {"created": created, "dropped": dropped, "deleted": 0}
