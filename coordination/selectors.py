"""Reads of the issue list, already narrowed to what the user may see (portal.core.policy) and joined for what
the pages, the exports and the API render: a list never runs a query per row.

The lists return QuerySets; `issue_rows` turns a page of them into rows with the light and the working days left,
computed once for today without a query (the working-day calendar counts in memory)."""

import contextlib
import datetime
import hashlib
import logging
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

from portal.accounts.models import Organization, OrganizationKind, Role, User
from portal.core import policy

from .models import (
    DEPARTMENT_STATES,
    HOLDER_OF_STATE,
    OPEN_ISSUE_STATES,
    Holder,
    IssueItem,
    IssueState,
    overdue_q,
)

# ?ordering= values of the lists → ORM ordering; "-" in front reverses. The default is the newest first.
ORDERINGS: dict[str, tuple[str, ...]] = {
    "created": ("created_at", "id"), "due": ("due_on", "id"), "number": ("number",),
    "held": ("held_since", "id"), "state": ("state", "id"),
}
DEFAULT_ORDERING = ("-created_at", "-id")

# Columns the list rows show (and only those): the project's name, the two organisations' names.
logger = logging.getLogger(__name__)
LIST_RELATED = ("project", "company", "department")


def ordering_for(value: str) -> tuple[str, ...] | None:
    """The ORM ordering of an ?ordering= value such as "due" or "-created"; None when unknown."""
    key = (value or "").removeprefix("-")
    if key not in ORDERINGS:
        return None
    return tuple(f"-{f}" for f in ORDERINGS[key]) if value.startswith("-") else ORDERINGS[key]


def _list_base(user: User, action: str = "view") -> QuerySet[IssueItem]:
    qs = policy.visible(user, IssueItem.objects.active(), action)
    return qs.select_related(*LIST_RELATED).only(
        "id", "number", "title", "category", "source", "state", "held_since", "due_on", "voided_at", "version",
        "created_at", "project_id", "company_id", "department_id", "limit_workdays", "resolved_at",
        "project__id", "project__name", "project__code", "company__id", "company__name", "company__short_name",
        "department__id", "department__name", "department__short_name",
    )


def issue_list(*, user: User, search: str = "", project: Any = None, category: str = "", department: Any = None,
               state: str = "", source: str = "", overdue: bool = False, ordering: str = "",
               today: datetime.date | None = None, project_text: str = "") -> QuerySet[IssueItem]:
    """The board: the live issues `user` may see, filtered. `project` and `department` are objects or ids;
    `project_text` a part of a project's name or code; `state` may be "open" (every state still being worked
    on); `overdue` keeps the issues whose clock runs past their due date; `search` matches the number or the
    title."""
    qs = _list_base(user)
    if project:
        qs = qs.filter(project_id=getattr(project, "pk", project))
    if project_text := (project_text or "").strip():
        qs = qs.filter(Q(project__name__icontains=project_text) | Q(project__code__icontains=project_text))
    if department:
        qs = qs.filter(department_id=getattr(department, "pk", department))
    if category:
        qs = qs.filter(category=category)
    if state == "open":
        qs = qs.filter(state__in=OPEN_ISSUE_STATES)
    elif state:
        qs = qs.filter(state=state)
    if source:
        qs = qs.filter(source=source)
    if overdue:
        qs = qs.filter(overdue_q(today or timezone.localdate()))
    if search := (search or "").strip():
        qs = qs.filter(Q(number__icontains=search) | Q(title__icontains=search))
    return qs.order_by(*(ordering_for(ordering) or DEFAULT_ORDERING))


QUEUE_TABS = ("open", "answered")


def issue_queue(*, user: User, tab: str = "open") -> QuerySet[IssueItem]:
    """A department reviewer's queue: the issues their department handles. "open": assigned or in progress, the
    most urgent first (overdue first, then the soonest due — both are the earliest due date first); "answered":
    answered and waiting for the company's confirmation, the latest answer first. Empty for anyone who handles
    no issue."""
    qs = _list_base(user, "handle")  # the department's issues (all of them visible to its reviewers)
    if tab == "answered":
        return qs.filter(state=IssueState.RESOLVED).order_by("-resolved_at", "-id")
    return qs.filter(state__in=DEPARTMENT_STATES).order_by("due_on", "id")


