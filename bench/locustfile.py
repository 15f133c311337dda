"""One benchmark scenario per locust run (chosen by BENCH_SCENARIO, see scenarios.py).

Every simulated user takes a logged-in session from BENCH_SESSIONS (made by `probe.py login`; one per user
unless the scenario has more users than sessions) and fetches the scenario's URL back to back, or, for a scenario
with think time, after a random pause (the users then also start at random moments, not all at once). Besides
locust's own CSV, every request's start, latency, success and X-Query-Count is written to
BENCH_OUT/<BENCH_RUN>_samples.json, from which report.py computes exact percentiles over the steady part.
"""

import itertools
import json
import os
import random
import resource
import sys
from pathlib import Path

import gevent
from locust import FastHttpUser, between, constant, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scenarios import BY_KEY  # noqa: E402

SCENARIO = BY_KEY[os.environ["BENCH_SCENARIO"]]
OUT = Path(os.environ.get("BENCH_OUT", Path(__file__).resolve().parent / "out"))
RUN = os.environ.get("BENCH_RUN", SCENARIO.key)
_data = json.loads(Path(os.environ["BENCH_SESSIONS"]).read_text())
PATH = SCENARIO.path.format(project=_data["project"])
_sessions = itertools.cycle(_data["sessions"][SCENARIO.username])
ACCEPT = "application/json" if SCENARIO.kind == "api" else "text/html,application/xhtml+xml"

samples: list[tuple[float, float, bool, int]] = []  # start (epoch s), latency (ms), ok, queries


class PortalUser(FastHttpUser):
    wait_time = between(*SCENARIO.think) if SCENARIO.think else constant(0)

    def on_start(self) -> None:
        self.cookie = f"sessionid={next(_sessions)}"
        if SCENARIO.think:
            gevent.sleep(random.uniform(0, SCENARIO.think[1]))

    @task
    def fetch(self) -> None:
        headers = {"Cookie": self.cookie, "Accept": ACCEPT, "Accept-Language": "zh-CN,zh;q=0.9"}
        with self.client.get(PATH, name=SCENARIO.key, headers=headers, allow_redirects=False,
                             catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
            elif SCENARIO.kind == "api" and not r.headers.get("Content-Type", "").startswith("application/json"):
                r.failure("not JSON")
            elif SCENARIO.kind == "html" and b"</html>" not in (r.content or b""):
                r.failure("not a full page")


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response=None, exception=None, start_time=None,
            **kwargs) -> None:
    queries = -1
    if response is not None and getattr(response, "headers", None) is not None:
        queries = int(response.headers.get("X-Query-Count") or -1)
    samples.append((start_time or 0.0, response_time, exception is None, queries))


@events.quitting.add_listener
def _dump(environment, **kwargs) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    (OUT / f"{RUN}_samples.json").write_text(json.dumps(
        {"path": PATH, "locust_cpu_s": usage.ru_utime + usage.ru_stime, "samples": samples}
    ))
