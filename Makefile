# Two commands on a fresh clone:  `make run` (set up, index documents/, serve the app)
# and `make test` (set up, pass the tests). Everything else here serves those two.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup run test lint bench clean

setup: $(STAMP)

# torch is installed first and pinned: pip then takes the CPU build on this machine's disk
# instead of a multi-GB CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: setup
	$(PY) -m bot index
	$(PY) -m bot ask "Why did co-production fail in Aspley?"

test: setup
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check bot tests benchmarks
	$(VENV)/bin/ruff format --check bot tests benchmarks
	$(VENV)/bin/mypy

bench: setup
	$(PY) benchmarks/bench_core.py

clean:
	rm -rf $(VENV) index/CURRENT index/gen-* index/.lock
