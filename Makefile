# The two commands of the README: `make run` (demo TOM) and `make test` (the suite).
PORT ?= 8000
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test install install-test browser clean

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

test: install-test
	$(PY) -m ruff check --select F,E9 .   # undefined names and syntax errors, before the slower suite
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
