#!/usr/bin/env bash
# One command for the whole test suite on a fresh machine: installs everything, then runs pytest.
# By default on SQLite and the embedded broker; set DATABASE_URL / CELERY_BROKER_URL to test against
# PostgreSQL and Redis (as .ci/run does). Extra arguments go to pytest.
#
# On two worker processes (pytest-xdist): TEST_WORKERS=1 runs the suite in one process, TEST_WORKERS=auto on one
# per core. Each worker has its own test database, var dir and Redis databases (portal/settings/test.py).
# `--dist load` hands each worker the tests in pytest-django's order (plain database tests first, then the
# transactional ones, whose flush empties the demo the others rely on); `loadfile` would run a file's
# transactional tests before the next file's plain ones.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
export DJANGO_SETTINGS_MODULE=portal.settings.test
workers=${TEST_WORKERS:-2}
parallel=()
if [ "$workers" != 1 ] && [ "$workers" != 0 ]; then
  parallel=(-n "$workers" --dist load)
fi
.venv/bin/python -m pytest ${parallel[@]+"${parallel[@]}"} "$@"
