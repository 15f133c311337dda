"""The grade an incident's figures call for (生产安全事故报告和调查处理条例, art. 3): the grade reported may be
higher than the figures alone (the investigation decides), never lower."""

from decimal import Decimal

from ..models import IncidentGrade

ORDER = (IncidentGrade.GENERAL, IncidentGrade.LARGER, IncidentGrade.MAJOR, IncidentGrade.EXTRAORDINARY)
# (deaths, seriously injured, direct loss in yuan) from which each grade above "general" begins.
THRESHOLDS = {
    IncidentGrade.LARGER: (3, 10, Decimal(10_000_000)),
    IncidentGrade.MAJOR: (10, 50, Decimal(50_000_000)),
    IncidentGrade.EXTRAORDINARY: (30, 100, Decimal(100_000_000)),
}


def minimum_grade(*, deaths: int, serious_injuries: int, direct_loss: Decimal) -> str:
    """The lowest grade the figures allow: any one of the three reaching a grade's threshold is enough."""
    grade = IncidentGrade.GENERAL
    for candidate, (d, i, loss) in THRESHOLDS.items():
        if deaths >= d or serious_injuries >= i or direct_loss >= loss:
            grade = candidate
    return grade


def grade_below(grade: str, minimum: str) -> bool:
    return ORDER.index(IncidentGrade(grade)) < ORDER.index(IncidentGrade(minimum))
