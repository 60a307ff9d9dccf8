#!/usr/bin/env bash
# Create .venv/ with the given Python. On Debian the system Python needs the
# python3-venv package for this; as root we install it, otherwise we say so.
set -euo pipefail
python=${1:-python3}
venv=${2:-.venv}
[ -x "$venv/bin/python" ] && exit 0
if ! "$python" -m venv "$venv" 2>/dev/null; then
  rm -rf "$venv"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    "$python" -m venv "$venv"
  else
    echo "Cannot create $venv: install Python's venv module (Debian: sudo apt-get install python3-venv)." >&2
    exit 1
  fi
fi
