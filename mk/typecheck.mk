# Static checks in `make test`: ruff (`make lint`) and mypy over the packages; what mypy
# checks, how strictly, and which libraries have no type information: [tool.mypy] in pyproject.toml.
.PHONY: typecheck

typecheck: venv
	$(VENV)/bin/mypy

TEST_TARGETS += lint typecheck
