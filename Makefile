# Two commands on a fresh clone:  `make run` (set up, index documents/, serve the web app)
# and `make test` (set up, pass the tests). Everything else here serves those two.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

CHROMIUM := /usr/bin/chromium
# The load balancer of the replica tests and deploy/haproxy.cfg (Debian's package).
HAPROXY := /usr/sbin/haproxy
# axe-core's engine for the accessibility tests, from its npm package (pinned).
AXE_VERSION := 4.14.1
AXE    := $(VENV)/axe-core/axe.min.js
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup chromium haproxy axe run test lint bench clean

setup: $(STAMP)

# torch is installed first and pinned: pip then takes the CPU build on this machine's disk
# instead of a multi-GB CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The browser tests drive Debian's Chromium (playwright's own browser download is not used).
chromium:
	@test -x $(CHROMIUM) || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }

haproxy:
	@test -x $(HAPROXY) || { $(SUDO) apt-get update && $(SUDO) apt-get install -y haproxy; }

axe: $(AXE)

$(AXE): | $(STAMP)
	@command -v npm >/dev/null || { $(SUDO) apt-get update && $(SUDO) apt-get install -y npm; }
	mkdir -p $(dir $(AXE))
	cd $(dir $(AXE)) && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null \
	  && tar -xzf axe-core-$(AXE_VERSION).tgz --strip-components=1 package/axe.min.js \
	  && rm axe-core-$(AXE_VERSION).tgz

# Builds or syncs the index, then serves http://127.0.0.1:7860/chat/ (Ctrl-C stops it).
run: setup
	$(PY) app.py

test: setup chromium haproxy axe
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check bot tests benchmarks app.py
	$(VENV)/bin/ruff format --check bot tests benchmarks app.py
	$(VENV)/bin/mypy

bench: setup
	$(PY) benchmarks/bench_core.py
	$(PY) benchmarks/bench_web.py

clean:
	rm -rf $(VENV) index/CURRENT index/gen-* index/.lock
