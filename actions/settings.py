"""Where the web app is and how long to wait for it, read from the environment per call."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from wire.production import DEV_INTERNAL_TOKEN, InsecureSettings, is_production, refuse_dev_secrets


@dataclass(frozen=True)
class AppSettings:
    url: str
    internal_token: str
    # The citizen waits for this: past it, an apology and a handoff offer beat silence.
    timeout_seconds: float


def app_settings() -> AppSettings:
    return AppSettings(
        url=os.environ.get("WENZHENG_APP_URL", "http://127.0.0.1:8000").rstrip("/"),
        internal_token=os.environ.get("WENZHENG_INTERNAL_TOKEN", DEV_INTERNAL_TOKEN),
        timeout_seconds=float(os.environ.get("WENZHENG_ANSWER_TIMEOUT", "5")),
    )


def refuse_dev_secrets_in_production() -> None:
    """Exit (status 1, the reason on stderr) in production while the token is a default."""
    database_url = os.environ.get("WENZHENG_DATABASE_URL") or os.environ.get("DATABASE_URL")
    try:
        refuse_dev_secrets(
            {"WENZHENG_INTERNAL_TOKEN": app_settings().internal_token},
            is_production(database_url, os.environ.get("WENZHENG_ENV")),
        )
    except InsecureSettings as error:
        print(error, file=sys.stderr)
        raise SystemExit(1) from None
