"""Where the web app is and how long to wait for it, read from the environment per call."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class AppSettings:
    url: str
    internal_token: str
    # The citizen waits for this: past it, an apology and a handoff offer beat silence.
    timeout_seconds: float


def app_settings() -> AppSettings:
    return AppSettings(
        url=os.environ.get("WENZHENG_APP_URL", "http://127.0.0.1:8000").rstrip("/"),
        internal_token=os.environ.get("WENZHENG_INTERNAL_TOKEN", "wenzheng-dev-internal-token"),
        timeout_seconds=float(os.environ.get("WENZHENG_ANSWER_TIMEOUT", "5")),
    )
