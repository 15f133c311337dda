"""The meeting pages: the list with its filters and export, creating and editing (bureau staff only), the detail
(who may see it), the minutes with new decisions, a decision turned into an issue in one click, the minutes PDF.
Pages are read in English (the `en` client) so the assertions do not depend on the Chinese catalogue."""

import datetime
import shutil
import subprocess
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from coordination import services
from coordination.models import IssueSource, IssueState, Meeting, MeetingDecision, MeetingKind, MeetingState
from portal.accounts.models import Organization, OrganizationKind
from portal.notifications.models import Notification
from projects.models import Project

pytestmark = pytest.mark.django_db

LIST = reverse("coordination:meeting-list")
CREATE = reverse("coordination:meeting-create")


def _project_of(org) -> Project:
    return Project.objects.active().filter(participants__organization=org).order_by("pk").first()


def _meeting(staff, project, *, title="湖杭高速征地协调会", orgs=(), attendees=(), held_at=None, kind="site"):
    return services.meeting_create(actor=staff, data={
        "kind": kind, "title": title, "held_at": held_at or timezone.now() + datetime.timedelta(days=2),
        "place": "省重点办三楼会议室", "projects": [project], "organizations": list(orgs),
        "attendees": list(attendees), "agenda": "一、征地进度\n二、资金到位"})


def _department():
    return Organization.objects.filter(kind=OrganizationKind.DEPARTMENT).order_by("pk").first()


def _held(staff, meeting, decisions):
    return services.meeting_record_minutes(actor=staff, meeting=meeting, minutes="会议议定如下。", decisions=decisions)


# ------------------------------------------------------------------------------------------------- creating
def test_staff_creates_a_meeting_and_attendees_are_told(en, staff, contractor, contractor_org):
    project = _project_of(contractor_org)
    response = en(staff).post(CREATE, {
        "kind": MeetingKind.MATCHMAKING, "title": "政企对接会（第一季度）", "held_at": "2026-12-20T09:30",
        "place": "杭州国际博览中心", "projects": [project.pk], "organizations": [contractor_org.pk],
        "attendees": [contractor.pk], "other_attendees": "张三（村委会）", "agenda": "融资对接"})
    meeting = Meeting.objects.get(title="政企对接会（第一季度）")
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
    assert meeting.kind == MeetingKind.MATCHMAKING and meeting.state == MeetingState.PLANNED
    assert timezone.localtime(meeting.held_at).strftime("%Y-%m-%d %H:%M") == "2026-12-20 09:30"
    assert list(meeting.projects.all()) == [project] and list(meeting.attendees.all()) == [contractor]
    assert meeting.organizer == staff
    assert Notification.objects.filter(recipient=contractor, url=meeting.get_absolute_url()).exists()


def test_a_meeting_needs_a_project_and_a_valid_time(en, staff, contractor_org):
    before = Meeting.objects.count()
    data = {"kind": "site", "title": "现场协调会", "held_at": "2026-12-20T09:30", "place": "工地"}
    response = en(staff).post(CREATE, data)
    assert response.status_code == 400
    assert response.context["form"].errors["projects"] == ["This field is required."]
    response = en(staff).post(CREATE, {**data, "projects": [_project_of(contractor_org).pk], "held_at": "明天上午"})
    assert response.status_code == 400 and "held_at" in response.context["form"].errors
    response = en(staff).post(CREATE, {**data, "projects": [999999]})
    assert response.status_code == 400 and "projects" in response.context["form"].errors
    assert Meeting.objects.count() == before


@pytest.mark.parametrize("username", ["contractor", "leader", "liaison", "reviewer", "inspector"])
def test_only_bureau_staff_create_meetings(client_for, username, contractor_org):
    from portal.accounts.models import User

    client = client_for(User.objects.get(username=username))
    assert client.get(CREATE).status_code == 403
    before = Meeting.objects.count()
    response = client.post(CREATE, {"kind": "site", "title": "x", "held_at": "2026-12-20T09:30", "place": "y",
                                    "projects": [_project_of(contractor_org).pk]})
    assert response.status_code == 403 and Meeting.objects.count() == before


