"""The closure statistics page (办结统计) and its Excel export. Who may see what is decided by
`stats.statistics_scope` (through `portal.core.policy`); the figures come from `stats.closure_statistics_cached`."""

import datetime
import re
from io import BytesIO

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from portal.accounts.models import Organization
from portal.core.exports import append_row

from . import stats
from .models import IssueCategory

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_MONTHS = 36


class StatisticsFilterForm(forms.Form):
    """Period (from/to month, "YYYY-MM"), department, category. Empty: the last 12 months, everything."""

    date_from = forms.CharField(label=gettext_lazy("From month"), required=False,
                                widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-01"}))
    date_to = forms.CharField(label=gettext_lazy("To month"), required=False,
                              widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-12"}))
    department = forms.ModelChoiceField(label=gettext_lazy("Department"), queryset=Organization.objects.none(),
                                        required=False, empty_label=gettext_lazy("All departments"))
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False,
                                 choices=[("", gettext_lazy("All categories")), *IssueCategory.choices])

    def __init__(self, *args, user, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["department"].queryset = stats.departments_for(user)  # type: ignore[attr-defined]

    @staticmethod
    def _month(value: str) -> datetime.date | None:
        value = (value or "").strip()
        if not value:
            return None
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", value)
        if match is None or not (2000 <= int(match[1]) <= 2100 and 1 <= int(match[2]) <= 12):
            raise forms.ValidationError(_("Enter a month as YYYY-MM, e.g. 2026-03."))
        return datetime.date(int(match[1]), int(match[2]), 1)

    def clean_date_from(self):
        return self._month(self.cleaned_data.get("date_from"))

    def clean_date_to(self):
        return self._month(self.cleaned_data.get("date_to"))

    def clean(self):
        data = super().clean()
        first, last = stats.default_period(self.today)
        start = data.get("date_from") or first
        end_month = data.get("date_to") or last.replace(day=1)
        if "date_from" in self.errors or "date_to" in self.errors:
            return data
        if end_month < start:
            self.add_error("date_to", _("The last month must not be before the first."))
        elif (end_month.year - start.year) * 12 + end_month.month - start.month >= MAX_MONTHS:
            self.add_error("date_from", _("Choose a period of at most %(n)s months.") % {"n": MAX_MONTHS})
        data["period"] = (start, min(stats.month_end(end_month), max(self.today, start)))
        return data


def _figures(request):
    """(form, statistics or None): the filters as given, or, when they are wrong, the form with its errors and
    no figures. PermissionDenied (403) for a user who may not see the statistics."""
    stats.statistics_scope(request.user)
    today = timezone.localdate()
    form = StatisticsFilterForm(request.GET or None, user=request.user, today=today)
    if request.GET and not form.is_valid():
        return form, None
    data = form.cleaned_data if request.GET else {}
    date_from, date_to = data.get("period") or stats.default_period(today)
    department = data.get("department")
    result = stats.closure_statistics_cached(user=request.user, date_from=date_from, date_to=date_to,
                                             department=department.pk if department else None,
                                             category=data.get("category") or None)
    return form, result


@login_required
def statistics(request):
    form, result = _figures(request)
    return render(request, "coordination/statistics.html", {
        "form": form, "stats": result, "bars": trend_bars(result.months) if result else [],
        "departments": stats.departments_for(request.user),
    }, status=200 if result is not None else 400)


CHART_HEIGHT = 120  # the SVG trend chart: bar area height and slot width, in its own units (viewBox 0 0 600 160)
CHART_SLOT = 50


def trend_bars(months: list[stats.MonthRow]) -> list[dict]:
    """Geometry of the server-drawn bar chart: one bar per month, its height the issues reported."""
    peak = max((m.reported for m in months), default=0)
    bars = []
    for i, m in enumerate(months):
        height = round(CHART_HEIGHT * m.reported / peak) if peak else 0
        bars.append({"row": m, "x": i * CHART_SLOT + 8, "y": 10 + CHART_HEIGHT - height, "height": height,
                     "label_x": i * CHART_SLOT + 25})
    return bars


@login_required
def statistics_export(request):
    form, result = _figures(request)
    if result is None:
        return render(request, "coordination/statistics.html", {
            "form": form, "stats": None, "bars": [], "departments": stats.departments_for(request.user)}, status=400)
    response = HttpResponse(statistics_xlsx(result), content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="issue-statistics-{stamp}.xlsx"'
    return response


def _rate(value):
    return None if value is None else value / 100


def statistics_xlsx(result: stats.ClosureStatistics) -> bytes:
    """Three sheets: per department (the failing ones marked), per category, by month; the rates as percentages."""
    wb = Workbook(write_only=True)
    bold, red = Font(bold=True), PatternFill("solid", fgColor="F8CBAD")
    figure_heads = [_("Reported"), _("Response rate"), _("Resolution rate"), _("Confirmed"), _("On-time rate"),
                    _("Ratings"), _("Satisfaction rate"), _("Average working days to close"),
                    _("Average working days to first answer"), _("Median working minutes to sign")]

    def head(ws, first):
        ws.append([_cell(ws, capfirst(str(h)), font=bold) for h in [*first, *figure_heads]])

    def figures(ws, f, mark=False):
        sat = _cell(ws, _rate(f.satisfaction_rate), number_format="0.0%",
                    **({"fill": red} if mark else {}))
        return [f.reported, _cell(ws, _rate(f.response_rate), number_format="0.0%"),
                _cell(ws, _rate(f.resolution_rate), number_format="0.0%"), f.confirmed,
                _cell(ws, _rate(f.on_time_rate), number_format="0.0%"), f.ratings, sat, f.avg_close_workdays,
                f.avg_answer_workdays, f.median_sign]

    ws = wb.create_sheet(_("By department"))
    ws.append([f"{_('Period')}: {result.date_from:%Y-%m-%d} – {result.date_to:%Y-%m-%d}"])
    head(ws, [_("Department"), _("Below the satisfaction line")])
    for r in result.departments:
        append_row(ws, [r.name or _("Not assigned yet"), _("Below the line") if r.below_line else "",
                        *figures(ws, r, r.below_line)])
    append_row(ws, [_("Total"), "", *figures(ws, result.total)])
    ws = wb.create_sheet(_("By category"))
    head(ws, [_("Category")])
    for c in result.categories:
        append_row(ws, [c.label, *figures(ws, c)])
    ws = wb.create_sheet(_("By month"))
    head(ws, [_("Month")])
    for m in result.months:
        append_row(ws, [f"{m.month:%Y-%m}", *figures(ws, m)])
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(ws, value, **style):
    cell = WriteOnlyCell(ws, value=value)
    for key, val in style.items():
        setattr(cell, key, val)
    return cell