def my_issues(*, user: User, state: str = "") -> QuerySet[IssueItem]:
    """A company user's issues: those of their organisation (raised by it or on its behalf) and those they raised
    themselves, the newest first; `state` "open", "solved" or one state."""
    q = Q(raised_by_id=user.pk)
    if user.organization_id is not None:
        q |= Q(company_id=user.organization_id)
    qs = _list_base(user).filter(q)
    if state == "open":
        qs = qs.filter(state__in=OPEN_ISSUE_STATES)
    elif state == "solved":
        qs = qs.exclude(state__in=OPEN_ISSUE_STATES)
    elif state:
        qs = qs.filter(state=state)
    return qs.order_by(*DEFAULT_ORDERING)


def project_issues(*, user: User, project: Any) -> QuerySet[IssueItem]:
    """The open issues of one project that `user` may see, the soonest due first."""
    return _list_base(user).filter(project_id=getattr(project, "pk", project),
                                   state__in=OPEN_ISSUE_STATES).order_by("due_on", "id")


def project_issue_counts(*, user: User, project: Any) -> dict[str, int]:
    """{"open": n, "solved": n} of the issues of one project that `user` may see, in one query."""
    from django.db.models import Count

    counts = policy.visible(user, IssueItem.objects.active()).filter(
        project_id=getattr(project, "pk", project)).aggregate(
        open=Count("id", filter=Q(state__in=OPEN_ISSUE_STATES)),
        solved=Count("id", filter=~Q(state__in=OPEN_ISSUE_STATES)))
    return {"open": counts["open"] or 0, "solved": counts["solved"] or 0}


def issue_detail(*, user: User, pk: Any) -> IssueItem:
    """One issue with what its page shows, or 404 (missing and forbidden alike)."""
    return policy.get_or_404(user, IssueItem.objects.select_related(
        "project", "project__liaison_officer", "company", "department", "raised_by", "accepted_by",
        "resolved_by", "verified_by"), pk=pk)


# ------------------------------------------------------------------------------------------------- raising
def raisable_projects(*, user: User):
    """The live projects `user` may raise an issue on: bureau staff any; a company user those their organisation
    takes part in (or owns); a liaison officer those assigned to them; an inspector those they are assigned to.
    The service (`services.issue_raise`) checks again."""
    from projects.models import Project
    from projects.selectors import project_list

    live = Project.objects.active()
    if user.has_perm("coordination.dispatch_issueitem"):
        return live.order_by("name", "id")
    q = Q(pk__in=[])
    if user.has_role(Role.CONTRACTOR) and user.organization_id is not None:
        q |= Q(owner_id=user.organization_id) | Q(
            participants__organization_id=user.organization_id, participants__voided_at__isnull=True)
    if user.has_role(Role.LIAISON_OFFICER):
        q |= Q(liaison_officer_id=user.pk)
    if user.has_role(Role.INSPECTOR):
        q |= Q(pk__in=project_list(user=user).values("pk"))
    return live.filter(q).distinct().order_by("name", "id")


def may_raise(user: User) -> bool:
    return user.is_authenticated and user.has_perm("coordination.add_issueitem")


def departments() -> QuerySet[Organization]:
    """The government departments an issue can be assigned to."""
    return Organization.objects.filter(kind=OrganizationKind.DEPARTMENT).order_by("name", "id")


# ----------------------------------------------------------------------------------------------------- rows
@dataclass(frozen=True)
class IssueRow:
    """An issue as a table row: its light, working days left and holder, computed once for today."""

    issue: IssueItem
    light: str
    left: int | None
    holder: str

    @property
    def overdue_by(self) -> int:
        return -self.left if self.left is not None and self.left < 0 else 0


def issue_rows(issues, today: datetime.date | None = None) -> list[IssueRow]:
    """Rows for a page of issues read by one of the lists above (no query per row)."""
    today = today or timezone.localdate()
    return [IssueRow(i, i.light(today), i.workdays_left(today), i.holder_label()) for i in issues]


COUNT_SECONDS = 120
_GENERATION = "coordination:issues:generation"


def issues_changed(**_kwargs: Any) -> None:
    """Every saved or deleted issue (post_save / post_delete, connected in CoordinationConfig.ready) makes the
    cached counts of the lists old: the next page counts again."""
    try:
        cache.incr(_GENERATION)
    except ValueError:  # not there yet (or evicted)
        cache.add(_GENERATION, 1, None)
    except Exception:  # noqa: BLE001  (a cache that is down: the counts are simply not cached)
        logger.warning("coordination: the issue counts' generation could not be raised", exc_info=True)