def test_edit_with_the_version_read(en, staff, contractor_org):
    meeting = _meeting(staff, _project_of(contractor_org))
    url = reverse("coordination:meeting-edit", args=[meeting.pk])
    form = en(staff).get(url).context["form"]
    assert form.initial["version"] == 1 and form.initial["title"] == meeting.title
    data = {"kind": "site", "title": "改期后的协调会", "held_at": "2026-12-21T14:00", "place": "项目部",
            "projects": [p.pk for p in meeting.projects.all()], "version": 1}
    assert en(staff).post(url, data).status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "改期后的协调会" and meeting.version == 2
    response = en(staff).post(url, {**data, "title": "旧页面的修改"})  # version 1 again: someone saved meanwhile
    assert response.status_code == 400
    meeting.refresh_from_db()
    assert meeting.title == "改期后的协调会" and meeting.version == 2


def test_edit_is_for_bureau_staff(client_for, staff, leader, contractor, contractor_org, other_contractor):
    meeting = _meeting(staff, _project_of(contractor_org), orgs=[contractor_org])
    url = reverse("coordination:meeting-edit", args=[meeting.pk])
    assert client_for(leader).get(url).status_code == 403
    assert client_for(contractor).get(url).status_code == 403  # sees it (attended), may not change it
    assert client_for(other_contractor).get(url).status_code == 404


# ------------------------------------------------------------------------------------------------ who sees
def test_a_company_sees_only_the_meetings_it_attended(en, staff, contractor, contractor_org, other_contractor):
    attended = _meeting(staff, _project_of(contractor_org), title="华东路桥参加的会", orgs=[contractor_org])
    other = _meeting(staff, _project_of(contractor_org), title="别人的会")
    by_person = _meeting(staff, _project_of(contractor_org), title="点名参加的会", attendees=[other_contractor])
    client = en(contractor)
    assert client.get(attended.get_absolute_url()).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 404
    titles = {m.title for m in client.get(LIST).context["page"].object_list}
    assert "华东路桥参加的会" in titles and "别人的会" not in titles and "点名参加的会" not in titles
    client = en(other_contractor)
    assert client.get(by_person.get_absolute_url()).status_code == 200
    assert client.get(attended.get_absolute_url()).status_code == 404
    assert client.get(reverse("coordination:meeting-minutes-pdf", args=[attended.pk])).status_code == 404


def test_a_liaison_officer_sees_the_meetings_on_their_projects(en, staff, liaison):
    mine = Project.objects.active().filter(liaison_officer=liaison).order_by("pk").first()
    theirs = Project.objects.active().exclude(liaison_officer=liaison).order_by("pk").first()
    a, b = _meeting(staff, mine, title="联络员项目的会"), _meeting(staff, theirs, title="其他项目的会")
    assert en(liaison).get(a.get_absolute_url()).status_code == 200
    assert en(liaison).get(b.get_absolute_url()).status_code == 404


def test_detail_shows_everything_and_the_leaders_instruction_panel(en, staff, leader, contractor, contractor_org):
    meeting = _meeting(staff, _project_of(contractor_org), orgs=[contractor_org], attendees=[contractor])
    page = en(staff).get(meeting.get_absolute_url()).content.decode()
    for text in (meeting.title, meeting.place, contractor_org.name, contractor.full_name, "征地进度",
                 "Site coordination meeting", reverse("coordination:meeting-minutes", args=[meeting.pk])):
        assert text in page
    leader_page = en(leader).get(meeting.get_absolute_url())
    assert leader_page.status_code == 200
    assert reverse("coordination:meeting-edit", args=[meeting.pk]) not in leader_page.content.decode()
    assert "instruction" in leader_page.content.decode().lower()


