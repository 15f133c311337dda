"""The issue item's state machine through the services: every allowed move from each state, every forbidden one
refused with `invalid_transition` and nothing changed; verification only by the raising company; bad input (an
empty description, an unsatisfied verdict without its reason, a forbidden or over-size file, a decline without a
reason, a deadline in the past or too far) refused naming the field, nothing stored."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from coordination import services
from coordination.models import IssueAttachment, IssueItem, IssueRating, IssueSource, IssueState
from portal.accounts.models import Organization, User
from portal.audit.models import AuditEvent
from portal.core import workdays
from portal.core.errors import ApplicationError
from projects.models import Project

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a letter\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 200


@pytest.fixture
def project(contractor):
    """杭温高铁: 华东路桥 (contractor) builds it, 之江交通 (owner) owns it, 刘晓东 (liaison) is its officer."""
    return Project.objects.get(name="杭温高速铁路义乌至温州段")


def raise_issue(contractor, project, **kw):
    fields = {"title": "临时用地审批", "description": "梁场临时用地审批未出具意见", "category": "land", **kw}
    return services.issue_raise(actor=contractor, project=project, **fields)


def audit_of(issue):
    return AuditEvent.objects.filter(content_type__model="issueitem", object_id=str(issue.pk))


def snapshot(issue):
    issue = IssueItem.objects.get(pk=issue.pk)
    return (issue.state, issue.version, issue.department_id, issue.due_on, issue.answer, issue.rating_count,
            issue.accepted_at, issue.verified_at, audit_of(issue).count(), IssueRating.objects.filter(
                issue=issue).count())


# Each move by someone allowed to take it; `to_state` walks an issue there along the main path.
def move(name, issue, *, staff, reviewer, contractor):
    calls = {
        "accept": lambda: services.issue_accept(actor=staff, issue=issue),
        "assign": lambda: services.issue_assign(actor=staff, issue=issue, department=reviewer.organization),
        "decline": lambda: services.issue_decline(actor=reviewer, issue=issue, reason="不属我委职责"),
        "start": lambda: services.issue_start(actor=reviewer, issue=issue),
        "resolve": lambda: services.issue_resolve(actor=reviewer, issue=issue, answer="已协调属地政府办理"),
        "confirm": lambda: services.issue_verify(actor=contractor, issue=issue, satisfied=True),
        "reopen": lambda: services.issue_verify(actor=contractor, issue=issue, satisfied=False, comment="仍未解决"),
        "close": lambda: services.issue_close(actor=staff, issue=issue),
    }
    return calls[name]()


PATH = {IssueState.REPORTED: [], IssueState.ACCEPTED: ["accept"], IssueState.ASSIGNED: ["accept", "assign"],
        IssueState.IN_PROGRESS: ["accept", "assign", "start"],
        IssueState.RESOLVED: ["accept", "assign", "start", "resolve"],
        IssueState.VERIFIED: ["accept", "assign", "start", "resolve", "confirm"],
        IssueState.CLOSED: ["accept", "assign", "start", "resolve", "confirm", "close"]}
ALLOWED = {IssueState.REPORTED: {"accept": IssueState.ACCEPTED},
           IssueState.ACCEPTED: {"assign": IssueState.ASSIGNED},
           IssueState.ASSIGNED: {"decline": IssueState.ACCEPTED, "start": IssueState.IN_PROGRESS},
           IssueState.IN_PROGRESS: {"resolve": IssueState.RESOLVED},
           IssueState.RESOLVED: {"confirm": IssueState.VERIFIED, "reopen": IssueState.IN_PROGRESS},
           IssueState.VERIFIED: {"close": IssueState.CLOSED},
           IssueState.CLOSED: {}}
MOVES = ["accept", "assign", "decline", "start", "resolve", "confirm", "reopen", "close"]


@pytest.fixture
def people(staff, reviewer, contractor):
    return {"staff": staff, "reviewer": reviewer, "contractor": contractor}


def to_state(state, contractor, project, people):
    issue = raise_issue(contractor, project)
    for name in PATH[state]:
        issue = move(name, issue, **people)
    assert issue.state == state
    return IssueItem.objects.get(pk=issue.pk)


def test_the_workflow_declares_exactly_these_moves():
    declared = {(t.name, s, t.target) for t in IssueItem.workflow.transitions.values() for s in t.source}
    assert declared == {(name, source, target) for source, moves in ALLOWED.items() for name, target in moves.items()}


@pytest.mark.parametrize(("state", "name"), [(s, m) for s, moves in ALLOWED.items() for m in moves])
def test_every_allowed_move(state, name, contractor, project, people):
    issue = to_state(state, contractor, project, people)
    before = snapshot(issue)
    moved = move(name, issue, **people)
    moved.refresh_from_db()
    assert moved.state == ALLOWED[state][name]
    assert moved.version == before[1] + 1
    last = audit_of(moved).order_by("-pk").first()
    assert (last.action, last.from_state, last.to_state) == ("transition", state, ALLOWED[state][name])
    assert audit_of(moved).count() == before[-2] + 1


@pytest.mark.parametrize(("state", "name"), [(s, m) for s in ALLOWED for m in MOVES if m not in ALLOWED[s]])
def test_every_forbidden_move_is_refused_and_changes_nothing(state, name, contractor, project, people):
    issue = to_state(state, contractor, project, people)
    if issue.department_id is None and name in ("decline", "start", "resolve"):
        # the reviewer acting needs the issue to be their department's for the state check to be what refuses
        IssueItem.objects.filter(pk=issue.pk).update(department=people["reviewer"].organization)
        issue.refresh_from_db()
    before = snapshot(issue)
    with pytest.raises(ApplicationError) as refused:
        move(name, issue, **people)
    assert refused.value.code == "invalid_transition", (state, name, refused.value.message)
    assert snapshot(issue) == before


def test_the_measured_loop_with_an_unsatisfied_verdict(contractor, project, people):
    """The lead's smoke loop: unsatisfied sends it back to work; the second answer is confirmed; closed."""
    staff, reviewer = people["staff"], people["reviewer"]
    issue = raise_issue(contractor, project)
    assert issue.number.startswith("WT") and issue.source == IssueSource.COMPANY
    assert issue.company == contractor.organization and issue.holder == "bureau"
    issue = services.issue_accept(actor=staff, issue=issue)
    assert issue.accepted_by == staff and issue.sign_minutes is not None
    issue = services.issue_assign(actor=staff, issue=issue, department=reviewer.organization)
    assert issue.holder_label() == reviewer.organization.name
    issue = services.issue_start(actor=reviewer, issue=issue)
    issue = services.issue_resolve(actor=reviewer, issue=issue, answer="已协调")
    first_answer = issue.first_answer_at
    assert issue.answer_workdays == 0 and issue.holder_label() == contractor.organization.name
    issue = services.issue_verify(actor=contractor, issue=issue, satisfied=False, comment="未解决")
    assert issue.state == IssueState.IN_PROGRESS and issue.reopen_count == 1 and issue.verified_at is None
    issue = services.issue_resolve(actor=reviewer, issue=issue, answer="已协调2")
    assert issue.first_answer_at == first_answer  # the first answer is measured once
    issue = services.issue_verify(actor=contractor, issue=issue, satisfied=True)
    assert issue.verified_by == contractor and issue.close_workdays == 0 and issue.on_time is True
    issue = services.issue_close(actor=staff, issue=issue)
    issue.refresh_from_db()
    assert issue.state == IssueState.CLOSED and issue.closed_at and not issue.is_open
    assert (issue.rating_count, issue.satisfied_count) == (2, 1)
    ratings = list(issue.ratings.values_list("kind", "satisfied", "comment", "department_id"))
    assert ratings == [("verification", False, "未解决", reviewer.organization_id),
                       ("verification", True, "", reviewer.organization_id)]


