#!/usr/bin/env bash
# The portal and the DRF ceiling side by side, in one interleaved run (same wrk, same worker count, same machine).
# `make bench` (bench/run.sh) runs it after its scenarios; by hand:
#
#   bash bench/ceiling/side_by_side.sh            (PORTAL: this checkout; OUT: bench/out/ceiling)
#
# The portal must have its .venv and the database portal_bench as `make bench` leaves it (this script does not
# re-seed it; it adds API tokens for bench_contractor, bench_leader and bench_admin and a session for
# bench_contractor). The portal's gunicorn gets bench/lib.sh's environment (production settings, the Redis cache)
# and flags; the ceiling runs from the portal's .venv (the same Django, DRF, psycopg2 and gunicorn). Knobs as
# bench.sh (WORKERS, CONNS, DURATION, WARMUP, RUNS, OUT), and PORTAL_PORT (8765) / PORT (8801): first ports tried.
# Results: $OUT/sbs-<time>/summary.md and runs.json; bench/report.py reads the newest.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PORTAL=$(cd "${PORTAL:-$HERE/../..}" && pwd)
OUT=${OUT:-$PORTAL/bench/out/ceiling}
export VENV=${VENV:-$PORTAL/.venv} CEILING_SKIP_INSTALL=${CEILING_SKIP_INSTALL:-1}
export WORKERS=${WORKERS:-$(( 2 * $(nproc) + 1 ))}
RES=$OUT/sbs-$(date +%Y%m%d-%H%M%S)
mkdir -p "$RES"
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }

# The ceiling: venv, database, data, token.
OUT=$OUT bash "$HERE/bench.sh" setup >/dev/null
CTOKEN=$(cat "$OUT/token")

# The portal, with bench/run.sh's environment.
# run.sh's var folder (collectstatic's manifest is there) when make bench left it; else a fresh one.
VAR=$PORTAL/bench/out/var
[[ -d $VAR/staticfiles ]] || { VAR=$RES/portal-var; mkdir -p "$VAR"; }
PORTAL_ENV=(DJANGO_SETTINGS_MODULE=portal.settings.bench DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench
  PORTAL_QUERY_COUNT_HEADER=true SECURE_SSL_REDIRECT=false ALLOWED_HOSTS=127.0.0.1,localhost
  PORTAL_VAR_DIR="$VAR" CELERY_TASK_ALWAYS_EAGER=true LOG_LEVEL=WARNING CONN_MAX_AGE=600
  CACHE_URL="${CACHE_URL:-redis://127.0.0.1:6379/12}")
(cd "$PORTAL" && env "${PORTAL_ENV[@]}" .venv/bin/python manage.py shell -c "
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from portal.core.sessions import SessionStore
for name in ('bench_contractor', 'bench_leader', 'bench_admin'):
    user = get_user_model().objects.get(username=name)
    print(name, Token.objects.get_or_create(user=user)[0].key)
    # A browser's session, as the login form leaves it (portal.core.sessions.mark_login sets the start time).
    import time
    s = SessionStore()
    s.update({'_auth_user_id': str(user.pk), '_auth_user_backend': 'portal.core.permcache.CachedModelBackend',
              '_auth_user_hash': user.get_session_auth_hash(), 'portal_session_started': time.time()})
    s.create()
    print(name + ':session', s.session_key)
") > "$RES/portal_tokens.txt"
ptoken() { awk -v u="$1" '$1 == u {print $2}' "$RES/portal_tokens.txt"; }

free_port() {
  python3 - "$1" <<'EOF'
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
EOF
}
PPORT=$(free_port "${PORTAL_PORT:-8765}")
CPORT=$(free_port "${PORT:-8801}")
[[ $CPORT == "$PPORT" ]] && CPORT=$(free_port $((PPORT + 1)))

PPID_=""; CPID=""
stop_all() {
  for pid in $PPID_ $CPID; do
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  done
}
trap stop_all EXIT INT TERM
(cd "$PORTAL" && exec env "${PORTAL_ENV[@]}" .venv/bin/gunicorn portal.wsgi --bind "127.0.0.1:$PPORT" --workers "$WORKERS" --worker-class sync \
  --backlog 2048 --timeout 60 --log-level warning --error-logfile "$RES/gunicorn-portal.log") &
PPID_=$!
OUT=$OUT bash "$HERE/bench.sh" serve "$CPORT" &
CPID=$!
echo "portal gunicorn pid $PPID_ on :$PPORT, ceiling gunicorn pid $CPID on :$CPORT, $WORKERS workers each" | tee "$RES/servers.txt"

wait_ready() {  # URL TOKEN PID
  local code=000
  for _ in $(seq 1 150); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Token $2" "$1" || true)
    [[ $code == 200 ]] && return 0
    kill -0 "$3" 2>/dev/null || { echo "server $3 died" >&2; return 1; }
    sleep 0.2
  done
  echo "$1 answers HTTP $code" >&2
  return 1
}
wait_ready "http://127.0.0.1:$PPORT/api/v1/ping/" "$(ptoken bench_contractor)" "$PPID_"
wait_ready "http://127.0.0.1:$CPORT/api/ping/" "$CTOKEN" "$CPID"

P=http://127.0.0.1:$PPORT C=http://127.0.0.1:$CPORT
cat /proc/loadavg > "$RES/loadavg_start.txt"
python3 "$HERE/compare.py" --out "$RES" --server "portal=$PPID_" --server "ceiling=$CPID" \
  --database portal_bench --database "${CEILING_DB:-drf_ceiling}" \
  --runs "${RUNS:-3}" --duration "${DURATION:-20}" --warmup "${WARMUP:-5}" --conns "${CONNS:-10}" \
  --target "portal ping (contractor)|$P/api/v1/ping/|Authorization: Token $(ptoken bench_contractor)" \
  --target "portal ping (contractor, session)|$P/api/v1/ping/|Cookie: sessionid=$(ptoken bench_contractor:session)" \
  --target "ceiling ping|$C/api/ping/|Authorization: Token $CTOKEN" \
  --target "portal list contractor|$P/api/v1/projects/?page_size=50|Authorization: Token $(ptoken bench_contractor)" \
  --target "ceiling list|$C/api/projects/?page=2|Authorization: Token $CTOKEN" \
  --target "portal list leader|$P/api/v1/projects/?page_size=50|Authorization: Token $(ptoken bench_leader)" \
  --target "portal list admin|$P/api/v1/projects/?page_size=50|Authorization: Token $(ptoken bench_admin)"
cat /proc/loadavg > "$RES/loadavg_end.txt"
echo "results in $RES"
