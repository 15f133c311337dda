"""One deadline engine for every workflow of the portal: working-day due dates, the green/amber/red light, and an
escalation ladder that the periodic scan climbs for every open item.

Arithmetic (`due_date`, `resume`, `workdays_left`, `light`, `Deadline`) counts on the one working-day calendar,
`portal.core.workdays`; a due date beyond the years the official calendar covers is *provisional* (weekends only)
and the pages mark it (`{{ date|due_date }}` in portal.core.templatetags.portal).

The ladder of a workflow has three rungs, counted in working days from the item's due date:

- ``near``: at most `near_workdays` left → the item's holders (e.g. the department's reviewers);
- ``overdue``: past the due date → the holders' heads (the department head; the holders when there is none);
- ``leader``: `leader_after_workdays` more working days overdue → the bureau's leaders.

Each item reaches each rung once per due date: the scan keeps one `Escalation` row per item and due date holding
the highest rung it reached (raised in place when the item climbs), and tells people in ONE DIGEST PER PERSON PER
DAY (event key ``digest:<user>:<day>``), one line per item with its link, at most `DIGEST_LINES` lines and then a
count and the list's link. An item first seen overdue by `leader_after_workdays` is put both in its head's digest
(overdue) and in the leaders' (a new rung). A rerun the same day, or a rerun after a scan was killed halfway (the
records and the digests are written in one transaction), sends nothing twice and misses nothing; an item already
in yesterday's digest comes again only when it reaches a new rung. Two scans at once: the second waits for the
first (an advisory lock on PostgreSQL) and then finds everything recorded.

The scan is set-based: per ladder one pass over the open items up to the near window (the rung a CASE on the due
date), left-joined to their records; the items recorded at a lower rung are raised (UPDATE … FROM), the others
added (INSERT … SELECT), both RETURNING what changed — one statement on PostgreSQL, two on SQLite (3.35+) — and
only the first DIGEST_LINES items of each rung and audience are kept, with a count of the rest. Then one query
each for holders, heads and leaders, one for the text of the lines shown, and the digests in bulk. The number of
queries does not grow with the number of open items.

Plugging in a workflow (coordination issues, hazards, re-inspections, payments …): declare the ladder in the app's
`portal_plugin()` (portal.core.plugins), e.g. ``deadline_ladders=["supervision.deadlines.HAZARD_LADDER"]`` with,
in the app's ``deadlines.py``::

    HAZARD_LADDER = EscalationLadder(
        name="risks.hazard",                        # unique
        model=Hazard,
        open_items=lambda day: Hazard.objects.filter(state__in=OPEN, voided_at__isnull=True),
        due_field="rectify_by",                     # a DateField of the model
        audience="organization_id",                 # whose it is: holders and heads are found per value
        holders=by_organization(Role.CONTRACTOR),   # {audience value (str): [users]}, one query
        heads=by_organization(heads_only=True),
        describe=lambda qs: {h.pk: (h.title, h.get_absolute_url()) for h in qs},  # qs: the lines to show
        list_url=lambda rung: reverse("risks:list"),
        steps=(my_daily_step,),                     # the workflow's own periodic work, run by the same scan
    )

A step is ``fn(day) -> {counter: n}``; it does its own writes, each case in its own transaction, logging and
skipping a case that fails (see approvals/deadlines.py). The scan runs every ladder's steps, then climbs every
ladder; a ladder that fails is logged and skipped, the others carry on."""

