"""The load test (bench/load.sh) and the scale-out runs (bench/scaleout.sh): people of every role using the portal
in a browser at DOMAIN.md's scale, not one URL hammered.

Each simulated person logs in through the login form as a browser does (GET the form, POST it with the CSRF token;
the session cookie is kept), opens its home page, and then walks the pages its role uses, with a pause of
LOAD_THINK seconds ("3,10": uniform between 3 and 10; "0": back to back, for the throughput curve) between pages.
A few walks write, as the people do: a leader writes an instruction (批示) on a project — which notifies the
project's holders and e-mails them through Celery — and a contractor reports progress on a task its organisation
owes. Every write GETs its form first and POSTs it with the token, and must answer with the redirect of success.

The roles and their share of the users (weights; the bench logins of portal.core.scale and the demo logins of
seed_demo, which the bench database also holds), and the pages they walk (besides every role's home page, project
list, search, detail and notifications):

- Contractor (weight 35): bench_contractor (320 projects through its organisation's grants); one in three is the
  demo `contractor`, whose organisation owes tasks. Home, project list and search, detail, schedule, monthly
  progress, what its organisation owes; reports progress on a task.
- Liaison (20): bench_liaison (120 projects through user grants). Home, list and search, detail, monthly progress,
  cross-region work, notifications.
- Staff (15): staff (bureau staff, every project). Home, list and search, detail, schedule, the approval case board,
  organisation search, the risk overview, the progress overview.
- Reviewer (15): the demo department reviewers (reviewer, zjt_reviewer, zrzy_reviewer, sthj_reviewer, czt_reviewer,
  slt_reviewer, jtt_reviewer). Home, review queue, a review, feasibility opinions, project list and detail.
- Leader (15): bench_leader (every project, through the role's permission). The cockpit, the map page and its
  features API, approval statistics, project list and detail, instructions; writes an instruction.

A failed request is any status but 200 (302 for a write's POST), an HTML page without `</html>`, or an API answer
that is not JSON. Every request's start, latency, success, name, X-Query-Count and role are written to
LOAD_OUT/<LOAD_RUN>_samples.json for load_report.py, which computes exact percentiles per page.
"""

import html
import json
import os
import random
import re
import resource
import time
from itertools import count
from pathlib import Path
from urllib.parse import quote, urlencode

from locust import FastHttpUser, between, constant, events, task

OUT = Path(os.environ.get("LOAD_OUT", Path(__file__).resolve().parent / "out" / "load"))
RUN = os.environ.get("LOAD_RUN", "load")
# Several web servers (bench/scaleout.sh): each simulated person sticks to one, taken in turn.
HOSTS = [h for h in os.environ.get("LOAD_HOSTS", "").split(",") if h]
BENCH_PASSWORD = "keyprojects-bench-2024"  # portal.core.scale.BENCH_PASSWORD
DEMO_PASSWORD = "keyprojects-demo-2024"  # portal.core.demo
REVIEWERS = (
    "reviewer",
    "zjt_reviewer",
    "zrzy_reviewer",
    "sthj_reviewer",
    "czt_reviewer",
    "slt_reviewer",
    "jtt_reviewer",
)
SEARCHES = ("杭州", "高速", "绍兴", "水利", "宁波", "铁路", "温州", "医院", "公路", "嘉兴")
_think = [float(x) for x in os.environ.get("LOAD_THINK", "3,10").split(",")]
THINK = (_think[0], _think[-1])
# Writes per page opened, of the roles that write (a leader writes an instruction now and then; a contractor
# reports progress on one of its tasks now and then). 0 turns writes off.
WRITE_SHARE = float(os.environ.get("LOAD_WRITE_SHARE", "0.05"))

HTML_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
HEADERS = {"Accept": HTML_ACCEPT, "Accept-Language": "zh-CN,zh;q=0.9"}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PROJECT_LINK = re.compile(r'href="/projects/(\d+)/"')
REVIEW_LINK = re.compile(r'href="/approvals/reviews/(\d+)/"')
TASK_LINK = re.compile(r'href="/projects/(\d+)/schedule/tasks/(\d+)/"')
FEATURES_URL = re.compile(r'data-features-url="([^"]+)"')

# start (epoch s), latency (ms), ok, name, queries, role
samples: list[tuple[float, float, bool, str, int, str]] = []
_serial = count()
_turns: dict[str, count] = {}


