#!/usr/bin/env bash
# Installs what the portal needs on a Debian/Ubuntu machine: system packages (CJK font and HarfBuzz subsetting
# for WeasyPrint, poppler for PDF checks, Debian's chromium for browser tests, gettext for the catalogues),
# a Python 3.11 virtualenv in .venv with the locked packages, and the compiled translation catalogues.
# Safe to run again: each step is skipped when already done. Sourced by run.sh and test.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SYSTEM_PACKAGES=(fonts-wqy-zenhei libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 poppler-utils chromium gettext)

missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> Installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  echo "==> Creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
lock_sum=$(sha256sum requirements.lock | cut -d' ' -f1)
if [ "$(cat .venv/.lock-sha 2>/dev/null)" != "$lock_sum" ]; then
  echo "==> Installing locked Python packages (requirements.lock)"
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.lock 2> >(grep -v "is ignored" >&2)
  echo "$lock_sum" > .venv/.lock-sha
fi

mkdir -p var
.venv/bin/python manage.py compilemessages -l zh_Hans -v 0 --ignore=.venv
