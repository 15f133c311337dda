"""The rules of a schedule, as pure functions over plain values (no database): what a single task may hold, how
predecessors are written ("2.1, 3.2+5"), and whether a set of finish-to-start links is consistent (dates and
cycles). The services, the Excel import and the API all ask here, so every door refuses the same things with the
same words."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

WBS_PATTERN = re.compile(r"^\d{1,3}(\.\d{1,3}){0,5}$")
MAX_LAG_DAYS = 3650
# "2.1", "2.1+5", "2.1-3" (a lead of three days), "2.1 + 5d"; separated by commas (also Chinese ones), 、 or ;.
_PREDECESSOR = re.compile(r"^(?P<wbs>\d{1,3}(?:\.\d{1,3}){0,5})\s*(?:(?P<sign>[+-])\s*(?P<lag>\d{1,4})\s*[dD天]?)?$")
_SEPARATORS = re.compile(r"[,，、;；\n]+")


def wbs_sort_key(wbs: str) -> str:
    """"1.10.2" → "001.010.002", so that text order is WBS order."""
    return ".".join(part.zfill(3) for part in wbs.split("."))


def wbs_parent(wbs: str) -> str | None:
    """"1.2.3" → "1.2"; a top-level code has no parent."""
    return wbs.rsplit(".", 1)[0] if "." in wbs else None


def wbs_is_ancestor(ancestor: str, wbs: str) -> bool:
    return wbs.startswith(ancestor + ".")


@dataclass(frozen=True)
class Predecessor:
    wbs: str
    lag_days: int = 0

    def __str__(self) -> str:
        if self.lag_days > 0:
            return f"{self.wbs}+{self.lag_days}"
        if self.lag_days < 0:
            return f"{self.wbs}{self.lag_days}"
        return self.wbs


def parse_predecessors(text: str | None) -> list[Predecessor]:
    """"2.1, 3.2+5" → [Predecessor("2.1", 0), Predecessor("3.2", 5)]. Raises ValueError naming the bad part."""
    result: dict[str, Predecessor] = {}
    for part in _SEPARATORS.split(str(text or "").strip()):
        part = part.strip()
        if not part:
            continue
        match = _PREDECESSOR.match(part)
        if match is None:
            raise ValueError(_("“%(part)s” is not a predecessor: write WBS codes with an optional lag, "
                               "e.g. 2.1, 3.2+5") % {"part": part})
        lag = int(match["lag"] or 0) * (-1 if match["sign"] == "-" else 1)
        if abs(lag) > MAX_LAG_DAYS:
            raise ValueError(_("The lag of %(part)s is more than %(max)s days.") % {"part": part, "max": MAX_LAG_DAYS})
        if match["wbs"] in result:
            raise ValueError(_("Predecessor %(wbs)s is listed twice.") % {"wbs": match["wbs"]})
        result[match["wbs"]] = Predecessor(match["wbs"], lag)
    return list(result.values())


def format_predecessors(predecessors: Iterable[Predecessor]) -> str:
    return ", ".join(str(p) for p in sorted(predecessors, key=lambda p: wbs_sort_key(p.wbs)))


@dataclass(frozen=True)
class TaskValues:
    """What one task holds, for the rules (a form's cleaned data, an API body, an Excel row)."""

    wbs: str
    name: str
    planned_start: datetime.date | None
    planned_finish: datetime.date | None
    is_milestone: bool = False
    actual_start: datetime.date | None = None
    actual_finish: datetime.date | None = None
    percent_complete: int | None = 0


def task_problems(task: TaskValues, *, today: datetime.date) -> dict[str, str]:
    """Problems of one task on its own, as {field: message}; empty when it is fine. The milestone is expected to
    have its finish filled in already (see `milestone_defaults`)."""
    problems: dict[str, str] = {}
    if not WBS_PATTERN.match(task.wbs or ""):
        problems["wbs"] = _("Use a WBS code such as 1, 1.2 or 1.2.3.")
    if not (task.name or "").strip():
        problems["name"] = _("Give the task a name.")
    elif len(task.name) > 200:
        problems["name"] = _("At most 200 characters.")
    if task.planned_start is None:
        problems["planned_start"] = _("Give the planned start.")
    if task.planned_finish is None:
        problems["planned_finish"] = _("Give the planned finish.")
    if task.planned_start and task.planned_finish:
        if task.planned_finish < task.planned_start:
            problems["planned_finish"] = _("The planned finish cannot be before the planned start.")
        elif task.is_milestone and task.planned_finish != task.planned_start:
            problems["planned_finish"] = _("A milestone is a single day: its planned finish is its planned start.")
    percent = task.percent_complete
    if percent is None or not 0 <= percent <= 100:
        # xgettext:no-python-format
        problems["percent_complete"] = _("The % complete must be between 0 and 100.")
        percent = None
    elif task.is_milestone and percent not in (0, 100):
        problems["percent_complete"] = _("A milestone is either reached (100%) or not (0%).")
    if task.actual_start and task.actual_start > today:
        problems["actual_start"] = _("The actual start cannot be in the future.")
    if task.actual_finish:
        if task.actual_finish > today:
            problems["actual_finish"] = _("The actual finish cannot be in the future.")
        elif task.actual_start is None:
            problems["actual_start"] = _("Give the actual start of a finished task.")
        elif task.actual_finish < task.actual_start:
            problems["actual_finish"] = _("The actual finish cannot be before the actual start.")
        if percent is not None and percent != 100 and "percent_complete" not in problems:
            # xgettext:no-python-format
            problems["percent_complete"] = _("A task with an actual finish is 100% complete.")
    elif percent == 100:
        # xgettext:no-python-format
        problems.setdefault("actual_finish", _("Give the actual finish of a task that is 100% complete."))
    if percent and percent > 0 and task.actual_start is None:
        problems.setdefault("actual_start", _("Give the actual start of a task that has started."))
    return problems


def milestone_defaults(*, is_milestone: bool, planned_start, planned_finish, actual_start, actual_finish):
    """A milestone's blank finish is its start, and reaching it is both its actual start and finish."""
    if is_milestone:
        planned_finish = planned_finish or planned_start
        if actual_finish and not actual_start:
            actual_start = actual_finish
        if actual_start and not actual_finish:
            actual_finish = actual_start
    return planned_finish, actual_start, actual_finish


@dataclass(frozen=True)
class Link:
    predecessor: str
    successor: str
    lag_days: int = 0


@dataclass(frozen=True)
class LinkViolation:
    """`successor` starts before `predecessor` finishes plus the lag: it may start on `earliest` at the soonest."""

    link: Link
    successor_start: datetime.date
    predecessor_finish: datetime.date
    earliest: datetime.date

    def message_for_successor(self) -> str:
        return _("Starts %(start)s, before its predecessor %(pred)s finishes (%(finish)s) plus %(lag)s days lag: "
                 "start on or after %(earliest)s.") % {
            "start": self.successor_start, "pred": self.link.predecessor, "finish": self.predecessor_finish,
            "lag": self.link.lag_days, "earliest": self.earliest}

    def message_for_predecessor(self) -> str:
        return _("Finishes %(finish)s, but its successor %(succ)s starts %(start)s (lag %(lag)s days): finish on "
                 "or before %(latest)s, or move the successor first.") % {
            "finish": self.predecessor_finish, "succ": self.link.successor, "start": self.successor_start,
            "lag": self.link.lag_days,
            "latest": self.successor_start - datetime.timedelta(days=self.link.lag_days)}


def link_violations(planned: Mapping[str, tuple[datetime.date, datetime.date]], links: Iterable[Link]
                    ) -> list[LinkViolation]:
    """Finish-to-start: a successor may not start before its predecessor's planned finish plus the lag.
    `planned` maps WBS → (planned start, planned finish); links to unknown tasks are ignored here."""
    out = []
    for link in links:
        if link.predecessor not in planned or link.successor not in planned:
            continue
        finish = planned[link.predecessor][1]
        start = planned[link.successor][0]
        earliest = finish + datetime.timedelta(days=link.lag_days)
        if start < earliest:
            out.append(LinkViolation(link, start, finish, earliest))
    return out


def summary_leaves(codes: Iterable[str]) -> dict[str, list[str]]:
    """{summary code: the leaf codes under it} for every code that has sub-tasks among `codes`."""
    ordered = sorted(set(codes), key=wbs_sort_key)
    out: dict[str, list[str]] = {}
    for i, code in enumerate(ordered):
        below = []
        for other in ordered[i + 1:]:
            if not wbs_is_ancestor(code, other):
                break
            below.append(other)
        if below:
            out[code] = below
    return {code: [c for c in below if c not in out] for code, below in out.items()}


def expand_links(links: Iterable[Link], codes: Iterable[str]) -> list[Link]:
    """The links between leaf tasks that `links` stand for: a summary task spans its sub-tasks, so a link from or
    to it binds each of its leaves (with the largest lag where several links meet). Links naming a code not in
    `codes` are dropped."""
    codes = set(codes)
    summaries = summary_leaves(codes)
    expanded: dict[tuple[str, str], int] = {}
    for link in links:
        if link.predecessor not in codes or link.successor not in codes:
            continue
        for p in summaries.get(link.predecessor, [link.predecessor]):
            for s in summaries.get(link.successor, [link.successor]):
                if p != s:
                    expanded[(p, s)] = max(expanded.get((p, s), link.lag_days), link.lag_days)
    return [Link(p, s, lag) for (p, s), lag in expanded.items()]


def find_cycle(links: Iterable[Link]) -> list[str] | None:
    """A cycle of the dependency graph as a path that ends where it starts (["1", "2", "1"]); None if none."""
    graph: dict[str, list[str]] = {}
    for link in links:
        graph.setdefault(link.predecessor, []).append(link.successor)
        graph.setdefault(link.successor, [])
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    for start in sorted(graph, key=wbs_sort_key):
        if colour[start] != white:
            continue
        # Iterative depth-first search: a deep chain of tasks must not hit the recursion limit.
        path: list[str] = [start]
        stack = [iter(sorted(graph[start], key=wbs_sort_key))]
        colour[start] = grey
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                colour[path.pop()] = black
                stack.pop()
                continue
            if colour[nxt] == grey:
                return [*path[path.index(nxt):], nxt]
            if colour[nxt] == white:
                colour[nxt] = grey
                path.append(nxt)
                stack.append(iter(sorted(graph[nxt], key=wbs_sort_key)))
    return None


def format_cycle(cycle: Sequence[str]) -> str:
    return _("These dependencies form a cycle: %(path)s.") % {"path": " → ".join(cycle)}


def missing_parents(codes: Iterable[str]) -> dict[str, str]:
    """{wbs: its missing parent} for every code whose parent is not among `codes`."""
    present = set(codes)
    return {c: p for c in present if (p := wbs_parent(c)) is not None and p not in present}
