#!/usr/bin/env bash
# Issue #12's focused benchmark: the issue list at 200,000 issue items — the department queue, the board and the
# closure statistics (scenarios m, n, o of scenarios.py, plus the a_ping baseline) — on its own database, and the
# "Coordination (issue #12)" section of bench/REPORT.md (the rest of the report is left as it is).
#
#   bash bench/coordination.sh                     # keeps $DB when it exists (BENCH_KEEP_DB=1 by default)
#   DB=portal_bench BENCH_KEEP_DB=1 bash bench/coordination.sh   # against make bench's database, as it is
#
# Knobs: DB (coord_bench), BENCH_KEEP_DB (1), BENCH_USERS (10), BENCH_DURATION (20), BENCH_WARMUP (3),
# BENCH_WORKERS (2 × CPUs + 1), BENCH_PORT (8765), COORD_SCENARIOS (default "a_ping m_html_issue_queue
# n_html_issue_board o_html_issue_statistics"), BENCH_CACHE_URL (redis://127.0.0.1:6379/12), BENCH_QUIET_WAIT (10).
# Raw results in bench/out/coordination/ (run.sh empties bench/out, this directory with it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
PY=$ROOT/.venv/bin/python
OUT=${COORD_OUT:-$ROOT/bench/out/coordination}
export DB=${DB:-coord_bench}
export BENCH_KEEP_DB=${BENCH_KEEP_DB:-1}
export BENCH_USERS=${BENCH_USERS:-10}
export BENCH_DURATION=${BENCH_DURATION:-20}
export BENCH_WARMUP=${BENCH_WARMUP:-3}
export BENCH_WORKERS=${BENCH_WORKERS:-$(( 2 * $(nproc) + 1 ))}
export BENCH_QUIET_WAIT=${BENCH_QUIET_WAIT:-10}
SCENARIOS=${COORD_SCENARIOS:-a_ping m_html_issue_queue n_html_issue_board o_html_issue_statistics}
source "$ROOT/bench/lib.sh"

mkdir -p "$OUT/var"
started=$(date +%s)
if [[ "${COORD_SKIP_PREPARE:-0}" != 1 ]]; then
  bench_prepare_db
fi
# A kept database seeded before the issue list had scale data: add it (nothing when it is there).
"$PY" manage.py shell -c "from coordination.scale import seed_existing; print(seed_existing())"

PORT=$(bench_free_port "${BENCH_PORT:-8765}")
BASE=http://127.0.0.1:$PORT
step "gunicorn on $BASE ($BENCH_WORKERS sync workers)"
trap bench_stop_gunicorn EXIT INT TERM
bench_start_gunicorn "$PORT" "$BENCH_WORKERS" "$OUT/gunicorn.log"

step "log in ($BENCH_USERS sessions per bench user)"
"$PY" bench/probe.py login --base "$BASE" --sessions "$BENCH_USERS" --out "$OUT/sessions.json"
step "query counts before the load (the first request of the statistics computes them: cache empty)"
redis-cli -u "$CACHE_URL" --scan --pattern '*coordination:stats*' | xargs -r redis-cli -u "$CACHE_URL" del >/dev/null
"$PY" bench/probe.py sample --base "$BASE" --sessions "$OUT/sessions.json" --out "$OUT/probe_before.json" \
  --only "$SCENARIOS"

for key in $SCENARIOS; do
  run="$key@1"
  step "scenario $key: $BENCH_USERS users, ${BENCH_DURATION}s"
  "$PY" bench/cpu.py quiet "$OUT/${run}_quiet.json" --max-wait "$BENCH_QUIET_WAIT"
  "$PY" bench/cpu.py snap "$OUT/${run}_cpu_start.json" "$GUNICORN_PID"
  BENCH_SCENARIO=$key BENCH_RUN=$run BENCH_SESSIONS=$OUT/sessions.json BENCH_OUT=$OUT \
    "$ROOT/.venv/bin/locust" -f bench/locustfile.py --headless --host "$BASE" \
      --users "$BENCH_USERS" --spawn-rate "$BENCH_USERS" --run-time "${BENCH_DURATION}s" --stop-timeout 20 \
      --csv "$OUT/$run" --only-summary --loglevel WARNING --exit-code-on-error 0 2>&1 | tail -n 4
  "$PY" bench/cpu.py snap "$OUT/${run}_cpu_end.json" "$GUNICORN_PID"
done

step "query counts after the load"
"$PY" bench/probe.py sample --base "$BASE" --sessions "$OUT/sessions.json" --out "$OUT/probe_after.json" \
  --only "$SCENARIOS"
step "statistics computed cold, in-process (no cache)"
"$PY" manage.py shell -c "import json, time; from django.db import connection; \
from django.test.utils import CaptureQueriesContext; from django.utils import timezone; \
from portal.accounts.models import User; from coordination import stats; from coordination.scale import counts; \
u = User.objects.get(username='bench_staff'); f, t = stats.default_period(timezone.localdate()); ms = []
for _ in range(3):
    ctx = CaptureQueriesContext(connection); ctx.__enter__(); t0 = time.perf_counter(); \
stats.closure_statistics(user=u, date_from=f, date_to=t); ms.append(round((time.perf_counter() - t0) * 1000)); \
ctx.__exit__(None, None, None)
open('$OUT/cold.json', 'w').write(json.dumps({'ms': ms, 'queries': len(ctx.captured_queries), 'counts': counts()}))"
bench_stop_gunicorn
trap - EXIT INT TERM
"$PY" bench/coordination_report.py --out "$OUT" --report bench/REPORT.md --scenarios "$SCENARIOS" \
  --db "$DB" --elapsed "$(( $(date +%s) - started ))"
echo "Wrote the Coordination section of bench/REPORT.md"
