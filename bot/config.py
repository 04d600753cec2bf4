"""The app's Flask configuration: the typed settings (core/settings.py) under their
upper-case names, overridden by the caller, plus the folders derived from ``HOME``."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from core.settings import PROJECT_ROOT, Settings, persistent_secret_key

__all__ = ["PROJECT_ROOT", "load_config"]


def load_config(overrides: dict[str, Any] | None = None) -> tuple[Settings, dict[str, Any]]:
    """The settings of one app instance and its Flask configuration. Overrides of a setting
    are checked like the environment's; other keys (``TESTING``, ``INDEX_DIR`` …) go to
    Flask as given."""
    extra = dict(overrides or {})
    known = {spec.name.upper() for spec in dataclasses.fields(Settings)}
    settings = Settings.from_env(
        overrides={key.lower(): extra.pop(key) for key in list(extra) if key in known}
    )
    if not settings.secret_key:
        settings = dataclasses.replace(settings, secret_key=persistent_secret_key(settings.home))
    config = {
        spec.name.upper(): _flask_value(getattr(settings, spec.name))
        for spec in dataclasses.fields(settings)
    }
    config["INDEX_DIR"] = str(settings.home / "index")
    config["UPLOAD_DIR"] = str(settings.home / "uploads")
    return settings, config | extra


def _flask_value(value: Any) -> Any:
    return str(value) if isinstance(value, Path) else value
