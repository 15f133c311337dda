# Shared by bench/run.sh, bench/load.sh and bench/scaleout.sh (sourced, not run): the environment of a bench
# server, the bench database (portal_bench) at DOMAIN.md scale, a free loopback port, and gunicorn started and
# stopped. Expects ROOT (the checkout), PY (its python) and OUT (the output directory) to be set.

DB=${DB:-portal_bench}
PGHOST=127.0.0.1
PGPORT=5432

export DJANGO_SETTINGS_MODULE=portal.settings.bench
export DATABASE_URL=postgres://postgres@$PGHOST:$PGPORT/$DB
export PORTAL_QUERY_COUNT_HEADER=true
export SECURE_SSL_REDIRECT=false
export ALLOWED_HOSTS=127.0.0.1,localhost
export PORTAL_VAR_DIR=$OUT/var
export CELERY_TASK_ALWAYS_EAGER=${CELERY_TASK_ALWAYS_EAGER:-true}
export LOG_LEVEL=WARNING
# Production's cache: Redis (sessions and permissions are read through it; portal.core.sessions, permcache). The
# bench's own database number, emptied when the bench database is re-created.
export CACHE_URL=${BENCH_CACHE_URL:-redis://127.0.0.1:6379/12}
# Keep each worker's database connection for the whole run (production's default of 60 s would reconnect
# mid-scenario and lose the ended backends' CPU time from the accounting).
export CONN_MAX_AGE=600
# Every simulated person comes from 127.0.0.1: the per-address login limit (portal.core.ratelimit, 30/min by
# default) would refuse all but the first logins of a minute, which real people behind their own addresses are not.
export LOGIN_RATE=${LOGIN_RATE:-100000/min}

step() { printf '\n==> %s  [%s]\n' "$*" "$(date +%T)"; }
psql_() { psql -h "$PGHOST" -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

# The bench database at DOMAIN.md scale: re-created unless BENCH_KEEP_DB=1 and it exists; then migrated and
# seeded (both idempotent: a kept database gets only what is missing), statics collected, statistics refreshed.
# Writes OUT/counts.json and OUT/pg_version.txt.
bench_prepare_db() {
  pg_isready -h "$PGHOST" -p "$PGPORT" -q || { echo "PostgreSQL is not answering on $PGHOST:$PGPORT" >&2; return 1; }
  if [[ "${BENCH_KEEP_DB:-0}" != 1 ]] || ! psql_ -d postgres -c "select 1 from pg_database where datname='$DB'" | grep -q 1; then
    step "fresh database $DB"
    psql_ -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
    psql_ -d postgres -c "CREATE DATABASE $DB"
    redis-cli -u "$CACHE_URL" flushdb >/dev/null 2>&1 || true
  fi
  step "migrate"
  "$PY" manage.py migrate --noinput -v 0
  if [[ "${BENCH_KEEP_DB:-0}" == 1 ]] \
     && [[ -n "$(psql_ -d "$DB" -c "select 1 from accounts_user where username='bench_admin'")" ]]; then
    # A kept database that holds the scale data set: both seeds would find everything there (and seed_demo takes
    # minutes to make sure of it among 3,000 projects).
    echo "kept $DB holds the scale data set: seed_demo and seed_scale skipped"
    # …but it may predate the issue list's scale data (issue #12) and its bench users: added when missing.
    "$PY" manage.py shell -c "from coordination.scale import seed_existing; seed_existing()"
  else
    step "seed_demo"
    if ! "$PY" manage.py seed_demo 2> "$OUT/seed_demo.err"; then
      # Another app's demo data failing must not hide the portal's performance; the report says it happened.
      tail -n 1 "$OUT/seed_demo.err" | tee "$OUT/seed_demo_failed.txt"
      echo "WARNING: seed_demo failed (full error in $OUT/seed_demo.err); seed_scale still loads the foundation demo."
    fi
    step "seed_scale"
    "$PY" manage.py seed_scale
  fi
  step "collectstatic"
  "$PY" manage.py collectstatic --noinput -v 0
  step "VACUUM ANALYZE (planner statistics after the bulk load)"
  psql_ -d "$DB" -c "VACUUM ANALYZE"
  "$PY" manage.py shell -c "import json; from portal.core.scale import scale_counts; \
open('$OUT/counts.json', 'w').write(json.dumps(scale_counts()))"
  psql_ -d "$DB" -c "show server_version" > "$OUT/pg_version.txt"
}

# Prints the first free loopback port from $1.
bench_free_port() {
  "$PY" - "$1" <<'PYEOF'
import socket, sys
port = int(sys.argv[1])
while True:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            port += 1
            continue
    print(port)
    break
PYEOF
}

# bench_start_gunicorn PORT WORKERS LOGFILE: starts gunicorn (sync workers) in the background, sets GUNICORN_PID
# and waits (at most 2 minutes: the machine may be busy) until the login page answers 200 (returns 1 if not).
bench_start_gunicorn() {
  local port=$1 workers=$2 log=$3 code=""
  "$ROOT/.venv/bin/gunicorn" portal.wsgi --bind "127.0.0.1:$port" --workers "$workers" --worker-class sync \
    --backlog 2048 --timeout 60 --log-level warning --error-logfile "$log" >> "$log" 2>&1 &
  GUNICORN_PID=$!
  for _ in $(seq 1 600); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/accounts/login/" || true)
    [[ "$code" == 200 ]] && return 0
    kill -0 "$GUNICORN_PID" 2>/dev/null || { echo "gunicorn died, see $log" >&2; return 1; }
    sleep 0.2
  done
  echo "gunicorn does not answer on 127.0.0.1:$port" >&2
  return 1
}

# Stops the gunicorn of bench_start_gunicorn (if still running) and waits for it.
bench_stop_gunicorn() {
  if [[ -n "${GUNICORN_PID:-}" ]] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID" 2>/dev/null || true
    wait "$GUNICORN_PID" 2>/dev/null || true
  fi
  GUNICORN_PID=""
}

# --- several web servers, Celery workers and the load run (bench/load.sh, bench/scaleout.sh) --------------------

WEB_PIDS=()
WEB_HOSTS=""
CELERY_PIDS=()
LOCUST_PID=""

# bench_start_web INSTANCES WORKERS: INSTANCES gunicorn masters with WORKERS sync workers each, on free loopback
# ports from BENCH_PORT (8765); sets WEB_PIDS and WEB_HOSTS (their base URLs, comma-separated).
bench_start_web() {
  local n=$1 workers=$2 port=${BENCH_PORT:-8765} i
  WEB_PIDS=()
  WEB_HOSTS=""
  for ((i = 1; i <= n; i++)); do
    port=$(bench_free_port "$port")
    bench_start_gunicorn "$port" "$workers" "$OUT/gunicorn$i.log" || return 1
    WEB_PIDS+=("$GUNICORN_PID")
    GUNICORN_PID=""
    WEB_HOSTS+="${WEB_HOSTS:+,}http://127.0.0.1:$port"
    port=$((port + 1))
  done
}

# bench_start_celery N: N Celery worker processes (solo pool: one process each, as N machines would run them) on
# CELERY_BROKER_URL, logging every task (OUT/celeryI.out: the portal's logging; .log: Celery's own); waits (at most
# 2 minutes) until each says it is ready.
bench_start_celery() {
  local n=$1 i
  CELERY_PIDS=()
  for ((i = 1; i <= n; i++)); do
    LOG_LEVEL=INFO "$ROOT/.venv/bin/celery" -A portal worker --pool solo -n "bench$i@%h" -Q default,reports -l INFO \
      --without-mingle --without-gossip --logfile "$OUT/celery$i.log" > "$OUT/celery$i.out" 2>&1 &
    CELERY_PIDS+=("$!")
  done
  for ((i = 1; i <= n; i++)); do
    for _ in $(seq 1 600); do
      cat "$OUT/celery$i.out" "$OUT/celery$i.log" 2>/dev/null | grep -q " ready\." && continue 2
      kill -0 "${CELERY_PIDS[$((i - 1))]}" 2>/dev/null || { echo "celery worker $i died, see $OUT/celery$i.*" >&2; return 1; }
      sleep 0.2
    done
    echo "celery worker $i is not ready after 2 minutes, see $OUT/celery$i.*" >&2
    return 1
  done
}

# The pids of every server process started here, comma-separated (for cpu.py snap).
bench_server_pids() { local IFS=,; echo "${WEB_PIDS[*]}${CELERY_PIDS[*]:+,${CELERY_PIDS[*]}}"; }

# bench_load RUN USERS SPAWN_RATE SECONDS THINK: one headless locust run of bench/load_locustfile.py against
# WEB_HOSTS (users spread over them), with the CPU accounting around it; samples in OUT/RUN_samples.json.
bench_load() {
  local run=$1 users=$2 spawn=$3 seconds=$4 think=$5
  "$PY" bench/cpu.py snap "$OUT/${run}_cpu_start.json" "$(bench_server_pids)"
  LOAD_OUT=$OUT LOAD_RUN=$run LOAD_THINK=$think LOAD_HOSTS=$WEB_HOSTS \
    "$ROOT/.venv/bin/locust" -f bench/load_locustfile.py --headless --host "${WEB_HOSTS%%,*}" \
      --users "$users" --spawn-rate "$spawn" --run-time "${seconds}s" --stop-timeout 15 \
      --csv "$OUT/$run" --only-summary --loglevel WARNING --exit-code-on-error 0 > "$OUT/${run}_locust.log" 2>&1 &
  LOCUST_PID=$!
  wait "$LOCUST_PID" || true
  LOCUST_PID=""
  "$PY" bench/cpu.py snap "$OUT/${run}_cpu_end.json" "$(bench_server_pids)"
}

# Stops (TERM, then waits for) every process started by the functions above that is still running.
bench_stop_all() {
  local pid
  for pid in ${LOCUST_PID:-} "${WEB_PIDS[@]}" ${GUNICORN_PID:-} "${CELERY_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in ${LOCUST_PID:-} "${WEB_PIDS[@]}" ${GUNICORN_PID:-} "${CELERY_PIDS[@]}"; do
    for _ in $(seq 1 150); do  # 30 s for a graceful stop, then SIGKILL
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  LOCUST_PID=""
  GUNICORN_PID=""
  WEB_PIDS=()
  CELERY_PIDS=()
}
