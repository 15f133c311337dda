"""Every role logs in through the real login form in a real browser, lands on its home page and opens the
project list; each sees exactly its own projects, and no page asks for anything outside the intranet server.

Assertions are on data (names from the demo), `lang`, structure and data-testid attributes, never on
translated labels. Screenshots go to test-artifacts/screenshots/<username>-home.png and -projects.png."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from portal.accounts.models import Organization, Role, User
from portal.core.demo import DEMO_PASSWORD
from projects.demo import PROJECTS
from projects.models import Project, ProjectUserObjectPermission, Stage

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo_db")]

PAGE_SIZE = 25  # portal.core.views.PAGE_SIZE
PLANNING_STAGES = [Stage.PROPOSAL, Stage.FEASIBILITY, Stage.PRELIMINARY_DESIGN]


def active_projects():
    return Project.objects.active()


def names(queryset) -> set[str]:
    return set(queryset.values_list("name", flat=True))


def log_in(page, username: str) -> None:
    """Fill and submit the login form as a person would."""
    page.goto(reverse("login"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    form = page.locator(f"form[action='{reverse('login')}']")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def open_project_list(page) -> None:
    with page.expect_navigation():
        page.get_by_test_id("main-nav").locator(f"a[href='{reverse('projects:list')}']").click()
    assert page.url.endswith(reverse("projects:list"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")


def listed_names(page) -> set[str]:
    return set(page.get_by_test_id("project-name").all_inner_texts())


def shoot(page, screenshots_dir, name: str) -> None:
    page.screenshot(path=str(screenshots_dir / f"{name}.png"), full_page=True)


def project_count(page) -> int:
    return int(page.get_by_test_id("project-count").inner_text().strip())


# --- what each role must see: (checks on the home page, checks on the project list) ------------------------

def admin_home(page, user):
    assert project_count(page) == active_projects().count()
    nav = page.get_by_test_id("main-nav")
    for name in ("accounts:user-list", "accounts:security-log", "status"):
        expect(nav.locator(f"a[href='{reverse(name)}']")).to_have_count(1)


def admin_projects(page, user):
    total = active_projects().count()
    assert page.get_by_test_id("project-row").count() == min(total, PAGE_SIZE)
    expect(page.locator("nav.pagination")).to_have_count(1 if total > PAGE_SIZE else 0)


def staff_home(page, user):
    assert project_count(page) == active_projects().count() == len(PROJECTS)
    expect(page.locator(f"main a[href='{reverse('projects:create')}']")).to_have_count(1)
    expect(page.get_by_test_id("main-nav").locator(f"a[href='{reverse('accounts:user-list')}']")).to_have_count(1)


def staff_projects(page, user):
    # All 30 demo projects: a full first page, newest first, and a next page.
    newest = list(active_projects().order_by("-created_at", "-id").values_list("name", flat=True)[:PAGE_SIZE])
    assert page.get_by_test_id("project-name").all_inner_texts() == newest
    expect(page.locator("nav.pagination")).to_have_count(1)
    expect(page.locator(f"main a[href='{reverse('projects:create')}']")).to_have_count(1)


def leader_home(page, user):
    # The cockpit's figures block counts every demo project of the province, and sums their investment.
    assert project_count(page) == active_projects().count() == len(PROJECTS)
    stats = page.locator(".stats .stat")
    expect(stats).to_have_count(2 + 3 + 2)  # count, investment (亿元), one per phase, overdue, live serious risks
    expect(page.get_by_test_id("overdue-count")).to_have_text(str(active_projects().overdue(timezone.localdate()).count()))
    investment_yi = sum(p[4] for p in PROJECTS)
    assert abs(int(stats.nth(1).locator(".stat-value").inner_text()) - investment_yi) <= 1
    # A leader looks; only staff register projects or read the security log.
    expect(page.locator(f"a[href='{reverse('projects:create')}']")).to_have_count(0)
    expect(page.get_by_test_id("main-nav").locator(f"a[href='{reverse('accounts:security-log')}']")).to_have_count(0)


def leader_projects(page, user):
    expect(page.locator(f"a[href='{reverse('projects:create')}']")).to_have_count(0)
    assert page.get_by_test_id("project-row").count() == PAGE_SIZE


def liaison_projects_expected(user) -> set[str]:
    mine = names(active_projects().filter(liaison_officer=user))
    assert mine and len(mine) < len(PROJECTS)
    return mine


def liaison_home(page, user):
    assert project_count(page) == len(liaison_projects_expected(user))


def liaison_projects(page, user):
    assert listed_names(page) == liaison_projects_expected(user)


def reviewer_projects_expected(user) -> set[str]:
    # The demo asks the development-and-reform reviewer to review every project still being planned.
    planning = names(active_projects().filter(stage__in=PLANNING_STAGES))
    assert planning and len(planning) < len(PROJECTS)
    return planning


def reviewer_home(page, user):
    assert project_count(page) == len(reviewer_projects_expected(user))


def reviewer_projects(page, user):
    assert listed_names(page) == reviewer_projects_expected(user)


def contractor_expected(user) -> tuple[set[str], Project]:
    """The contractor's own projects, and a project of another contractor its organisation has no part in."""
    org = user.organization
    own = names(active_projects().filter(participants__organization=org, participants__voided_at__isnull=True))
    other_org = Organization.objects.get(name="浙中建工集团有限公司")
    foreign = (active_projects().filter(participants__organization=other_org)
               .exclude(participants__organization=org).order_by("pk").first())
    assert own and foreign is not None
    return own, foreign