import datetime
import heapq
import itertools
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import (
    Case,
    CharField,
    F,
    SmallIntegerField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext as _

from . import workdays
from .models import Escalation, EscalationRung
from .services import today, users_by_organization, users_with_role

logger = logging.getLogger(__name__)

AMBER_WORKDAYS = 2  # amber when this many working days or fewer are left
LEADER_AFTER_WORKDAYS = 2  # overdue by this many more working days → a leader
DIGEST_LINES = 100  # lines listed per digest; the rest are counted and linked

NEAR, OVERDUE, LEADER = "near", "overdue", "leader"  # the rungs' names: the scan's counters, `list_url`'s argument
LEVEL = {NEAR: EscalationRung.NEAR, OVERDUE: EscalationRung.OVERDUE, LEADER: EscalationRung.LEADER}  # as stored
RUNG_NAMES = {int(level): name for name, level in LEVEL.items()}
RUNG_ORDER = (LEADER, OVERDUE, NEAR)  # the digest lists the most urgent first


# ------------------------------------------------------------------------------------------- deadline arithmetic
def due_date(start: datetime.date, limit_workdays: int, paused_workdays: int = 0) -> datetime.date:
    """The due date of a clock started on `start` with a limit of `limit_workdays`, stopped `paused_workdays`."""
    return workdays.add_workdays(start, limit_workdays + paused_workdays)


def paused_workdays(since: datetime.date | None, until: datetime.date) -> int:
    """Working days a clock stopped on `since` has been stopped by `until` (0 when it is not stopped)."""
    return workdays.workdays_between(since, until) if since else 0


def resume(*, start: datetime.date, limit_workdays: int, paused_so_far: int, paused_since: datetime.date | None,
           on: datetime.date) -> tuple[int, datetime.date]:
    """A stopped clock restarted on `on`: (working days stopped in all, the new due date)."""
    total = paused_so_far + paused_workdays(paused_since, on)
    return total, due_date(start, limit_workdays, total)


def workdays_left(on: datetime.date, due: datetime.date) -> int:
    """Working days from `on` to `due`, negative when overdue."""
    return workdays.signed_workdays(on, due)


def light(on: datetime.date, due: datetime.date, amber: int = AMBER_WORKDAYS) -> str:
    """red when overdue, amber when `amber` working days or fewer are left, green otherwise."""
    left = workdays_left(on, due)
    if left < 0:
        return "red"
    return "amber" if left <= amber else "green"


def is_provisional(due: datetime.date | None) -> bool:
    """The due date lies beyond the official calendar's years: counted by weekends only, it may still move."""
    return due is not None and workdays.is_provisional(due)


@dataclass(frozen=True)
class Deadline:
    """A clock of `limit_workdays` working days started on `start`, stopped `paused` working days so far."""

    start: datetime.date
    limit_workdays: int
    paused: int = 0

    @property
    def due(self) -> datetime.date:
        return due_date(self.start, self.limit_workdays, self.paused)

    @property
    def provisional(self) -> bool:
        return is_provisional(self.due)

    def left(self, on: datetime.date) -> int:
        return workdays_left(on, self.due)

    def light(self, on: datetime.date, amber: int = AMBER_WORKDAYS) -> str:
        return light(on, self.due, amber)


# ------------------------------------------------------------------------------------------------- the ladders
def by_organization(role: str | None = None, *, heads_only: bool = False) -> Callable[[set[str]], dict[str, list]]:
    """Holders or heads per organisation id (the ladder's audience is an organisation's id): one query."""

    def users(keys: set[str]) -> dict[str, list]:
        ids = {int(k) for k in keys if k not in (None, "", "None")}
        found = users_by_organization(role, organizations=ids, heads_only=heads_only) if ids else {}
        return {str(k): v for k, v in found.items()}

    return users


def leaders() -> list:
    from portal.accounts.models import Role

    return users_with_role(Role.LEADER)


@dataclass
class EscalationLadder:
    name: str
    model: type[models.Model]
    open_items: Callable[[datetime.date], models.QuerySet]
    audience: str
    holders: Callable[[set[str]], dict[str, list]]
    heads: Callable[[set[str]], dict[str, list]]
    describe: Callable[[models.QuerySet], dict[int, tuple[str, str]]]
    due_field: str = "due_on"
    leaders: Callable[[], list] = leaders
    near_workdays: int = AMBER_WORKDAYS
    leader_after_workdays: int = LEADER_AFTER_WORKDAYS
    list_url: Callable[[str], str] = lambda rung: ""  # rung → the page listing such items
    steps: tuple[Callable[[datetime.date], dict[str, int]], ...] = field(default_factory=tuple)


LADDERS: dict[str, EscalationLadder] = {}


def register(ladder: EscalationLadder) -> EscalationLadder:
    """Called by portal.core.plugins for each ladder an app declares (`deadline_ladders`); a second ladder of
    the same name is an error at start-up."""
    from django.core.exceptions import ImproperlyConfigured

    if LADDERS.get(ladder.name, ladder) is not ladder:
        raise ImproperlyConfigured(f"two deadline ladders are named {ladder.name!r}")
    LADDERS[ladder.name] = ladder
    return ladder


def ladders() -> list[EscalationLadder]:
    """The declared ladders, in INSTALLED_APPS order."""
    return list(LADDERS.values())


def _cutoff(day: datetime.date, overdue_by: int) -> datetime.date:
    """The latest due date that is at least `overdue_by` working days overdue on `day`."""
    d = day - datetime.timedelta(days=1)
    while workdays.workdays_between(d, day) < overdue_by:
        d -= datetime.timedelta(days=1)
    return d


def rung_windows(ladder: EscalationLadder, day: datetime.date) -> dict[str, tuple[datetime.date | None,
                                                                                  datetime.date]]:
    """rung → (due after, due on or before): each rung's working-day condition as a date range."""
    overdue = _cutoff(day, 1)
    return {
        NEAR: (overdue, workdays.add_workdays(day, ladder.near_workdays)),
        OVERDUE: (None, overdue),
        LEADER: (None, _cutoff(day, ladder.leader_after_workdays + 1)),
    }


def _as_date(value) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])


