"""Production refuses development secrets: one rule for the app, the supervisor and the actions.

Production is a PostgreSQL database or ``WENZHENG_ENV=production``. There, each secret must
be set to a value that is neither a shipped development default nor shorter than
``MIN_SECRET_LENGTH``; otherwise the process refuses to start and names what to set.
"""

from __future__ import annotations

from collections.abc import Mapping

DEV_RASA_TOKEN = "wenzheng-dev-rasa-token"
DEV_INTERNAL_TOKEN = "wenzheng-dev-internal-token"
MIN_SECRET_LENGTH = 16
_KNOWN_DEFAULTS = {
    DEV_RASA_TOKEN, DEV_INTERNAL_TOKEN, "dev", "development", "secret", "changeme", "change-me"
}


class InsecureSettings(RuntimeError):
    """A production process was started with development secrets."""


def is_production(database_url: str | None, env: str | None) -> bool:
    return (env or "").strip().lower() == "production" or (database_url or "").startswith(
        "postgresql"
    )


def weak_secrets(secrets: Mapping[str, str | None]) -> list[str]:
    """Names (e.g. ``WENZHENG_INTERNAL_TOKEN``) whose value is missing, a default, or short."""
    return [
        name
        for name, value in secrets.items()
        if not value or value in _KNOWN_DEFAULTS or len(value) < MIN_SECRET_LENGTH
    ]


def refuse_dev_secrets(secrets: Mapping[str, str | None], production: bool) -> None:
    """Raise ``InsecureSettings`` (Chinese and English) in production while a secret is weak."""
    weak = weak_secrets(secrets) if production else []
    if weak:
        names = ", ".join(weak)
        raise InsecureSettings(
            f"生产模式（PostgreSQL 或 WENZHENG_ENV=production）拒绝启动：{names} 仍是开发默认值或过短，"
            f"请设置为至少 {MIN_SECRET_LENGTH} 个字符的随机值"
            "（例如 python3 -c 'import secrets; print(secrets.token_hex(32))'）。\n"
            f"Refusing to start in production: set {names} to a random value of at least "
            f"{MIN_SECRET_LENGTH} characters instead of the development default."
        )
