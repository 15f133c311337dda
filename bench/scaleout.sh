#!/usr/bin/env bash
# Scale-out (issue 11, part 6): the load test's people against TWO gunicorn instances (as two app servers would
# be; users split between them) with TWO Celery worker processes, on one PostgreSQL and one Redis. The deadline
# scan starts from nothing recorded and is sent in pairs during the run, so both workers scan at once. After the
# run (once the queue has drained) the database and the e-mails are checked: no escalation twice per item and due
# date, no notification twice per recipient and event key, no e-mail twice, every e-mailed notification e-mailed
# once, no task that raised. Then the throughput curve: the same people with no think time against one gunicorn
# with 1, 2, 4 … sync workers. Writes the "Scale-out" section of bench/REPORT.md and prints a summary; exits 1 when
# a check fails. Not part of the test suite. See bench/README.md ("Scale-out").
#
# Knobs (environment): SCALEOUT_USERS (100), SCALEOUT_MINUTES (10; SCALEOUT_SECONDS overrides it), SCALEOUT_WORKERS
# (sync workers per gunicorn instance, 2), SCALEOUT_SCAN_PAIRS (pairs of deadline scans sent during the run, 5),
# SCALEOUT_REDIS_DB (13: FLUSHED at the start; Celery's broker), LOAD_THINK ("3,10"), LOAD_SPAWN_RATE (2),
# LOAD_WRITE_SHARE (0.05), LOAD_CASES (open approval cases, 6,000), CURVE_WORKERS ("1 2 4"; "" skips the curve),
# CURVE_USERS (20), CURVE_SECONDS (60), BENCH_KEEP_DB (1), BENCH_PORT (8765).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
PY=$ROOT/.venv/bin/python
OUT=$ROOT/bench/out/scaleout

export LOAD_USERS=${SCALEOUT_USERS:-100}
SCALEOUT_SECONDS=${SCALEOUT_SECONDS:-$(( ${SCALEOUT_MINUTES:-10} * 60 ))}
export LOAD_WORKERS=${SCALEOUT_WORKERS:-2}
SCAN_PAIRS=${SCALEOUT_SCAN_PAIRS:-5}
REDIS_DB=${SCALEOUT_REDIS_DB:-13}
export LOAD_THINK=${LOAD_THINK:-3,10}
export LOAD_SPAWN_RATE=${LOAD_SPAWN_RATE:-2}
export LOAD_WRITE_SHARE=${LOAD_WRITE_SHARE:-0.05}
export LOAD_CASES=${LOAD_CASES:-6000}
export CURVE_WORKERS=${CURVE_WORKERS-1 2 4}
export CURVE_USERS=${CURVE_USERS:-20}
export CURVE_SECONDS=${CURVE_SECONDS:-60}
export LOAD_WEB=2 LOAD_CELERY=2
export BENCH_KEEP_DB=${BENCH_KEEP_DB:-1}
export EMAIL_URL=filemail://  # every e-mail as a file under OUT/var/mail, counted after the run
export CELERY_BROKER_URL=redis://127.0.0.1:6379/$REDIS_DB
export CELERY_TASK_ALWAYS_EAGER=false
source "$ROOT/bench/lib.sh"

SENDER_PID=""
cleanup() {
  [[ -n "$SENDER_PID" ]] && kill -TERM "$SENDER_PID" 2>/dev/null && wait "$SENDER_PID" 2>/dev/null
  SENDER_PID=""
  bench_stop_all
}
rm -rf "$OUT"
mkdir -p "$OUT/var"
exec > >(tee "$OUT/run.log") 2>&1
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM
redis_() { redis-cli -h 127.0.0.1 -p 6379 -n "$REDIS_DB" "$@"; }
redis_ ping > /dev/null || { echo "Redis is not answering on 127.0.0.1:6379" >&2; exit 1; }

bench_prepare_db
if (( LOAD_CASES > 0 )); then
  step "open approval cases: $LOAD_CASES (manage.py bench_escalation fills what is missing)"
  "$PY" manage.py bench_escalation --cases "$LOAD_CASES" | tail -n 1 > "$OUT/escalation.json"
fi
step "forget the escalations and digests (the scan starts from nothing recorded); empty Redis db $REDIS_DB"
psql_ -d "$DB" -c "TRUNCATE core_escalation; DELETE FROM notifications_notification WHERE event_key LIKE 'digest:%'"
NOTIFICATIONS_BEFORE=$(psql_ -d "$DB" -c "SELECT coalesce(max(id), 0) FROM notifications_notification")
RUN_STARTED=$(psql_ -d "$DB" -c "SELECT now()")
redis_ flushdb > /dev/null

step "2 Celery workers, 2 gunicorn instances × $LOAD_WORKERS sync workers"
CELERY_TASK_ALWAYS_EAGER=false bench_start_celery 2
bench_start_web 2 "$LOAD_WORKERS"
echo "web: $WEB_HOSTS; celery: ${CELERY_PIDS[*]}"