@pytest.mark.parametrize("who", ["other_contractor", "owner", "reviewer", "staff", "liaison"])
def test_only_the_raising_company_verifies(who, request, contractor, project, people):
    issue = to_state(IssueState.RESOLVED, contractor, project, people)
    before = snapshot(issue)
    for satisfied, comment in ((True, ""), (False, "不满意")):
        with pytest.raises(ApplicationError) as refused:
            services.issue_verify(actor=request.getfixturevalue(who), issue=issue, satisfied=satisfied,
                                  comment=comment)
        assert refused.value.code == "forbidden"
    assert snapshot(issue) == before


def test_a_colleague_of_the_raiser_verifies(contractor, project, people):
    issue = to_state(IssueState.RESOLVED, contractor, project, people)
    colleague = User.objects.create_user("hd_colleague", password="x", organization=contractor.organization,
                                         full_name="同事")
    services.issue_verify(actor=colleague, issue=issue, satisfied=True)
    assert IssueItem.objects.get(pk=issue.pk).state == IssueState.VERIFIED


def test_unsatisfied_without_a_reason_is_refused_naming_comment(contractor, project, people):
    issue = to_state(IssueState.RESOLVED, contractor, project, people)
    before = snapshot(issue)
    with pytest.raises(ApplicationError) as refused:
        services.issue_verify(actor=contractor, issue=issue, satisfied=False, comment="   ")
    assert refused.value.code == "invalid" and "comment" in refused.value.extra
    assert snapshot(issue) == before


