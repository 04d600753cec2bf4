# Adversarial suite: generated bad input (Hypothesis, fixed example budget, derandomized) on
# every public route and import format of a real app process, on SQLite and on PostgreSQL +
# Redis; prints the figures. `make security-report` renders them into docs/security.md.
.PHONY: security security-report

SECURITY_SUMMARY := $(WENZHENG_HOME)/security/summary.json

security: venv model
	@mkdir -p $(WENZHENG_HOME)/security
	WENZHENG_SECURITY=1 WENZHENG_SECURITY_SUMMARY=$(SECURITY_SUMMARY) \
		$(PY) -m pytest tests/security -q -p no:cacheprovider --basetemp=$(WENZHENG_HOME)/security/tmp

security-report:
	$(PY) -m tests.security.report $(SECURITY_SUMMARY) --out docs/security.md

TEST_TARGETS += security