# The deadline scan in pairs, spread over the run (the first at 1/(n+1) of it): two workers scanning at once.
"$PY" manage.py shell -c "
import time
from portal.core.tasks import deadline_scan
pairs, seconds = $SCAN_PAIRS, $SCALEOUT_SECONDS
for i in range(pairs):
    time.sleep(seconds / (pairs + 1))
    deadline_scan.delay(); deadline_scan.delay()
    print(f'deadline scan pair {i + 1} of {pairs} sent', flush=True)
" > "$OUT/scan_sender.log" 2>&1 &
SENDER_PID=$!

step "load: $LOAD_USERS users, ${SCALEOUT_SECONDS}s, think time $LOAD_THINK s, on $WEB_HOSTS"
bench_load scaleout "$LOAD_USERS" "$LOAD_SPAWN_RATE" "$SCALEOUT_SECONDS" "$LOAD_THINK"
tail -n 3 "$OUT/scaleout_locust.log" || true
wait "$SENDER_PID" || true
SENDER_PID=""
cat "$OUT/scan_sender.log"

step "drain the queue (at most 5 minutes)"
for _ in $(seq 1 300); do
  left=$(( $(redis_ llen default) + $(redis_ hlen unacked) ))
  (( left == 0 )) && break
  sleep 1
done
sleep 2  # the last task's e-mail file is closed
bench_stop_all

step "checks"
q() { psql_ -d "$DB" -c "$1"; }
# The task ledger (portal.core.taskledger: a row per task sent, claimed once), when the schema has it.
ledger() { if [[ "$(q "SELECT to_regclass('core_taskrecord') IS NOT NULL")" == t ]]; then q "$1"; else echo null; fi; }
count_in_logs() { cat "$OUT"/celery*.out "$OUT"/celery*.log 2>/dev/null | grep -c -- "$1" || true; }
per_worker() {
  local i out=""
  for i in 1 2; do out+="${out:+ / }$(cat "$OUT/celery$i.out" "$OUT/celery$i.log" 2>/dev/null | grep -c -- "$1" || true)"; done
  echo "$out"
}
cat > "$OUT/checks.json" <<JSON
{
  "escalation_duplicates": $(q "SELECT count(*) FROM (SELECT 1 FROM core_escalation GROUP BY content_type_id, object_id, due_on HAVING count(*) > 1) d"),
  "notification_duplicates": $(q "SELECT count(*) FROM (SELECT 1 FROM notifications_notification GROUP BY recipient_id, event_key HAVING count(*) > 1) d"),
  "escalations": $(q "SELECT count(*) FROM core_escalation"),
  "digests": $(q "SELECT count(*) FROM notifications_notification WHERE event_key LIKE 'digest:%'"),
  "notifications_new": $(q "SELECT count(*) FROM notifications_notification WHERE id > $NOTIFICATIONS_BEFORE"),
  "notifications_emailed": $(q "SELECT count(*) FROM notifications_notification WHERE id > $NOTIFICATIONS_BEFORE AND emailed_at IS NOT NULL"),
  "queue_left": $(( $(redis_ llen default) + $(redis_ hlen unacked) )),
  "scans_sent": $(( 2 * SCAN_PAIRS )),
  "scans_by_worker": "$(per_worker "core.deadline_scan\[.*\] succeeded")",
  "tasks_by_worker": "$(per_worker "] succeeded in")",
  "task_errors": $(count_in_logs "raised unexpected"),
  "ledger": $(ledger "SELECT coalesce(json_object_agg(state, n), '{}') FROM (SELECT state, count(*) n FROM core_taskrecord WHERE sent_at >= '$RUN_STARTED' GROUP BY state) s"),
  "ledger_delivered_twice": $(ledger "SELECT count(*) FROM core_taskrecord WHERE sent_at >= '$RUN_STARTED' AND deliveries > 1")
}
JSON
cat "$OUT/checks.json"

CURVE_RUNS=""
for w in $CURVE_WORKERS; do
  step "throughput curve: 1 gunicorn × $w sync workers, $CURVE_USERS users, no think time, ${CURVE_SECONDS}s"
  CELERY_TASK_ALWAYS_EAGER=true bench_start_web 1 "$w"
  CELERY_TASK_ALWAYS_EAGER=true bench_load "curve_w$w" "$CURVE_USERS" "$CURVE_USERS" "$CURVE_SECONDS" 0
  bench_stop_all
  echo "$("$PY" bench/load_report.py rps --out "$OUT" --run "curve_w$w") requests/s"
  CURVE_RUNS+=" curve_w$w"
done

step "report"
"$PY" bench/load_report.py scaleout --out "$OUT" --run scaleout --curve "$CURVE_RUNS" --checks "$OUT/checks.json" \
  --report bench/REPORT.md | tee "$OUT/summary.txt"
echo "Wrote the \"Scale-out\" section of bench/REPORT.md; raw results in $OUT"
grep -q "→ PASS" "$OUT/summary.txt"
