#!/usr/bin/env bash
# Static checks: ruff (style and common bugs), import-linter (the layers: the portal imports no app, apps reach
# each other only through models, selectors and services — [tool.importlinter] in pyproject.toml) and mypy with
# django-stubs (services, selectors and access policies — [tool.mypy]). Expects .venv (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DJANGO_SETTINGS_MODULE=portal.settings.test

echo "==> ruff"
.venv/bin/ruff check .
echo "==> import-linter"
.venv/bin/lint-imports --no-cache
echo "==> mypy"
.venv/bin/mypy
