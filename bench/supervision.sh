#!/usr/bin/env bash
# Issue #13's focused benchmark: quality & safety oversight at DOMAIN.md's scale — the hazard board, a project's
# quality & safety page, the inspection board and the hazards API list — beside the plain Django + DRF ceiling
# (bench/ceiling/) under one load driver, interleaved; writes the "Supervision (issue #13)" section of
# bench/REPORT.md (the rest of the report is left as it is).
#
#   bash bench/supervision.sh                       # keeps $DB when it exists (BENCH_KEEP_DB=1 by default)
#   DB=portal_bench bash bench/supervision.sh       # against make bench's database (supervision rows added if missing)
#
# A fresh database is seeded as make bench's (seed_demo + seed_scale, supervision/scale.py included: ~5 minutes on
# 2 CPUs); a kept one seeded before supervision had scale data gets it through supervision.scale.seed_existing().
# Knobs: DB (sup_bench), BENCH_KEEP_DB (1), SUP_CONNS (10), SUP_DURATION (20), SUP_WARMUP (3), SUP_RUNS (2),
# SUP_TARGETS (space-separated keys of supervision_bench.py's targets; default all), BENCH_WORKERS (2 × CPUs + 1), BENCH_PORT (8765), CEILING_PORT (8801), SUP_CEILING=0 (no ceiling),
# BENCH_CACHE_URL (redis://127.0.0.1:6379/12). Raw results in bench/out/supervision/. Every process started here is
# stopped at the end, also on errors and Ctrl-C.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
PY=$ROOT/.venv/bin/python
OUT=${SUP_OUT:-$ROOT/bench/out/supervision}
export DB=${DB:-sup_bench}
export BENCH_KEEP_DB=${BENCH_KEEP_DB:-1}
export BENCH_WORKERS=${BENCH_WORKERS:-$(( 2 * $(nproc) + 1 ))}
source "$ROOT/bench/lib.sh"

mkdir -p "$OUT/var"
started=$(date +%s)
if [[ "${SUP_SKIP_PREPARE:-0}" != 1 ]]; then
  bench_prepare_db
fi
# A kept database with a fresh OUT: the production settings serve statics from the collected manifest.
[[ -d $PORTAL_VAR_DIR/staticfiles ]] || "$PY" manage.py collectstatic --noinput -v 0
step "supervision scale data (nothing when it is there)"
"$PY" manage.py shell -c "from supervision.scale import seed_existing; print(seed_existing())"
psql_ -d "$DB" -c "ANALYZE"

CEILING_PID=""
stop_everything() {
  bench_stop_gunicorn
  if [[ -n "$CEILING_PID" ]] && kill -0 "$CEILING_PID" 2>/dev/null; then
    kill -TERM "$CEILING_PID" 2>/dev/null || true
    wait "$CEILING_PID" 2>/dev/null || true
  fi
}
trap stop_everything EXIT INT TERM

PORT=$(bench_free_port "${BENCH_PORT:-8765}")
step "portal gunicorn on 127.0.0.1:$PORT ($BENCH_WORKERS sync workers)"
bench_start_gunicorn "$PORT" "$BENCH_WORKERS" "$OUT/gunicorn.log"
"$PY" bench/supervision_bench.py sessions --out "$OUT/sessions.json"

CEILING_ARGS=()
if [[ "${SUP_CEILING:-1}" != 0 ]]; then
  step "DRF ceiling (bench/ceiling/, database drf_ceiling)"
  CEILING_OUT=$OUT/ceiling
  mkdir -p "$CEILING_OUT"
  # The ceiling runs from the portal's .venv (the same Django, DRF, psycopg2 and gunicorn), its own settings.
  (unset DJANGO_SETTINGS_MODULE DATABASE_URL; OUT=$CEILING_OUT VENV=$ROOT/.venv CEILING_SKIP_INSTALL=1 KEEP_DB=1 \
     WORKERS=$BENCH_WORKERS bash bench/ceiling/bench.sh setup >/dev/null)
  CPORT=$(bench_free_port "${CEILING_PORT:-8801}")
  [[ $CPORT == "$PORT" ]] && CPORT=$(bench_free_port $((PORT + 1)))
  (unset DJANGO_SETTINGS_MODULE DATABASE_URL; OUT=$CEILING_OUT VENV=$ROOT/.venv WORKERS=$BENCH_WORKERS \
     exec bash bench/ceiling/bench.sh serve "$CPORT") &
  CEILING_PID=$!
  TOKEN=$(cat "$CEILING_OUT/token")
  for _ in $(seq 1 300); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Token $TOKEN" "http://127.0.0.1:$CPORT/api/ping/" \
         || true) == 200 ]] && break
    kill -0 "$CEILING_PID" 2>/dev/null || { echo "the ceiling's gunicorn died" >&2; exit 1; }
    sleep 0.2
  done
  CEILING_ARGS=(--ceiling "http://127.0.0.1:$CPORT" --ceiling-token "$TOKEN")
fi

step "measure (${SUP_RUNS:-2} rounds × every target: ${SUP_WARMUP:-3} s warm-up + ${SUP_DURATION:-20} s, ${SUP_CONNS:-10} connections)"
"$PY" bench/supervision_bench.py measure --base "http://127.0.0.1:$PORT" "${CEILING_ARGS[@]}" \
  --sessions "$OUT/sessions.json" --out "$OUT/results.json" --conns "${SUP_CONNS:-10}" \
  --duration "${SUP_DURATION:-20}" --warmup "${SUP_WARMUP:-3}" --runs "${SUP_RUNS:-2}" --only "${SUP_TARGETS:-}"
stop_everything
trap - EXIT INT TERM
"$PY" bench/supervision_bench.py report --results "$OUT/results.json" --sessions "$OUT/sessions.json" \
  --report bench/REPORT.md --db "$DB" --elapsed "$(( $(date +%s) - started ))"
echo "Wrote the Supervision section of bench/REPORT.md"
