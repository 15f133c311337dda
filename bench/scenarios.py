"""The benchmark scenarios, shared by the locustfile, the probe, run.sh and the report (plain Python: no Django,
no locust).

A scenario is one URL fetched over and over by a fixed number of logged-in users for a fixed time. By default the
users request back to back (no think time: the run measures what the server sustains, at BENCH_USERS concurrent
requests); a scenario with `think` instead models people who read a page for that many seconds before the next.
`{project}` in a path is replaced by a project the bench contractor may see (found by `probe.py login`)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    username: str
    path: str
    kind: str  # "api" (JSON) or "html"
    users: int | None = None  # None: BENCH_USERS
    think: tuple[float, float] | None = None  # seconds between a user's requests (uniform); None: back to back
    duration: int | None = None  # seconds; None: BENCH_DURATION


SCENARIOS = [
    Scenario("a_ping", "Baseline: GET /api/v1/ping/", "bench_contractor", "/api/v1/ping/", "api"),
    Scenario("b_api_list_superuser", "Projects API, 50 rows, superuser", "bench_admin",
             "/api/v1/projects/?page_size=50", "api"),
    Scenario("c_api_list_objperm", "Projects API, 50 rows, object permissions (contractor)", "bench_contractor",
             "/api/v1/projects/?page_size=50", "api"),
    Scenario("d_api_list_leader", "Projects API, 50 rows, leader (model permission)", "bench_leader",
             "/api/v1/projects/?page_size=50", "api"),
    Scenario("e_html_list_objperm", "Project list page /projects/ (contractor)", "bench_contractor",
             "/projects/", "html"),
    Scenario("f_html_dashboard_leader", "Leader dashboard / (leader)", "bench_leader", "/", "html"),
    Scenario("g_html_detail_objperm", "Project detail page (contractor)", "bench_contractor",
             "/projects/{project}/", "html"),
    Scenario("h_api_list_liaison", "Projects API, 50 rows, user grants (liaison officer)", "bench_liaison",
             "/api/v1/projects/?page_size=50", "api"),
    # Issue #3: the map API and a project's schedule at 3,000 projects (most located, 10 tasks each past planning).
    Scenario("j_api_map_leader", "Map API, every located project (leader)", "bench_leader",
             "/api/v1/projects/map/", "api"),
    Scenario("k_api_map_objperm", "Map API, object permissions (contractor)", "bench_contractor",
             "/api/v1/projects/map/", "api"),
    Scenario("l_html_schedule_objperm", "Project schedule tab (contractor)", "bench_contractor",
             "/projects/{project}/schedule/", "html"),
    # Issue #12: the issue list at 200,000 issue items (coordination/scale.py): a department's queue (the bench
    # reviewer's 自然资源厅 holds ~30 % of them), the bureau's board and the closure statistics page.
    Scenario("m_html_issue_queue", "Issue queue of a department (department reviewer)", "bench_reviewer",
             "/coordination/issues/queue/", "html"),
    Scenario("n_html_issue_board", "Issue board, every issue (bureau staff)", "bench_staff",
             "/coordination/issues/", "html"),
    Scenario("o_html_issue_statistics", "Issue closure statistics, 12 months (bureau staff)", "bench_staff",
             "/coordination/statistics/", "html"),
    # DOMAIN.md's peak: 100 people at once, each opening a page every 5–15 s (≈ 10 pages/s in all).
    Scenario("i_html_dashboard_peak", "Leader dashboard / at the DOMAIN peak (100 users, 5–15 s think time)",
             "bench_leader", "/", "html", users=100, think=(5.0, 15.0), duration=30),
]
BY_KEY = {s.key: s for s in SCENARIOS}
BASELINE = "a_ping"
LOGINS = sorted({s.username for s in SCENARIOS})

if __name__ == "__main__":  # for run.sh: `python scenarios.py KEY USERS DURATION` → "users duration"
    import sys

    if len(sys.argv) == 1:
        print(" ".join(s.key for s in SCENARIOS))
    else:
        s = BY_KEY[sys.argv[1]]
        print(s.users or sys.argv[2], s.duration or sys.argv[3])
