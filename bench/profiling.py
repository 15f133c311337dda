"""Where a request's time goes: each bench scenario run in-process under cProfile, through the whole WSGI stack.

    DJANGO_SETTINGS_MODULE=portal.settings.bench DATABASE_URL=postgres://…/portal_bench \\
        .venv/bin/python bench/profiling.py [--requests 200] [--top 12] [--out bench/out/profile.json] [KEY ...]

Each scenario's request is built as the load sends it (a session cookie from a real login for pages, as locust;
`Authorization: Token` for the API, as wrk in the side-by-side run) and handed to Django's WSGI application N
times after 20 unprofiled warm-up requests (caches, connections, compiled templates). Reported per scenario: the
in-process milliseconds per request (Python + waiting for PostgreSQL; no HTTP server, no network), the SQL queries
per request, the share of the profiled time by package (django, rest_framework, psycopg2, the portal's own code
…), and the top functions by own time. The report (`report.py`) prints it; the numbers are comparable only with
another run on the same machine.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scenarios import SCENARIOS  # noqa: E402

# Packages named in the breakdown; everything else under site-packages is "other libraries".
PACKAGES = ("django", "rest_framework", "psycopg2", "guardian", "drf_spectacular", "csp", "axes", "whitenoise",
            "orjson", "json", "celery", "kombu")
OWN = ("portal", "projects", "approvals", "coordination", "supervision", "funding", "performance")


def package_of(filename: str, name: str = "") -> str:
    if filename == "~":  # a function written in C
        return "psycopg2 (query and the wait for it)" if "psycopg2" in name else "C built-ins"
    path = filename.replace("\\", "/")
    if "site-packages/" in path:
        top = path.split("site-packages/", 1)[1].split("/", 1)[0]
        return top if top in PACKAGES else "other libraries"
    try:
        rel = Path(path).resolve().relative_to(ROOT)
    except ValueError:
        if path.startswith("~") or path.startswith("<"):
            return "builtins (C)"
        return "python stdlib"
    top = rel.parts[0]
    return f"portal code ({top})" if top in OWN else f"other ({top})"


def environ_for(path: str, *, cookie: str | None = None, token: str | None = None) -> dict:
    from urllib.parse import urlsplit

    parts = urlsplit(path)
    env = {
        "REQUEST_METHOD": "GET", "PATH_INFO": parts.path, "QUERY_STRING": parts.query, "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9", "HTTP_ACCEPT_ENCODING": "gzip, deflate",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }
    if cookie:
        env["HTTP_COOKIE"] = f"sessionid={cookie}"
    if token:
        env["HTTP_AUTHORIZATION"] = f"Token {token}"
    return env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("keys", nargs="*", help="scenario keys (default: every back-to-back scenario)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "profile.json"))
    parser.add_argument("--label", default="", help="a name for this run (e.g. before/after)")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.bench")
    os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/12")  # as bench/lib.sh: production's Redis cache
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import SESSION_KEY, get_user_model
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from portal.core import policy
    from projects.models import Project

    app = get_wsgi_application()
    users = {u.username: u for u in get_user_model().objects.filter(username__startswith="bench_")}
    engine = __import__(settings.SESSION_ENGINE, fromlist=["SessionStore"])

    def session_for(user) -> str:
        store = engine.SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store["_auth_user_backend"] = next(b for b in settings.AUTHENTICATION_BACKENDS if b.endswith("ModelBackend"))
        store["_auth_user_hash"] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    project = policy.visible(users["bench_contractor"], Project.objects.active()).order_by("pk").first().pk
    chosen = [s for s in SCENARIOS if s.think is None and (not args.keys or s.key in args.keys)]
    results = []
    for scenario in chosen:
        user = users[scenario.username]
        path = scenario.path.replace("{project}", str(project))
        # Pages with the browser's session cookie; the API with a token, as the side-by-side run measures it.
        if scenario.kind == "api":
            env_kwargs = {"token": Token.objects.get_or_create(user=user)[0].key}
        else:
            env_kwargs = {"cookie": session_for(user)}
        statuses = set()

        def call(env_kwargs=env_kwargs, path=path, statuses=statuses):
            captured = {}

            def start_response(status, headers, exc_info=None):
                captured["status"] = status

            body = app(environ_for(path, **env_kwargs), start_response)
            for _chunk in body:
                pass
            if hasattr(body, "close"):
                body.close()
            statuses.add(captured["status"])

        for _ in range(20):
            call()
        queries = []

        def count(execute, sql, params, many, context, _q=queries):
            _q.append(1)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            call()
        per_request_queries = len(queries)
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        for _ in range(args.requests):
            call()
        profiler.disable()
        wall_ms = (time.perf_counter() - start) * 1000 / args.requests
        stats = pstats.Stats(profiler)
        total = sum(v[2] for v in stats.stats.values())  # own time of every function
        by_package: dict[str, float] = defaultdict(float)
        rows = []
        for (filename, line, name), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():
            by_package[package_of(filename, name)] += tottime
            rows.append((tottime, cumtime, ncalls, filename, line, name))
        rows.sort(reverse=True)
        top = []
        for tottime, _cumtime, ncalls, filename, line, name in rows[: args.top]:
            short = filename.split("site-packages/", 1)[-1].replace(str(ROOT) + "/", "")
            top.append({"function": f"{short}:{line}({name})", "own_ms_per_request": round(tottime * 1000 / args.requests, 3),
                        "share_pct": round(100 * tottime / total, 1), "calls_per_request": round(ncalls / args.requests, 1)})
        results.append({
            "key": scenario.key, "title": scenario.title, "path": path, "auth": "token" if "token" in env_kwargs else "session",
            "status": sorted(statuses), "requests": args.requests, "ms_per_request": round(wall_ms, 2),
            "queries": per_request_queries,
            "by_package_pct": {k: round(100 * v / total, 1) for k, v in sorted(by_package.items(), key=lambda kv: -kv[1])},
            "top": top,
        })
        print(f"{scenario.key:28} {wall_ms:7.2f} ms/request (profiled)  {per_request_queries:3} queries  "
              f"{sorted(statuses)}", flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"label": args.label, "scenarios": results}, ensure_ascii=False, indent=1))
    print(f"written {out}")


if __name__ == "__main__":
    main()