class Browser(FastHttpUser):
    abstract = True
    wait_time = between(*THINK) if THINK[1] > 0 else constant(0)
    role = ""
    logins: tuple[tuple[str, str], ...] = ()  # (username, password), taken in turn

    def __init__(self, environment) -> None:
        self.serial = next(_serial)
        if HOSTS:
            self.host = HOSTS[self.serial % len(HOSTS)]
        super().__init__(environment)

    # --- plumbing ---------------------------------------------------------------------------------------------

    def context(self) -> dict:
        return {"role": self.role}

    def page(self, path: str, name: str, *, api: bool = False) -> str:
        """GETs a page (or, api=True, a JSON answer) and returns its text ("" when it failed)."""
        headers = {**HEADERS, "Accept": "application/json"} if api else HEADERS
        with self.client.get(
            path, name=name, headers=headers, allow_redirects=False, catch_response=True
        ) as r:
            text = r.text or ""
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
                return ""
            if api and not (r.headers.get("Content-Type") or "").startswith("application/json"):
                r.failure("not JSON")
                return ""
            if not api and "</html>" not in text:
                r.failure("not a full page")
                return ""
            return text

    def submit(self, path: str, name: str, data: dict) -> bool:
        """A form as a browser sends it: GET it, POST it with its CSRF token; success is the redirect."""
        form = self.page(path, f"{name} (form)")
        token = CSRF.search(form)
        if not token:
            return False
        body = urlencode({"csrfmiddlewaretoken": token.group(1), **data})
        headers = {
            **HEADERS,
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": self.host + path,
        }
        with self.client.post(
            path, name=name, data=body, headers=headers, allow_redirects=False, catch_response=True
        ) as r:
            if r.status_code != 302:
                r.failure(f"HTTP {r.status_code}")
                return False
        return True

    def on_start(self) -> None:
        turn = next(
            _turns.setdefault(type(self).__name__, count())
        )  # the class's own turn: its logins in order
        self.username, password = self.logins[turn % len(self.logins)]
        self.projects: list[int] = []
        form = self.page("/accounts/login/", "login (form)")
        token = CSRF.search(form)
        body = urlencode(
            {
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "username": self.username,
                "password": password,
                "next": "/",
            }
        )
        headers = {
            **HEADERS,
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": self.host + "/accounts/login/",
        }
        with self.client.post(
            "/accounts/login/",
            name="login",
            data=body,
            headers=headers,
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != 302:
                r.failure(f"login as {self.username}: HTTP {r.status_code}")
        self.home()
        self.project_list()

    def project_list(self) -> None:
        text = self.page("/projects/", "project list")
        found = [int(pk) for pk in PROJECT_LINK.findall(text)]
        if found:
            self.projects = found

    def a_project(self) -> int | None:
        return random.choice(self.projects) if self.projects else None

    def writes(self) -> bool:
        return WRITE_SHARE > 0 and random.random() < WRITE_SHARE

    # --- pages every role opens -------------------------------------------------------------------------------

    @task(3)
    def home(self) -> None:
        self.page("/", "home")

    @task(2)
    def list_page(self) -> None:
        self.project_list()

    @task(1)
    def search(self) -> None:
        term = random.choice(SEARCHES)
        text = self.page(f"/projects/?q={quote(term)}", "project search")
        found = [int(pk) for pk in PROJECT_LINK.findall(text)]
        if found:
            self.projects = found

    @task(4)
    def detail(self) -> None:
        pk = self.a_project()
        if pk:
            self.page(f"/projects/{pk}/", "project detail")

    @task(1)
    def notifications(self) -> None:
        self.page("/notifications/", "notifications")


class Contractor(Browser):
    role = "contractor"
    weight = 35
    # One in three is the demo contractor (华东路桥), whose organisation owes tasks and so reports progress; the
    # scale data set's contractor takes part in 320 projects but owes no task.
    logins = (
        ("bench_contractor", BENCH_PASSWORD),
        ("contractor", DEMO_PASSWORD),
        ("bench_contractor", BENCH_PASSWORD),
    )

    @task(2)
    def schedule(self) -> None:
        pk = self.a_project()
        if pk:
            self.page(f"/projects/{pk}/schedule/", "project schedule")

    @task(1)
    def progress(self) -> None:
        pk = self.a_project()
        if pk:
            self.page(f"/projects/{pk}/progress/", "project progress")

    @task(2)
    def responsibilities(self) -> None:
        text = self.page("/projects/my-responsibilities/", "my responsibilities")
        tasks = TASK_LINK.findall(text)
        if tasks and self.writes():
            project, task_pk = random.choice(tasks)
            self.report_progress(int(project), int(task_pk))

    def report_progress(self, project: int, task_pk: int) -> None:
        path = f"/projects/{project}/schedule/tasks/{task_pk}/progress/"
        form = self.page(path, "task progress (form)")
        token, version = CSRF.search(form), re.search(r'name="version" value="(\d+)"', form)
        if not token or not version:
            return
        percent = re.search(r'name="percent_complete"[^>]*value="([\d.]+)"', form)
        done = min(100, int(float(percent.group(1))) + 1) if percent else 1
        start = re.search(r'name="actual_start"[^>]*value="([^"]*)"', form)
        body = urlencode(
            {
                "csrfmiddlewaretoken": token.group(1),
                "version": version.group(1),
                "percent_complete": done if done < 100 else 99,
                "actual_start": html.unescape(start.group(1)) if start else time.strftime("%Y-%m-%d"),
                "actual_finish": "",
                "note": "压测进度填报",
            }
        )
        headers = {
            **HEADERS,
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": self.host + path,
        }
        with self.client.post(
            path, name="task progress", data=body, headers=headers, allow_redirects=False, catch_response=True
        ) as r:
            if r.status_code != 302:
                r.failure(f"HTTP {r.status_code}")


class Liaison(Browser):
    role = "liaison"
    weight = 20
    logins = (("bench_liaison", BENCH_PASSWORD),)

    @task(2)
    def progress(self) -> None:
        pk = self.a_project()
        if pk:
            self.page(f"/projects/{pk}/progress/", "project progress")

    @task(1)
    def regions(self) -> None:
        pk = self.a_project()
        if pk:
            self.page(f"/projects/{pk}/regions/", "project cross-region work")


class Staff(Browser):
    role = "staff"
    weight = 15
    logins = (("staff", DEMO_PASSWORD),)

    @task(2)
    def case_board(self) -> None:
        self.page("/approvals/", "approval case board")

    @task(1)
    def organisations(self) -> None:
        self.page(f"/accounts/organizations/?q={quote(random.choice(SEARCHES))}", "organisation search")

    @task(1)
    def risks(self) -> None:
        self.page("/projects/risks/", "risk overview")

    @task(1)
    def progress_overview(self) -> None:
        self.page("/projects/progress/", "progress overview")

    @task(1)
    def schedule(self) -> None:
        pk = self.a_project()
        if pk:
            self.page(f"/projects/{pk}/schedule/", "project schedule")


class Reviewer(Browser):
    role = "reviewer"
    weight = 15
    logins = tuple((name, DEMO_PASSWORD) for name in REVIEWERS)

    def on_start(self) -> None:
        self.reviews: list[int] = []
        super().on_start()
        self.queue()

    @task(4)
    def queue(self) -> None:
        text = self.page("/approvals/queue/", "approval queue")
        found = [int(pk) for pk in REVIEW_LINK.findall(text)]
        if found:
            self.reviews = found

    @task(3)
    def review(self) -> None:
        if self.reviews:
            self.page(f"/approvals/reviews/{random.choice(self.reviews)}/", "review detail")

    @task(1)
    def opinions(self) -> None:
        self.page("/projects/feasibility/opinions/", "feasibility opinions")


class Leader(Browser):
    role = "leader"
    weight = 15
    logins = (("bench_leader", BENCH_PASSWORD),)

    @task(2)
    def map(self) -> None:
        text = self.page("/projects/map/", "map page")
        url = FEATURES_URL.search(text)
        if url:
            self.page(html.unescape(url.group(1)), "map features API", api=True)

    @task(1)
    def statistics(self) -> None:
        self.page("/approvals/statistics/", "approval statistics")

    @task(1)
    def instructions(self) -> None:
        self.page("/instructions/", "instructions")
        pk = self.a_project()
        if pk and self.writes():
            self.submit(
                f"/instructions/write/projects.project/{pk}/",
                "instruction write",
                {"text": f"请抓紧推进，按期报送进展（压测 {time.strftime('%H:%M:%S')}）。"},
            )


@events.request.add_listener
def _record(
    request_type,
    name,
    response_time,
    response_length,
    response=None,
    exception=None,
    start_time=None,
    context=None,
    **kwargs,
) -> None:
    queries = -1
    if response is not None and getattr(response, "headers", None) is not None:
        try:
            queries = int(response.headers.get("X-Query-Count") or -1)
        except ValueError:
            queries = -1
    role = (context or {}).get("role", "")
    samples.append((start_time or 0.0, response_time, exception is None, name, queries, role))


@events.quitting.add_listener
def _dump(environment, **kwargs) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    (OUT / f"{RUN}_samples.json").write_text(
        json.dumps(
            {
                "locust_cpu_s": usage.ru_utime + usage.ru_stime,
                "think": THINK,
                "write_share": WRITE_SHARE,
                "samples": samples,
            }
        )
    )
