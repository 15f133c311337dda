"""The arithmetic of monthly progress, without a database: percentages in Decimal rounded half up, cumulative
figures, completion rate against the total, plan attainment to the latest reported month, month on month, the
report calendar (due by the 10th), and the chart's axis."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from projects.progress.chart import nice_ceiling, progress_chart
from projects.progress.figures import (
    MonthInput,
    ReportState,
    completion_rate,
    month_add,
    month_figures,
    month_on_month,
    month_range,
    month_start,
    percent,
    plan_attainment,
    progress_summary,
    report_due,
    report_state,
    wan_to_yuan,
    yuan,
)
from projects.progress.services import parse_amount

D = datetime.date
d = Decimal


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English, whatever the catalogue holds."""
    with translation.override("en"):
        yield


@pytest.mark.parametrize(("part", "whole", "expected"), [
    (d("1234.56"), d("10000"), d("12.35")),  # 12.3456 %
    (d("1"), d("3"), d("33.33")),
    (d("2"), d("3"), d("66.67")),
    (d("1.25"), d("1000"), d("0.13")),  # 0.125 → half up, not to even
    (d("0"), d("1000"), d("0.00")),
    (d("1500"), d("1000"), d("150.00")),
])
def test_percent_is_decimal_with_two_places_rounded_half_up(part, whole, expected):
    result = percent(part, whole)
    assert result == expected
    assert isinstance(result, Decimal)
    assert result.as_tuple().exponent == -2


def test_percent_of_nothing_is_unknown_not_zero():
    assert percent(d("5"), d("0")) is None
    assert percent(None, d("5")) is None
    assert completion_rate(d("100"), d("0")) is None
    assert plan_attainment(d("100"), d("0")) is None


def test_completion_rate_is_cumulative_completed_over_total_investment():
    assert completion_rate(d("42626484800.00"), d("49860000000.00")) == d("85.49")


def test_plan_attainment_is_cumulative_completed_over_cumulative_planned():
    assert plan_attainment(d("230"), d("300")) == d("76.67")
    assert plan_attainment(d("330"), d("300")) == d("110.00")


def test_month_on_month():
    assert month_on_month(d("120"), d("100")) == d("20.00")
    assert month_on_month(d("80"), d("100")) == d("-20.00")
    assert month_on_month(d("80"), d("0")) is None
    assert month_on_month(d("80"), None) is None
    assert month_on_month(None, d("80")) is None


def test_amounts_in_yuan_keep_two_places_half_up():
    assert yuan(d("0.005")) == d("0.01")
    assert yuan(d("0.0049")) == d("0.00")
    assert wan_to_yuan(d("1.234567")) == d("12345.67")
    assert wan_to_yuan(d("0.0000005")) == d("0.01")
    assert parse_amount("1,000.005") == d("1000.01")
    assert parse_amount(12) == d("12.00")


@pytest.mark.parametrize("value", ["abc", "", "  ", None, "NaN", "Infinity", True, "1e400x"])
def test_parse_amount_refuses_what_is_not_a_number(value):
    with pytest.raises(ValueError, match="Enter a number"):
        parse_amount(value)


def test_parse_amount_refuses_negative_and_too_large():
    with pytest.raises(ValueError, match="cannot be negative"):
        parse_amount("-0.01")
    with pytest.raises(ValueError, match="too large"):
        parse_amount("100000000000000")


def test_months():
    assert month_start(D(2026, 11, 24)) == D(2026, 11, 1)
    assert month_add(D(2026, 11, 1), 3) == D(2027, 2, 1)
    assert month_add(D(2026, 11, 1), -11) == D(2025, 12, 1)
    assert month_add(D(2026, 1, 1), -1) == D(2025, 12, 1)
    assert month_range(D(2026, 11, 15), D(2027, 1, 1)) == [D(2026, 11, 1), D(2026, 12, 1), D(2027, 1, 1)]
    assert month_range(D(2026, 2, 1), D(2026, 1, 1)) == []


