# Safety route: false alarms and misses of the trained Rasa model on bench/safety
# (ordinary policy questions with alarming words, real danger messages; dev/test halves).
.PHONY: safety-report

safety-report: rasa-model
	$(RASA_ENV) $(RASA_PY) -m bench.safety --model $(RASA_MODELS)/wenzheng.tar.gz \
		--label after --out docs/safety.md
