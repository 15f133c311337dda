"""Fifty people pressing the same button at the same moment, through the real HTTP layer: every single-winner move
of the workflows is taken by exactly one request; the other 49 are refused with 409 and a message in Chinese (code
`invalid_transition` or `stale`, portal.core.errors), never a 500; and nothing is half-written — one audit event,
one history row, one set of notifications per winning move, the object's state and version those of the winner.

Each race builds its own object (a fresh project, case, review or risk), logs in one test client per request (its
own session), lets them wait at a barrier and post together: one database connection per thread, real row locks,
so PostgreSQL only (SQLite serialises every writer anyway). `bench/concurrency.py` runs the same races outside
pytest and prints the figures (RELIABILITY.md).

Moves covered: an item's decision (approvals.ItemReview), the window's accept / reject / correction notice on a
submitted case and the applicant's submit (ApprovalCase), the case's completion when the last two items are
decided at once (the system move `complete`, with the permit number), a project's stage gate, a department's
feasibility opinion and the review's conclusion, and closing a risk (with and without its version)."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.utils import timezone, translation

from approvals import services as approvals
from approvals.models import ApprovalCase, CaseState, CorrectionNotice, ItemReview, ReviewState, stage_items
from portal.accounts.models import DepartmentCode, Organization, User
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from projects.feasibility import services as feasibility
from projects.models import (
    GateRequirement,
    Project,
    Stage,
    StageTransition,
)
from projects.risks import services as risks
from projects.services import project_create

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"
)

PARALLEL = 50
JSON = "application/json"
OWNER_ORG = "之江交通建设投资有限公司"
LAND_USE = "land_use_planning"  # its five items go to 发改, 自然资源 and 生态环境, which all have reviewers


# ------------------------------------------------------------------------------------------------ the runner
@dataclass
class Shot:
    """One request of a race: who posts what where."""

    user: User
    path: str
    body: dict[str, Any]
    label: str = ""  # what this request asked for (the decision, the action), to name the winner


@dataclass
class Outcome:
    shot: Shot
    status: int
    body: dict[str, Any]
    seconds: float

    @property
    def error(self) -> dict[str, Any]:
        return self.body.get("error") or {}


@dataclass
class Race:
    name: str
    shots: list[Shot]
    check: Callable[
        [list[Outcome]], None
    ]  # raises AssertionError unless the database holds exactly one winner
    winners: int = 1  # independent objects raced on at once (two items of one case: two winners)
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def figures(self) -> dict[str, Any]:
        statuses = Counter(o.status for o in self.outcomes)
        ok = sum(n for s, n in statuses.items() if 200 <= s < 300)
        latencies = sorted(o.seconds for o in self.outcomes)
        return {
            "race": self.name,
            "parallel": len(self.shots),
            "winners": ok,
            "409": statuses.get(409, 0),
            "other": {str(s): n for s, n in sorted(statuses.items()) if not (200 <= s < 300 or s == 409)},
            "codes": dict(Counter(o.error.get("code", "") for o in self.outcomes if o.error)),
            "seconds": round(self.seconds, 2),
            "slowest_request": round(latencies[-1], 2) if latencies else 0.0,
            "median_request": round(latencies[len(latencies) // 2], 2) if latencies else 0.0,
        }


def fire(race: Race) -> Race:
    """Post every shot of `race` at once: one logged-in client (its own session) and one database connection per
    thread, released together by a barrier. An exception escaping the view is recorded as a 500."""
    clients = []
    for shot in race.shots:
        client = Client()
        client.force_login(shot.user)
        clients.append(client)
    barrier = threading.Barrier(len(race.shots))
    outcomes: list[Outcome | None] = [None] * len(race.shots)

    def post(i: int) -> None:
        shot = race.shots[i]
        try:
            barrier.wait(60)
            began = time.perf_counter()
            try:
                response = clients[i].post(shot.path, shot.body, content_type=JSON)
                body = response.json() if response.get("Content-Type", "").startswith(JSON) else {}
                outcomes[i] = Outcome(shot, response.status_code, body, time.perf_counter() - began)
            except Exception as exc:  # noqa: BLE001 — a crash in the view is what the race must never produce
                outcomes[i] = Outcome(shot, 500, {"exception": repr(exc)}, time.perf_counter() - began)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(race.shots))]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    race.seconds = time.perf_counter() - began
    assert not any(t.is_alive() for t in threads), f"{race.name}: requests still running after 180 s"
    race.outcomes = [o for o in outcomes if o is not None]
    assert len(race.outcomes) == len(race.shots), f"{race.name}: a thread ended without an answer"
    return race


def run(race: Race) -> Race:
    fire(race)
    race.check(race.outcomes)
    return race


def split(outcomes: list[Outcome], winners: int = 1) -> tuple[list[Outcome], list[Outcome]]:
    """The winning answers and the refused ones; exactly `winners` win, no answer is a 5xx."""
    crashed = [(o.status, o.body) for o in outcomes if o.status >= 500]
    assert not crashed, crashed
    won = [o for o in outcomes if 200 <= o.status < 300]
    lost = [o for o in outcomes if not 200 <= o.status < 300]
    assert len(won) == winners, Counter(o.status for o in outcomes)
    return won, lost


def assert_refused(
    lost: list[Outcome], status: int, code: str, message: str | Callable[[Outcome], str]
) -> None:
    """Every loser got `status` with `code` and the message (Chinese: the clients send no Accept-Language)."""
    wrong = [(o.status, o.error) for o in lost if (o.status, o.error.get("code")) != (status, code)]
    assert not wrong, wrong
    for o in lost:
        expected = message(o) if callable(message) else message
        assert o.error["message"] == expected, (o.error["message"], expected)


def zh(value: Any) -> str:
    with translation.override("zh-hans"):  # whatever language an earlier test left active in this thread
        return str(value() if callable(value) else value)


def state_refusal(label: Any) -> str:
    """What fsm.Workflow.state_refusal says, as the Chinese client reads it."""
    return f"当前状态为“{zh(label)}”，不能进行此操作。"


def transitions(obj) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            content_type__model=obj._meta.model_name, object_id=str(obj.pk), action="transition"
        ).order_by("created_at", "id")
    )


def recipients(event_key_prefix: str) -> Counter:
    """How many notifications each recipient got for events starting with `event_key_prefix`."""
    return Counter(
        Notification.objects.filter(event_key__startswith=event_key_prefix).values_list(
            "recipient_id", flat=True
        )
    )


def once_each(counts: Counter, users) -> None:
    """Each of `users` notified exactly once, nobody else."""
    assert counts == Counter(u.pk for u in {u.pk: u for u in users if u.is_active}.values()), counts


def reviewers_of(department_id: int) -> list[User]:
    return list(
        User.objects.filter(
            organization_id=department_id, groups__name="department_reviewer", is_active=True
        ).order_by("pk")
    )


def user(username: str) -> User:
    return User.objects.get(username=username)


def department(code: str) -> Organization:
    return Organization.objects.get(department_code=code)


# ------------------------------------------------------------------------------------------------ fixtures
def new_project(name: str, stage: str = Stage.PROPOSAL) -> Project:
    """A fresh project of the demo owner (之江交通), so races never depend on what the demo left where."""
    serial = random.randint(0, 999_999)  # noqa: S311 — a test code, not a secret
    return project_create(
        actor=user("staff"),
        code=f"2025-330100-48-01-{serial:06d}",
        name=f"{name}{serial:06d}",
        project_type="transport",
        level="provincial",
        stage=stage,
        total_investment=Decimal("1000000"),
        owner=Organization.objects.get(name=OWNER_ORG),
    )


def pdf(name: str) -> SimpleUploadedFile:
    body = f"%PDF-1.4\n% {name}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return SimpleUploadedFile(f"{name}.pdf", body.encode(), content_type="application/pdf")


def draft_case(name: str) -> ApprovalCase:
    """A 立项用地 case of a fresh project by the owner, every required document uploaded, not submitted yet."""
    owner = user("owner")
    case = approvals.case_create(
        actor=owner,
        project=new_project(name),
        stage=LAND_USE,
        form_data={"scale": "全长 12 公里", "contact": "钱立群"},
    )
    for doc in approvals.stage_documents(LAND_USE):
        approvals.document_upload(actor=owner, case=case, required_document=doc, upload=pdf(doc.name))
    return case


def accepted_case(name: str) -> ApprovalCase:
    case = approvals.case_submit(actor=user("owner"), case=draft_case(name))
    return approvals.case_accept(actor=user("staff"), case=case)


# ------------------------------------------------------------------------------------------------ the races
def item_decision_race(n: int = PARALLEL) -> Race:
    """n reviewers of one department decide one item at once, each something else."""
    case = accepted_case("并发审查测试项目")
    review = (
        ItemReview.objects.filter(
            case=case, item__department__department_code=DepartmentCode.DEVELOPMENT_REFORM
        )
        .order_by("pk")
        .first()
    )
    people = reviewers_of(review.department_id)
    kinds = [
        ("approve", {}),
        ("approve_with_conditions", {"conditions": "落实节地措施"}),
        ("reject", {}),
        ("request_correction", {}),
    ]
    shots = [
        Shot(
            people[i % len(people)],
            f"/api/v1/approvals/reviews/{review.pk}/decide/",
            {"decision": kinds[i % 4][0], "opinion": f"意见{i:02d}", **kinds[i % 4][1]},
            ItemReview.workflow.transitions[kinds[i % 4][0]].target,  # the state the decision leads to
        )
        for i in range(n)
    ]
    applicant = User.objects.filter(organization_id=case.applicant_id, is_active=True)

    def check(outcomes: list[Outcome]) -> None:
        (won,), lost = split(outcomes)
        review.refresh_from_db()
        assert review.state == won.shot.label and won.body["state"] == won.shot.label
        assert review.opinion == won.shot.body["opinion"] and review.reviewer_id == won.shot.user.pk
        assert_refused(lost, 409, "invalid_transition", state_refusal(review.get_state_display))
        assert [(e.from_state, e.to_state, e.actor_id) for e in transitions(review)] == [
            ("pending", won.shot.label, won.shot.user.pk)
        ]
        once_each(recipients(f"review:{review.pk}:"), applicant)
        case.refresh_from_db()
        assert case.state == CaseState.ACCEPTED  # four more items to go

    return Race("item decision (approvals)", shots, check)


WINDOW = {
    "accept": ({}, CaseState.ACCEPTED),
    "reject": ({"reason": "申请材料与项目不符"}, CaseState.REJECTED),
    "request-correction": (
        {"items": ["用地红线图比例不符"], "message": "请补正"},
        CaseState.CORRECTION_REQUESTED,
    ),
}


def window_race(n: int = PARALLEL) -> Race:
    """n window clerks act on one submitted case at once: most accept, some reject, some send the one
    correction notice. Whichever wins, the others find the case no longer submitted."""
    case = approvals.case_submit(actor=user("owner"), case=draft_case("并发受理测试项目"))
    staff = user("staff")
    moves = ["accept", "accept", "accept", "reject", "request-correction"]
    shots = [
        Shot(
            staff,
            f"/api/v1/approvals/cases/{case.pk}/{moves[i % len(moves)]}/",
            {**WINDOW[moves[i % len(moves)]][0]},
            moves[i % len(moves)],
        )
        for i in range(n)
    ]
    items = list(stage_items(LAND_USE))
    applicant = User.objects.filter(organization_id=case.applicant_id, is_active=True)

    def check(outcomes: list[Outcome]) -> None:
        (won,), lost = split(outcomes)
        case.refresh_from_db()
        assert case.state == WINDOW[won.shot.label][1] == won.body["state"]
        assert_refused(lost, 409, "invalid_transition", state_refusal(case.get_state_display))
        assert [(e.from_state, e.to_state) for e in transitions(case)] == [
            ("draft", "submitted"),
            ("submitted", case.state),
        ]
        accepted = case.state == CaseState.ACCEPTED
        assert ItemReview.objects.filter(case=case).count() == (len(items) if accepted else 0)
        assert CorrectionNotice.objects.filter(case=case).count() == (
            case.state == CaseState.CORRECTION_REQUESTED
        )
        # the applicant hears of the decision once; with an acceptance every item's department once per item
        once_each(
            recipients(f"case:{case.pk}:accepted")
            + recipients(f"case:{case.pk}:rejected")
            + recipients(f"case:{case.pk}:correction:"),
            applicant,
        )
        # each item's department hears of it once: a reviewer of a department with two items, twice
        expected = (
            Counter(u.pk for i in items for u in reviewers_of(i.department_id)) if accepted else Counter()
        )
        assert recipients(f"case:{case.pk}:item:") == expected

    return Race("case accept / reject / correction (approvals)", shots, check)


def submit_race(n: int = PARALLEL) -> Race:
    """The applicant's n sessions submit one case at once (a double click, many times over)."""
    case = draft_case("并发提交测试项目")
    owner = user("owner")
    shots = [Shot(owner, f"/api/v1/approvals/cases/{case.pk}/submit/", {}, "submit") for _ in range(n)]

    def check(outcomes: list[Outcome]) -> None:
        (won,), lost = split(outcomes)
        case.refresh_from_db()
        assert case.state == CaseState.SUBMITTED == won.body["state"]
        assert_refused(lost, 409, "invalid_transition", state_refusal(case.get_state_display))
        assert [(e.from_state, e.to_state) for e in transitions(case)] == [("draft", "submitted")]
        staff = User.objects.filter(groups__name="bureau_staff", is_active=True)
        once_each(recipients(f"case:{case.pk}:submitted:"), staff)

    return Race("case submit (approvals)", shots, check)


