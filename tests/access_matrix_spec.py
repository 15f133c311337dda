"""The access matrix: for every page (URL pattern name) and every API operation (operationId of the OpenAPI
schema), who may reach it and which object it needs. `tests/test_access_matrix.py` walks the URL conf and the
schema, fails on an endpoint missing here or an entry that no longer exists, and calls each one as every role,
on an object of the user's own organisation and of another one.

An entry says:
- `args`: how the path parameters are filled: {parameter: "kind" or "kind.attr.attr"} from the fixture world
  (`test_access_matrix.World`: "project", "risk", "case", … one object of organisation A — 之江交通, `owner` —
  and one of another organisation no user of A may see), or a literal `L(value)`.
- `guard`: the object whose access policy decides ("kind" or "kind.attr"); by default the kind of the last
  argument. A user who may not see it must get 404, exactly like a missing object.
- `action` / `post`: the policy action the page or operation needs on the guard for a safe / an unsafe
  method ("view", "change", "manage", …; "move:<name>" for a workflow move's permission). An action may name
  another object: ("manage", "project") is `manage` on `guard.project`.
- `who`: the matrix users past the endpoint's role gate (a model permission or a role), before any object;
  `ALL` is every logged-in user.
- `public`: anonymous users may use it (the login page, permit verification, the language switch); called as
  anonymous and as one user, since the answer does not depend on a role.
- `methods` (pages): the methods called; ("POST",) for a page that only takes a form's post (require_POST).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class L:
    """A literal path parameter."""

    value: Any


ALL: frozenset[str] | None = None
# The users of the matrix (demo logins, see README): `admin` is the superuser.
USERS = ("admin", "staff", "leader", "liaison", "reviewer", "owner", "contractor", "inspector")
BUREAU = frozenset({"admin", "staff"})  # bureau staff's model permissions
BUREAU_READ = frozenset({"admin", "staff", "leader"})  # view every project and case
REVIEWERS = frozenset(
    {"reviewer"}
)  # the department reviewer role (not the superuser: a role, not a permission)
COMPANIES = frozenset({"owner", "contractor"})  # the participating-company role
LEADERS = frozenset({"admin", "leader"})  # instructions.add_instruction


@dataclass(frozen=True)
class Entry:
    args: dict[str, Any] = field(default_factory=dict)
    guard: str | None = None
    action: str | tuple[str, str] = "view"
    post: str | tuple[str, str] | None = None
    who: frozenset[str] | None = ALL
    public: bool = False
    methods: tuple[str, ...] = ("GET", "POST")  # pages only; an operation has its own method

    @property
    def guard_path(self) -> str | None:
        if self.guard is not None:
            return self.guard or None  # "": the endpoint's object is the same for everyone (a catalogue line)
        kinds = [v for v in self.args.values() if isinstance(v, str)]
        return kinds[-1] if kinds else None

    def action_for(self, method: str) -> str | tuple[str, str]:
        if method in ("GET", "HEAD") or self.post is None:
            return self.action
        return self.post


def E(**kwargs: Any) -> Entry:  # noqa: N802  (reads like a table row)
    return Entry(**kwargs)


PUBLIC = E(public=True)
POST_ONLY = ("POST",)
PROJECT = {"pk": "project"}
CASE = {"pk": "case"}
REVIEW = {"pk": "item_review"}
ISSUE = {"pk": "issue"}
MEETING = {"pk": "meeting"}
LIAISONS = frozenset({"liaison"})
# coordination.add_issueitem: bureau staff, the companies, the liaison officer and the inspector.
ISSUE_RAISERS = BUREAU | COMPANIES | frozenset({"liaison", "inspector"})

PAGES: dict[str, Entry] = {
    "home": E(),
    "login": PUBLIC,
    "logout": PUBLIC,
    "set_language": PUBLIC,
    "javascript-catalog": PUBLIC,
    "verify:index": PUBLIC,
    "verify:permit": E(args={"code": L("NOSUCHCODE")}, public=True),
    "status": E(who=BUREAU),
    # accounts
    "accounts:profile": E(),
    "accounts:token-regenerate": E(methods=POST_ONLY),
    "accounts:password-change": E(),
    "accounts:organization-list": E(),
    "accounts:organization-create": E(who=BUREAU),
    "accounts:organization-detail": E(args={"pk": "organization"}),
    "accounts:organization-edit": E(args={"pk": "organization"}, action="change"),
    "accounts:organization-credit": E(
        args={"pk": "organization"}, action="set_credit_standing", methods=POST_ONLY
    ),
    "accounts:organization-void": E(args={"pk": "organization"}, action="void"),
    "accounts:user-list": E(),
    "accounts:user-detail": E(args={"pk": "user"}),
    "accounts:security-log": E(who=BUREAU),
    # notifications and instructions
    "notifications:list": E(),
    "notifications:open": E(args={"pk": "notification"}, methods=POST_ONLY),
    "notifications:read-all": E(methods=POST_ONLY),
    "instructions:list": E(),
    "instructions:write": E(args={"target_type": L("projects.project"), "target_id": "project"}, who=LEADERS),
    "instructions:answer": E(args={"pk": "instruction"}, action="move:answer"),
    "instructions:withdraw": E(args={"pk": "instruction"}, action="move:withdraw"),
    # projects: the registry
    "projects:list": E(),
    "projects:create": E(who=BUREAU),
    "projects:detail": E(args=PROJECT),
    "projects:history": E(args=PROJECT),
    "projects:edit": E(args=PROJECT, action="change"),
    "projects:void": E(args=PROJECT, action="void"),
    "projects:participant-add": E(args=PROJECT, action="change"),
    "projects:participant-remove": E(
        args={"pk": "participant"}, guard="participant.project", action="change"
    ),
    "projects:liaison": E(args=PROJECT, action="change"),
    # stage gates
    "projects:gates": E(args=PROJECT),
    "projects:gate-document-upload": E(args=PROJECT, action="manage", methods=POST_ONLY),
    "projects:gate-advance": E(args=PROJECT, action="advance", methods=POST_ONLY),
    "projects:gate-confirm": E(
        args={"pk": "project", "requirement_pk": "requirement"}, guard="project", action="advance"
    ),
    "projects:gate-document-download": E(args={"pk": "document"}),
    "projects:gate-document-void": E(args={"pk": "document"}, action=("manage", "project")),
    "projects:gate-confirmation-void": E(
        args={"pk": "confirmation"}, guard="confirmation.project", action="advance"
    ),
    "projects:gate-requirements": E(who=BUREAU_READ),
    "projects:gate-requirement-add": E(who=BUREAU),
    "projects:gate-requirement-edit": E(args={"pk": "requirement"}, guard="", who=BUREAU),
    "projects:gate-requirement-toggle": E(
        args={"pk": "requirement"}, guard="", who=BUREAU, methods=POST_ONLY
    ),
    # feasibility
    "projects:feasibility": E(args=PROJECT),
    "projects:feasibility-review-create": E(args=PROJECT, action="advance"),
    "projects:feasibility-review-add-department": E(args={"pk": "feasibility_review"}, action="change"),
    "projects:feasibility-review-conclude": E(args={"pk": "feasibility_review"}, action="change"),
    "projects:feasibility-review-void": E(args={"pk": "feasibility_review"}, action="change"),
    "projects:feasibility-queue": E(who=REVIEWERS),
    "projects:feasibility-opinion": E(args={"pk": "opinion"}, post="move:give"),
    "projects:feasibility-opinion-extend": E(args={"pk": "opinion"}, action=("change", "review")),
    # risks
    "projects:risks": E(args=PROJECT),
    "projects:risk-create": E(args=PROJECT, action="manage"),
    "projects:risk-overview": E(),
    "projects:risk-detail": E(args={"pk": "risk"}),
    "projects:risk-edit": E(args={"pk": "risk"}, action="change"),
    "projects:risk-close": E(args={"pk": "risk"}, action="change"),
    "projects:risk-reopen": E(args={"pk": "risk"}, action="change"),
    "projects:risk-void": E(args={"pk": "risk"}, action="change"),
    # schedule
    "projects:schedule": E(args=PROJECT),
    "projects:gantt": E(args=PROJECT),
    "projects:task-create": E(args=PROJECT, action="manage"),
    "projects:task": E(args={"pk": "task.project", "task_pk": "task"}),
    "projects:task-edit": E(args={"pk": "task.project", "task_pk": "task"}, action="change"),
    "projects:task-progress": E(args={"pk": "task.project", "task_pk": "task"}, action="report"),
    "projects:task-void": E(args={"pk": "task.project", "task_pk": "task"}, action="change"),
    "projects:schedule-baselines": E(args=PROJECT, post="manage"),
    "projects:schedule-export": E(args=PROJECT),
    "projects:schedule-template": E(args=PROJECT),
    "projects:schedule-import": E(args=PROJECT, action="manage"),
    "projects:raci": E(args=PROJECT, post="manage"),
    "projects:my-responsibilities": E(),
    # monthly progress
    "projects:progress-overview": E(),
    "projects:progress": E(args=PROJECT),
    "projects:progress-plan": E(args=PROJECT, action="manage"),
    "projects:progress-report": E(args=PROJECT, action="manage"),
    "projects:progress-correct": E(
        args={"pk": "progress.project", "year": "progress.month.year", "month": "progress.month.month"},
        guard="progress.project",
        action="manage",
    ),
    # cross-region coordination
    "projects:regions": E(args=PROJECT),
    "projects:regions-command": E(args=PROJECT, action="manage"),
    "projects:regions-member-add": E(args=PROJECT, action="manage"),
    "projects:regions-member-void": E(
        args={"pk": "member.command.project", "member_pk": "member"},
        guard="member.command.project",
        action="manage",
    ),
    "projects:regions-item-add": E(args=PROJECT, action="manage"),
    "projects:regions-item-edit": E(
        args={"pk": "work_item.project", "item_pk": "work_item"}, action="change"
    ),
    "projects:regions-item-report": E(
        args={"pk": "work_item.project", "item_pk": "work_item"}, action="report"
    ),
    "projects:regions-item-void": E(
        args={"pk": "work_item.project", "item_pk": "work_item"}, action="change"
    ),
    "projects:regions-item-history": E(args={"pk": "work_item.project", "item_pk": "work_item"}),
    # map
    "projects:map": E(),
    "projects:region-options": E(),
    "projects:location": E(args=PROJECT, post="manage"),
    # approvals
    "approvals:case-list": E(who=BUREAU_READ),
    "approvals:my-cases": E(who=COMPANIES),
    "approvals:queue": E(who=REVIEWERS),
    "approvals:statistics": E(who=BUREAU_READ),
    "approvals:catalogue": E(),
    "approvals:catalogue-item-edit": E(args={"pk": "catalogue_item"}, guard="", who=BUREAU),
    "approvals:required-document-add": E(args={"pk": "catalogue_item"}, guard="", who=BUREAU),
    "approvals:case-create": E(who=COMPANIES),
    "approvals:case-detail": E(args=CASE),
    "approvals:case-form": E(args=CASE, action="edit", methods=POST_ONLY),
    "approvals:document-upload": E(
        args={"pk": "case", "document_pk": "required_document"},
        guard="case",
        action="edit",
        methods=POST_ONLY,
    ),
    "approvals:permit-download": E(args={"pk": "permit_case"}),
    "approvals:case-move": E(args={"pk": "case", "move": L("accept")}, action="move:accept"),
    "approvals:joint-review-schedule": E(args=CASE, action="schedule_joint_review", methods=POST_ONLY),
    "approvals:joint-review-minutes": E(
        args={"pk": "joint_review"},
        guard="joint_review.case",
        action="schedule_joint_review",
        methods=POST_ONLY,
    ),
    "approvals:document-download": E(args={"pk": "case_document"}, guard="case_document.case"),
    "approvals:review-detail": E(args=REVIEW),
    "approvals:review-start": E(args=REVIEW, action="move:start", methods=POST_ONLY),
    "approvals:review-decide": E(args=REVIEW, action="decide", methods=POST_ONLY),
    "approvals:review-resume": E(args=REVIEW, action="move:resume", methods=POST_ONLY),
    # coordination: the issue list
    "coordination:board": E(),
    "coordination:board-export": E(),
    "coordination:my-issues": E(),
    "coordination:my-issues-export": E(),
    "coordination:queue": E(who=REVIEWERS),
    "coordination:queue-export": E(who=REVIEWERS),
    "coordination:issue-create": E(who=ISSUE_RAISERS),
    "coordination:issue-detail": E(args=ISSUE),
    "coordination:issue-move": E(args={"pk": "issue", "move": L("accept")}, action="move:accept"),
    "coordination:issue-reschedule": E(args=ISSUE, action="dispatch"),
    "coordination:issue-attachment": E(args={"pk": "issue_attachment"}, guard="issue_attachment.issue"),
    "coordination:issue-attachment-add": E(args=ISSUE, action="attach"),
    "coordination:project-issues": E(args=PROJECT),
    # coordination: meetings, liaison officers, service log, call-backs, statistics
    "coordination:meeting-list": E(),
    "coordination:meeting-export": E(),
    "coordination:meeting-create": E(who=BUREAU),
    "coordination:meeting-detail": E(args=MEETING),
    "coordination:meeting-edit": E(args=MEETING, action="change"),
    "coordination:meeting-minutes": E(args=MEETING, action="change"),
    "coordination:meeting-minutes-pdf": E(args=MEETING, methods=("GET",)),
    "coordination:decision-issue": E(
        args={"pk": "decision"}, guard="decision.meeting", action="change", methods=POST_ONLY
    ),
    "coordination:liaison-home": E(who=BUREAU_READ | LIAISONS),
    "coordination:officer-list": E(who=BUREAU_READ),
    "coordination:servicelog-list": E(who=BUREAU_READ | LIAISONS),
    "coordination:servicelog-export": E(who=BUREAU_READ | LIAISONS),
    "coordination:servicelog-create": E(who=LIAISONS),
    "coordination:callback-list": E(who=BUREAU_READ),
    "coordination:callback-export": E(who=BUREAU_READ),
    "coordination:callback-draw": E(who=BUREAU, methods=POST_ONLY),
    "coordination:callback-record": E(args={"pk": "callback"}, post="change"),
    "coordination:statistics": E(who=BUREAU_READ | REVIEWERS),
    "coordination:statistics-export": E(who=BUREAU_READ | REVIEWERS),
    # the API's own pages outside the router (the router's operations are in API below)
    "api-root": E(),
    "api-me": E(),
    "api-ping": E(),
    "api-token": PUBLIC,
    # drf-spectacular serves the schema and its Swagger page to anyone (SERVE_PERMISSIONS: AllowAny): the
    # operations, no data.
    "api-schema": E(public=True, methods=("GET",)),
    "api-docs": E(public=True, methods=("GET",)),
}

P = {"project_pk": "project"}
CASE_ID = {"id": "case"}
REVIEW_ID = {"id": "item_review"}
ISSUE_ID = {"id": "issue"}
MEETING_ID = {"id": "meeting"}
RISK = {"project_pk": "risk.project", "id": "risk"}
TASK = {"project_pk": "task.project", "id": "task"}
WORK = {"project_pk": "work_item.project", "id": "work_item"}
DOC = {"project_pk": "document.project", "id": "document"}
FREVIEW = {"project_pk": "feasibility_review.project", "id": "feasibility_review"}

API: dict[str, Entry] = {
    "auth_token_create": PUBLIC,
    "me_retrieve": E(),
    "ping_retrieve": E(),
    "my_responsibilities_list": E(),
    "notifications_list": E(),
    "notifications_read_create": E(args={"id": "notification"}),
    "notifications_read_all_create": E(),
    "organizations_list": E(),
    "organizations_retrieve": E(args={"id": "organization"}),
    "instructions_list": E(),
    "instructions_create": E(who=LEADERS),
    "instructions_retrieve": E(args={"id": "instruction"}),
    "instructions_answer_create": E(args={"id": "instruction"}, action="move:answer"),
    "instructions_withdraw_create": E(args={"id": "instruction"}, action="move:withdraw"),
    # projects
    "projects_list": E(),
    "projects_create": E(who=BUREAU),
    "projects_retrieve": E(args={"id": "project"}),
    "projects_partial_update": E(args={"id": "project"}, action="change"),
    "projects_void_create": E(args={"id": "project"}, action="void"),
    "projects_map_retrieve": E(),
    "projects_location_retrieve": E(args=P),
    "projects_location_update": E(args=P, action="manage"),
    "projects_gate_list": E(args=P),
    "projects_gate_advance_create": E(args=P, action="advance"),
    "projects_gate_transitions_list": E(args=P),
    "projects_confirmations_list": E(args=P),
    "projects_confirmations_create": E(args=P, action="advance"),
    "projects_confirmations_void_create": E(
        args={"project_pk": "confirmation.project", "id": "confirmation"},
        guard="confirmation.project",
        action="advance",
    ),
    "projects_documents_list": E(args=P),
    "projects_documents_create": E(args=P, action="manage"),
    "projects_documents_retrieve": E(args=DOC),
    "projects_documents_file_retrieve": E(args=DOC),
    "projects_documents_void_create": E(args=DOC, action=("manage", "project")),
    "projects_feasibility_reviews_list": E(args=P),
    "projects_feasibility_reviews_create": E(args=P, action="advance"),
    "projects_feasibility_reviews_retrieve": E(args=FREVIEW),
    "projects_feasibility_reviews_conclude_create": E(args=FREVIEW, action="change"),
    "projects_feasibility_reviews_departments_create": E(args=FREVIEW, action="change"),
    "projects_feasibility_reviews_void_create": E(args=FREVIEW, action="change"),
    "feasibility_opinions_list": E(),
    "feasibility_opinions_retrieve": E(args={"id": "opinion"}),
    "feasibility_opinions_extend_create": E(args={"id": "opinion"}, action=("change", "review")),
    "feasibility_opinions_give_create": E(args={"id": "opinion"}, action="move:give"),
    "projects_risks_list": E(args=P),
    "projects_risks_create": E(args=P, action="manage"),
    "projects_risks_heat_map_retrieve": E(args=P),
    "projects_risks_retrieve": E(args=RISK),
    "projects_risks_partial_update": E(args=RISK, action="change"),
    "projects_risks_close_create": E(args=RISK, action="change"),
    "projects_risks_reopen_create": E(args=RISK, action="change"),
    "projects_risks_void_create": E(args=RISK, action="change"),
    "risks_list": E(),
    "risks_heat_map_retrieve": E(),
    "projects_tasks_list": E(args=P),
    "projects_tasks_create": E(args=P, action="manage"),
    "projects_tasks_retrieve": E(args=TASK),
    "projects_tasks_partial_update": E(args=TASK, action="change"),
    "projects_tasks_progress_create": E(args=TASK, action="report"),
    "projects_tasks_responsibilities_create": E(args=TASK, action="change"),
    "projects_tasks_void_create": E(args=TASK, action="change"),
    "projects_dependencies_list": E(args=P),
    "projects_dependencies_create": E(args=P, action="manage"),
    "projects_dependencies_remove_create": E(
        args={"project_pk": "dependency.successor.project", "id": "dependency"},
        guard="dependency.successor.project",
        action="manage",
    ),
    "projects_baselines_list": E(args=P),
    "projects_baselines_create": E(args=P, action="manage"),
    "projects_gantt_retrieve": E(args=P),
    "projects_schedule_retrieve": E(args=P),
    "projects_schedule_import_create": E(args=P, action="manage"),
    "projects_schedule_template_retrieve": E(args=P),
    "projects_monthly_progress_list": E(args=P),
    "projects_monthly_progress_plan_retrieve": E(
        args={"project_pk": "progress.project", "year": "progress.month.year"}, guard="progress.project"
    ),
    "projects_monthly_progress_plan_create": E(args=P, action="manage"),
    "projects_monthly_progress_report_create": E(args=P, action="manage"),
    "projects_monthly_progress_correct_create": E(args=P, action="manage"),
    "projects_joint_command_retrieve": E(args=P),
    "projects_joint_command_update": E(args=P, action="manage"),
    "projects_joint_command_members_create": E(args=P, action="manage"),
    "projects_joint_command_members_void_create": E(
        args={"project_pk": "member.command.project", "member_pk": "member"},
        guard="member.command.project",
        action="manage",
    ),
    "projects_region_work_list": E(args=P),
    "projects_region_work_create": E(args=P, action="manage"),
    "projects_region_work_retrieve": E(args=WORK),
    "projects_region_work_partial_update": E(args=WORK, action="change"),
    "projects_region_work_report_create": E(args=WORK, action="report"),
    "projects_region_work_void_create": E(args=WORK, action="change"),
    # approvals
    "approvals_cases_list": E(),
    # The page asks for the company role and the permission; the API only for the permission, which the
    # superuser holds too (the service then refuses an applicant that is not a company).
    "approvals_cases_create": E(who=COMPANIES | {"admin"}),
    "approvals_cases_retrieve": E(args=CASE_ID),
    "approvals_cases_partial_update": E(args=CASE_ID, action="edit"),
    "approvals_cases_submit_create": E(args=CASE_ID, action="move:submit"),
    "approvals_cases_accept_create": E(args=CASE_ID, action="move:accept"),
    "approvals_cases_accept_with_deficiency_create": E(args=CASE_ID, action="move:accept_with_deficiency"),
    "approvals_cases_request_correction_create": E(args=CASE_ID, action="move:request_correction"),
    "approvals_cases_reject_create": E(args=CASE_ID, action="move:reject"),
    "approvals_cases_revoke_deficiency_create": E(args=CASE_ID, action="move:halt"),
    "approvals_cases_documents_create": E(args=CASE_ID, action="edit"),
    "approvals_cases_requirements_list": E(args=CASE_ID),
    "approvals_cases_documents_file_retrieve": E(
        args={"id": "case_document.case", "document_id": "case_document"}, guard="case_document.case"
    ),
    "approvals_cases_permit_retrieve": E(args={"id": "permit_case"}),
    "approvals_reviews_list": E(),
    "approvals_reviews_retrieve": E(args=REVIEW_ID),
    "approvals_reviews_start_create": E(args=REVIEW_ID, action="move:start"),
    "approvals_reviews_decide_create": E(args=REVIEW_ID, action="decide"),
    "approvals_reviews_resume_create": E(args=REVIEW_ID, action="move:resume"),
    # coordination
    "coordination_issues_list": E(),
    "coordination_issues_create": E(who=ISSUE_RAISERS),
    "coordination_issues_retrieve": E(args=ISSUE_ID),
    "coordination_issues_accept_create": E(args=ISSUE_ID, action="move:accept"),
    "coordination_issues_assign_create": E(args=ISSUE_ID, action="move:assign"),
    "coordination_issues_decline_create": E(args=ISSUE_ID, action="move:decline"),
    "coordination_issues_start_create": E(args=ISSUE_ID, action="move:start"),
    "coordination_issues_resolve_create": E(args=ISSUE_ID, action="move:resolve"),
    "coordination_issues_close_create": E(args=ISSUE_ID, action="move:close"),
    "coordination_issues_verify_create": E(args=ISSUE_ID, action="move:confirm"),
    "coordination_issues_reschedule_create": E(args=ISSUE_ID, action="dispatch"),
    "coordination_issues_attachments_create": E(args=ISSUE_ID, action="attach"),
    "coordination_issues_attachments_retrieve": E(
        args={"id": "issue_attachment.issue", "att_id": "issue_attachment"}, guard="issue_attachment.issue"
    ),
    "coordination_meetings_list": E(),
    "coordination_meetings_create": E(who=BUREAU),
    "coordination_meetings_retrieve": E(args=MEETING_ID),
    "coordination_meetings_partial_update": E(args=MEETING_ID, action="change"),
    "coordination_meetings_minutes_create": E(args=MEETING_ID, action="change"),
    "coordination_meetings_decisions_issue_create": E(
        args={"decision_id": "decision"}, guard="decision.meeting", action="change"
    ),
    "coordination_service_log_list": E(),
    # The API asks for the permission, which the superuser holds too (the service then refuses a non-officer).
    "coordination_service_log_create": E(who=LIAISONS | {"admin"}),
    "coordination_callbacks_list": E(),
    "coordination_callbacks_record_create": E(args={"id": "callback"}, action="change"),
    "coordination_stats_list": E(who=BUREAU_READ | REVIEWERS),
}


# ------------------------------------------------------------------------------------------------- supervision
# Each part of supervision/ (and the BIM part of projects/) keeps its rows beside its tests, in
# tests/supervision/matrix_<part>.py (tests/projects/matrix_bim_*.py): PAGES and API
# (rows as above, written with `from access_matrix_spec import E, L, …`) and WORLD, a function (both, users) →
# {kind: {"own": obj, "other": obj}} adding its kinds to the fixture world; WORLD_GUARDS names, for a kind the
# policy does not answer for itself, the attribute path to the object it does ("document": "target").
WORLDS: list = []
WORLD_GUARDS: dict[str, str] = {}


def _load_parts() -> None:
    import importlib.util
    from pathlib import Path

    here = Path(__file__).parent
    for path in sorted([*here.glob("supervision/matrix_*.py"), *here.glob("projects/matrix_*.py")]):
        loader = importlib.util.spec_from_file_location(f"access_matrix_{path.stem}", path)
        module = importlib.util.module_from_spec(loader)
        loader.loader.exec_module(module)
        for name, rows in (("PAGES", PAGES), ("API", API)):
            clash = set(rows) & set(getattr(module, name, {}))
            assert not clash, f"{path.name} repeats {name} rows: {sorted(clash)}"
            rows.update(getattr(module, name, {}))
        if hasattr(module, "WORLD"):
            WORLDS.append(module.WORLD)
        WORLD_GUARDS.update(getattr(module, "WORLD_GUARDS", {}))


_load_parts()
