# syncdesk: `make run` serves the bot, `make test` runs every test. Both set everything up first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

# TensorFlow (inside Rasa) is chatty on start-up; keep warnings, drop its info lines.
export TF_CPP_MIN_LOG_LEVEL ?= 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help run shell test setup train lint clean web browser services ocr

help:
	@echo "make run    set up, train if needed, and serve the bot (:5005) and the web chat (:8000)"
	@echo "make shell  set up, train if needed, and chat with the bot in the terminal"
	@echo "make test   set up, train if needed, and run every test"
	@echo "make lint   ruff and mypy"
	@echo "make clean  remove the venv, built pipeline, database and models"

$(VENV)/.installed: pyproject.toml
	@python310=$$(scripts/find-python310) || exit 1; \
	if [ ! -x "$(PY)" ]; then echo "Creating $(VENV) with $$python310"; "$$python310" -m venv "$(VENV)"; fi
	$(PY) -m pip install --quiet --upgrade "pip<25"
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

setup: $(VENV)/.installed web
	$(PY) -m bot kb generate
	$(PY) -m bot kb load
	$(PY) -m bot nlp build
	scripts/setup-tls  # a self-signed pair for trying deploy/ locally (deploy/private/tls)

# The web chat's npm packages (rasa-webchat), installed from package-lock.json when it changed.
web:
	scripts/setup-web

# Debian's Chromium and the Playwright driver for the browser tests (no browser download).
browser: $(VENV)/.installed
	scripts/setup-browser

# Debian's PostgreSQL and Redis, for the scale-out test (started on loopback by the test itself);
# Debian's nginx for the deploy test (tests/security/test_deploy.py runs it on loopback).
services:
	scripts/setup-services
	scripts/setup-nginx

# Debian's Tesseract and its English data, to read customers' screenshots (bot/screenshots).
ocr: $(VENV)/.installed
	scripts/setup-ocr

# Trains only when config, domain, data or our components changed (scripts/train hashes them);
# otherwise the newest model is used as it is. Keeps the newest 3 models.
train: setup
	scripts/train

run: train ocr
	scripts/serve

shell: train
	scripts/serve --shell

lint: $(VENV)/.installed
	$(PY) -m ruff check bot actions components channels tests bench harness scripts web
	$(PY) -m mypy

test: train lint browser services ocr
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .build .var models results web/node_modules