def completion_race(n: int = PARALLEL) -> Race:
    """Every item of an accepted case is approved but two, of two departments; their reviewers (n in all) approve
    them at once. Each item is decided once, and the case completes once: one permit number, one notice."""
    case = accepted_case("并发办结测试项目")
    reviews = list(
        ItemReview.objects.filter(case=case)
        .select_related("item", "department")
        .order_by("item__order", "pk")
    )
    last = [
        next(r for r in reviews if r.department.department_code == code)
        for code in (DepartmentCode.NATURAL_RESOURCES, DepartmentCode.ECOLOGY_ENVIRONMENT)
    ]
    for r in reviews:
        if r not in last:
            approvals.review_decide(actor=reviewers_of(r.department_id)[0], review=r, decision="approve")
    shots = [
        Shot(
            reviewers_of(last[i % 2].department_id)[0],
            f"/api/v1/approvals/reviews/{last[i % 2].pk}/decide/",
            {"decision": "approve", "opinion": f"同意{i:02d}"},
            str(last[i % 2].pk),
        )
        for i in range(n)
    ]
    applicant = User.objects.filter(organization_id=case.applicant_id, is_active=True)

    def check(outcomes: list[Outcome]) -> None:
        won, lost = split(outcomes, winners=2)
        assert sorted(o.shot.label for o in won) == sorted(str(r.pk) for r in last)
        assert_refused(lost, 409, "invalid_transition", state_refusal(ReviewState.APPROVED.label))
        for r in last:
            r.refresh_from_db()
            assert r.state == ReviewState.APPROVED
            assert len(transitions(r)) == 1
        case.refresh_from_db()
        assert case.state == CaseState.COMPLETED and case.permit_number.startswith("LY")
        assert [(e.from_state, e.to_state) for e in transitions(case)][-1] == ("accepted", "completed")
        assert [e.to_state for e in transitions(case)].count("completed") == 1
        once_each(recipients(f"case:{case.pk}:completed"), applicant)

    return Race("case completion by the last two items (approvals)", shots, check, winners=2)


