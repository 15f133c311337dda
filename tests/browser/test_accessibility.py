"""Accessibility, which government portals owe their users (GB/T 37668-2019, built on WCAG 2.0 A/AA).

axe-core (tests/browser/vendor/axe.min.js, MPL-2.0, unmodified) runs inside the real pages with the WCAG 2 A and
AA rules; no violation of impact *serious* or *critical* may remain on each role's home page, the project list,
every tab of a project, and the approvals board, case, review and queue pages. The forms are usable with the
keyboard alone, and the focused control shows a visible outline."""

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from approvals.models import ApprovalCase, ItemReview
from portal.core.demo import DEMO_PASSWORD
from projects.gis import selectors as gis_selectors
from projects.models import Project, ProjectLevel

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo_db")]

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")

RUN_AXE = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]},
    resultTypes: ["violations"],
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 160),
                             summary: (n.failureSummary || "").replace(/\\s+/g, " ")})),
  }));
}"""


def axe_violations(page) -> list[dict]:
    """axe's serious and critical WCAG 2 A/AA violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern (an
        # added <script> tag is inline script, which the policy refuses).
        page.evaluate(AXE.read_text() + "\n;undefined")
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in BLOCKING]


def describe(url: str, violations: list[dict]) -> str:
    lines = [f"{url}: {len(violations)} serious/critical accessibility violation(s)"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
        for n in v["nodes"][:8]:
            lines.append(f"      at {n['target']}\n        {n['html']}\n        {n['summary']}")
        if len(v["nodes"]) > 8:
            lines.append(f"      … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def check(page, url: str | None = None, problems: list[str] | None = None) -> None:
    """Open `url` (or stay), assert it answered 200, and collect (or assert) its blocking violations."""
    if url is not None:
        response = page.goto(url)
        assert response.status == 200, f"{url} answered {response.status}"
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    found = axe_violations(page)
    if found:
        message = describe(page.url, found)
        if problems is None:
            raise AssertionError(message)
        problems.append(message)


def log_in(page, username: str) -> None:
    page.goto(reverse("login"))
    form = page.locator(f"form[action='{reverse('login')}']")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.url.endswith(reverse("home")), page.url


ROLES = ["admin", "staff", "leader", "liaison", "reviewer", "contractor", "inspector", "owner"]


def test_login_page_has_no_serious_violation(page):
    check(page, reverse("login"))


@pytest.mark.parametrize("username", ROLES)
def test_home_and_project_list_of_each_role(page, username):
    problems: list[str] = []
    log_in(page, username)
    check(page, problems=problems)
    check(page, reverse("projects:list"), problems)
    assert not problems, "\n\n".join(problems)


def test_every_tab_of_a_project(page):
    """Staff see every tab of a project under construction (the location tab draws the map)."""
    project = Project.objects.active().filter(name="杭绍台高速公路台州段").get()
    log_in(page, "staff")
    page.goto(project.get_absolute_url())
    tabs = page.get_by_test_id("project-tabs").locator("a")
    hrefs = [tabs.nth(i).get_attribute("href") for i in range(tabs.count())]
    assert len(hrefs) >= 8, hrefs
    problems: list[str] = []
    for href in hrefs:
        check(page, href, problems)
        if href == reverse("projects:location", args=[project.pk]):
            # Leaflet's zoom buttons are named in the page's language (their title is their accessible name).
            with translation.override("zh-hans"):
                labels = gis_selectors.map_config()["labels"]
            expect(page.locator(".leaflet-control-zoom-in")).to_have_attribute("title", labels["zoom_in"])
            expect(page.locator(".leaflet-control-zoom-out")).to_have_attribute("title", labels["zoom_out"])
    assert not problems, "\n\n".join(problems)


def test_approvals_pages_of_bureau_staff(page):
    log_in(page, "staff")
    problems: list[str] = []
    check(page, reverse("approvals:case-list"), problems)
    for case in ApprovalCase.objects.order_by("pk")[:3]:
        check(page, case.get_absolute_url(), problems)
    check(page, reverse("approvals:statistics"), problems)
    check(page, reverse("approvals:catalogue"), problems)
    assert not problems, "\n\n".join(problems)


def test_approvals_pages_of_a_reviewer(page):
    log_in(page, "reviewer")
    problems: list[str] = []
    check(page, reverse("approvals:queue"), problems)
    review = ItemReview.objects.filter(department__members__username="reviewer").order_by("pk").first()
    assert review is not None
    check(page, review.get_absolute_url(), problems)
    assert not problems, "\n\n".join(problems)


def test_approvals_pages_of_an_applicant(page):
    log_in(page, "owner")
    problems: list[str] = []
    check(page, reverse("approvals:my-cases"), problems)
    check(page, reverse("approvals:case-create"), problems)
    assert not problems, "\n\n".join(problems)


# ------------------------------------------------------------------------------------------- keyboard only
FOCUS_RING = """() => {
  const el = document.activeElement, s = getComputedStyle(el);
  return {tag: el.tagName.toLowerCase(), name: el.getAttribute("name"), style: s.outlineStyle,
          width: parseFloat(s.outlineWidth) || 0};
}"""


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until `selector` has the focus (each control passed on the way shows a focus ring)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING)
        if ring["tag"] != "body":
            assert ring["style"] != "none" and ring["width"] >= 2, f"no visible focus on {ring}"
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_login_form_by_keyboard_alone(page):
    page.goto(reverse("login"))
    tab_to(page, "input[name=username]")
    page.keyboard.type("staff")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "password"
    page.keyboard.type(DEMO_PASSWORD)
    tab_to(page, f"form[action='{reverse('login')}'] button[type=submit]", limit=3)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(reverse("home")), page.url
    expect(page.get_by_test_id("current-user")).to_contain_text("王建国")


def test_project_filter_form_by_keyboard_alone(page):
    log_in(page, "staff")
    page.goto(reverse("projects:list"))
    first_level = ProjectLevel.choices[0][0]  # what ArrowDown picks from "All levels"
    target = Project.objects.active().filter(level=first_level).order_by("pk").first()
    assert target is not None
    tab_to(page, "form.filters input[name=q]")
    page.keyboard.type(target.code)
    tab_to(page, "form.filters select[name=level]", limit=3)
    page.keyboard.press("ArrowDown")  # a closed select steps to the next option: the first real level
    chosen = page.evaluate("document.activeElement.value")
    assert chosen == first_level
    tab_to(page, "form.filters button[type=submit]", limit=12)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"q={target.code}" in page.url and f"level={chosen}" in page.url, page.url
    assert page.get_by_test_id("project-name").all_inner_texts() == [target.name]