def _reached(previous: int, rung: int) -> tuple[int, ...]:
    """The rungs an item climbing from `previous` (0: none) to `rung` newly reaches: an item first seen overdue
    never was near; one first seen at the leaders' rung is overdue too (its head hears of it as well)."""
    if rung == LEVEL[NEAR]:
        return (rung,) if previous < rung else ()
    return tuple(r for r in (LEVEL[OVERDUE], LEVEL[LEADER]) if previous < r <= rung)


_REACHED = {(previous, rung): _reached(previous, rung) for previous in range(4) for rung in range(1, 4)}

# The items on a rung now, left-joined to their record: each one not recorded yet, or recorded at a lower rung.
_SOURCE = """src AS {materialized}(
    SELECT s.esc_obj AS s_obj, s.esc_due AS s_due, s.esc_rung AS s_rung, s.esc_aud AS s_aud, e.rung AS s_old
    FROM ({select}) s LEFT JOIN {table} e
      ON e.content_type_id = %s AND e.object_id = s.esc_obj AND e.due_on = s.esc_due
    WHERE e.rung IS NULL OR e.rung < s.esc_rung)"""
_RETURNING = "RETURNING object_id, due_on, rung, previous_rung, audience"
# Only the table's quoted name and the ORM's SELECT are put in these (S608); every value is a parameter.
_CLIMB = """UPDATE {table} SET rung = s_rung, previous_rung = {table}.rung, audience = s_aud, digest_day = %s
    FROM src WHERE s_old IS NOT NULL AND {table}.content_type_id = %s AND {table}.object_id = s_obj
      AND {table}.due_on = s_due """ + _RETURNING  # noqa: S608
_ADD = """INSERT INTO {table} (content_type_id, object_id, due_on, rung, previous_rung, audience, digest_day)
    SELECT %s, s_obj, s_due, s_rung, 0, s_aud, %s FROM src WHERE s_old IS NULL """ + _RETURNING  # noqa: S608

# PostgreSQL ranks what changed by class (new rung, previous rung, audience): each class's size and its first
# DIGEST_LINES items, the earliest due first; a few thousand rows come back instead of one per item.
_PG_RECORD = """WITH {source}, climbed AS ({climb}), added AS ({add})
SELECT rung, previous_rung, audience, total, object_id, due_on FROM (
    SELECT u.*, ROW_NUMBER() OVER (PARTITION BY rung, previous_rung, audience COLLATE "C"
                                   ORDER BY due_on, object_id) AS n,
           COUNT(*) OVER (PARTITION BY rung, previous_rung, audience COLLATE "C") AS total
    FROM (SELECT * FROM climbed UNION ALL SELECT * FROM added) u) ranked
WHERE n <= %s"""


