# WeChat mini-program: its JavaScript, WXML and WXSS tested with Node's own test runner.
# The test tools (miniprogram-simulate renders the WXML with WeChat's exparser on jsdom;
# css-tree parses the WXSS) come from npm, pinned by miniprogram/package-lock.json;
# nothing downloads a browser.
.PHONY: test-miniprogram miniprogram-deps

MINIPROGRAM_DEPS := miniprogram/node_modules/.package-lock.json

$(MINIPROGRAM_DEPS): miniprogram/package.json miniprogram/package-lock.json
	cd miniprogram && npm ci --no-audit --no-fund
	touch $@

miniprogram-deps: $(MINIPROGRAM_DEPS)

test-miniprogram: $(MINIPROGRAM_DEPS)
	node --test miniprogram/tests/

TEST_TARGETS += test-miniprogram