def cached_count(issues: QuerySet[IssueItem], today: datetime.date | None = None) -> int:
    """`issues.count()`, kept for COUNT_SECONDS per query text, day and generation of the issues: the board's
    count of 200,000 live issues is an index-only scan of ~20 ms (bench/REPORT.md) that every page view repeated,
    while the count only changes when an issue is saved — which raises the generation."""
    today = today or timezone.localdate()
    try:
        generation = cache.get(_GENERATION, 0)
        sql, params = issues.query.sql_with_params()
        key = "coordination:count:" + hashlib.sha1(f"{generation}|{today}|{sql}|{params!r}".encode(),
                                                   usedforsecurity=False).hexdigest()
        found = cache.get(key)
    except Exception:  # noqa: BLE001  (no cache: count in the database)
        return issues.count()
    if found is None:
        found = issues.count()
        with contextlib.suppress(Exception):  # a cache that fails now: the next page counts again
            cache.set(key, found, COUNT_SECONDS)
    return int(found)


class IssuePaginator(Paginator):
    """A paginator of issue lists whose total comes from `cached_count`."""

    @cached_property
    def count(self) -> int:
        return cached_count(cast(QuerySet[IssueItem], self.object_list))


def rows_key(rows: list[IssueRow], today: datetime.date | None = None) -> str:
    """What a page of rows looks like, as a cache key of its rendered table: the day (lights and working days
    left change with it) and each issue's id and version (every write of the services raises the version). The
    names of projects and organisations are not in it: a renamed one shows within the fragment's 5 minutes."""
    today = today or timezone.localdate()
    text = f"{today:%Y%m%d}|" + ",".join(f"{r.issue.pk}:{r.issue.version}" for r in rows)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


# ------------------------------------------------------------------------------------------------- timeline
@dataclass(frozen=True)
class TimelineStep:
    """One move of the issue from the audit trail: who, when, from → to, why, and who held the issue after it
    and for how long (until the next move, or until now while it still holds it)."""

    at: datetime.datetime
    actor: Any
    action: str
    from_state: str
    to_state: str
    from_label: str
    to_label: str
    reason: str
    holder: str
    held: datetime.timedelta | None
    current: bool

    @property
    def held_words(self) -> str:
        """How long the holder held it, in days, hours and minutes ("" once closed)."""
        from django.utils.translation import gettext as _

        if self.held is None:
            return ""
        minutes = int(self.held.total_seconds() // 60)
        days, rest = divmod(minutes, 24 * 60)
        hours, minutes = divmod(rest, 60)
        if days:
            return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
        if hours:
            return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
        return _("%(minutes)s min") % {"minutes": minutes}


def _holder_words(state: str, department: str, company: str) -> str:
    holder = HOLDER_OF_STATE.get(IssueState(state)) if state in IssueState.values else None
    if holder == Holder.DEPARTMENT and department:
        return department
    if holder == Holder.COMPANY:
        return company
    return str(Holder(holder).label) if holder is not None else ""


def issue_timeline(issue: IssueItem, now: datetime.datetime | None = None) -> list[TimelineStep]:
    """The issue's way through its workflow, oldest first: its creation and every transition recorded in the
    audit trail (portal.audit), each with the holder it went to and how long that holder held it."""
    from portal.audit.models import AuditAction, AuditEvent

    now = now or timezone.now()
    labels = dict(IssueState.choices)
    events = list(AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(IssueItem), object_id=str(issue.pk),
        action__in=[AuditAction.CREATE, AuditAction.TRANSITION]).select_related("actor").order_by("created_at", "id"))
    company = issue.company.name
    department = ""
    steps: list[tuple[Any, str, str, str]] = []  # (event, from, to, department at that time)
    for e in events:
        if e.action == AuditAction.CREATE:
            steps.append((e, "", IssueState.REPORTED, department))
            continue
        changed = (e.changes or {}).get("department")
        if isinstance(changed, list) and len(changed) == 2:
            department = changed[1] or ""
        steps.append((e, e.from_state, e.to_state, department))
    current_department = issue.department.name if issue.department is not None else ""
    out = []
    for i, (e, before, after, dept) in enumerate(steps):
        last = i == len(steps) - 1
        end = now if last else steps[i + 1][0].created_at
        holder = _holder_words(after, dept or (current_department if last else ""), company)
        running = not (last and after == IssueState.CLOSED)
        out.append(TimelineStep(
            at=e.created_at, actor=e.actor, action=e.action, from_state=before, to_state=after,
            from_label=str(labels.get(before, before)), to_label=str(labels.get(after, after)), reason=e.reason,
            holder=holder, held=(end - e.created_at) if running else None, current=last and running))
    return out
