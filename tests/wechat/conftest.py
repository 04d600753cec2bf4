from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from tests.fakes.wechat_server import FakeWeChat


@pytest.fixture
def fake_wechat() -> Iterator[FakeWeChat]:
    fake = FakeWeChat()
    fake.start()
    yield fake
    fake.stop()


def wait_until(predicate: Callable[[], object], timeout: float = 10.0) -> object:
    """Poll until ``predicate`` is truthy (the worker answers asynchronously)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {predicate}")
