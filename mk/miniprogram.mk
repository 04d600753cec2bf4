# WeChat mini-program: unit tests of its JavaScript logic with Node's own test runner
# (no npm packages needed; Node 20 is installed on the machine).
.PHONY: test-miniprogram

test-miniprogram:
	node --test miniprogram/tests/

TEST_TARGETS += test-miniprogram
