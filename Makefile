.PHONY: setup demo test test-fast lint bench bench-workers

setup:
	bash scripts/bootstrap.sh

demo: setup
	.venv/bin/vigie demo

# ruff, mypy and the layer contracts (import-linter, see CONTRIBUTING.md)
lint: setup
	.venv/bin/ruff check .
	.venv/bin/mypy
	.venv/bin/lint-imports

test: lint
	.venv/bin/pytest -q -rs

# The browser-free tests only (checks on saved captures, indicators, service lists,
# storage, docs): about a minute, for the edit-test loop.
test-fast: lint
	.venv/bin/pytest -q -rs -m "not browser"

bench: setup
	.venv/bin/python bench/throughput.py

# Celery workers against the single-process scan (needs PostgreSQL and redis-server):
# captures per second, overhead per service, hours of a night (docs/benchmarks.md)
bench-workers: setup
	.venv/bin/python bench/workers.py
