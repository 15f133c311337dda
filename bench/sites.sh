#!/usr/bin/env bash
# Issue #14's benchmark: smart-site ingestion through HTTP with every rule checked, on its own PostgreSQL database,
# served as docker-compose.yml serves it — the ingestion endpoint (and the pages) on gunicorn sync workers
# (portal.wsgi), the live pages' event streams on uvicorn (portal.asgi, the "live" service, CONN_MAX_AGE=0) — with a
# Celery worker taking the alarms' notifications and hazards. Measures sustained readings/s, request p50/p95,
# errors and stored = accepted; then, under the same load, the time from a reading crossing an alarm level to the
# alert showing in Chromium on the live page; the portal's ping beside the plain Django + DRF ceiling's; a cProfile
# of the endpoint. Writes the "Smart site (issue #14)" section of bench/REPORT.md (the rest is left as it is).
#
#   bash bench/sites.sh                         # keeps $DB when it exists (re-created when its readings are full)
#   BENCH_KEEP_DB=0 bash bench/sites.sh         # a fresh database (migrate + seed_demo: about a minute more)
#
# Knobs: DB (sites_bench), BENCH_KEEP_DB (1), SITES (200 bench sites × 10 devices), SITES_SERVER (gunicorn |
# uvicorn: what serves the ingestion), SITES_WORKERS (4, as docker-compose's web), SITES_LIVE_WORKERS (2, as its
# live service; 0: no uvicorn, the page's stream goes to the ingestion server), SITES_CONNS (8 client connections),
# SITES_PER_REQUEST (2000 readings a request), SITES_WARMUP (5), SITES_DURATION (40 s measured),
# SITES_BROWSER_DURATION (70), SITES_LATENCY_SAMPLES (10), SITES_CEILING=0 (no ping beside the ceiling),
# SITES_QUIET_WAIT (120 s at most waiting for the CPUs to calm before a phase), SITES_DISTURBED (15: % of the
# machine other programs may take in phase 1 before it is measured again), BENCH_PORT (8765), CEILING_PORT (8801),
# BENCH_CACHE_URL (redis://127.0.0.1:6379/4), SITES_BROKER_URL (redis://127.0.0.1:6379/5, flushed at the start).
# Raw results in bench/out/sites/. Every process started here is stopped at the end, also on errors and Ctrl-C.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
PY=$ROOT/.venv/bin/python
OUT=${SITES_OUT:-$ROOT/bench/out/sites}
export DB=${DB:-sites_bench}
export BENCH_CACHE_URL=${BENCH_CACHE_URL:-redis://127.0.0.1:6379/4}
export CELERY_BROKER_URL=${SITES_BROKER_URL:-redis://127.0.0.1:6379/5}
export CELERY_TASK_ALWAYS_EAGER=false  # as in production: the worker below runs the alarms' tasks
source "$ROOT/bench/lib.sh"
SERVER=${SITES_SERVER:-gunicorn}
WORKERS=${SITES_WORKERS:-4}
LIVE_WORKERS=${SITES_LIVE_WORKERS:-$([[ -f portal/asgi.py ]] && echo 2 || echo 0)}
CONNS=${SITES_CONNS:-8}
WARMUP=${SITES_WARMUP:-5}
DURATION=${SITES_DURATION:-40}
BROWSER_DURATION=${SITES_BROWSER_DURATION:-70}
PER_REQUEST=${SITES_PER_REQUEST:-2000}
# Enough bodies for both phases at up to 45,000 readings/s, and the profile.
PER_SITE=$(( (45000 * (WARMUP + DURATION + WARMUP + BROWSER_DURATION) + 100 * PER_REQUEST) / ${SITES:-200} ))

mkdir -p "$OUT/var"
rm -f "$OUT"/{ingest,browser,latency,ping,counts,profile_run}.json "$OUT"/ingest_disturbed_*.json "$OUT"/celery1.{log,out}
started=$(date +%s)
SERVER_PID=""
LIVE_PID=""
CEILING_PID=""
stop_everything() {
  bench_stop_all
  local pid
  for pid in $SERVER_PID $LIVE_PID $CEILING_PID; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  SERVER_PID=""
  LIVE_PID=""
  CEILING_PID=""
}
trap stop_everything EXIT INT TERM

fresh_db() {
  step "fresh database $DB"
  psql_ -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
  psql_ -d postgres -c "CREATE DATABASE $DB"
  redis-cli -u "$CACHE_URL" flushdb >/dev/null 2>&1 || true
}
prepare_db() {
  pg_isready -h "$PGHOST" -p "$PGPORT" -q || { echo "PostgreSQL is not answering on $PGHOST:$PGPORT" >&2; return 1; }
  if [[ "${BENCH_KEEP_DB:-1}" != 1 ]] || ! psql_ -d postgres -c "select 1 from pg_database where datname='$DB'" | grep -q 1; then
    fresh_db
  fi
  step "migrate"
  "$PY" manage.py migrate --noinput -v 0
  if [[ -z "$(psql_ -d "$DB" -c "select 1 from accounts_user where username='staff'")" ]]; then
    step "seed_demo"
    "$PY" manage.py seed_demo > "$OUT/seed_demo.log" 2>&1 || { tail -n 20 "$OUT/seed_demo.log" >&2; return 1; }
  fi
  [[ -d $PORTAL_VAR_DIR/staticfiles ]] || "$PY" manage.py collectstatic --noinput -v 0
  step "bench sites"
  "$PY" bench/sites_bench.py setup --out "$OUT" --sites "${SITES:-200}"
}

prepare_db
redis-cli -u "$CELERY_BROKER_URL" flushdb >/dev/null
step "request bodies ($PER_SITE readings a site, $PER_REQUEST a request)"
code=0
"$PY" bench/sites_bench.py bodies --out "$OUT" --per-request "$PER_REQUEST" --per-site "$PER_SITE" || code=$?
if [[ $code == 3 ]]; then  # the bench sites' readings have reached now: start again on a fresh database
  fresh_db
  prepare_db
  "$PY" bench/sites_bench.py bodies --out "$OUT" --per-request "$PER_REQUEST" --per-site "$PER_SITE"
elif [[ $code != 0 ]]; then
  exit "$code"
fi
psql_ -d "$DB" -c "ANALYZE"
"$PY" bench/sites_bench.py count --out "$OUT" --label before

# start_uvicorn PORT WORKERS LOG: portal.asgi as docker-compose's live service runs it; sets UVICORN_PID.
# CONN_MAX_AGE=0: under ASGI Django runs each request's view in a thread of its own, so a persistent connection is
# never reused and stays open after its thread is gone (production's CONN_MAX_AGE=60: 97 idle connections after
# 15 s of pings on 2 workers, then "too many clients already"); each request opens and closes its own.
start_uvicorn() {
  CONN_MAX_AGE=0 "$ROOT/.venv/bin/uvicorn" portal.asgi:application --host 127.0.0.1 --port "$1" --workers "$2" \
    --lifespan off --loop uvloop --http httptools --no-access-log --log-level warning --timeout-keep-alive 30 \
    > "$3" 2>&1 &
  UVICORN_PID=$!
}
wait_for() {  # wait_for PORT PID LOG
  for _ in $(seq 1 600); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/accounts/login/" || true) == 200 ]] && return 0
    kill -0 "$2" 2>/dev/null || { echo "the server died, see $3" >&2; exit 1; }
    sleep 0.2
  done
  echo "no answer on port $1, see $3" >&2
  exit 1
}
UVICORN_VERSION=$("$PY" -c 'import uvicorn; print(uvicorn.__version__)' 2>/dev/null || echo "?")
PORT=$(bench_free_port "${BENCH_PORT:-8765}")
if [[ $SERVER == uvicorn ]]; then
  step "ingestion: uvicorn portal.asgi on 127.0.0.1:$PORT ($WORKERS worker processes)"
  start_uvicorn "$PORT" "$WORKERS" "$OUT/server.log"
  SERVER_PID=$UVICORN_PID
  SERVER_DESC="uvicorn $UVICORN_VERSION on \`portal.asgi\`, $WORKERS worker processes (uvloop, httptools), CONN_MAX_AGE=0"
else
  step "ingestion: gunicorn portal.wsgi on 127.0.0.1:$PORT ($WORKERS sync workers)"
  bench_start_gunicorn "$PORT" "$WORKERS" "$OUT/server.log"
  SERVER_PID=$GUNICORN_PID
  GUNICORN_PID=""
  SERVER_DESC="gunicorn $("$PY" -c 'import gunicorn; print(gunicorn.__version__)') on \`portal.wsgi\` as docker-compose's web service runs it, $WORKERS sync workers"
fi
wait_for "$PORT" "$SERVER_PID" "$OUT/server.log"
BASE=http://127.0.0.1:$PORT
LIVE_BASE=$BASE
if [[ $LIVE_WORKERS -gt 0 && $SERVER != uvicorn ]]; then
  LPORT=$(bench_free_port $((PORT + 1)))
  step "live pages: uvicorn portal.asgi on 127.0.0.1:$LPORT ($LIVE_WORKERS worker processes)"
  start_uvicorn "$LPORT" "$LIVE_WORKERS" "$OUT/live.log"
  LIVE_PID=$UVICORN_PID
  wait_for "$LPORT" "$LIVE_PID" "$OUT/live.log"
  LIVE_BASE=http://127.0.0.1:$LPORT
  SERVER_DESC+="; the live page and its event stream on uvicorn $UVICORN_VERSION (\`portal.asgi\`, $LIVE_WORKERS worker processes, CONN_MAX_AGE=0) as docker-compose's live service (the browser opens the page there: cookies do not care for the port, so no proxy is needed)"
fi
# One worker as lib.sh starts them, told to import the smart site's tasks (-I): supervision/sites/plugin.py does not
# import them (the tendering part's plugin does), so autodiscovery alone leaves them unregistered in a worker.
LOG_LEVEL=INFO "$ROOT/.venv/bin/celery" -A portal worker --pool solo -n "sites1@%h" -Q default,reports -l INFO \
  -I supervision.sites.tasks --without-mingle --without-gossip --logfile "$OUT/celery1.log" > "$OUT/celery1.out" 2>&1 &
CELERY_PIDS=("$!")
for _ in $(seq 1 600); do
  cat "$OUT/celery1.out" "$OUT/celery1.log" 2>/dev/null | grep -q " ready\." && break
  kill -0 "${CELERY_PIDS[0]}" 2>/dev/null || { echo "the Celery worker died, see $OUT/celery1.*" >&2; exit 1; }
  sleep 0.2
done

"$PY" - "$OUT/env.json" <<PYEOF
import json, sys
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
json.dump({"db": "$DB", "server": "$SERVER", "server_desc": "$SERVER_DESC", "workers": $WORKERS, "conns": $CONNS,
           "warmup": $WARMUP, "duration": $DURATION, "browser_duration": $BROWSER_DURATION, "cpu_model": cpu,
           "pg": "$(psql_ -d "$DB" -c 'show server_version')",
           "celery_desc": "One Celery worker (solo pool) on Redis takes the alarms' tasks (notifications; hazards "
                          "raised by rule), as in production."}, open(sys.argv[1], "w"))
PYEOF

if [[ "${SITES_CEILING:-1}" != 0 ]]; then
  step "ping beside the DRF ceiling (bench/ceiling/, database drf_ceiling)"
  CEILING_OUT=$OUT/ceiling
  mkdir -p "$CEILING_OUT"
  (unset DJANGO_SETTINGS_MODULE DATABASE_URL; OUT=$CEILING_OUT VENV=$ROOT/.venv CEILING_SKIP_INSTALL=1 KEEP_DB=1 \
     WORKERS=$WORKERS bash bench/ceiling/bench.sh setup >/dev/null)
  CPORT=$(bench_free_port "${CEILING_PORT:-8801}")
  [[ $CPORT == "$PORT" ]] && CPORT=$(bench_free_port $((PORT + 1)))
  (unset DJANGO_SETTINGS_MODULE DATABASE_URL; OUT=$CEILING_OUT VENV=$ROOT/.venv WORKERS=$WORKERS \
     exec bash bench/ceiling/bench.sh serve "$CPORT") &
  CEILING_PID=$!
  TOKEN=$(cat "$CEILING_OUT/token")
  for _ in $(seq 1 300); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Token $TOKEN" "http://127.0.0.1:$CPORT/api/ping/" \
         || true) == 200 ]] && break
    kill -0 "$CEILING_PID" 2>/dev/null || { echo "the ceiling's gunicorn died" >&2; exit 1; }
    sleep 0.2
  done
  PING_ARGS=(--portal "$SERVER=$BASE")
  [[ $LIVE_BASE != "$BASE" ]] && PING_ARGS+=(--portal "uvicorn=$LIVE_BASE")
  if [[ $SERVER == uvicorn ]]; then  # the ceiling runs on gunicorn: the portal there too, for a like-for-like ratio
    GPORT=$(bench_free_port $((CPORT + 1)))
    bench_start_gunicorn "$GPORT" "$WORKERS" "$OUT/gunicorn-ping.log"
    PING_ARGS+=(--portal "gunicorn=http://127.0.0.1:$GPORT")
  fi
  "$PY" bench/cpu.py quiet "$OUT/quiet_ping.json" --max-wait "${SITES_QUIET_WAIT:-120}"
  "$PY" bench/sites_bench.py ping --out "$OUT" "${PING_ARGS[@]}" --ceiling "http://127.0.0.1:$CPORT" \
    --ceiling-token "$TOKEN"
  bench_stop_gunicorn
  kill -TERM "$CEILING_PID" 2>/dev/null || true
  wait "$CEILING_PID" 2>/dev/null || true
  CEILING_PID=""