def _record(ladder: EscalationLadder, ct_id: int, day: datetime.date) -> list[tuple[int, str, int, int,
                                                                                    datetime.date]]:
    """Record every item of the ladder that reached a higher rung for its due date than recorded, and return
    the buckets of the rungs newly reached: (rung, audience, items in the bucket, object id, due date) for at
    most DIGEST_LINES items per bucket, the earliest due first.

    The items of all three rungs are read in one pass (the rung a CASE on the due date); those recorded already
    have their row raised (UPDATE … FROM), the others are added by a plain INSERT … SELECT (no ON CONFLICT: the
    scan holds a lock against a second scan, see `scan`). On PostgreSQL that is one statement (two data-modifying
    CTEs over one materialized source, which also ranks the changed rows by class: see _PG_RECORD), on SQLite
    (3.35+, for RETURNING; no INSERT in a WITH) two, ranked here."""
    due = ladder.due_field
    windows = rung_windows(ladder, day)
    rung = Case(When(**{f"{due}__lte": windows[LEADER][1]}, then=Value(LEVEL[LEADER])),
                When(**{f"{due}__lte": windows[OVERDUE][1]}, then=Value(LEVEL[OVERDUE])),
                default=Value(LEVEL[NEAR]), output_field=SmallIntegerField())
    qs = ladder.open_items(day).filter(**{f"{due}__lte": windows[NEAR][1]}).order_by().annotate(
        esc_obj=F("pk"), esc_due=F(due), esc_rung=rung,
        esc_aud=Coalesce(Cast(ladder.audience, output_field=CharField()), Value("")),
    ).values_list("esc_obj", "esc_due", "esc_rung", "esc_aud")
    select, params = qs.query.sql_with_params()
    table = connection.ops.quote_name(Escalation._meta.db_table)
    source_params = (*params, ct_id)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            source = _SOURCE.format(materialized="MATERIALIZED ", select=select, table=table)
            statement = _PG_RECORD.format(source=source, climb=_CLIMB.format(table=table),
                                          add=_ADD.format(table=table))
            cursor.execute(statement, (*source_params, day, ct_id, ct_id, day, DIGEST_LINES))
            classes = cursor.fetchall()
        else:
            source = _SOURCE.format(materialized="", select=select, table=table)
            cursor.execute(f"WITH {source} {_CLIMB.format(table=table)}", (*source_params, day, ct_id))
            changed = cursor.fetchall()
            cursor.execute(f"WITH {source} {_ADD.format(table=table)}", (*source_params, ct_id, day))
            changed += cursor.fetchall()
            classes = _classes(changed)
    return _buckets(classes)


def _classes(changed: list[tuple]) -> list[tuple]:
    """What `_PG_RECORD` ranks, from the RETURNING rows (object id, due date, rung, previous rung, audience)."""
    by_class: dict[tuple, list] = defaultdict(list)
    for obj, due_on, level, previous, aud in changed:
        by_class[level, previous, aud].append((_as_date(due_on), obj))
    return [(level, previous, aud, len(items), obj, due_on)
            for (level, previous, aud), items in by_class.items()
            for due_on, obj in heapq.nsmallest(DIGEST_LINES, items)]


def _buckets(classes: list[tuple]) -> list[tuple[int, str, int, int, datetime.date]]:
    """The classes (rung, previous rung, audience, class size, object id, due date) → the buckets of the rungs
    newly reached (rung, audience, bucket size, object id, due date), at most DIGEST_LINES items each, the
    earliest due first. A bucket is the union of the classes that reached its rung: its first items are among
    their first items."""
    totals: dict[tuple[int, str], int] = defaultdict(int)
    items: dict[tuple[int, str], list] = defaultdict(list)
    counted = set()
    for level, previous, aud, total, obj, due_on in classes:
        for reached in _REACHED[previous, level]:
            if (level, previous, aud, reached) not in counted:
                counted.add((level, previous, aud, reached))
                totals[reached, aud] += total
            items[reached, aud].append((_as_date(due_on), int(obj)))
    return [(reached, aud, totals[reached, aud], obj, due_on)
            for (reached, aud), listed in items.items()
            for due_on, obj in heapq.nsmallest(DIGEST_LINES, listed)]


# ------------------------------------------------------------------------------------------------- the digests
@dataclass
class _Bucket:
    """The items newly on one rung of one ladder for one audience: how many, and the first DIGEST_LINES of them
    by due date."""

    ladder: EscalationLadder
    rung: str
    total: int = 0
    items: list[tuple[datetime.date, int]] = field(default_factory=list)


