# `make demo` and `make test` work on a fresh clone: each builds .venv by itself.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo serve test chromium media-tools lint clean

$(VENV)/.run-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.run-installed
	$(PY) -m pip install -q -e '.[test]'
	touch $@

# Browser libraries the pages serve themselves (no CDN): installed from npm, pinned by
# package-lock.json, copied into the static folder.
HLS_JS := src/liveshop/web/static/vendor/hls.min.js
$(HLS_JS): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p $(dir $@)
	cp node_modules/hls.js/dist/hls.min.js $@

# Video: Debian's nginx with the RTMP module (ingest, HLS) and ffmpeg (tests, replays). The demo
# runs without them (it says how to install them); the tests need them.
media-tools:
	@{ command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } && [ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ] \
		&& command -v ffmpeg >/dev/null 2>&1 || { \
		echo "installing nginx, libnginx-mod-rtmp and ffmpeg for video"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
			nginx libnginx-mod-rtmp ffmpeg; }

demo: $(VENV)/.run-installed $(HLS_JS)
	$(VENV)/bin/liveshop demo

serve: $(VENV)/.run-installed $(HLS_JS)
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

test: $(VENV)/.test-installed chromium media-tools $(HLS_JS) $(MOVIELENS)
	$(PY) -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis liveshop.db liveshop-demo.db data node_modules src/liveshop/web/static/vendor media
