"""One deadline engine for every workflow of the portal: working-day due dates, the green/amber/red light, and an
escalation ladder that the periodic scan climbs for every open item.

Arithmetic (`due_date`, `resume`, `workdays_left`, `light`, `Deadline`) counts on the one working-day calendar,
`portal.core.workdays`; a due date beyond the years the official calendar covers is *provisional* (weekends only)
and the pages mark it (`{{ date|due_date }}` in portal.core.templatetags.portal).

The ladder of a workflow has three rungs, counted in working days from the item's due date:

- ``near``: at most `near_workdays` left → the item's holders (e.g. the department's reviewers);
- ``overdue``: past the due date → the holders' heads (the department head; the holders when there is none);
- ``leader``: `leader_after_workdays` more working days overdue → the bureau's leaders.

Each item reaches each rung once per due date: the scan records it as an `Escalation` row (unique per item, rung
and due date) and tells people in ONE DIGEST PER PERSON PER DAY (event key ``digest:<user>:<day>``), one line per
item with its link, at most `DIGEST_LINES` lines and then a count and the list's link. A rerun the same day, or a
rerun after a scan was killed halfway (the records and the digests are written in one transaction), sends nothing
twice and misses nothing; an item already in yesterday's digest comes again only when it reaches a new rung.

The scan is set-based: per ladder one ``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING`` per rung (the rung's
due-date window turned into a date range, the items already recorded left out by an anti-join), one query each for
holders, heads and leaders, one for the text of the lines shown, and the digests in bulk. The number of queries does
not grow with the number of open items.

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
from django.db.models import CharField, DateField, DateTimeField, Exists, F, IntegerField, OuterRef, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from . import workdays
from .models import Escalation, EscalationRung
from .services import today, users_by_organization, users_with_role

logger = logging.getLogger(__name__)

AMBER_WORKDAYS = 2  # amber when this many working days or fewer are left
LEADER_AFTER_WORKDAYS = 2  # overdue by this many more working days → a leader
DIGEST_LINES = 100  # lines listed per digest; the rest are counted and linked

NEAR, OVERDUE, LEADER = EscalationRung.NEAR, EscalationRung.OVERDUE, EscalationRung.LEADER
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


def _record(ladder: EscalationLadder, ct_id: int, day: datetime.date) -> dict[str, list[tuple[int, datetime.date,
                                                                                               str]]]:
    """Record every item of the ladder newly on a rung: {rung: [(object id, due date, audience)]}. One INSERT …
    SELECT per rung; the items already recorded for the rung and due date are left out."""
    due = ladder.due_field
    now = timezone.now()
    table = connection.ops.quote_name(Escalation._meta.db_table)
    new: dict[str, list] = {}
    for rung, (after, until) in rung_windows(ladder, day).items():
        qs = ladder.open_items(day).filter(**{f"{due}__lte": until})
        if after is not None:
            qs = qs.filter(**{f"{due}__gt": after})
        done = Escalation.objects.filter(content_type_id=ct_id, object_id=OuterRef("pk"), rung=rung,
                                         due_on=OuterRef(due))
        qs = qs.order_by().filter(~Exists(done)).annotate(
            esc_ct=Value(ct_id, output_field=IntegerField()), esc_obj=F("pk"),
            esc_rung=Value(str(rung), output_field=CharField()), esc_due=F(due),
            esc_aud=Cast(ladder.audience, output_field=CharField()), esc_day=Value(day, output_field=DateField()),
            esc_at=Value(now, output_field=DateTimeField()),
        ).values_list("esc_ct", "esc_obj", "esc_rung", "esc_due", "esc_aud", "esc_day", "esc_at")
        select, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (content_type_id, object_id, rung, due_on, audience, digest_day, created_at) "
                f"{select} ON CONFLICT (content_type_id, object_id, rung, due_on) DO NOTHING "
                f"RETURNING object_id, due_on, audience", params)
            new[rung] = [(int(o), _as_date(d), a or "") for o, d, a in cursor.fetchall()]
    return new


# ------------------------------------------------------------------------------------------------- the digests
@dataclass
class _Bucket:
    """The items newly on one rung of one ladder for one audience, by due date."""

    ladder: EscalationLadder
    rung: str
    items: list[tuple[datetime.date, int]] = field(default_factory=list)


def _lazy(bucket: _Bucket):
    """The bucket's items as (due, pk, ladder), read only as far as a digest lists them."""
    name = bucket.ladder.name
    return ((due, pk, name) for due, pk in bucket.items)


def _line(text: str, due: datetime.date, url: str) -> str:
    mark = _("(provisional)") if is_provisional(due) else ""
    link = f"  {settings.PORTAL_BASE_URL.rstrip('/')}{url}" if url else ""
    return f"· {text} · " + (_("due %(date)s") % {"date": due}) + mark + link


def _digest_text(user_buckets: list[_Bucket], texts: dict[tuple[str, int], tuple[str, str]]) -> tuple[str, str]:
    """(body, url) of one person's digest: a section per rung, one line per item, at most DIGEST_LINES."""
    headings = {NEAR: _("Due within the limit soon (%(n)s):"), OVERDUE: _("Overdue (%(n)s):"),
                LEADER: _("Overdue and escalated to the leaders (%(n)s):")}
    lines, shown, url = [], 0, ""
    for rung in RUNG_ORDER:
        buckets = [b for b in user_buckets if b.rung == rung]
        total = sum(len(b.items) for b in buckets)
        if not total:
            continue
        lines.append(headings[rung] % {"n": total})
        merged = heapq.merge(*[_lazy(b) for b in buckets])
        for due, pk, name in itertools.islice(merged, max(0, DIGEST_LINES - shown)):
            text, item_url = texts.get((name, pk), (f"#{pk}", ""))
            lines.append(_line(text, due, item_url))
            shown += 1
        url = url or buckets[0].ladder.list_url(rung)
    hidden = sum(len(b.items) for b in user_buckets) - shown
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
    for uid, user_buckets in buckets_by_user.items():
        body, url = _digest_text(user_buckets, texts)
        count = sum(len(b.items) for b in user_buckets)
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
    new = _record(ladder, ct.pk, day)
    by_audience: dict[tuple[str, str], _Bucket] = {}
    for rung, rows in new.items():
        for obj, due, aud in rows:
            by_audience.setdefault((rung, aud), _Bucket(ladder, rung)).items.append((due, obj))
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
    return {rung: len(rows) for rung, rows in new.items()}


# ----------------------------------------------------------------------------------------------------- the scan
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
        counts[str(rung)] += 0
    with transaction.atomic():  # the records and the digests together: a killed scan leaves neither
        buckets_by_user: dict[int, list[_Bucket]] = defaultdict(list)
        users: dict[int, Any] = {}
        for ladder in registered:
            try:
                with transaction.atomic():
                    for rung_name, n in _climb(ladder, day, buckets_by_user, users).items():
                        counts[str(rung_name)] += n
            except Exception:
                logger.exception("deadline scan: the ladder %s failed; the others carry on", ladder.name)
                counts["errors"] += 1
                for user_buckets in buckets_by_user.values():
                    user_buckets[:] = [b for b in user_buckets if b.ladder is not ladder]
        counts["digests"] += _send_digests(day, {u: b for u, b in buckets_by_user.items() if b}, users)
    counts["notifications"] += counts["digests"]
    return dict(counts)


def escalations_of(obj: models.Model) -> Iterable[Escalation]:
    """The rungs `obj` has reached, newest first (for an item's page or the admin)."""
    return Escalation.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