def test_a_month_is_due_by_the_tenth_of_the_next_and_late_after_it():
    october = D(2026, 10, 1)
    assert report_due(october) == D(2026, 11, 10)
    assert report_due(D(2026, 12, 1)) == D(2027, 1, 10)
    assert report_state(october, False, D(2026, 11, 10)) == ReportState.DUE
    assert report_state(october, False, D(2026, 11, 11)) == ReportState.LATE
    assert report_state(october, True, D(2026, 11, 30)) == ReportState.REPORTED
    assert report_state(D(2026, 11, 1), False, D(2026, 11, 30)) == ReportState.OPEN
    assert report_state(D(2026, 12, 1), False, D(2026, 11, 30)) == ReportState.FUTURE


def three_months():
    return [
        MonthInput(D(2026, 1, 1), planned=d("100"), completed=d("80"), physical=d("5.00")),
        MonthInput(D(2026, 2, 1), planned=d("200"), completed=d("150"), physical=d("12.50")),
        MonthInput(D(2026, 3, 1), planned=d("300")),
    ]


def test_month_figures_accumulate_plan_and_reports_to_the_latest_reported_month():
    figures = month_figures(three_months(), d("1000"), D(2026, 4, 20), expected=[D(2026, 3, 1)])
    jan, feb, mar = figures
    assert [f.cumulative_planned for f in figures] == [d("100"), d("300"), d("600")]
    assert [f.cumulative_completed for f in figures] == [d("80"), d("230"), None]
    assert [f.completion_rate for f in figures] == [d("8.00"), d("23.00"), None]
    assert [f.attainment for f in figures] == [d("80.00"), d("76.67"), None]
    assert feb.month_on_month == d("87.50")  # 150 against 80
    assert feb.physical_change == d("7.50")
    assert jan.behind_plan and feb.behind_plan and not mar.behind_plan
    assert mar.state == ReportState.LATE  # due 2026-04-10


def test_expected_months_without_input_are_added_as_unreported_lines():
    figures = month_figures(three_months()[:2], d("1000"), D(2026, 4, 5),
                            expected=[D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)])
    assert [f.month for f in figures] == [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)]
    assert figures[-1].planned == d("0") and figures[-1].state == ReportState.DUE


def test_summary_compares_completed_with_the_plan_to_the_same_month():
    figures = month_figures(three_months(), d("1000"), D(2026, 4, 20))
    summary = progress_summary(figures, d("1000"))
    assert summary.latest_month == D(2026, 2, 1)
    assert summary.cumulative_planned == d("300")  # not the 600 of the whole plan
    assert summary.cumulative_completed == d("230")
    assert summary.completion_rate == d("23.00")
    assert summary.attainment == d("76.67")
    assert summary.physical_progress == d("12.50")
    assert summary.planned_total == d("600")
    assert summary.behind_plan


def test_summary_of_nothing_reported():
    summary = progress_summary(month_figures([MonthInput(D(2026, 1, 1), planned=d("5"))], d("10"), D(2026, 2, 1)),
                               d("10"))
    assert summary.latest_month is None
    assert summary.completion_rate is None and summary.attainment is None
    assert summary.cumulative_completed == d("0")


@pytest.mark.parametrize(("value", "top"), [(0.9, 1), (3.2, 5), (7, 10), (123, 200), (250, 250), (10, 10), (0, 1)])
def test_chart_axis_ends_on_a_round_number(value, top):
    assert nice_ceiling(value) == top


def test_chart_draws_planned_for_every_month_and_completed_to_the_latest_report():
    figures = month_figures(three_months(), d("1000"), D(2026, 4, 20))
    chart = progress_chart(figures)
    assert len(chart.planned.split()) == 3
    assert len(chart.completed.split()) == 2
    assert len(chart.physical.split()) == 2
    # cumulative planned 600 元 = 0.06 万元 → the axis tops at 0.1; the last planned point is 60 % up the plot
    assert chart.y_ticks[-1].label == "0.1"
    last_y = float(chart.planned.split()[-1].split(",")[1])
    assert last_y == pytest.approx(chart.bottom - (chart.bottom - chart.top) * 0.6, abs=0.1)
    assert progress_chart([]) is None
