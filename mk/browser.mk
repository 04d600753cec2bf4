# Browser tests drive Debian's chromium through the Playwright package; nothing downloads
# a browser at run time (never `playwright install`). CI runs on a clean machine as root.
# The CJK font makes screenshots in test-artifacts/ readable.
CHROMIUM := /usr/bin/chromium

.PHONY: chromium

$(CHROMIUM):
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-wqy-zenhei

chromium: $(CHROMIUM)

TEST_TARGETS += chromium