def _lazy(bucket: _Bucket):
    """The bucket's items as (due, pk, ladder), read only as far as a digest lists them."""
    name = bucket.ladder.name
    return ((due, pk, name) for due, pk in bucket.items)


class _Lines:
    """The digest lines of the items, each written once per scan (the leaders' digests all list the same items)."""

    def __init__(self, texts: dict[tuple[str, int], tuple[str, str]]):
        self.texts = texts
        self.base = settings.PORTAL_BASE_URL.rstrip("/")
        self.due = _("due %(date)s")
        self.provisional = _("(provisional)")
        self.lines: dict[tuple[str, int, datetime.date], str] = {}

    def __call__(self, name: str, pk: int, due: datetime.date) -> str:
        line = self.lines.get((name, pk, due))
        if line is None:
            text, url = self.texts.get((name, pk), (f"#{pk}", ""))
            mark = self.provisional if is_provisional(due) else ""
            link = f"  {self.base}{url}" if url else ""
            line = self.lines[(name, pk, due)] = f"· {text} · " + (self.due % {"date": due}) + mark + link
        return line


def _digest_text(user_buckets: list[_Bucket], line: _Lines) -> tuple[str, str]:
    """(body, url) of one person's digest: a section per rung, one line per item, at most DIGEST_LINES."""
    headings = {NEAR: _("Due within the limit soon (%(n)s):"), OVERDUE: _("Overdue (%(n)s):"),
                LEADER: _("Overdue and escalated to the leaders (%(n)s):")}
    lines, shown, url = [], 0, ""
    for rung in RUNG_ORDER:
        buckets = [b for b in user_buckets if b.rung == rung]
        total = sum(b.total for b in buckets)
        if not total:
            continue
        lines.append(headings[rung] % {"n": total})
        merged = heapq.merge(*[_lazy(b) for b in buckets])
        for due, pk, name in itertools.islice(merged, max(0, DIGEST_LINES - shown)):
            lines.append(line(name, pk, due))
            shown += 1
        url = url or buckets[0].ladder.list_url(rung)
    hidden = sum(b.total for b in user_buckets) - shown
    if hidden > 0:
        lines.append(_("… and %(n)s more; see the full list.") % {"n": hidden})
    return "\n".join(lines), url


def _send_digests(day: datetime.date, buckets_by_user: dict[int, list[_Bucket]], users: dict[int, Any]) -> int:
    """One digest per person per day: created, or (items that escalated later the same day) added to."""
    from portal.notifications.models import Notification
    from portal.notifications.services import NotificationSpec, notify_many

    if not buckets_by_user:
        return 0
    # The text of only the lines shown: at most DIGEST_LINES per person, read in one query per ladder.
    wanted: dict[str, set[int]] = defaultdict(set)
    ladders_by_name: dict[str, EscalationLadder] = {}
    for user_buckets in buckets_by_user.values():
        for rung in RUNG_ORDER:
            merged = heapq.merge(*[_lazy(b) for b in user_buckets if b.rung == rung])
            for _due, pk, name in itertools.islice(merged, DIGEST_LINES):
                wanted[name].add(pk)
        for b in user_buckets:
            ladders_by_name[b.ladder.name] = b.ladder
    texts: dict[tuple[str, int], tuple[str, str]] = {}
    for name, pks in wanted.items():
        ladder = ladders_by_name[name]
        try:
            for pk, text_url in ladder.describe(ladder.model._default_manager.filter(pk__in=pks)).items():
                texts[(name, pk)] = text_url
        except Exception:
            logger.exception("deadline scan: describing the items of %s failed; listed by number", name)

    keys = {uid: f"digest:{uid}:{day}" for uid in buckets_by_user}
    existing = {n.event_key: n for n in Notification.objects.filter(event_key__in=keys.values(),
                                                                    recipient_id__in=keys)}
    specs = []
    line = _Lines(texts)
    for uid, user_buckets in buckets_by_user.items():
        body, url = _digest_text(user_buckets, line)
        count = sum(b.total for b in user_buckets)
        urgent = any(b.rung != NEAR for b in user_buckets)
        level = Notification.Level.URGENT if urgent else Notification.Level.WARNING
        present = existing.get(keys[uid])
        if present is not None and present.recipient_id == uid:  # later the same day: add to the day's digest
            Notification.objects.filter(pk=present.pk).update(
                body=f"{present.body}\n{body}", read_at=None,
                level=Notification.Level.URGENT if urgent else present.level)
            continue
        title = _("Deadline digest for %(day)s: %(n)s items need attention") % {"day": day, "n": count}
        specs.append(NotificationSpec(users[uid], keys[uid], title, body=body, url=url, level=level))
    return notify_many(specs)


