#!/usr/bin/env bash
# The DRF ceiling on this machine: plain Django 5.2 + DRF, 3,000 projects, gunicorn sync workers, measured with wrk.
#
#   bash bench.sh              set up, then ping and list, interleaved, RUNS rounds; results in $OUT/run-<time>/
#   bash bench.sh setup        only the set-up (venv, database, data); prints the API token
#   bash bench.sh serve PORT   gunicorn in the foreground on 127.0.0.1:PORT (for side_by_side.sh)
#
# Knobs: VENV (/tmp/drf-ceiling-venv), CEILING_DB (drf_ceiling; dropped and re-created unless KEEP_DB=1),
# PGHOST/PGPORT (127.0.0.1:5432, user postgres, trust), WORKERS (2 × cores + 1, as the portal's bench/run.sh),
# PORT (8801, first port tried), CONNS (10), DURATION (20), WARMUP (5), RUNS (3), OUT (/tmp/drf-ceiling-out).
# Needs python3.11 (or python3), wrk (apt-get install -y wrk), psql, and gcc + libpq-dev for psycopg2.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$HERE"
VENV=${VENV:-/tmp/drf-ceiling-venv}
export CEILING_DB=${CEILING_DB:-drf_ceiling}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=postgres PGOPTIONS="-c client_min_messages=warning"
export DJANGO_SETTINGS_MODULE=ceiling.settings PYTHONDONTWRITEBYTECODE=1
WORKERS=${WORKERS:-$(( 2 * $(nproc) + 1 ))}
OUT=${OUT:-/tmp/drf-ceiling-out}
PY=$VENV/bin/python
mkdir -p "$OUT"

setup() {
  local sum
  sum=$(sha256sum requirements.txt | cut -d' ' -f1)
  # CEILING_SKIP_INSTALL=1 (side_by_side.sh): VENV is the portal's .venv, which has these exact versions.
  if [[ "${CEILING_SKIP_INSTALL:-0}" != 1 && "$(cat "$VENV/.req-sha" 2>/dev/null)" != "$sum" ]]; then
    local python=python3.11
    command -v $python >/dev/null || python=python3
    [[ -x $PY ]] || $python -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r requirements.txt 2> >(grep -v "is ignored" >&2)
    echo "$sum" > "$VENV/.req-sha"
  fi
  local exists
  exists=$(psql -qAt -d postgres -c "select 1 from pg_database where datname='$CEILING_DB'")
  if [[ "${KEEP_DB:-0}" != 1 || "$exists" != 1 ]]; then
    psql -qAt -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $CEILING_DB WITH (FORCE)"
    psql -qAt -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $CEILING_DB"
  fi
  "$PY" manage.py migrate --noinput -v 0
  "$PY" manage.py seed --token-file "$OUT/token" >/dev/null
  psql -qAt -v ON_ERROR_STOP=1 -d "$CEILING_DB" -c "VACUUM ANALYZE"
  echo "drf_ceiling: $(psql -qAt -d "$CEILING_DB" -c 'select count(*) from ceiling_project') projects," \
       "token in $OUT/token"
}

serve() {  # same gunicorn flags as the portal's bench/run.sh
  exec "$VENV/bin/gunicorn" ceiling.wsgi --bind "127.0.0.1:$1" --workers "$WORKERS" --worker-class sync \
    --backlog 2048 --timeout 60 --log-level warning --error-logfile "$OUT/gunicorn-ceiling.log"
}

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

case "${1:-run}" in
  setup) setup; cat "$OUT/token"; echo ;;
  serve) serve "$2" ;;
  run)
    command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
    setup
    TOKEN=$(cat "$OUT/token")
    PORT=$(free_port "${PORT:-8801}")
    bash "$HERE/bench.sh" serve "$PORT" &
    PID=$!
    trap 'kill -TERM $PID 2>/dev/null || true; wait $PID 2>/dev/null || true' EXIT INT TERM
    wait_ready "http://127.0.0.1:$PORT/api/ping/" "$TOKEN" "$PID"
    python3 compare.py --out "$OUT/run-$(date +%Y%m%d-%H%M%S)" --server "ceiling=$PID" --database "$CEILING_DB" \
      --runs "${RUNS:-3}" --duration "${DURATION:-20}" --warmup "${WARMUP:-5}" --conns "${CONNS:-10}" \
      --target "ceiling ping|http://127.0.0.1:$PORT/api/ping/|Authorization: Token $TOKEN" \
      --target "ceiling list|http://127.0.0.1:$PORT/api/projects/?page=2|Authorization: Token $TOKEN"
    ;;
  *) echo "usage: bench.sh [run|setup|serve PORT]" >&2; exit 2 ;;
esac