@pytest.mark.parametrize(("field", "value"), [("description", ""), ("description", "  \n "), ("title", ""),
                                              ("category", "roads"), ("category", "")])
def test_bad_input_when_raising_is_refused_naming_the_field(field, value, contractor, project):
    count = IssueItem.objects.count()
    with pytest.raises(ApplicationError) as refused:
        raise_issue(contractor, project, **{field: value})
    assert refused.value.code == "invalid" and field in refused.value.extra
    assert IssueItem.objects.count() == count


def stored_files():
    root = Path(django_settings.MEDIA_ROOT) / "coordination"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize(("name", "content"), [
    ("setup.exe", PE), ("letter.pdf", PE), ("run.sh", b"#!/bin/sh\nrm -rf /\n"), ("page.pdf", b"<html><script>"),
    ("empty.pdf", b""), ("letter.pdf", b"plain text, not a pdf"),
])
def test_a_forbidden_attachment_stores_nothing(name, content, contractor, project):
    count, files = IssueItem.objects.count(), stored_files()
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    with pytest.raises(ApplicationError) as refused:
        raise_issue(contractor, project, attachments=[SimpleUploadedFile("ok.pdf", PDF), upload])
    assert "file" in refused.value.extra
    assert IssueItem.objects.count() == count and IssueAttachment.objects.filter(
        original_name="ok.pdf", issue__created_at__isnull=False).count() == 0
    assert stored_files() == files


@pytest.mark.parametrize("setting", ["COORDINATION_MAX_UPLOAD_BYTES", "UPLOAD_MAX_BYTES"])
def test_an_over_size_attachment_stores_nothing(setting, settings, contractor, project):
    setattr(settings, setting, len(PDF) - 1)
    if setting == "UPLOAD_MAX_BYTES" and hasattr(settings, "COORDINATION_MAX_UPLOAD_BYTES"):
        del settings.COORDINATION_MAX_UPLOAD_BYTES
    count, files = IssueItem.objects.count(), stored_files()
    with pytest.raises(ApplicationError) as refused:
        raise_issue(contractor, project, attachments=[SimpleUploadedFile("big.pdf", PDF)])
    assert "file" in refused.value.extra and "MB" in refused.value.message
    assert IssueItem.objects.count() == count and stored_files() == files
    issue = raise_issue(contractor, project)
    with pytest.raises(ApplicationError):
        services.attachment_add(actor=contractor, issue=issue, upload=SimpleUploadedFile("big.pdf", PDF))
    assert not issue.attachments.exists() and stored_files() == files


