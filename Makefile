# Wenzheng: `make run` sets up everything and starts the system; `make test` sets up and tests.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYENV_ROOT ?= $(HOME)/.pyenv
PYTHON311 ?= $(firstword $(wildcard $(PYENV_ROOT)/versions/3.11*/bin/python) python3.11)
PYTHON310 ?= $(firstword $(wildcard $(PYENV_ROOT)/versions/3.10*/bin/python) python3.10)

VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app bot

export RASA_TELEMETRY_ENABLED := false
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export WENZHENG_HOME ?= $(CURDIR)/var
MODEL_DIR := $(WENZHENG_HOME)/models/multilingual-e5-small
export WENZHENG_EMBEDDING_MODEL ?= $(MODEL_DIR)

# Area makefiles add their set-up to RUN_PREREQS and their suites to TEST_TARGETS.
RUN_PREREQS :=
TEST_TARGETS :=
include $(wildcard mk/*.mk)

.PHONY: help venv model demo setup run test test-py eval bench lint

help:
	@echo "make run    set up everything (virtualenvs, model, demo KB, Rasa model) and start"
	@echo "make test   set up and run every test suite"
	@echo "make eval   answer-quality evaluation report (docs/eval.md)"
	@echo "make bench  latency/throughput benchmark report (docs/bench.md)"

$(VENV)/.installed: requirements.txt
	$(PYTHON311) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

venv: $(VENV)/.installed

$(MODEL_DIR)/config.json: | $(VENV)/.installed
	$(PY) -m tools.e5convert $(MODEL_DIR)

model: $(MODEL_DIR)/config.json

# Load (idempotently) the demo knowledge base shipped in knowledge_base/demo/ and index it.
demo: venv model
	$(FLASK) kb import knowledge_base/demo --publish
	$(FLASK) kb reindex

setup: venv model demo $(RUN_PREREQS)

run: setup
	$(PY) -m bot.supervisor

test: venv model $(TEST_TARGETS) test-py

test-py: venv model
	$(PY) -m pytest -q

# Builds every evaluation KB (tests/eval/kbs/) in its own home under var/eval/; ARGS=--calibrate refits on dev halves.
eval: venv model
	$(PY) -m bench.eval --out docs/eval.md $(ARGS)

bench: venv model demo
	$(PY) -m bench.retrieval --out docs/bench.md

lint: venv
	$(VENV)/bin/ruff check .
