"""The demo can finish its own showcase: every department a demo approval case or feasibility review reaches has an
active reviewer login documented in the README's "Demo logins" table, every documented reviewer login has work
really waiting for it (a running item of its department, or a feasibility opinion its department owes), and the
cases the README's "What to try in the demo" sends each reviewer to hold running items of that reviewer's
department. Seeding twice changes nothing.

The README is parsed, not copied: renaming a login or a case there without the demo (or the reverse) fails here."""

import re
from pathlib import Path

import pytest
from django.apps import apps

from approvals import selectors as approval_selectors
from approvals.models import RUNNING_REVIEW_STATES, ApprovalCase, ItemReview
from portal.accounts.models import Role, User
from portal.core.demo import DEMO_PASSWORD, USERS, seed_all
from projects.feasibility import selectors as feasibility_selectors
from projects.models import FeasibilityOpinion

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[1] / "README.md"
LOGIN = re.compile(r"`([a-z0-9_]+)`")
SERIAL = re.compile(r"`…(\d{7})`")


def readme_section(title: str) -> str:
    """The README from the heading `title` to the next heading of level 2 or 3."""
    text = README.read_text(encoding="utf-8")
    start = text.index(title)
    end = re.search(r"^#{2,3} ", text[start + len(title):], re.MULTILINE)
    return text[start:start + len(title) + end.start()] if end else text[start:]


def documented_logins() -> list[str]:
    """The logins of the "Demo logins" table (first column, in backticks), in order."""
    text = README.read_text(encoding="utf-8")
    start = text.index("Demo logins")
    table = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("|"):
            table.append(line)
        elif table:
            break
    logins = []
    for row in table[2:]:  # past the header and its rule
        logins += LOGIN.findall(row.split("|")[1])
    assert logins, "no logins found in the README's demo logins table"
    return logins


def reviewer_walk() -> dict[str, list[str]]:
    """Each reviewer sub-bullet of the walk: its first login → the case serials it names."""
    walk = readme_section("### What to try in the demo")
    bullets, current = [], None
    for line in walk.splitlines():
        if line.startswith("  - "):
            current = [line[4:]]
            bullets.append(current)
        elif current is not None and line.startswith("    "):
            current.append(line.strip())
        else:
            current = None
    out = {}
    for bullet in (" ".join(b) for b in bullets):
        logins = LOGIN.findall(bullet.split("(")[0])
        if logins:
            out[logins[0]] = SERIAL.findall(bullet)
    return out


def demo_case(serial: str) -> ApprovalCase:
    """The README's `…000000n`: the n-th demo case (a fresh seed numbers them SP<year>0000001…; after a flush the
    database's sequences may run on, the order of creation stays)."""
    return ApprovalCase.objects.select_related("project").order_by("pk")[int(serial) - 1]


def waiting_work(user: User) -> list:
    items = list(approval_selectors.review_queue(user=user, state="open"))
    opinions = list(feasibility_selectors.opinion_queue(user=user, show="pending"))
    return items + opinions


def test_every_demo_login_is_documented_exists_is_active_and_takes_the_demo_password():
    logins = documented_logins()
    assert set(logins) == {"admin"} | {username for username, *_ in USERS}
    users = {u.username: u for u in User.objects.filter(username__in=logins)}
    assert sorted(users) == sorted(set(logins))
    for login in logins:
        assert users[login].is_active and users[login].check_password(DEMO_PASSWORD), login


def test_every_department_a_demo_case_or_review_reaches_has_a_documented_reviewer_with_work():
    documented = User.objects.filter(username__in=documented_logins(), is_active=True, groups__name=Role.DEPARTMENT_REVIEWER)
    by_department: dict[int, list[User]] = {}
    for user in documented.select_related("organization"):
        by_department.setdefault(user.organization_id, []).append(user)

    reached = set(ItemReview.objects.filter(case__in=ApprovalCase.objects.active()).values_list("department_id", flat=True))
    reached |= set(FeasibilityOpinion.objects.values_list("department_id", flat=True))
    assert len(reached) >= 7  # 发改、自然资源、生态环境、财政、住建、水利、交通
    for department in reached:
        reviewers = by_department.get(department)
        assert reviewers, f"no documented reviewer login for organisation {department}"
        assert any(waiting_work(u) for u in reviewers), f"nothing waiting for organisation {department}"