def gate_race(n: int = PARALLEL) -> Race:
    """n bureau staff sessions move one project through its gate at once, each with its own reason."""
    GateRequirement.objects.filter(stage=Stage.PROPOSAL).update(active=False)  # nothing required to leave
    project = new_project("并发推进测试项目")
    staff = user("staff")
    shots = [
        Shot(
            staff,
            f"/api/v1/projects/{project.pk}/gate/advance/",
            {"expected_stage": Stage.PROPOSAL, "reason": f"第{i:02d}次点击"},
        )
        for i in range(n)
    ]
    people = list(User.objects.filter(organization_id=project.owner_id, is_active=True))
    stale = (
        f"项目当前处于“{zh(Stage.FEASIBILITY.label)}”阶段，而非“{zh(Stage.PROPOSAL.label)}”：在您打开页面后，"
        "已有他人推进了项目阶段。请刷新页面后重新核对。"
    )

    def check(outcomes: list[Outcome]) -> None:
        (won,), lost = split(outcomes)
        assert won.status == 201
        assert_refused(lost, 409, "stale", stale)
        project.refresh_from_db()
        assert project.stage == Stage.FEASIBILITY
        history = list(StageTransition.objects.filter(project=project))
        assert [(t.from_stage, t.to_stage, t.reason, t.pk) for t in history] == [
            ("proposal", "feasibility", won.shot.body["reason"], won.body["id"])
        ]
        assert [(e.from_state, e.to_state, e.reason) for e in transitions(project)] == [
            ("proposal", "feasibility", won.shot.body["reason"])
        ]
        once_each(recipients(f"project:{project.pk}:stage-transition:"), people)

    return Race("stage gate advance (projects)", shots, check)


