#!/usr/bin/env bash
# Run the whole test suite. SQLite by default; PostgreSQL with DATABASE_URL=postgres://…
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# shellcheck disable=SC2086
eval exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" ${PYTEST_ARGS:-} '"$@"'
