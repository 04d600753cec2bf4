# Rasa dialogue: virtualenv, model (retrained only when its inputs change), test suites.
RASA_VENV := .venv-rasa
RASA := $(RASA_VENV)/bin/rasa
RASA_PY := $(RASA_VENV)/bin/python
RASA_MODELS := $(WENZHENG_HOME)/rasa/models
# Keep Rasa's training cache out of the work tree.
export RASA_CACHE_DIRECTORY ?= $(WENZHENG_HOME)/rasa/cache
# Everything the trained model depends on (data/jieba is the generated policy dictionary).
RASA_INPUTS = config.yml domain.yml $(shell find data nlu_components -type f -not -path '*/__pycache__/*' 2>/dev/null | sort)
# Variables endpoints.yml needs when Rasa runs outside bot.supervisor (rasa test).
RASA_ENV := WENZHENG_ACTIONS_URL=http://127.0.0.1:5055 PYTHONPATH=$(CURDIR)

.PHONY: rasa-venv rasa-model test-rasa test-rasa-data test-rasa-stories test-actions nlu-report bench-dialogue

$(RASA_VENV)/.installed: requirements-rasa.txt
	$(PYTHON310) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install --quiet --upgrade pip
	$(RASA_VENV)/bin/pip install --quiet -r requirements-rasa.txt
	touch $@

rasa-venv: $(RASA_VENV)/.installed

# Trains into $(RASA_MODELS) only when the fingerprint of RASA_INPUTS changed.
rasa-model: rasa-venv
	@mkdir -p $(RASA_MODELS)
	@fingerprint=$$(sha256sum $(RASA_INPUTS) | sha256sum | cut -d' ' -f1); \
	if [ -f $(RASA_MODELS)/wenzheng.tar.gz ] && [ "$$(cat $(RASA_MODELS)/.fingerprint 2>/dev/null)" = "$$fingerprint" ]; then \
		echo "Rasa model up to date ($(RASA_MODELS)/wenzheng.tar.gz)"; \
	else \
		rm -f $(RASA_MODELS)/.fingerprint && \
		$(RASA_ENV) $(RASA) train --config config.yml --domain domain.yml --data data \
			--out $(RASA_MODELS) --fixed-model-name wenzheng && \
		echo "$$fingerprint" > $(RASA_MODELS)/.fingerprint; \
	fi

test-rasa-data: rasa-venv
	$(RASA_ENV) $(RASA) data validate --domain domain.yml --data data

# End-to-end test stories: the text of each user turn, its intent and the predicted actions.
test-rasa-stories: rasa-model
	$(RASA_ENV) $(RASA) test core --model $(RASA_MODELS)/wenzheng.tar.gz --stories tests/rasa \
		--endpoints endpoints.yml --out $(WENZHENG_HOME)/rasa/results --fail-on-prediction-errors

# Actions against the real answer engine (rasa_sdk lives in .venv-rasa; the app in .venv).
test-actions: rasa-venv venv model
	$(RASA_PY) -m pytest --import-mode=importlib --noconftest -p tests.fixtures.stack -p tests.actions.support tests/actions -q

test-rasa: test-rasa-data test-rasa-stories test-actions

# Intent F1 on a held-out split (docs/nlu.md).
nlu-report: rasa-venv
	$(RASA_ENV) $(RASA_PY) -m bench.nlu_report --out docs/nlu.md

bench-dialogue: setup
	$(PY) -m bench.dialogue --out docs/dialogue.md $(BENCH_DIALOGUE_ARGS)

RUN_PREREQS += rasa-model
TEST_TARGETS += test-rasa

# `make bench` measures the dialogue too.
bench: bench-dialogue
