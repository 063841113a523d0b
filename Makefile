# Massar. The two set-up commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MASSAR := $(BIN)/massar
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | md5sum | cut -c1-8)
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test install system-deps messages redis lint format bench check-deploy serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Debian packages the project needs: gettext (compiling translations), an Arabic font for
# PDFs, Chromium for the browser tests, poppler to render PDFs in tests, Redis (tested for real).
# Installed when missing.
system-deps:
	@missing=""; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	[ -x $(CHROMIUM) ] || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	fc-list 2>/dev/null | grep -qi amiri || missing="$$missing fonts-hosny-amiri"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Missing Debian packages:$$missing"; \
	    echo "Install them with: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

messages: install
	cd src/massar && ../../$(MASSAR) compilemessages --ignore=.venv -v 0

run: install system-deps messages
	$(MASSAR) migrate --noinput -v 0
	$(MASSAR) demo
	@echo "Serving Massar on http://127.0.0.1:8000 (Ctrl-C to stop)"
	$(MASSAR) runserver 127.0.0.1:8000

# The Redis-backed parts are tested against a real Redis (database 15): started if none answers.
redis:
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || redis-server --bind 127.0.0.1 --port 6379 --daemonize yes >/dev/null

test: install system-deps messages redis
	MASSAR_ENV=test $(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check-deploy: install
	MASSAR_ENV=production SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
	  DATABASE_URL=sqlite:///tmp/massar-check.sqlite3 ALLOWED_HOSTS=massar.example \
	  $(MASSAR) check --deploy --fail-level WARNING
	@# the production static manifest must build (a vendored file naming a missing source map
	@# would make every production page fail)
	MASSAR_ENV=production SECRET_KEY=check DATABASE_URL=sqlite:///tmp/massar-check.sqlite3 \
	  ALLOWED_HOSTS=massar.example $(MASSAR) collectstatic --noinput -v 0

bench: install
	@ls bench/*.py

clean:
	rm -rf $(VENV) var/static
