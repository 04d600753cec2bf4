# Grounded generation: the check's precision/recall on tests/eval/generation.jsonl (dev
# half tunes, test half reports) and its time per answer, written into docs/generation.md.
.PHONY: generation-report

generation-report: venv
	$(PY) -m bench.generation --out docs/generation.md
