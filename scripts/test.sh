#!/usr/bin/env bash
# Everything `make test` runs: static checks, deployment checks, then every test on
# SQLite and on a real PostgreSQL server (with the browser tests in headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export TRACEDESK_DATA_DIR="${TRACEDESK_DATA_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/tracedesk-test.XXXXXX")}"
unset DATABASE_URL
step() { printf '\n== %s\n' "$*"; }

step "Debian's Chromium for the browser tests"
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "The browser tests need Debian's chromium: run 'sudo apt-get install chromium'." >&2
    exit 1
  fi
fi
/usr/bin/chromium --version

step "ruff (lint and format) and mypy"
$BIN/ruff check .
$BIN/ruff format --check .
$BIN/mypy tracedesk benchmarks

step "known vulnerabilities in the installed packages (pip-audit)"
$BIN/python scripts/pip_audit.py

step "migrations match the models"
$BIN/tracedesk makemigrations --check --dry-run

step "deployment checks with production settings"
TRACEDESK_DEBUG=false TRACEDESK_HTTPS=true \
  TRACEDESK_SECRET_KEY="ci-only-$(python3 -c 'import secrets; print(secrets.token_urlsafe(60))')" \
  TRACEDESK_TOTP_KEY="ci-only-$(python3 -c 'import secrets; print(secrets.token_urlsafe(40))')" \
  TRACEDESK_ALLOWED_HOSTS=tracedesk.example.org \
  $BIN/tracedesk check --deploy --fail-level WARNING

step "tests on SQLite"
$BIN/pytest -n 2 -p no:cacheprovider

step "tests on PostgreSQL"
scripts/with-postgres.sh $BIN/pytest -n 2 -p no:cacheprovider
