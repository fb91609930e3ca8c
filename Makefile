# The two commands of the README: `make run` (demo TOM) and `make test` (the suite).
PORT ?= 8000
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test install install-test browser clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[postgres]'
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test browser

# Debian's chromium for the browser tests (Playwright's own browser download cannot work offline).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

run: install
	$(PY) manage.py migrate --noinput -v0 --skip-checks
	$(PY) manage.py demo --skip-checks
	@echo "Serving on http://127.0.0.1:$(PORT)/  (Ctrl-C stops it)"
	LOCALHOST_TOM_USERNAME=admin LOCALHOST_TOM_PASSWORD="$$($(PY) manage.py demo --skip-checks --password-of admin)" \
	  TOM_TASKS_BACKEND=$${TOM_TASKS_BACKEND:-immediate} PORT=$(PORT) $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install-test
	$(PY) -m ruff check --select F,E9 .   # undefined names and syntax errors, before the slower suite
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
