"""The conditions of a stage gate that the portal checks from its own records (`GateCondition`): the feasibility
opinions, the risk register, the schedule, the map, monthly progress and the cross-region work — and the
conditions other apps declare (`gate_conditions` of their `portal_plugin()`, e.g. the approval permits, see
approvals/gates.py), which this module asks for through the registry in `portal.core.plugins`.

Each result says whether the condition holds and, in words, what blocks it ("2 of 4 departments have not given
their opinion: 省财政厅、省生态环境厅"). Evaluating any set of conditions for one project costs a fixed number of
queries: at most two per source of records, shared by the conditions that read it, whatever the number of rows."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.core import plugins

from ..models import (
    FeasibilityOpinion,
    FeasibilityReview,
    GateCondition,
    MonthlyProgress,
    OpinionConclusion,
    OpinionState,
    Project,
    RegionWorkItem,
    RegionWorkStatus,
    Risk,
    RiskCategory,
    RiskStatus,
    ScheduleBaseline,
    ScheduleTask,
)

EXTREME_RISK_SCORE = 20  # the lower bound of the extreme band of the 5×5 matrix (models.risks.RISK_BANDS)
NAMES_SHOWN = 5  # a blocker names at most this many records, then "and N more"


@dataclass(frozen=True)
class ConditionResult:
    met: bool
    detail: str


def _names(names: list[str], total: int | None = None) -> str:
    """"甲、乙、丙" — at most NAMES_SHOWN names, then how many more."""
    total = len(names) if total is None else total
    shown = "、".join(names[:NAMES_SHOWN])
    if total > NAMES_SHOWN:
        shown += _(" and %(count)d more") % {"count": total - NAMES_SHOWN}
    return shown


def day(value) -> str:
    return date_format(value, "Y-m-d") if value else "—"


def _percent(value: Decimal) -> str:
    """87.50 → "87.5", 100.00 → "100"."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