# ------------------------------------------------------------------------------- minutes and decisions
def test_minutes_with_new_decisions(en, staff, contractor_org):
    project = _project_of(contractor_org)
    meeting = _meeting(staff, project)
    dept = _department()
    url = reverse("coordination:meeting-minutes", args=[meeting.pk])
    response = en(staff).post(url, {
        "minutes": "与会各方就征地问题达成一致。", "version": meeting.version,
        "decisions-TOTAL_FORMS": 3, "decisions-INITIAL_FORMS": 0,
        "decisions-0-text": "自然资源厅两周内完成用地预审", "decisions-0-project": project.pk,
        "decisions-0-department": dept.pk, "decisions-0-category": "land",
        "decisions-1-text": "业主单位落实资金", "decisions-1-category": "financing",
        "decisions-2-text": "", "decisions-2-category": "other"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.HELD and meeting.minutes == "与会各方就征地问题达成一致。"
    decisions = list(meeting.decisions.order_by("order"))
    assert [(d.text, d.project, d.department, d.category) for d in decisions] == [
        ("自然资源厅两周内完成用地预审", project, dept, "land"), ("业主单位落实资金", None, None, "financing")]
    page = en(staff).get(meeting.get_absolute_url()).content.decode()
    assert "自然资源厅两周内完成用地预审" in page and page.count('data-testid="decision-to-issue"') == 2


def test_bad_minutes_change_nothing(en, staff, contractor_org):
    project = _project_of(contractor_org)
    meeting = _meeting(staff, project)
    stranger = Project.objects.active().exclude(pk=project.pk).order_by("pk").first()
    url = reverse("coordination:meeting-minutes", args=[meeting.pk])
    base = {"version": meeting.version, "decisions-TOTAL_FORMS": 1, "decisions-INITIAL_FORMS": 0,
            "decisions-0-category": "other"}
    response = en(staff).post(url, {**base, "minutes": "  ", "decisions-0-text": "决定"})
    assert response.status_code == 400 and response.context["form"].errors["minutes"] == ["This field is required."]
    response = en(staff).post(url, {**base, "minutes": "纪要", "decisions-0-text": "决定",
                                    "decisions-0-project": stranger.pk})  # not one of the meeting's projects
    assert response.status_code == 400 and "project" in response.context["decisions"].forms[0].errors
    response = en(staff).post(url, {**base, "minutes": "纪要", "decisions-0-text": "",
                                    "decisions-0-project": project.pk})
    assert response.status_code == 400 and "text" in response.context["decisions"].forms[0].errors
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.PLANNED and meeting.minutes == "" and not meeting.decisions.exists()


def test_minutes_are_for_bureau_staff(client_for, staff, leader, contractor, contractor_org, other_contractor):
    meeting = _meeting(staff, _project_of(contractor_org), orgs=[contractor_org])
    url = reverse("coordination:meeting-minutes", args=[meeting.pk])
    assert client_for(leader).get(url).status_code == 403
    assert client_for(contractor).post(url, {"minutes": "x"}).status_code == 403
    assert client_for(other_contractor).get(url).status_code == 404
    meeting.refresh_from_db()
    assert meeting.minutes == ""


def test_a_decision_becomes_an_issue_in_one_click(en, staff, contractor_org):
    project = _project_of(contractor_org)
    meeting = _held(staff, _meeting(staff, project), [{"text": "协调解决施工用电", "project": project,
                                                      "department": _department(), "category": "utilities"}])
    decision = meeting.decisions.get()
    url = reverse("coordination:decision-issue", args=[decision.pk])
    assert en(staff).get(url).status_code == 405
    response = en(staff).post(url)
    decision.refresh_from_db()
    issue = decision.issue
    assert response.status_code == 302 and response["Location"] == issue.get_absolute_url()
    assert issue.source == IssueSource.MEETING and issue.project == project and issue.category == "utilities"
    assert issue.state == IssueState.REPORTED and issue.company == project.owner
    page = en(staff).get(meeting.get_absolute_url()).content.decode()
    assert issue.number in page and 'data-testid="decision-to-issue"' not in page
    response = en(staff).post(url, follow=True)  # twice: refused, nothing duplicated
    assert "This decision is an issue item already." in response.content.decode()
    assert MeetingDecision.objects.filter(issue__isnull=False, pk=decision.pk).count() == 1
    assert type(issue).objects.filter(decision=decision).count() == 1


def test_decision_to_issue_access(client_for, staff, leader, contractor, contractor_org, other_contractor):
    project = _project_of(contractor_org)
    meeting = _held(staff, _meeting(staff, project, orgs=[contractor_org]), [{"text": "决定", "project": project}])
    decision = meeting.decisions.get()
    url = reverse("coordination:decision-issue", args=[decision.pk])
    assert client_for(leader).post(url).status_code == 403
    assert client_for(contractor).post(url).status_code == 403
    assert client_for(other_contractor).post(url).status_code == 404
    assert client_for(staff).post(reverse("coordination:decision-issue", args=[999999])).status_code == 404
    decision.refresh_from_db()
    assert decision.issue is None


def test_minutes_pdf(client_for, staff, contractor_org, tmp_path):
    project = _project_of(contractor_org)
    meeting = _held(staff, _meeting(staff, project, title="金华城际铁路现场协调会"),
                    [{"text": "迁改管线", "project": project, "category": "utilities"}])
    response = client_for(staff).get(reverse("coordination:meeting-minutes-pdf", args=[meeting.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "minutes.pdf"
    path.write_bytes(pdf)
    text = subprocess.run([pdftotext, str(path), "-"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert "金华城际铁路现场协调会" in text and "迁改管线" in text and "会议纪要" in text and project.name[:6] in text


# ----------------------------------------------------------------------------------- list, filters, export
def test_filters(en, staff, contractor_org):
    project = _project_of(contractor_org)
    other = Project.objects.active().exclude(pk=project.pk).order_by("pk").first()
    when = timezone.make_aware(datetime.datetime.combine(datetime.date(2025, 3, 10), datetime.time(9)))
    _meeting(staff, project, title="筛选甲 对接", kind="matchmaking", held_at=when)
    _meeting(staff, other, title="筛选乙 现场", kind="site", held_at=when + datetime.timedelta(days=30))

    def titles(**params):
        response = en(staff).get(LIST, {"q": "筛选", **params})
        assert response.status_code == 200
        return sorted(m.title for m in response.context["page"].object_list)

    assert titles() == ["筛选乙 现场", "筛选甲 对接"]
    assert titles(kind="matchmaking") == ["筛选甲 对接"]
    assert titles(project=other.pk) == ["筛选乙 现场"]
    assert titles(date_from="2025-04-01") == ["筛选乙 现场"]
    assert titles(date_to="2025-03-10") == ["筛选甲 对接"]
    response = en(staff).get(LIST, {"date_from": "2025-05-01", "date_to": "2025-04-01"})
    assert response.status_code == 200 and "date_to" in response.context["form"].errors


def test_list_and_export_queries_do_not_grow_with_rows(client_for, staff, contractor_org):
    project = _project_of(contractor_org)
    client = client_for(staff)

    def measure(url):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"q": "计数会"})
        assert response.status_code == 200
        return len(queries), response

    def add(n):
        for i in range(n):
            m = _meeting(staff, project, title=f"计数会{i}", orgs=[contractor_org])
            _held(staff, m, [{"text": "决定", "project": project}])

    add(3)
    small, _ = measure(LIST)
    small_x, _ = measure(reverse("coordination:meeting-export"))
    add(3)
    big, response = measure(LIST)
    big_x, export = measure(reverse("coordination:meeting-export"))
    assert response.context["page"].paginator.count == 6
    assert (small, small_x) == (big, big_x)
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 7 and rows[1][2].startswith("计数会") and rows[1][6] == 1


def test_list_in_english(en, staff):
    assert "Coordination meetings" in en(staff).get(LIST).content.decode()


def test_every_page_opens_in_chinese_by_default(client_for, staff, leader, liaison, contractor_org):
    """The pages render with the default language (Chinese) for each role that uses them."""
    project = _project_of(contractor_org)
    meeting = _held(staff, _meeting(staff, project), [{"text": "决定", "project": project}])
    pages = {staff: [LIST, CREATE, meeting.get_absolute_url(), reverse("coordination:meeting-edit", args=[meeting.pk]),
                     reverse("coordination:meeting-minutes", args=[meeting.pk]),
                     reverse("coordination:officer-list"), reverse("coordination:servicelog-list"),
                     reverse("coordination:callback-list"), reverse("projects:liaison", args=[project.pk])],
             leader: [LIST, meeting.get_absolute_url(), reverse("coordination:officer-list"),
                      reverse("coordination:callback-list")],
             liaison: [reverse("coordination:liaison-home"), reverse("coordination:servicelog-list"),
                       reverse("coordination:servicelog-create")]}
    for user, urls in pages.items():
        client = client_for(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert '<html lang="zh-hans"' in response.content.decode(), url


# ---------------------------------------------------------------- the form's lists follow the chosen projects
def _outsiders(n, prefix="局外"):
    """`n` companies taking part in no project, each with an active user."""
    from portal.accounts.models import User
    from portal.accounts.services import organization_create

    found = []
    for i in range(n):
        org = organization_create(actor=None, name=f"{prefix}建设有限公司{i}", kind=OrganizationKind.CONTRACTOR)
        user = User.objects.create_user(f"outsider_{org.pk}", password="x", organization=org,
                                        full_name=f"{prefix}用户{i}")
        found.append((org, user))
    return found


def _select(response, name) -> str:
    """The rendered <select name=…> of the page."""
    import re

    return re.search(rf'<select[^>]* name="{name}"[^>]*>.*?</select>', response.content.decode(), re.S).group(0)


def _offered(response, name):
    return {int(pk) for pk, _label in response.context["form"].fields[name].widget.choices}


def test_create_offers_the_chosen_projects_organisations_and_the_departments(en, staff, contractor, reviewer,
                                                                             contractor_org):
    from projects.selectors import project_participants

    (outsider, outsider_user), = _outsiders(1)
    project = _project_of(contractor_org)
    response = en(staff).get(CREATE, {"projects": [project.pk]})
    assert response.status_code == 200
    orgs, users = _offered(response, "organizations"), _offered(response, "attendees")
    participants = {p.organization_id for p in project_participants(project=project)} | {project.owner_id}
    assert participants <= orgs and contractor_org.pk in orgs
    assert set(Organization.objects.filter(kind__in=[OrganizationKind.DEPARTMENT, OrganizationKind.BUREAU],
                                           voided_at__isnull=True).values_list("pk", flat=True)) <= orgs
    assert outsider.pk not in orgs and outsider_user.pk not in users
    assert {contractor.pk, reviewer.pk, staff.pk} <= users
    assert response.context["form"].initial["projects"] == [project.pk]
    orgs_html = _select(response, "organizations")
    assert f'<option value="{contractor_org.pk}">' in orgs_html and f'value="{outsider.pk}"' not in orgs_html
    assert 'multiple' in orgs_html and f'<option value="{project.pk}" selected>' in _select(response, "projects")
    html = response.content.decode()
    assert "coordination-meeting-form.js" in html and 'data-testid="choose-projects-first"' not in html

    # No project yet: only the departments and the bureau, their users, and the hint.
    response = en(staff).get(CREATE)
    orgs, users = _offered(response, "organizations"), _offered(response, "attendees")
    assert contractor_org.pk not in orgs and contractor.pk not in users and reviewer.pk in users
    assert set(Organization.objects.filter(pk__in=orgs).values_list("kind", flat=True)) <= {
        OrganizationKind.DEPARTMENT, OrganizationKind.BUREAU}
    assert 'data-testid="choose-projects-first"' in response.content.decode()


def test_an_organisation_or_user_outside_the_lists_is_refused(en, staff, contractor_org):
    (outsider, outsider_user), = _outsiders(1)
    before = Meeting.objects.count()
    data = {"kind": "site", "title": "局外人的会", "held_at": "2026-12-20T09:30", "place": "工地",
            "projects": [_project_of(contractor_org).pk]}
    response = en(staff).post(CREATE, {**data, "organizations": [outsider.pk]})
    assert response.status_code == 400 and list(response.context["form"].errors) == ["organizations"]
    response = en(staff).post(CREATE, {**data, "attendees": [outsider_user.pk]})
    assert response.status_code == 400 and list(response.context["form"].errors) == ["attendees"]
    response = en(staff).post(CREATE, {**data, "projects": ["x"], "organizations": ["1e9"]})
    assert response.status_code == 400 and {"projects", "organizations"} <= set(response.context["form"].errors)
    assert Meeting.objects.count() == before


def test_create_page_queries_do_not_grow_with_the_province(client_for, staff, contractor_org):
    client = client_for(staff)
    url = f"{CREATE}?projects={_project_of(contractor_org).pk}"

    def measure():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), len(response.context["form"].fields["organizations"].widget.choices)

    _outsiders(3, "甲")
    small = measure()
    _outsiders(6, "乙")
    assert measure() == small


def test_update_the_lists_saves_nothing_and_shows_the_new_lists(en, staff, contractor, contractor_org):
    before = Meeting.objects.count()
    project = _project_of(contractor_org)
    response = en(staff).post(CREATE, {"refresh": "1", "kind": "site", "title": "还没写完的会", "place": "",
                                       "projects": [project.pk], "organizations": [_department().pk]})
    assert response.status_code == 200 and Meeting.objects.count() == before
    form = response.context["form"]
    assert not form.is_bound and not form.errors
    assert contractor_org.pk in _offered(response, "organizations") and contractor.pk in _offered(response, "attendees")
    html = response.content.decode()
    assert "还没写完的会" in html and "Update the lists" in html
    assert f'<option value="{_department().pk}" selected>' in _select(response, "organizations")


def test_edit_keeps_what_the_meeting_has_already(en, client_for, staff, contractor_org, other_contractor):
    (outsider, outsider_user), = _outsiders(1)
    meeting = _meeting(staff, _project_of(contractor_org), orgs=[outsider], attendees=[outsider_user])
    url = reverse("coordination:meeting-edit", args=[meeting.pk])
    response = en(staff).get(url)
    assert outsider.pk in _offered(response, "organizations") and outsider_user.pk in _offered(response, "attendees")
    assert f'<option value="{outsider.pk}" selected>' in _select(response, "organizations")
    assert f'<option value="{outsider_user.pk}" selected>' in _select(response, "attendees")
    # A refresh of the edit page keeps them offered too, and changes nothing.
    response = en(staff).post(url, {"refresh": "1", "projects": [p.pk for p in meeting.projects.all()],
                                    "organizations": [outsider.pk], "version": 1})
    assert response.status_code == 200
    assert f'<option value="{outsider.pk}" selected>' in _select(response, "organizations")
    meeting.refresh_from_db()
    assert meeting.version == 1
    data = {"kind": "site", "title": "改名的会", "held_at": "2026-12-21T14:00", "place": "项目部",
            "projects": [p.pk for p in meeting.projects.all()], "organizations": [outsider.pk],
            "attendees": [outsider_user.pk], "version": 1}
    assert en(staff).post(url, data).status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "改名的会" and list(meeting.organizations.all()) == [outsider]
    assert list(meeting.attendees.all()) == [outsider_user]
    # Another organisation's user cannot reach the page, not even with a refresh.
    assert client_for(other_contractor).post(url, {**data, "refresh": "1"}).status_code == 404
    assert client_for(other_contractor).get(url, {"projects": data["projects"]}).status_code == 404
