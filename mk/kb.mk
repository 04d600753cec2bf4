# Knowledge base: regenerate the jieba policy-term dictionary from the demo KB, and tests.
.PHONY: kb-userdict test-kb

kb-userdict: demo
	$(FLASK) kb userdict --out data/jieba/policy_terms.txt

test-kb: venv
	$(PY) -m pytest tests/knowledge_base -q
