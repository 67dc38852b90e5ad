#!/usr/bin/env bash
# Create or refresh .venv with a Python >= 3.12 that really runs, and install the project.
set -euo pipefail
cd "$(dirname "$0")/.."

probe() { "$1" -c 'import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }

find_python() {
  local c
  for c in "${PYTHON:-}" python3.13 python3.12 python3 python; do
    [ -n "$c" ] && command -v "$c" >/dev/null 2>&1 && probe "$c" && { command -v "$c"; return 0; }
  done
  for c in "$HOME"/.pyenv/versions/3.1[3-9]*/bin/python3 "$HOME"/.pyenv/versions/3.12*/bin/python3 \
           /root/.pyenv/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do
    [ -x "$c" ] && probe "$c" && { echo "$c"; return 0; }
  done
  return 1
}

if [ ! -x .venv/bin/python ] || ! probe .venv/bin/python; then
  if ! PY=$(find_python); then
    echo "Erreur : il faut Python 3.12 ou plus récent (Django 6.1), avec venv." >&2
    echo "Installez-le (Debian : apt-get install python3.12 python3.12-venv, ou pyenv install 3.12)" >&2
    echo "puis relancez, ou indiquez-le : PYTHON=/chemin/vers/python3.12 make ..." >&2
    exit 1
  fi
  echo "Python retenu : $PY ($("$PY" --version))"
  rm -rf .venv
  "$PY" -m venv .venv
fi

stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  # PIP_PROGRESS=1 (make demo) shows pip's progress instead of a silent minute.
  quiet=--quiet
  if [ -n "${PIP_PROGRESS:-}" ]; then
    quiet=
    echo "Installation des dépendances (pip) : une à deux minutes la première fois…"
  fi
  .venv/bin/python -m pip install $quiet --upgrade pip
  .venv/bin/python -m pip install $quiet -e ".[dev]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