def test_a_good_attachment_is_stored_with_its_digest(contractor, project, people):
    issue = raise_issue(contractor, project, attachments=[SimpleUploadedFile("函件.pdf", PDF)])
    (att,) = issue.attachments.all()
    assert att.original_name == "函件.pdf" and att.size == len(PDF) and len(att.sha256) == 64
    assert Path(att.file.path).read_bytes() == PDF and "函件" not in att.file.name
    # later files: those who work on it while it is open; nobody once it is closed
    services.attachment_add(actor=people["staff"], issue=issue, upload=SimpleUploadedFile("b.pdf", PDF))
    with pytest.raises(ApplicationError) as refused:
        services.attachment_add(actor=people["reviewer"], issue=issue, upload=SimpleUploadedFile("c.pdf", PDF))
    assert refused.value.code == "invalid_transition"
    assert issue.attachments.count() == 2


def test_decline_needs_a_reason_and_clears_the_department(contractor, project, people):
    reviewer = people["reviewer"]
    issue = to_state(IssueState.ASSIGNED, contractor, project, people)
    before = snapshot(issue)
    with pytest.raises(ApplicationError) as refused:
        services.issue_decline(actor=reviewer, issue=issue, reason=" ")
    assert "reason" in refused.value.extra and snapshot(issue) == before
    other_department = User.objects.get(username="zrzy_reviewer")
    with pytest.raises(ApplicationError) as refused:
        services.issue_decline(actor=other_department, issue=issue, reason="不是我们的")
    assert refused.value.code == "forbidden" and snapshot(issue) == before
    services.issue_decline(actor=reviewer, issue=issue, reason="不属我委职责")
    issue.refresh_from_db()
    assert issue.state == IssueState.ACCEPTED and issue.department_id is None
    event = audit_of(issue).order_by("-pk").first()
    assert (event.from_state, event.to_state, event.reason) == ("assigned", "accepted", "不属我委职责")
    # assigned again, to another department
    services.issue_assign(actor=people["staff"], issue=issue, department=other_department.organization)
    assert IssueItem.objects.get(pk=issue.pk).department == other_department.organization


def test_assign_needs_a_government_department(contractor, project, people):
    issue = to_state(IssueState.ACCEPTED, contractor, project, people)
    before = snapshot(issue)
    for department in (None, contractor.organization):
        with pytest.raises(ApplicationError) as refused:
            services.issue_assign(actor=people["staff"], issue=issue, department=department)
        assert "department" in refused.value.extra
    assert snapshot(issue) == before


def test_resolve_needs_an_answer(contractor, project, people):
    issue = to_state(IssueState.IN_PROGRESS, contractor, project, people)
    before = snapshot(issue)
    with pytest.raises(ApplicationError) as refused:
        services.issue_resolve(actor=people["reviewer"], issue=issue, answer="")
    assert "answer" in refused.value.extra and snapshot(issue) == before


def test_only_bureau_staff_and_the_departments_reviewers_take_their_moves(contractor, project, people, leader,
                                                                           liaison):
    issue = raise_issue(contractor, project)
    for actor in (contractor, leader, liaison, people["reviewer"]):
        with pytest.raises(ApplicationError) as refused:
            services.issue_accept(actor=actor, issue=issue)
        assert refused.value.code == "forbidden"
    issue = to_state(IssueState.ASSIGNED, contractor, project, people)
    for actor in (people["staff"], contractor, User.objects.get(username="zrzy_reviewer")):
        with pytest.raises(ApplicationError) as refused:
            services.issue_start(actor=actor, issue=issue)
        assert refused.value.code == "forbidden"


def test_the_moves_offered_to_each_person(contractor, project, people, other_contractor):
    issue = to_state(IssueState.ASSIGNED, contractor, project, people)
    assert {m.name for m in services.issue_moves(people["reviewer"], issue)} == {"decline", "start"}
    assert services.issue_moves(people["staff"], issue) == []
    issue = to_state(IssueState.RESOLVED, contractor, project, people)
    assert {m.name for m in services.issue_moves(contractor, issue)} == {"confirm", "reopen"}
    assert services.issue_moves(other_contractor, issue) == []


