"""The pages across the parts: a project's quality & safety page (the project's tab "质量安全") and an inspector's
work (samples awaiting their agency's results, rectifications awaiting re-inspection, hazards submitted for check),
with its Excel export. Reads only, through `selectors`; each row links to its part's page, where the moves are."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.exports import EXPORT_MAX_ROWS, table_xlsx, xlsx_response
from projects.selectors import project_for

from . import exports, selectors
from .forms import MyWorkFilterForm

PAGE_SIZE = 50


@login_required
def project_quality(request, pk: int):
    """Whoever may see the project sees its quality & safety figures; the lists link to the parts' pages."""
    project = project_for(request.user, pk, related=("owner", "liaison_officer"))
    today = timezone.localdate()
    page = selectors.project_quality(user=request.user, project=project, today=today)
    return render(request, "supervision/overview/project_quality.html", {
        "project": project, "tab": "quality", "part": "overview", "q": page, "today": today,
        "may_work": selectors.may_have_work(request.user)})


def _work(request):
    if not selectors.may_have_work(request.user):
        raise PermissionDenied
    tab = request.GET.get("tab", "samples")
    tab = tab if tab in selectors.MY_WORK_TABS else "samples"
    form = MyWorkFilterForm(request.GET or None)
    rows = selectors.my_work(user=request.user, tab=tab, today=timezone.localdate(), **form.filters())
    return tab, form, rows


@login_required
def my_work(request):
    """An inspector's list (403 for anyone else: the bureau has the boards)."""
    tab, form, rows = _work(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.page_url = selectors.url_of(row)
    query = request.GET.copy()
    query.pop("page", None)
    query["tab"] = tab
    return render(request, "supervision/overview/my_work.html", {
        "tab": tab, "form": form, "page": page, "query": query.urlencode(), "today": timezone.localdate(),
        "counts": selectors.my_work_counts(user=request.user), "export_max": EXPORT_MAX_ROWS})


@login_required
def my_work_export(request):
    tab, _form, rows = _work(request)
    headers, row = exports.MY_WORK_COLUMNS[tab]()
    title = {"samples": _("Samples awaiting results"), "rectifications": _("Rectifications awaiting re-inspection"),
             "hazards": _("Hazards submitted for check")}[tab]
    return xlsx_response(table_xlsx(rows, title=title, headers=headers, row=row), f"my-work-{tab}")