def opinion_race(n: int = PARALLEL) -> Race:
    """n sessions of 发改's two reviewers give the department's one feasibility opinion at once."""
    staff = user("staff")
    fgw = department(DepartmentCode.DEVELOPMENT_REFORM)
    review = feasibility.review_open(
        actor=staff,
        project=new_project("并发可研测试项目", Stage.FEASIBILITY),
        title="可研报告联合审查",
        departments=[(fgw, approvals.today())],
    )
    opinion = review.opinions.get()
    people = reviewers_of(fgw.pk)
    conclusions = ["agree", "disagree", "agree_with_conditions"]
    shots = [
        Shot(
            people[i % len(people)],
            f"/api/v1/feasibility-opinions/{opinion.pk}/give/",
            {"conclusion": conclusions[i % 3], "opinion": f"审查意见{i:02d}", "conditions": "优化线位"},
            conclusions[i % 3],
        )
        for i in range(n)
    ]

    def check(outcomes: list[Outcome]) -> None:
        (won,), lost = split(outcomes)
        opinion.refresh_from_db()
        assert (opinion.state, opinion.conclusion, opinion.opinion, opinion.given_by_id) == (
            "given",
            won.shot.label,
            won.shot.body["opinion"],
            won.shot.user.pk,
        )
        when = timezone.localtime(opinion.given_at).strftime("%Y-%m-%d %H:%M")
        # The losers hear who gave it and when: 409 like every lost race, with a code of its own.
        assert_refused(lost, 409, "already_given", f"{fgw.name}已于{when}出具意见，不能修改。")
        assert len(transitions(opinion)) == 1
        once_each(recipients(f"feasibility-opinion:{opinion.pk}:given"), [staff])

    return Race("feasibility opinion (projects)", shots, check)


