# Browser tests drive Debian's chromium through the Playwright package; nothing downloads
# a browser at run time (never `playwright install`). CI runs on a clean machine as root.
# The CJK font makes screenshots in test-artifacts/ readable.
# Installed once per machine: the stamp records it, so `make test` does not run apt again
# (delete the stamp, or edit this file, to install again).
BROWSER_PACKAGES := chromium fonts-wqy-zenhei
BROWSER_STAMP := $(WENZHENG_HOME)/.stamps/browser

.PHONY: chromium

$(BROWSER_STAMP): mk/browser.mk
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $(BROWSER_PACKAGES)
	mkdir -p $(@D) && touch $@

chromium: $(BROWSER_STAMP)

TEST_TARGETS += chromium
