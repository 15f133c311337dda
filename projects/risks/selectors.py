"""Reads of the risk register: lists narrowed to what the user may see, their filters, and the 5×5 heat map
(likelihood rows 5→1, impact columns 1→5) counted in one query."""

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, F, QuerySet
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.core import policy
from projects.models import Project, Risk, RiskCategory, RiskStatus
from projects.models.risks import LIVE_RISK_STATUSES, RISK_BANDS, RiskBand, band_scores, risk_band

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class ScoreAnnotation(TypedDict):
        score_value: int  # likelihood × impact

    # The risks of `visible_risks`, annotated with their score.
    ScoredRisks = QuerySet[WithAnnotations[Risk, ScoreAnnotation]]

LEVELS = (1, 2, 3, 4, 5)
LIVE = "live"  # the status filter value meaning "open or mitigating" (what the heat map counts)
STATUS_FILTERS = (LIVE, *RiskStatus.values)
CELL_RE = re.compile(r"^([1-5])-([1-5])$")
# The overview's default table: the live risks in these bands, worst first.
TOP_BANDS = (RiskBand.EXTREME, RiskBand.HIGH)


def parse_cell(value: str | None) -> tuple[int, int] | None:
    """"4-5" → (likelihood 4, impact 5); None when the value is not a cell."""
    match = CELL_RE.match(value or "")
    return (int(match[1]), int(match[2])) if match else None


def filter_errors(filters) -> dict[str, list[str]]:
    """The filter values that are not valid, by name (for the API's 400)."""
    bad = {}
    for name, allowed in (("category", RiskCategory.values), ("status", STATUS_FILTERS),
                          ("band", RiskBand.values)):
        value = filters.get(name)
        if value and value not in allowed:
            bad[name] = [_("Not a valid choice: %(value)s. Use one of %(allowed)s.") % {
                "value": value, "allowed": ", ".join(allowed)}]
    if filters.get("cell") and parse_cell(filters["cell"]) is None:
        bad["cell"] = [_("Use likelihood-impact, each from 1 to 5, e.g. 4-5.")]
    return bad


def visible_risks(*, user: User, project: Project | None = None) -> "ScoredRisks":
    """The active risks the user may see (of one project, or of every project they see that is not voided),
    with their score, joined for what lists render."""
    qs = Risk.objects.active()
    qs = qs.filter(project=project) if project is not None else qs.filter(project__voided_at__isnull=True)
    return (policy.visible(user, qs).select_related("project", "owner_organization")
            .annotate(score_value=F("likelihood") * F("impact")))


def apply_filters(qs: "ScoredRisks", filters) -> "ScoredRisks":
    """Narrow by category, status ("live" = open or mitigating), band and cell ("L-I"); unknown values are
    ignored here (pages drop them; the API refuses them first with `filter_errors`)."""
    if (value := filters.get("category")) in RiskCategory.values:
        qs = qs.filter(category=value)
    value = filters.get("status")
    if value == LIVE:
        qs = qs.filter(status__in=LIVE_RISK_STATUSES)
    elif value in RiskStatus.values:
        qs = qs.filter(status=value)
    if (value := filters.get("band")) in RiskBand.values:
        low, high = band_scores(value)
        qs = qs.filter(score_value__gte=low, score_value__lte=high)
    if cell := parse_cell(filters.get("cell")):
        qs = qs.filter(likelihood=cell[0], impact=cell[1])
    return qs


def ordered(qs: "ScoredRisks") -> "ScoredRisks":
    """Worst first: score, then likelihood; then the oldest."""
    return qs.order_by("-score_value", "-likelihood", "id")


def project_risks(*, user: User, project: Project, filters=None) -> "ScoredRisks":
    return ordered(apply_filters(visible_risks(user=user, project=project), filters or {}))


def overview_risks(*, user: User, filters=None) -> "ScoredRisks":
    """Across every project the user sees. Without a band, cell or status filter: the live extreme and high
    risks (the top of the province's register)."""
    filters = filters or {}
    qs = apply_filters(visible_risks(user=user), filters)
    if not any(filters.get(k) for k in ("band", "cell", "status")):
        low = band_scores(TOP_BANDS[-1])[0]
        qs = qs.filter(status__in=LIVE_RISK_STATUSES, score_value__gte=low)
    return ordered(qs)


@dataclass
class HeatCell:
    likelihood: int
    impact: int
    count: int = 0

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def band(self) -> str:
        return risk_band(self.score)

    @property
    def key(self) -> str:
        return f"{self.likelihood}-{self.impact}"


@dataclass
class HeatMap:
    """Counts of live (open + mitigating) risks per cell: `rows` by likelihood 5→1, each by impact 1→5."""

    rows: list[list[HeatCell]]
    bands: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.bands.values())

    def cell(self, likelihood: int, impact: int) -> HeatCell:
        return self.rows[5 - likelihood][impact - 1]


def heat_map(qs: QuerySet[Risk]) -> HeatMap:
    """The heat map of `qs` (live risks only), in one query."""
    counts = {
        (row["likelihood"], row["impact"]): row["n"]
        for row in qs.filter(status__in=LIVE_RISK_STATUSES).order_by().values("likelihood", "impact")
        .annotate(n=Count("id"))
    }
    rows = [[HeatCell(lk, im, counts.get((lk, im), 0)) for im in LEVELS] for lk in reversed(LEVELS)]
    bands = {band: 0 for band, _upper in RISK_BANDS}
    for row in rows:
        for c in row:
            bands[c.band] += c.count
    return HeatMap(rows=rows, bands=bands)


def heat_map_for(*, user: User, project: Project | None = None, filters=None) -> HeatMap:
    """The heat map of the user's visible risks (one project's, or all), narrowed by category only: the map
    itself is the filter for likelihood, impact and band."""
    qs = visible_risks(user=user, project=project)
    category = (filters or {}).get("category")
    if category in RiskCategory.values:
        qs = qs.filter(category=category)
    return heat_map(qs)


# --------------------------------------------------------------------------------------- for the stage gates
def social_stability_assessed(*, project: Project) -> bool:
    """At least one social-stability risk is registered for the project (active, in any status)."""
    return Risk.objects.active().filter(project=project, category=RiskCategory.SOCIAL_STABILITY).exists()
