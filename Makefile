# The commands of the README: `make run` (demo TOM), `make serve` (the production processes), `make test` (the suite).
PORT ?= 8000
TASK_WORKERS ?= 1
READERS ?= 1
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run serve test install install-test browser clean

# pip's own lines (and the machine's index warnings) go to $(LOG); they are shown only when a step fails.
LOG = $(VENV)/install.log
quietly = { $(1); } >>$(LOG) 2>&1 || { echo "Failed: $(1). The end of $(LOG):"; tail -n 40 $(LOG); exit 1; }

$(VENV)/.installed: pyproject.toml
	@echo "Installing the TOM and its dependencies into $(VENV) (pip's log: $(LOG))"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@: > $(LOG)
	@$(call quietly,$(PY) -m pip install --upgrade pip)
	@$(call quietly,$(PY) -m pip install -e '.[postgres]')
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	@echo "Installing the test tools into $(VENV) (pip's log: $(LOG))"
	@$(call quietly,$(PY) -m pip install -e '.[test]')
	@touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test browser

# Debian's chromium for the browser tests (Playwright's own browser download cannot work offline).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

run: install
	@$(PY) manage.py migrate --noinput -v0 --skip-checks
	@$(PY) manage.py demo --skip-checks --port $(PORT)
	@echo "Serving on http://127.0.0.1:$(PORT)/  (Ctrl-C stops it)"
	@TOM_TASKS_BACKEND=$${TOM_TASKS_BACKEND:-immediate} $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The production processes (Procfile) under honcho, from the environment's settings (docs/deploy.md): migrate and
# collectstatic first, then gunicorn on 127.0.0.1:$(PORT) (WEB_BIND, WEB_CONCURRENCY, WEB_THREADS), $(TASK_WORKERS)
# task worker(s), and $(READERS) readstreams process(es) when ALERT_STREAMS has an active stream. A setting that
# cannot be used (a weak SECRET_KEY for public hosts, a bad ALERT_STREAMS...) stops it at the first step, in one line.
# Processes other than web get another PORT from honcho: the self-share's default address is pinned to the web's.
serve: install
	@$(PY) manage.py migrate --noinput -v1
	@$(PY) manage.py collectstatic --noinput -v0
	@streams=$$($(PY) manage.py streams_configured) || exit 1; \
	processes="web worker"; if [ "$$streams" = yes ]; then processes="$$processes reader"; fi; \
	echo "Starting $$processes (web on $${WEB_BIND:-127.0.0.1:$(PORT)}); SIGTERM or Ctrl-C stops them all"; \
	if [ -z "$$LOCALHOST_TOM_BASE_URL$$LOCALHOST_TOM_URL" ]; then \
	  export LOCALHOST_TOM_BASE_URL="http://127.0.0.1:$(PORT)/"; fi; \
	PATH="$(abspath $(VENV))/bin:$$PATH" WHITENOISE_USE_FINDERS=false PYTHONUNBUFFERED=1 \
	exec $(VENV)/bin/honcho --no-colour --env /dev/null $$( [ "$$LOG_FORMAT" = json ] && echo --no-prefix ) \
	  start --procfile Procfile --app-root . --port $(PORT) \
	  --concurrency worker=$(TASK_WORKERS),reader=$(READERS) $$processes

test: install-test
	$(PY) -m ruff check --select F,E9 .   # undefined names and syntax errors, before the slower suite
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
