.PHONY: setup demo test test-pg lint bench

setup:
	scripts/setup.sh

demo:
	scripts/demo.sh

test:
	PYTEST_ARGS='$(PYTEST_ARGS)' scripts/test.sh

test-pg:
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/servicecommun} scripts/test.sh

lint:
	scripts/setup.sh && .venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/lint-imports --no-cache

bench:
	scripts/setup.sh && DEBUG=$${DEBUG:-1} .venv/bin/python manage.py bench && scripts/bench_echelle.sh $(BENCH_ARGS)
