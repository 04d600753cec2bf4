"""One display clock: every time a person reads is shown in the deployment's zone.

Moments are stored in UTC (naive on SQLite, aware on PostgreSQL); pages show them in
``DISPLAY_TZ`` (default Asia/Shanghai) through the ``localtime`` Jinja filter, the one
place that converts. Deadlines carry their date: 09:15 alone is ambiguous after midnight.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app

from core.db import as_utc

DEFAULT_DISPLAY_TZ = "Asia/Shanghai"
FORMATS = {
    "minute": "%Y-%m-%d %H:%M",
    "second": "%Y-%m-%d %H:%M:%S",
    "day": "%Y-%m-%d",
    "short": "%m-%d %H:%M",  # deadlines and queue times: date and time, no year
}


def display_zone() -> ZoneInfo:
    """The app's display zone (validated at start-up by :func:`init_app`)."""
    return current_app.extensions["wenzheng.display_tz"]


def to_local(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(display_zone())


def local_midnight(day: date) -> datetime:
    """The UTC moment the display zone's ``day`` begins (for date filters on pages)."""
    return datetime.combine(day, time(0, 0), display_zone()).astimezone(timezone.utc)


def localtime(value: datetime | date | None, style: str = "minute") -> str:
    """``value`` in the display zone; ``style`` is a key of FORMATS or a strftime pattern.

    A plain ``date`` (effective dates, form values) has no zone and is shown as it is.
    """
    if value is None:
        return ""
    fmt = FORMATS.get(style, style)
    if not isinstance(value, datetime):
        return value.strftime(fmt)
    return to_local(value).strftime(fmt)


def init_app(app: Flask) -> None:
    name = app.config.get("DISPLAY_TZ") or DEFAULT_DISPLAY_TZ
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RuntimeError(
            f"WENZHENG_DISPLAY_TZ={name!r} is not a known time zone (e.g. Asia/Shanghai)"
        ) from exc
    app.extensions["wenzheng.display_tz"] = zone
    app.add_template_filter(localtime, "localtime")