def _climb(ladder: EscalationLadder, day: datetime.date, buckets_by_user: dict[int, list[_Bucket]],
           users: dict[int, Any]) -> dict[str, int]:
    ct = ContentType.objects.get_for_model(ladder.model)
    by_audience: dict[tuple[str, str], _Bucket] = {}
    for level, aud, total, obj, due in _record(ladder, ct.pk, day):
        rung = RUNG_NAMES[level]
        bucket = by_audience.setdefault((rung, aud), _Bucket(ladder, rung, total))
        bucket.items.append((due, obj))
    for bucket in by_audience.values():
        bucket.items.sort()
    held = {aud for (rung, aud) in by_audience if rung in (NEAR, OVERDUE)}
    holders = ladder.holders(held) if held else {}
    overdue = {aud for (rung, aud) in by_audience if rung == OVERDUE}
    heads = ladder.heads(overdue) if overdue else {}
    top = ladder.leaders() if any(rung == LEADER for rung, _aud in by_audience) else []
    for (rung, aud), bucket in by_audience.items():
        if rung == NEAR:
            people = holders.get(aud, [])
        elif rung == OVERDUE:
            people = heads.get(aud) or holders.get(aud, [])
        else:
            people = top
        for user in people:
            users[user.pk] = user
            buckets_by_user[user.pk].append(bucket)
    counts = dict.fromkeys(RUNG_ORDER, 0)
    for (rung, _aud), bucket in by_audience.items():
        counts[rung] += bucket.total
    return counts


# ----------------------------------------------------------------------------------------------------- the scan
SCAN_LOCK = 0x6465_6164_6C69_6E65 % 2**63  # "deadline"
SCAN_WORK_MEM = "64MB"


def _one_scan_at_a_time() -> None:
    """A second scan started while one runs (a retried task, a manual run) waits for it to commit, then finds
    everything recorded and sends nothing. PostgreSQL: a transaction-level advisory lock (and, for this
    transaction only, the memory to rank 100,000+ changed rows without spilling to disk); SQLite lets one writer
    at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s), set_config('work_mem', %s, true)",
                           [SCAN_LOCK, SCAN_WORK_MEM])


def scan(*, on: datetime.date | None = None) -> dict[str, int]:
    """Run every workflow's own steps, then climb every ladder and send the day's digests. Idempotent."""
    day = on or today()
    counts: dict[str, int] = defaultdict(int)
    registered = ladders()
    for ladder in registered:
        for step in ladder.steps:
            try:
                for key, n in (step(day) or {}).items():
                    counts[key] += n
            except Exception:
                logger.exception("deadline scan: step %s of %s failed", getattr(step, "__name__", step), ladder.name)
                counts["errors"] += 1
    for rung in (NEAR, OVERDUE, LEADER):
        counts[rung] += 0
    with transaction.atomic():  # the records and the digests together: a killed scan leaves neither
        _one_scan_at_a_time()
        buckets_by_user: dict[int, list[_Bucket]] = defaultdict(list)
        users: dict[int, Any] = {}
        for ladder in registered:
            try:
                with transaction.atomic():
                    for rung_name, n in _climb(ladder, day, buckets_by_user, users).items():
                        counts[rung_name] += n
            except Exception:
                logger.exception("deadline scan: the ladder %s failed; the others carry on", ladder.name)
                counts["errors"] += 1
                for user_buckets in buckets_by_user.values():
                    user_buckets[:] = [b for b in user_buckets if b.ladder is not ladder]
        counts["digests"] += _send_digests(day, {u: b for u, b in buckets_by_user.items() if b}, users)
    counts["notifications"] += counts["digests"]
    return dict(counts)


def escalations_of(obj: models.Model) -> Iterable[Escalation]:
    """The highest rung `obj` reached for each of its due dates, newest first (for an item's page or the admin)."""
    return Escalation.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
