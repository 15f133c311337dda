#!/usr/bin/env bash
# The load test (issue 11, part 5): people of every role — bureau staff, leaders, department reviewers,
# contractors, liaison officers — log in through the login form and walk the pages they use, with think time, at
# DOMAIN.md's peak (100 concurrent users) on the bench database at DOMAIN scale. Writes the "Load" section of
# bench/REPORT.md (p95 per page and per role, error rate against < 0.1 %) and prints a summary. Not part of the
# test suite. See bench/README.md ("Load test").
#
# Knobs (environment): LOAD_USERS (100), LOAD_MINUTES (10; LOAD_SECONDS overrides it), LOAD_THINK (seconds
# between a person's pages, "3,10"), LOAD_SPAWN_RATE (people starting per second, 2), LOAD_WORKERS (gunicorn sync
# workers, 2 × cores + 1), LOAD_WRITE_SHARE (share of the write-capable pages that write, 0.05), LOAD_CASES (open
# approval cases in the database, filled by `manage.py bench_escalation`, 6,000 — 50,000 cases a year open for about
# 30 working days each; 0 skips it), LOAD_P95_MS (the
# per-page p95 target, 1000), BENCH_KEEP_DB (1: reuse portal_bench, only adding what is missing; 0: re-create it
# as run.sh does), BENCH_PORT (first port tried, 8765).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
PY=$ROOT/.venv/bin/python
OUT=$ROOT/bench/out/load

export LOAD_USERS=${LOAD_USERS:-100}
export LOAD_MINUTES=${LOAD_MINUTES:-10}
export LOAD_SECONDS=${LOAD_SECONDS:-$(( LOAD_MINUTES * 60 ))}
export LOAD_THINK=${LOAD_THINK:-3,10}
export LOAD_SPAWN_RATE=${LOAD_SPAWN_RATE:-2}
export LOAD_WORKERS=${LOAD_WORKERS:-$(( 2 * $(nproc) + 1 ))}
export LOAD_WRITE_SHARE=${LOAD_WRITE_SHARE:-0.05}
export LOAD_CASES=${LOAD_CASES:-6000}
export LOAD_WEB=1 LOAD_CELERY=0
export BENCH_KEEP_DB=${BENCH_KEEP_DB:-1}
export EMAIL_URL=filemail://  # the notifications' e-mails go to OUT/var/mail, not to the log
source "$ROOT/bench/lib.sh"

rm -rf "$OUT"
mkdir -p "$OUT/var"
exec > >(tee "$OUT/run.log") 2>&1
trap bench_stop_all EXIT
trap 'bench_stop_all; exit 130' INT TERM

bench_prepare_db
if (( LOAD_CASES > 0 )); then
  step "open approval cases: $LOAD_CASES (manage.py bench_escalation fills what is missing and scans twice)"
  "$PY" manage.py bench_escalation --cases "$LOAD_CASES" | tail -n 1 > "$OUT/escalation.json"
fi

step "gunicorn ($LOAD_WORKERS sync workers)"
bench_start_web 1 "$LOAD_WORKERS"
echo "$WEB_HOSTS"

step "load: $LOAD_USERS users, ${LOAD_SECONDS}s, think time $LOAD_THINK s, spawn $LOAD_SPAWN_RATE/s"
bench_load load "$LOAD_USERS" "$LOAD_SPAWN_RATE" "$LOAD_SECONDS" "$LOAD_THINK"
tail -n 3 "$OUT/load_locust.log" || true
bench_stop_all

step "report"
"$PY" bench/load_report.py load --out "$OUT" --run load --report bench/REPORT.md
echo "Wrote the \"Load\" section of bench/REPORT.md; raw results in $OUT"
