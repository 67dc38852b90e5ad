#!/usr/bin/env bash
# Scale benchmark on PostgreSQL: N = 31 and N = 35,000 (--rapide: 31 and 2,000).
# Each size gets its own database <BENCH_DATABASE_URL>_<N>, dropped and created again.
# Figures are printed and written to bench-results/. Extra arguments go to the command.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export BENCH_DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/servicecommun_bench}
# The orchestrating process only starts the measuring children (which run with DEBUG off).
DEBUG=1 exec .venv/bin/python manage.py bench_echelle "$@"