fi

PIDS="--pids $SERVER_PID${LIVE_PID:+,$LIVE_PID} --worker-pids ${CELERY_PIDS[0]}"
step "phase 1: ingestion ($CONNS connections, ${WARMUP} s warm-up + ${DURATION} s)"
# A run in which other programs took more than SITES_DISTURBED % of the machine is repeated (twice at most), as
# run.sh does; the disturbed attempts stay in the report's count of what was stored.
for attempt in 1 2 3; do
  "$PY" bench/cpu.py quiet "$OUT/quiet_ingest.json" --max-wait "${SITES_QUIET_WAIT:-120}"
  "$PY" bench/sites_bench.py drive --out "$OUT" --base "$BASE" --phase ingest --conns "$CONNS" --warmup "$WARMUP" \
    --duration "$DURATION" $PIDS --db "$DB"
  share=$("$PY" -c "import json, sys; c = json.load(open(sys.argv[1]))['cpu']; \
print(round(100 * c['others'] / max(c['wall_cpus'], 1e-9)))" "$OUT/ingest.json")
  [[ $share -le ${SITES_DISTURBED:-15} || $attempt == 3 ]] && break
  echo "other programs took $share % of the machine: measuring again"
  mv "$OUT/ingest.json" "$OUT/ingest_disturbed_$attempt.json"
done

step "phase 2: the same load, and Chromium on the live page timing an alert"
"$PY" bench/cpu.py quiet "$OUT/quiet_browser.json" --max-wait "${SITES_QUIET_WAIT:-120}"
"$PY" bench/sites_bench.py drive --out "$OUT" --base "$BASE" --phase browser --conns "$CONNS" --warmup "$WARMUP" \
  --duration "$BROWSER_DURATION" $PIDS --db "$DB" &
DRIVE_PID=$!
"$PY" bench/sites_bench.py latency --out "$OUT" --base "$BASE" --page-base "$LIVE_BASE" \
  --samples "${SITES_LATENCY_SAMPLES:-10}" \
  --after "$WARMUP" || echo "WARNING: the latency measurement failed"
wait "$DRIVE_PID"

stop_everything
trap - EXIT INT TERM
"$PY" bench/sites_bench.py count --out "$OUT" --label after
step "profile of the endpoint (in-process, cProfile)"
"$PY" bench/sites_bench.py profile --out "$OUT" --requests 30 --label run
"$PY" bench/sites_bench.py report --out "$OUT" --report bench/REPORT.md --elapsed "$(( $(date +%s) - started ))"
echo "Wrote the Smart site section of bench/REPORT.md"
