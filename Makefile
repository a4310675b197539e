# `make demo` and `make test` work on a fresh clone: each builds .venv by itself.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo serve test chromium lint clean

$(VENV)/.run-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.run-installed
	$(PY) -m pip install -q -e '.[test]'
	touch $@

demo: $(VENV)/.run-installed
	$(VENV)/bin/liveshop demo

serve: $(VENV)/.run-installed
	$(VENV)/bin/liveshop serve

# Browser tests drive Debian's chromium through the playwright package
# (playwright's own browser download cannot work offline).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

# The feed evaluation's interaction log: MovieLens-100K, taken out of the recbole 1.2.1 wheel
# (downloaded, never installed) at build time; its SHA-256 is checked.
MOVIELENS := data/ml-100k/ml-100k.inter
$(MOVIELENS): $(VENV)/.run-installed
	$(PY) -m liveshop.discovery.movielens $@

test: $(VENV)/.test-installed chromium $(MOVIELENS)
	$(PY) -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis liveshop.db liveshop-demo.db data
