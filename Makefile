# Two entry points for a new user: `make demo` and `make test`. Both create .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Debian packages: a CJK font for Chinese charts and reports; Chromium and its driver for
# the report's browser tests. Installed when missing and we are root with apt-get
# (CI, containers); otherwise a note says what to install.
FONT_PACKAGES := fonts-noto-cjk
BROWSER_PACKAGES := chromium chromium-driver

.PHONY: demo test bench lint clean fonts browser posterior

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# compile the programme office's reviews and the queues (numba) once, here, not in a first run
	$(BIN)/python -c "from simulator.model.engines.fast import compile_reviews; compile_reviews()"
	touch $(STAMP)

define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq $$missing >/dev/null; \
	else \
	  echo "note: missing Debian packages:$$missing — install them with apt-get ($(2))"; \
	fi
endef

fonts:
	$(call apt_install,$(FONT_PACKAGES),Chinese charts and reports need them)

browser:
	$(call apt_install,$(BROWSER_PACKAGES),the report's browser tests need them)

demo: $(STAMP) fonts
	$(BIN)/landsim run scenarios/status-2026.yaml --replications 10000

# -n auto: one pytest worker per core (the suite is CPU-bound; see README, Development);
# worksteal: a worker that runs out of tests takes some of the other's, so that neither
# idles at the end behind a few long end-to-end tests
test: $(STAMP) fonts browser
	$(BIN)/python -m pytest -n auto --dist worksteal

# The calibrated posterior plan-2024.yaml and status-2026.yaml draw from: an input of the
# scenarios, kept in the repository and rebuilt here (tests check it matches its cases file):
# the posterior of every history case (landsim backtest --loo, seed 0; about 40 s).
posterior: $(STAMP)
	$(BIN)/landsim backtest scenarios/history/cases.yaml --loo --seed 0 \
	    --out outputs/backtest/history --force -q
	cp outputs/backtest/history/posterior.parquet scenarios/posteriors/history-2026.parquet

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engines.py
	$(BIN)/python benchmarks/bench_sweep.py
	$(BIN)/python benchmarks/bench_levers.py
	$(BIN)/python benchmarks/bench_cost.py
	$(BIN)/python benchmarks/bench_calibrate.py
	$(BIN)/python benchmarks/bench_optimize.py

lint: $(STAMP)
	$(BIN)/python -m pip install --quiet ruff
	$(BIN)/ruff check simulator tests

clean:
	rm -rf $(VENV) outputs/*/ .pytest_cache .hypothesis
