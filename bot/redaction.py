"""Secrets never reach a log line or a stored error: one redaction rule for both.

WeChat's API takes its credentials in the query string (``secret=``, ``access_token=``),
and Rasa's in ``?token=``; a failed request's exception (and urllib3's debug line) names
the full URL. :func:`redact` stars the values out; :func:`install` makes every log record
of the process go through it, whichever logger or handler (waitress, pytest's caplog)
ends up writing it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

SECRET_NAMES = ("secret", "appsecret", "access_token", "token", "js_code", "password",
                "encodingaeskey", "signature", "msg_signature", "session_key")
MASK = "***"
_QUERY_SECRET = re.compile(
    r"(?i)(?<![A-Za-z0-9_])(" + "|".join(SECRET_NAMES) + r")(=|%3D)([^&\s'\"<>;,)]+)"
)
_BEARER = re.compile(r"(?i)\b(Bearer\s+)[A-Za-z0-9._~+/=-]+")


def redact(text: str) -> str:
    """``text`` with the values of secret query parameters and bearer tokens starred."""
    text = _QUERY_SECRET.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    return _BEARER.sub(lambda m: m.group(1) + MASK, text)


def _scrub(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed call is logging's to report, not ours
        return
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, ()
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))


def install() -> None:
    """Redact every log record created from now on in this process (idempotent)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacting", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _scrub(record)
        return record

    factory.redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