def conclusion_race(n: int = PARALLEL) -> Race:
    """Every opinion is in; n bureau staff sessions conclude the review at once, each with its own words."""
    staff = user("staff")
    fgw = department(DepartmentCode.DEVELOPMENT_REFORM)
    review = feasibility.review_open(
        actor=staff,
        project=new_project("并发可研结论测试项目", Stage.FEASIBILITY),
        title="可研报告联合审查",
        departments=[(fgw, approvals.today())],
    )
    feasibility.opinion_give(
        actor=reviewers_of(fgw.pk)[0], opinion=review.opinions.get(), conclusion="agree", opinion_text="同意"
    )
    shots = [
        Shot(
            staff,
            f"/api/v1/projects/{review.project_id}/feasibility-reviews/{review.pk}/conclude/",
            {"conclusion": f"结论{i:02d}：项目可行"},
        )
        for i in range(n)
    ]
    people = [*User.objects.filter(organization_id=review.project.owner_id, is_active=True), staff]

    def check(outcomes: list[Outcome]) -> None:
        (won,), lost = split(outcomes)
        review.refresh_from_db()
        assert (review.state, review.conclusion) == ("concluded", won.shot.body["conclusion"])
        assert_refused(lost, 409, "invalid_transition", state_refusal(review.get_state_display))
        assert [(e.from_state, e.to_state, e.reason) for e in transitions(review)] == [
            ("open", "concluded", won.shot.body["conclusion"])
        ]
        once_each(recipients(f"feasibility-review:{review.pk}:concluded"), people)

    return Race("feasibility review conclusion (projects)", shots, check)


