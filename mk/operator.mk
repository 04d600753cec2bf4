# Operator desk: the demo departments (社保, 医保, 公积金 ...) that handoffs are routed to.
# Idempotent: existing departments (and admins' edits to them) are left alone.
.PHONY: departments

departments: venv
	$(FLASK) departments seed

RUN_PREREQS += departments