def contractor_home(page, user):
    own, foreign = contractor_expected(user)
    assert project_count(page) == len(own)
    expect(page.locator("main")).not_to_contain_text(foreign.name)


def contractor_projects(page, user):
    own, foreign = contractor_expected(user)
    assert listed_names(page) == own
    expect(page.locator("main")).not_to_contain_text(foreign.name)
    # Typing the other organisation's project address answers like a missing page.
    response = page.goto(foreign.get_absolute_url())
    assert response.status == 404
    expect(page.locator("main")).not_to_contain_text(foreign.name)
    page.request_log.failures.remove(f"404 {page.url}")


def inspector_projects_expected(user) -> set[str]:
    assigned = names(active_projects().filter(
        pk__in=ProjectUserObjectPermission.objects.filter(user=user, permission__codename="view_project")
        .values("content_object_id")
    ))
    assert assigned and len(assigned) < len(PROJECTS)
    return assigned


def inspector_home(page, user):
    assert project_count(page) == len(inspector_projects_expected(user))


def inspector_projects(page, user):
    assert listed_names(page) == inspector_projects_expected(user)


ROLES = [
    ("admin", None, admin_home, admin_projects),
    ("staff", Role.BUREAU_STAFF, staff_home, staff_projects),
    ("leader", Role.LEADER, leader_home, leader_projects),
    ("liaison", Role.LIAISON_OFFICER, liaison_home, liaison_projects),
    ("reviewer", Role.DEPARTMENT_REVIEWER, reviewer_home, reviewer_projects),
    ("contractor", Role.CONTRACTOR, contractor_home, contractor_projects),
    ("inspector", Role.INSPECTOR, inspector_home, inspector_projects),
]


@pytest.mark.parametrize(("username", "role", "check_home", "check_projects"), ROLES, ids=[r[0] for r in ROLES])
def test_role_logs_in_and_sees_its_projects(page, screenshots_dir, username, role, check_home, check_projects):
    user = User.objects.select_related("organization").get(username=username)
    assert user.has_role(role) if role else user.is_superuser

    log_in(page, username)
    assert page.url.endswith(reverse("home")), page.url
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("current-user")).to_contain_text(user.get_full_name())
    expect(page.get_by_test_id("project-count")).to_be_visible()
    check_home(page, user)
    shoot(page, screenshots_dir, f"{username}-home")

    open_project_list(page)
    expect(page.get_by_test_id("current-user")).to_contain_text(user.get_full_name())
    expect(page.get_by_test_id("project-table")).to_be_visible()
    shoot(page, screenshots_dir, f"{username}-projects")
    check_projects(page, user)

    # The stylesheet loaded (the screenshots are of the real look) and nothing left the intranet server.
    assert any(url.endswith(".css") for url in page.request_log.urls)
    assert page.request_log.external() == []
    assert page.request_log.failures == []
