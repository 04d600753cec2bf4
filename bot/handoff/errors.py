"""Why the handoff desk refused something; ``message`` is shown to the operator or citizen
as is. The web layer (``bot.errors``) maps each kind to its HTTP status in one place."""

from __future__ import annotations


class HandoffError(Exception):
    """A refused transition or request; ``code`` names it for clients."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class NotFound(HandoffError):
    """The handoff asked for does not exist."""


class Invalid(HandoffError):
    """The request itself is wrong (empty text, unknown department, bad score)."""


class Forbidden(HandoffError):
    """Someone else holds the conversation."""


class Conflict(HandoffError):
    """The handoff is not in a state that allows this (already claimed, resolved, rated)."""