def test_every_documented_reviewer_login_has_work_waiting():
    reviewers = User.objects.filter(username__in=documented_logins(), groups__name=Role.DEPARTMENT_REVIEWER)
    assert {"zjt_reviewer", "zjt_head", "slt_reviewer", "jtt_reviewer"} <= set(reviewers.values_list("username", flat=True))
    for user in reviewers:
        assert waiting_work(user), f"{user.username}'s queues are empty"


def test_each_department_with_documented_reviewers_has_a_head_where_new_departments_escalate():
    for login in ("zjt_head", "slt_reviewer", "jtt_reviewer"):
        user = User.objects.get(username=login)
        assert user.is_org_head and user.has_role(Role.DEPARTMENT_REVIEWER)
    assert not User.objects.get(username="zjt_reviewer").is_org_head


def test_the_overdue_housing_item_is_in_the_housing_reviewers_queue():
    from django.utils import timezone

    today = timezone.localdate()
    overdue = [r for r in ItemReview.objects.filter(state__in=RUNNING_REVIEW_STATES).select_related("department")
               if r.light(today) == "red"]
    housing = [r for r in overdue if r.department.department_code == "zjt"]
    assert housing, [r.department.department_code for r in overdue]
    for login in ("zjt_reviewer", "zjt_head"):
        queue = set(approval_selectors.review_queue(user=User.objects.get(username=login), state="open"))
        assert set(housing) <= queue, login


def test_the_walk_sends_each_reviewer_to_running_items_of_its_department():
    walk = reviewer_walk()
    documented = {u.username: u for u in User.objects.filter(username__in=documented_logins(),
                                                             groups__name=Role.DEPARTMENT_REVIEWER)}
    assert set(walk) <= set(documented) and len(walk) == 7, walk  # one sub-bullet per department
    covered = set()
    for login, serials in walk.items():
        user = documented[login]
        covered.add(user.organization_id)
        for serial in serials:
            case = demo_case(serial)
            running = case.reviews.filter(department_id=user.organization_id, state__in=RUNNING_REVIEW_STATES)
            assert running.exists(), (login, case.number)
    assert covered == {u.organization_id for u in documented.values()}


def test_the_walks_case_serials_name_the_cases_it_describes():
    """"<project> · <stage> (`…<serial>`": the case of that serial is of that project; all seven cases are named."""
    walk = readme_section("### What to try in the demo")
    named = re.findall(r"([^\s(（·]+(?:[（(][^)）]*[)）])?[^\s·]*) · [^(\n]{2,12}\(`…(\d{7})`", walk)
    assert {serial for _, serial in named} == {f"{n:07d}" for n in range(1, 8)}, named
    for name, serial in named:
        case = demo_case(serial)
        assert case.project.name.startswith(name), (name, case.project.name)


def test_seeding_the_demo_again_changes_nothing():
    models = [m for m in apps.get_models() if not m._meta.proxy]
    before = {m._meta.label: m.objects.count() for m in models}
    seed_all()
    after = {m._meta.label: m.objects.count() for m in models}
    assert {k: (before[k], after[k]) for k in before if before[k] != after[k]} == {}


def test_the_inspectors_home_counts_the_tasks_its_testing_agency_owes(client_for):
    """The walk sends `inspector` from the home page to what 衡正工程检测 owes (a testing agency reports its tasks)."""
    from projects.schedule.selectors import owed_counts

    inspector = User.objects.get(username="inspector")
    owed = owed_counts(user=inspector)
    assert owed["open"] >= 2
    html = client_for(inspector).get("/").content.decode()
    assert f'data-testid="owed-tasks">{owed["open"]}' in html
