.PHONY: setup demo test lint bench

setup:
	bash scripts/bootstrap.sh

demo: setup
	.venv/bin/vigie demo

lint: setup
	.venv/bin/ruff check .
	.venv/bin/mypy

test: lint
	.venv/bin/pytest -q -rs

bench: setup
	.venv/bin/python bench/throughput.py