def risk_race(n: int = PARALLEL) -> Race:
    """n sessions close one risk at once: half send the version they read (the losers hear "stale"), half send
    none (the losers hear the risk is closed)."""
    staff = user("staff")
    project = new_project("并发风险测试项目")
    risk = risks.risk_create(
        actor=staff,
        project=project,
        title="征地拆迁进度滞后",
        category="land",
        likelihood=4,
        impact=4,
        owner_name="钱立群",
    )
    shots = [
        Shot(
            staff,
            f"/api/v1/projects/{project.pk}/risks/{risk.pk}/close/",
            {"close_note": f"已处置{i:02d}", **({"version": risk.version} if i % 2 else {})},
            "version" if i % 2 else "",
        )
        for i in range(n)
    ]

    def check(outcomes: list[Outcome]) -> None:
        (won,), lost = split(outcomes)
        risk.refresh_from_db()
        assert (risk.status, risk.close_note, risk.version) == ("closed", won.shot.body["close_note"], 2)
        assert won.body["version"] == 2
        assert_refused(
            [o for o in lost if o.shot.label],
            409,
            "stale",
            "您打开页面后，他人已修改了此内容，请刷新后重试。",
        )
        assert_refused(
            [o for o in lost if not o.shot.label],
            409,
            "invalid_transition",
            state_refusal(risk.get_status_display),
        )
        assert [(e.from_state, e.to_state, e.reason) for e in transitions(risk)] == [
            ("open", "closed", won.shot.body["close_note"])
        ]

    return Race("risk close (projects)", shots, check)


RACES: dict[str, Callable[[int], Race]] = {
    "item_decision": item_decision_race,
    "window": window_race,
    "submit": submit_race,
    "completion": completion_race,
    "gate": gate_race,
    "opinion": opinion_race,
    "conclusion": conclusion_race,
    "risk_close": risk_race,
}


# ------------------------------------------------------------------------------------------------ the test
def test_fifty_simultaneous_requests_have_exactly_one_winner(demo_db):
    """Every race in one test: the demo (re-seeded for each transactional test) costs far more than a race."""
    failures = {}
    for name, build in RACES.items():
        try:
            run(build(PARALLEL))
        except AssertionError as exc:
            failures[name] = str(exc)[:2000]
    assert not failures, failures

    # The checks are not vacuous: two gate moves on two projects look like two winners of one race, refused.
    control = gate_race(2)
    other = new_project("对照项目")
    control.shots[1] = Shot(
        control.shots[1].user, f"/api/v1/projects/{other.pk}/gate/advance/", control.shots[1].body
    )
    fire(control)
    assert Counter(o.status for o in control.outcomes) == {201: 2}
    with pytest.raises(AssertionError):
        control.check(control.outcomes)
