#!/usr/bin/env bash
# One command for the whole test suite on a fresh machine: installs everything, then runs pytest.
# By default on SQLite and the embedded broker; set DATABASE_URL / CELERY_BROKER_URL to test against
# PostgreSQL and Redis (as .ci/run does). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
export DJANGO_SETTINGS_MODULE=portal.settings.test
.venv/bin/python -m pytest "$@"