class Records:
    """The records of one project the conditions read, each loaded once on first use. A condition declared by
    another app loads its records with `load(key, loader)`, shared by every condition using the same key."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._loaded: dict[str, Any] = {}

    def load(self, key: str, loader: Callable[[Project], Any]) -> Any:
        """`loader(project)`, called once per key for this evaluation."""
        if key not in self._loaded:
            self._loaded[key] = loader(self.project)
        return self._loaded[key]

    @cached_property
    def feasibility(self) -> tuple[FeasibilityReview | None, list[FeasibilityOpinion]]:
        review = (FeasibilityReview.objects.active().filter(project=self.project)
                  .order_by("-created_at", "-id").first())
        if review is None:
            return None, []
        return review, list(FeasibilityOpinion.objects.filter(review=review).select_related("department"))

    @cached_property
    def extreme_risks(self) -> list[Risk]:
        return list(
            Risk.objects.active().filter(project=self.project, status__in=[RiskStatus.OPEN, RiskStatus.MITIGATING])
            .annotate(risk_score=F("likelihood") * F("impact")).filter(risk_score__gte=EXTREME_RISK_SCORE)
            .order_by("-risk_score", "id").only("title", "likelihood", "impact")
        )

    @cached_property
    def social_stability_risk(self) -> Risk | None:
        return (Risk.objects.active().filter(project=self.project, category=RiskCategory.SOCIAL_STABILITY)
                .order_by("created_at", "id").only("title").first())

    @cached_property
    def baseline(self) -> ScheduleBaseline | None:
        return ScheduleBaseline.objects.filter(project=self.project).order_by("-created_at", "-id").first()

    @cached_property
    def tasks(self) -> tuple[dict, list[ScheduleTask]]:
        """({total, open}, the first unfinished tasks in WBS order)."""
        active = ScheduleTask.objects.active().filter(project=self.project)
        counts = active.aggregate(total=Count("id"), open=Count("id", filter=Q(percent_complete__lt=100)))
        unfinished = list(active.filter(percent_complete__lt=100).order_by("sort_key", "id")
                          .only("wbs", "name", "percent_complete")[:NAMES_SHOWN]) if counts["open"] else []
        return counts, unfinished

    @cached_property
    def latest_progress(self) -> MonthlyProgress | None:
        return (MonthlyProgress.objects.filter(project=self.project, reported_at__isnull=False,
                                               physical_progress__isnull=False)
                .order_by("-month").only("month", "physical_progress").first())

    @cached_property
    def region_work(self) -> tuple[dict, list[RegionWorkItem]]:
        """({total, open}, the first open items with their region)."""
        counts = RegionWorkItem.objects.active().filter(project=self.project).aggregate(
            total=Count("id"), open=Count("id", filter=~Q(status=RegionWorkStatus.DONE)))
        items = list(RegionWorkItem.objects.active().filter(project=self.project).exclude(status=RegionWorkStatus.DONE)
                     .select_related("region").order_by("region_id", "kind", "id")[:NAMES_SHOWN]) if counts["open"] else []
        return counts, items


# ------------------------------------------------------------------------------------------------- evaluators
def _feasibility_opinions(r: Records) -> ConditionResult:
    review, opinions = r.feasibility
    if review is None:
        return ConditionResult(False, _("No feasibility review has been requested yet."))
    if not opinions:
        return ConditionResult(False, _("The feasibility review “%(title)s” asks no department for its opinion.")
                               % {"title": review.title})

    def name(o: FeasibilityOpinion) -> str:
        return o.department.short_name or o.department.name

    pending = [name(o) for o in opinions if o.state != OpinionState.GIVEN]
    against = [name(o) for o in opinions if o.state == OpinionState.GIVEN and o.conclusion == OpinionConclusion.DISAGREE]
    blockers = []
    if pending:
        blockers.append(ngettext(
            "%(missing)d of %(total)d department has not given its opinion: %(names)s",
            "%(missing)d of %(total)d departments have not given their opinion: %(names)s", len(pending),
        ) % {"missing": len(pending), "total": len(opinions), "names": _names(pending)})
    if against:
        blockers.append(_("Against: %(names)s") % {"names": _names(against)})
    if blockers:
        return ConditionResult(False, "；".join(blockers))
    with_conditions = sum(o.conclusion == OpinionConclusion.AGREE_WITH_CONDITIONS for o in opinions)
    detail = ngettext("The %(total)d department of “%(title)s” gave its opinion, not against.",
                      "All %(total)d departments of “%(title)s” gave their opinion, none against.", len(opinions)) % {
        "total": len(opinions), "title": review.title}
    if with_conditions:
        detail += " " + ngettext("%(count)d agrees with conditions.", "%(count)d agree with conditions.",
                                 with_conditions) % {"count": with_conditions}
    return ConditionResult(True, detail)


def _no_extreme_risks(r: Records) -> ConditionResult:
    risks = r.extreme_risks
    if not risks:
        return ConditionResult(True, _("No open risk scores %(score)d or more.") % {"score": EXTREME_RISK_SCORE})
    names = [f"{risk.title}（{risk.likelihood * risk.impact}）" for risk in risks]
    return ConditionResult(False, ngettext(
        "%(count)d open risk in the extreme band: %(names)s",
        "%(count)d open risks in the extreme band: %(names)s", len(risks),
    ) % {"count": len(risks), "names": _names(names)})


def _social_stability(r: Records) -> ConditionResult:
    risk = r.social_stability_risk
    if risk is None:
        return ConditionResult(False, _("No social-stability risk is registered in the risk register."))
    return ConditionResult(True, _("Social-stability risk registered: %(title)s") % {"title": risk.title})


def _schedule_baseline(r: Records) -> ConditionResult:
    baseline = r.baseline
    if baseline is None:
        return ConditionResult(False, _("No schedule baseline has been saved."))
    return ConditionResult(True, _("Baseline “%(name)s” saved on %(day)s.") % {
        "name": baseline.name, "day": day(timezone.localdate(baseline.created_at))})


def _location(r: Records) -> ConditionResult:
    if r.project.location:
        return ConditionResult(True, _("The location is on the map."))
    return ConditionResult(False, _("The project location is not on the map yet."))


def _tasks_complete(r: Records) -> ConditionResult:
    counts, unfinished = r.tasks
    total, left = counts["total"], counts["open"]
    if total == 0:
        return ConditionResult(False, _("The schedule has no tasks."))
    if left == 0:
        return ConditionResult(True, ngettext("The %(total)d task is complete.", "All %(total)d tasks are complete.",
                                              total) % {"total": total})
    names = [f"{t.wbs} {t.name}（{t.percent_complete}%）" for t in unfinished]
    return ConditionResult(False, ngettext(
        "%(left)d of %(total)d task is not complete: %(names)s",
        "%(left)d of %(total)d tasks are not complete: %(names)s", left,
    ) % {"left": left, "total": total, "names": _names(names, left)})


def _physical_progress(r: Records) -> ConditionResult:
    latest = r.latest_progress
    if latest is None:
        return ConditionResult(False, _("No monthly physical progress has been reported."))
    progress = latest.physical_progress or Decimal(0)  # never null here: the query asks for a reported figure
    values = {"month": latest.month.strftime("%Y-%m"), "progress": _percent(progress)}
    if progress >= 100:
        return ConditionResult(True, _("Reported for %(month)s: %(progress)s%%.") % values)
    return ConditionResult(False, _("The latest report (%(month)s) gives %(progress)s%%, not 100%%.") % values)


def _region_work(r: Records) -> ConditionResult:
    counts, items = r.region_work
    if counts["total"] == 0:
        return ConditionResult(True, _("No land acquisition or utility relocation items are registered."))
    if counts["open"] == 0:
        return ConditionResult(True, ngettext("The %(total)d item is done.", "All %(total)d items are done.",
                                              counts["total"]) % {"total": counts["total"]})
    names = [f"{i.region.name} {i.title}（{i.get_status_display()}）" for i in items]
    return ConditionResult(False, ngettext(
        "%(left)d of %(total)d item is not done: %(names)s",
        "%(left)d of %(total)d items are not done: %(names)s", counts["open"],
    ) % {"left": counts["open"], "total": counts["total"], "names": _names(names, counts["open"])})


EVALUATORS: dict[str, Callable[[Records], ConditionResult]] = {
    GateCondition.FEASIBILITY_OPINIONS: _feasibility_opinions,
    GateCondition.NO_EXTREME_RISKS: _no_extreme_risks,
    GateCondition.SOCIAL_STABILITY_ASSESSED: _social_stability,
    GateCondition.SCHEDULE_BASELINE: _schedule_baseline,
    GateCondition.LOCATION: _location,
    GateCondition.TASKS_COMPLETE: _tasks_complete,
    GateCondition.PHYSICAL_PROGRESS_COMPLETE: _physical_progress,
    GateCondition.REGION_WORK_DONE: _region_work,
}


def evaluators() -> dict[str, Callable[[Records], ConditionResult]]:
    """{condition: evaluator}: this module's own and those the installed apps declare."""
    return {**plugins.gate_conditions(), **EVALUATORS}


def _not_checked(r: Records) -> ConditionResult:
    return ConditionResult(False, _("No installed part of the portal checks this condition."))


def conditions_evaluate(*, project: Project, conditions: Iterable[str]) -> dict[str, ConditionResult]:
    """{condition: result} for each of `conditions` (GateCondition values) of `project`."""
    records = Records(project)
    known = evaluators()
    return {c: known.get(c, _not_checked)(records) for c in dict.fromkeys(conditions)}