# ------------------------------------------------------------------------------------------- the deadline
def test_reschedule_needs_a_reason_a_future_day_and_at_most_120_working_days(contractor, project, people):
    staff = people["staff"]
    issue = to_state(IssueState.IN_PROGRESS, contractor, project, people)
    today = services.today()
    before = snapshot(issue)
    new_day = workdays.add_workdays(issue.due_on, 5)
    for kwargs, field in [({"due_on": new_day, "reason": ""}, "reason"),
                          ({"due_on": None, "reason": "需要补充材料"}, "due_on"),
                          ({"due_on": today - datetime.timedelta(days=1), "reason": "需要补充材料"}, "due_on"),
                          ({"due_on": workdays.add_workdays(today, 121), "reason": "需要补充材料"}, "due_on"),
                          ({"due_on": issue.due_on, "reason": "需要补充材料"}, "due_on")]:
        with pytest.raises(ApplicationError) as refused:
            services.issue_reschedule(actor=staff, issue=issue, **kwargs)
        assert field in refused.value.extra, kwargs
    with pytest.raises(PermissionDenied):
        services.issue_reschedule(actor=people["reviewer"], issue=issue, due_on=new_day, reason="自行延期")
    assert snapshot(issue) == before

    furthest = workdays.add_workdays(today, 120)  # reported today: 120 working days is the limit, accepted
    services.issue_reschedule(actor=staff, issue=issue, due_on=furthest, reason="上限")
    assert IssueItem.objects.get(pk=issue.pk).limit_workdays == 120
    issue = services.issue_reschedule(actor=staff, issue=IssueItem.objects.get(pk=issue.pk), due_on=new_day,
                                      reason="涉及省级部门会签，需延长")
    issue.refresh_from_db()
    assert issue.due_on == new_day and issue.limit_workdays == workdays.workdays_between(today, new_day)
    event = audit_of(issue).order_by("-pk").first()
    assert event.action == "update" and event.reason == "涉及省级部门会签，需延长"
    assert event.changes["due_on"][1] == str(new_day)


def test_reschedule_is_refused_once_answered_or_closed(contractor, project, people):
    issue = to_state(IssueState.RESOLVED, contractor, project, people)
    with pytest.raises(ApplicationError) as refused:
        services.issue_reschedule(actor=people["staff"], issue=issue,
                                  due_on=workdays.add_workdays(issue.due_on, 3), reason="延期")
    assert refused.value.code == "invalid_transition"


# ------------------------------------------------------------------------------------------- who raises
def test_a_company_raises_only_on_its_projects(other_contractor, project):
    with pytest.raises(ApplicationError) as refused:
        services.issue_raise(actor=other_contractor, project=project, title="x", description="y", category="land")
    assert "project" in refused.value.extra


def test_the_liaison_officer_raises_for_a_company_of_their_project(liaison, project, contractor_org):
    issue = services.issue_raise(actor=liaison, project=project, title="征地拆迁进度滞后", description="17户未签约",
                                 category="demolition", company=contractor_org)
    assert issue.source == IssueSource.LIAISON and issue.company == contractor_org and issue.raised_by == liaison
    assert issue.limit_workdays == 15
    with pytest.raises(ApplicationError) as refused:  # a company that does not take part
        services.issue_raise(actor=liaison, project=project, title="x", description="y", category="land",
                             company=Organization.objects.get(name="浙中建工集团有限公司"))
    assert "company" in refused.value.extra
    other = Project.objects.exclude(liaison_officer=liaison).filter(participants__isnull=False).first()
    with pytest.raises(ApplicationError) as refused:
        services.issue_raise(actor=liaison, project=other, title="x", description="y", category="land",
                             company=other.owner, source=IssueSource.LIAISON)
    assert refused.value.code == "forbidden"


def test_a_meeting_issue_needs_its_decision(staff, project, contractor_org):
    with pytest.raises(ApplicationError) as refused:
        services.issue_raise(actor=staff, project=project, title="x", description="y", category="land",
                             source=IssueSource.MEETING, company=contractor_org)
    assert "source" in refused.value.extra
