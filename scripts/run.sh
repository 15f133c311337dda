#!/usr/bin/env bash
# One command for the demo on a fresh machine: installs everything, migrates the SQLite database under var/,
# loads the demo province, and runs web (http://127.0.0.1:8000), Celery worker and scheduler together.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-portal.settings.local}
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py seed_demo
echo "==> Portal at http://127.0.0.1:${PORT:-8000}  (Ctrl-C stops web, worker and scheduler)"
exec .venv/bin/honcho -f Procfile.dev start
