#!/usr/bin/env bash
# One command for the demo on a fresh machine: installs everything, migrates the SQLite database under var/,
# loads the demo province, and runs the embedded Redis broker, web (http://127.0.0.1:8000), Celery worker and
# scheduler under supervisor (scripts/supervisord.conf), which restarts any of them that dies.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-portal.settings.local}
export PORTAL_VAR_DIR=${PORTAL_VAR_DIR:-$PWD/var}
export PORT=${PORT:-8000}
mkdir -p "$PORTAL_VAR_DIR/log"
ctl() { .venv/bin/supervisorctl -c scripts/supervisord.conf "$@"; }

.venv/bin/supervisord -c scripts/supervisord.conf &   # starts the embedded Redis only, for now
supervisor=$!
trap 'kill -TERM $supervisor 2>/dev/null; wait $supervisor' EXIT
for _ in $(seq 1 100); do
  .venv/bin/python -c "import sys, portal.core.embedded_redis as r; sys.exit(not r.answers(sys.argv[1]))" \
    "$PORTAL_VAR_DIR" && break
  sleep 0.2
done
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py seed_demo
ctl start web worker beat
echo "==> Portal at http://127.0.0.1:${PORT}  (Ctrl-C stops them all; logs in $PORTAL_VAR_DIR/log/)"
echo "    status: PORTAL_VAR_DIR=$PORTAL_VAR_DIR PORT=$PORT .venv/bin/supervisorctl -c scripts/supervisord.conf status"
wait $supervisor
