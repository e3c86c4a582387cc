# The two commands a newcomer types: `make demo` and `make test` (README.md).
# Everything installs into .venv from requirements.lock (names, versions, hashes).

VENV   := .venv
PYTHON := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-from-lock
UV_VERSION := 0.13.9
CHROMIUM   := /usr/bin/chromium

.PHONY: install demo test lint format lock bench drill clean-local

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check 'uv==$(UV_VERSION)'
	$(VENV)/bin/uv pip sync --quiet --python $(PYTHON) --require-hashes requirements.lock
	$(VENV)/bin/uv pip install --quiet --python $(PYTHON) --no-deps \
		--config-setting editable_mode=compat -e .
	@touch $(STAMP)

# The browser tests drive Debian's chromium; a test tool's own browser download
# fails on this network, so the project installs the distribution's package.
$(CHROMIUM):
	@echo "Installing Debian's chromium for the browser tests ..."
	@if [ "$$(id -u)" -eq 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		sudo -n sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium' >/dev/null \
		|| { echo "make test needs Debian's chromium: run 'sudo apt-get install chromium'"; exit 1; }; \
	fi

demo: install
	$(VENV)/bin/wdp demo

test: install $(CHROMIUM)
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	# sqlfluff's dbt templater compiles through a live connection: wdp starts the warehouse.
	$(VENV)/bin/wdp with-dbt sqlfluff lint models

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/wdp with-dbt sqlfluff fix models

# Regenerate the lock after changing a dependency range in pyproject.toml.
lock: install
	$(VENV)/bin/uv pip compile pyproject.toml --quiet --generate-hashes \
		--python-version 3.11 --no-header -o requirements.lock

# Benchmarks -> docs/benchmarks.md. Quick development run: BENCH_SIZES=200,400 BENCH_COMPONENTS=0 make bench
bench: install
	$(VENV)/bin/python -m bench

# Fault drills against a throwaway platform; DRILL_CLIENTS=N, DRILLS=name,name (default: all).
drill: install
	$(VENV)/bin/python -m drills

clean-local:
	@echo "Refusing to delete .wdp/ (it holds the warehouse and the key ring); remove it by hand."
