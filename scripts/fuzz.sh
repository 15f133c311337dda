#!/usr/bin/env bash
# Before a release: the API fuzzed from its OpenAPI schema (tests/test_fuzz_api.py) with 100 examples per
# operation and role instead of CI's 5, and new ones on each run (FUZZ_RANDOM=1): no server error, every answer
# as the schema declares it. On SQLite by default; set DATABASE_URL / CELERY_BROKER_URL / CACHE_URL to fuzz
# against PostgreSQL and Redis. Takes long (count an hour on a small machine). FUZZ_EXAMPLES overrides the
# count; extra arguments go to pytest (e.g. -k "projects and staff", -x).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
export DJANGO_SETTINGS_MODULE=portal.settings.test
export FUZZ_EXAMPLES="${FUZZ_EXAMPLES:-100}" FUZZ_RANDOM="${FUZZ_RANDOM:-1}"
.venv/bin/python -m pytest -p no:cacheprovider -q tests/test_fuzz_api.py "$@"
