#!/usr/bin/env bash
# Run the whole test suite. SQLite by default; PostgreSQL with DATABASE_URL=postgres://…
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "Suite complète : environ 5 minutes sur 2 cœurs (PYTEST_WORKERS=${PYTEST_WORKERS:-2} processus) ;" \
  "les tests ignorés sont listés à la fin avec leur raison."
# -rs: every skipped test with its reason (PostgreSQL-only tests on SQLite, a missing browser).
# shellcheck disable=SC2086
eval exec .venv/bin/python -m pytest -rs -n "${PYTEST_WORKERS:-2}" ${PYTEST_ARGS:-} '"$@"'
