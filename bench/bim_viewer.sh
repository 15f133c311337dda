#!/usr/bin/env bash
# Issue #15's viewer figure: the first render of the BIM viewer on bench/bim.sh's generated building (about 50 MB
# of IFC; its file in bench/out/bim-read/ is reused, or built there), the portal served by gunicorn
# (portal.wsgi, production settings on loopback: bench/lib.sh) on its own
# PostgreSQL database, Chromium (headless, SwiftShader) opening the viewer cold several times
# (bench/bim_viewer.py). Raw results in bench/out/bim/ (viewer.json, viewer.png); prints the figure.
#
#   bash bench/bim_viewer.sh
#
# Knobs: DB (bim_viewer_bench; created, migrated and seeded with the demo when missing), BIM_BAYS (28) and
# BIM_STOREYS (10) as bench/bim.sh's,
# BIM_RUNS (5), BIM_WORKERS (2 gunicorn sync workers), BENCH_PORT (8765), BENCH_CACHE_URL (redis://…/13).
# Every process started here is stopped at the end, also on errors and Ctrl-C.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
PY=$ROOT/.venv/bin/python
OUT=${BIM_OUT:-$ROOT/bench/out/bim}
export DB=${DB:-bim_viewer_bench}
export BENCH_CACHE_URL=${BENCH_CACHE_URL:-redis://127.0.0.1:6379/13}
source "$ROOT/bench/lib.sh"
mkdir -p "$OUT/var"
GUNICORN_PID=""
trap bench_stop_gunicorn EXIT INT TERM

pg_isready -h "$PGHOST" -p "$PGPORT" -q || { echo "PostgreSQL is not answering on $PGHOST:$PGPORT" >&2; exit 1; }
if ! psql_ -d postgres -c "select 1 from pg_database where datname='$DB'" | grep -q 1; then
  step "create database $DB"
  psql_ -d postgres -c "CREATE DATABASE $DB"
  redis-cli -u "$CACHE_URL" flushdb >/dev/null 2>&1 || true
fi
step "migrate"
"$PY" manage.py migrate --noinput -v 0
if [[ -z "$(psql_ -d "$DB" -c "select 1 from accounts_user where username='owner'")" ]]; then
  step "seed_demo"
  "$PY" manage.py seed_demo > "$OUT/seed_demo.log" 2>&1 || { tail -n 20 "$OUT/seed_demo.log" >&2; exit 1; }
fi
step "the big model (${BIM_BAYS:-28} × ${BIM_BAYS:-28} bays on ${BIM_STOREYS:-10} storeys, read once and kept)"
"$PY" bench/bim_viewer.py setup --out "$OUT" --bays "${BIM_BAYS:-28}" --storeys "${BIM_STOREYS:-10}"
step "collectstatic"
"$PY" manage.py collectstatic --noinput -v 0
PORT=$(bench_free_port "${BENCH_PORT:-8765}")
step "gunicorn portal.wsgi on 127.0.0.1:$PORT (${BIM_WORKERS:-2} sync workers)"
bench_start_gunicorn "$PORT" "${BIM_WORKERS:-2}" "$OUT/gunicorn.log"
step "the viewer's first render (${BIM_RUNS:-5} cold runs)"
"$PY" bench/bim_viewer.py measure --out "$OUT" --base "http://127.0.0.1:$PORT" --runs "${BIM_RUNS:-5}"
